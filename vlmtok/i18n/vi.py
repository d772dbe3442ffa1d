"""Vietnamese (Tiếng Việt): every key of the English catalogue, translated.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

MESSAGES: dict[str, str] = {
    "language.name": "Tiếng Việt",

    # --- app: the page, its controls and status lines (vlmtok.app, app.py)
    # page and tabs
    "app.title": "vlmtok: mô tả tác phẩm nghệ thuật cho mọi người",
    "app.intro": "Chụp ảnh hoặc tải lên một tác phẩm, hoặc chạm vào một ví dụ. Mô tả hiện ra bằng chữ lớn và bằng "
                 "giọng nói.",
    "app.tab_tour": "Tham quan",
    "app.tab_compare": "So sánh bộ mã hoá",
    "app.tab_how": "Cách hoạt động",
    # tour controls
    "app.image": "Ảnh tác phẩm",
    "app.examples": "Ví dụ",
    "app.language": "Ngôn ngữ",
    "app.length": "Độ dài",
    "app.audience": "Người nghe",
    "app.label_text": "Nhãn bảo tàng (không bắt buộc): tên, tác giả, năm",
    "app.describe": "Mô tả",
    "app.edit_box": "Kiểm tra hoặc sửa văn bản trước khi đọc cho cả nhóm",
    "app.speak": "Đọc đoạn này",
    "app.audio": "Giọng đọc",
    "app.speed": "Tốc độ đọc",
    "app.question": "Câu hỏi thêm",
    "app.question_hint": "Cô ấy đang cầm gì?",
    "app.ask": "Hỏi",
    "app.fullscreen": "Thẻ phụ đề toàn màn hình",
    "app.text_size": "Cỡ chữ phụ đề (px)",
    "app.preset": "Màu phụ đề",
    "app.tier_alt": "Văn bản thay thế",
    "app.tier_short": "Ngắn",
    "app.tier_long": "Dài",
    "app.aud_adult": "Người lớn",
    "app.aud_child": "Trẻ em",
    "app.preset_dark": "Tối",
    "app.preset_light": "Sáng",
    "app.preset_dyslexia": "Dễ đọc (chứng khó đọc)",
    "app.credit": "{title}, tác giả {artist}. Ảnh: {license}",
    "app.placeholder": "Mô tả sẽ hiện ở đây.",
    # status lines (role=status)
    "app.ready": "Sẵn sàng.",
    "app.loading": "Đang tải bộ mô tả (chỉ lần đầu)...",
    "app.describing": "Đang mô tả...",
    "app.described": "Mô tả đã sẵn sàng.",
    "app.audio_ready": "Mô tả đã sẵn sàng. Giọng đọc đã sẵn sàng.",
    "app.step_title": "### {name} ({family}, trọng số: {weights})",
    "app.step_resize": "1. **Đổi kích thước và chuẩn hoá**: {h} x {w} px, trung bình ({mean}), độ lệch chuẩn ({std}) "
                       "-> tensor `[1, 3, {h}, {w}]`",
    "app.step_patches": "2. **Cắt ô (patch)**: P = {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** token",
    "app.step_cells": "2. **Ô của bản đồ đặc trưng**: bước {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = "
                      "**{n}** token",
    "app.step_embed": "3. **Nhúng tuyến tính**: mỗi ô -> d = {d} -> token `[{n}, {d}]`{cls}",
    "app.step_convs": "3. **Các tầng tích chập**: mỗi ô -> d = {d} -> token `[{n}, {d}]`{cls}",
    "app.step_cls": ", thêm một token lớp (CLS) `[{d}]`",
    "app.step_pos": "4. **+ nhúng vị trí và nhúng phương thức**: E_pos(i, j) trên lưới {gh} x {gw}, E_mod cộng một lần",
    "app.step_projector": "5. **Bộ chiếu** (LayerNorm + Linear, ở đây chưa huấn luyện): `[{n}, {d}]` -> `[{m}, "
                          "{d_llm}]`",
    "app.step_prompt": "6. **Lời nhắc**: `<IMG_TOKEN>` + {m} token + `<IMG_END>` = `{shape}` đứng trước văn bản",
    "app.step_smolvlm": "### SmolVLM (tháp thị giác và bộ nối của chính nó)",
    "app.step_tiles": "{rows} x {cols} mảnh + 1 ảnh toàn cảnh",
    "app.step_global_only": "1 ảnh toàn cảnh, không cắt mảnh",
    "app.step_detail": "- **{detail}**: {tiles} = {n} x {px} px -> mỗi ảnh {ph} x {pw} = {patches} ô -> pixel shuffle "
                       "x{s} -> mỗi ảnh {th} x {tw} = {per} token -> **{total}** token ảnh",
    "app.cap_grid": "{tag}: lưới ô, {n} token",
    "app.cap_pca": "{tag}: màu PCA",
    "app.cap_attention": "{tag}: sự chú ý (attention)",
    "app.cap_merge": "{tag}: gộp token, {n} -> {m}",
    "app.col_encoder": "Bộ mã hoá",
    "app.col_input_size": "Đầu vào (H, W)",
    "app.col_grid": "Lưới",
    "app.col_patch_px": "P (px)",
    "app.col_tokens": "Số token",
    "app.col_tokens_after": "Sau khi gộp",
    "app.col_dim": "d",
    "app.col_forward_ms": "Lan truyền (ms)",
    "app.col_weights_source": "Trọng số",
    "app.image_tokens": "{n} token ảnh.",
    "app.machine_translated": "bản dịch máy",
    "app.too_long": "Đoạn văn quá dài để đọc thành tiếng (tối đa {limit} ký tự). Vui lòng rút ngắn.",
    "app.voice_gtts": "Giọng đọc trực tuyến của Google.",
    "app.voice_espeak": "Giọng đọc ngoại tuyến (espeak-ng).",
    "app.voice_piper": "Giọng đọc ngoại tuyến (Piper).",
    "app.audio_unavailable": "Không có giọng đọc: xin hãy đọc văn bản.",
    "app.answering": "Đang trả lời...",
    "app.answered": "Câu trả lời đã sẵn sàng.",
    "app.comparing": "Đang so sánh các bộ mã hoá...",
    "app.compared": "Đã so sánh xong.",
    # plain errors a visitor can cause
    "app.no_image": "Xin hãy chụp ảnh, tải ảnh lên hoặc chạm vào một ví dụ trước.",
    "app.no_text": "Chưa có văn bản để đọc.",
    "app.no_question": "Xin hãy nhập câu hỏi trước.",
    "app.no_encoder": "Xin hãy chọn ít nhất một bộ mã hoá.",
    "app.too_many_encoders": "Chỉ so sánh {n} bộ mã hoá đầu tiên.",
    "app.failed": "Xin lỗi, đã có lỗi khi mô tả bức ảnh này. Xin hãy thử lại hoặc chọn ảnh khác.",
    "app.compare_failed": "Xin lỗi, không thể so sánh. Xin hãy thử ít bộ mã hoá hơn hoặc cỡ ảnh nhỏ hơn.",
    "app.steps_failed": "Xin lỗi, không thể tính các bước cho bức ảnh này. Xin hãy thử bộ mã hoá khác.",
    # compare and how-it-works
    "app.encoders": "Bộ mã hoá (1 đến 4)",
    "app.sizes": "Kích thước đầu vào (px)",
    "app.compare": "So sánh",
    "app.pictures": "Mỗi bộ mã hoá nhìn thấy gì",
    "app.ledger": "Sổ token",
    "app.tap_hint": "Chạm vào một điểm của tác phẩm để xem những ô nào giống nó, với mọi bộ mã hoá.",
    "app.similarity": "Độ giống với ô vừa chạm",
    "app.encoder": "Bộ mã hoá",
    "app.size": "Kích thước đầu vào (px)",
    "app.explain": "Xem các bước",
    "app.steps": "Quy trình, từng bước",

    # --- images: intake errors (vlmtok.images)
    "images.empty": "Chưa nhận được ảnh: tệp trống. Vui lòng chọn một ảnh chụp tác phẩm rồi thử lại.",
    "images.not_found": "Không tìm thấy tệp này. Vui lòng chọn lại ảnh.",
    "images.unreadable": "Không mở được tệp này. Vui lòng chọn lại ảnh hoặc dùng một ảnh khác.",
    "images.file_too_large": "Tệp này quá lớn (hơn {limit_mb} MB). Vui lòng dùng một bản ảnh nhỏ hơn.",
    "images.not_image": "Tệp này không phải là ảnh mà chúng tôi đọc được. Vui lòng chọn ảnh dạng JPEG, PNG, WebP, "
                        "GIF, BMP hoặc TIFF.",
    "images.unsupported_format": "Loại tệp này không được hỗ trợ. Vui lòng lưu ảnh dưới dạng JPEG hoặc PNG rồi thử "
                                 "lại.",
    "images.unsupported_format.pdf": "Đây là tài liệu PDF, không phải ảnh. Vui lòng lưu trang đó thành ảnh JPEG hoặc "
                                     "PNG (hoặc chụp màn hình) rồi thử lại.",
    "images.unsupported_format.svg": "Đây là hình vẽ SVG, chúng tôi không mở được. Vui lòng xuất hình thành ảnh PNG "
                                     "hoặc JPEG rồi thử lại.",
    "images.unsupported_format.html": "Đây là một trang web, không phải ảnh. Vui lòng lưu chính bức ảnh trên trang đó "
                                      "(ví dụ bằng Lưu hình ảnh thành) rồi thử lại.",
    "images.corrupt": "Ảnh này bị hỏng hoặc không đầy đủ nên không mở được. Vui lòng tải lên lại hoặc chọn ảnh khác.",
    "images.too_many_pixels": "Ảnh này có quá nhiều điểm ảnh (giới hạn là {limit_mp} megapixel). Vui lòng dùng một "
                              "bản ảnh nhỏ hơn.",
    "images.too_small": "Ảnh này quá nhỏ ({width} x {height} điểm ảnh). Vui lòng dùng ảnh có mỗi cạnh ít nhất "
                        "{min_side} điểm ảnh.",
    "images.aspect_ratio": "Ảnh này quá dài và hẹp ({width} x {height} điểm ảnh). Vui lòng cắt ảnh sao cho cạnh dài "
                           "không quá {max_ratio} lần cạnh ngắn.",

    # --- encoders and weights (vlmtok.encoders)
    "encoders.pack_fetch": "Không tải được mô hình ảnh ngoại tuyến. Hãy kiểm tra kết nối mạng rồi thử lại, hoặc nhờ "
                           "người cài đặt thiết bị chạy bước tải trước (prefetch).",
    "encoders.pack_broken": "Mô hình ảnh vừa tải bị hỏng hoặc không đúng như mong đợi. Vui lòng thử lại sau.",
    "encoders.pack_busy": "Mô hình ảnh vẫn đang được một tác vụ khác chuẩn bị. Vui lòng đợi một phút rồi thử lại.",

    # --- smolvlm (vlmtok.smolvlm)
    "smolvlm.offline": "Mô hình SmolVLM chưa có trên máy này và không kết nối được internet. Hãy chạy "
                       "'python -m vlmtok prefetch' một lần khi có mạng, hoặc dùng mô tả ngoại tuyến.",
    "smolvlm.failed": "Không tải được mô hình SmolVLM. Hãy chạy lại 'python -m vlmtok prefetch' khi có mạng, hoặc "
                      "dùng mô tả ngoại tuyến.",

    # --- narrate: reasons, notices, offline wording (vlmtok.narrate)

    # --- speech (vlmtok.speech)

    # --- guard: busy, timeouts (vlmtok.guard)
    "guard.busy": "Hệ thống đang bận. Xin hãy thử lại sau giây lát.",
    "guard.timeout": "Việc này đang mất quá nhiều thời gian. Xin hãy thử lại sau giây lát.",
    "guard.failed": "Xin lỗi, đã có lỗi xảy ra. Xin hãy thử lại.",

    # --- visualize: words drawn into pictures (vlmtok.visualize)
    "visualize.random_banner": "trọng số ngẫu nhiên: chỉ có hình học, màu sắc không mang ý nghĩa",

    # --- cli (vlmtok.cli)
    "cli.describe_header": "Trình mô tả: {name} ({reason})",
    "cli.describe_notice": "Lưu ý: {notice}",
    "cli.describe_machine_translated": "Bản dịch máy:",
    "cli.describe_failed": "Trình mô tả {name} không mô tả được bức tranh này. Hãy thử --narrator offline, hoặc chạy "
                           "'python -m vlmtok prefetch' một lần khi có mạng.",
    "cli.tokens_sizes": "Kích thước phải là số điểm ảnh nguyên, cách nhau bằng dấu phẩy, ví dụ 224,336.",
    "cli.tokens_count": "Hãy chọn từ 1 đến 4 bộ mã hoá.",
    "cli.tokens_unknown": "Không có bộ mã hoá {name}. Các bộ mã hoá có sẵn: {known}.",
    "cli.tokens_merge": "Tỉ lệ gộp phải từ 0 đến dưới 1, ví dụ 0.5.",

    # --- tour: the Tour page's conversation, caption card and messages (vlmtok.app.tour, app.py)
    "tour.drop": "Thả ảnh vào đây, hoặc chạm để chọn ảnh",
    "tour.options": "Tuỳ chọn: {language}, {tier}, {audience}",
    "tour.caption": "Phụ đề",
    "tour.controls": "Điều khiển phụ đề",
    "tour.play": "Phát",
    "tour.pause": "Tạm dừng",
    "tour.replay": "Nghe lại",
    "tour.replay_turn": "Nghe lại đoạn này",
    "tour.text_size": "Cỡ chữ",
    "tour.smaller": "Chữ nhỏ hơn",
    "tour.larger": "Chữ lớn hơn",
    "tour.colours": "Màu: {name}",
    "tour.card": "Thẻ phụ đề",
    "tour.close_card": "Đóng thẻ",
    "tour.question": "Câu hỏi:",
    "tour.message": "Thông báo",
    "tour.edited": "Hướng dẫn viên đã sửa",
    "tour.edit_label": "Văn bản sẽ được đọc",
    "tour.clear": "Xoá",
    "tour.press_play": "Nhấn Phát để nghe.",
    "tour.preparing_audio": "Đang chuẩn bị giọng đọc...",
    "tour.speaking": "Đang đọc văn bản đã duyệt.",
    "tour.cleared": "Đã xoá cuộc trò chuyện. Nhấn Mô tả để bắt đầu lại.",
    "tour.queue_full": "Xin lỗi, hệ thống đang bận: có {n} yêu cầu đang chờ và hàng đợi đã đầy. Xin hãy thử lại sau "
                       "giây lát.",
    "tour.queue_full_wait": "Xin lỗi, hệ thống đang bận: có {n} yêu cầu đang chờ và hàng đợi đã đầy. Xin hãy thử lại "
                            "sau khoảng {s} giây.",
    "tour.queue_wait": "Đang chờ đến lượt: còn {n} yêu cầu trước bạn.",
    "tour.queue_wait_s": "Đang chờ đến lượt: còn {n} yêu cầu trước bạn, khoảng {s} giây.",
}
