"""Vietnamese (Tiếng Việt): every key of the English catalogue, translated.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

# Facts about the language itself (not messages): its espeak-ng voice, its gTTS code, and how many of its words
# say what one English word says (Vietnamese counts syllables), for the prompts' length targets.
LANGUAGE: dict[str, object] = {"espeak_voice": "vi", "gtts_lang": "vi", "words_per_word": 1.4}

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
    # why a narrator was chosen ({name}: the backend's display name)
    "narrate.reason.asked": "được chọn theo tên",
    "narrate.reason.no_module": "chưa cài trình mô tả {name}; dùng mô tả ngoại tuyến",
    "narrate.reason.unavailable": "{name} không dùng được ({why}); dùng mô tả ngoại tuyến",
    "narrate.reason.failed": "không khởi động được {name}; dùng mô tả ngoại tuyến",
    "narrate.reason.available": "{name} sẵn sàng ({why})",
    "narrate.reason.no_backend": "không có trình mô tả nào khác; dùng mô tả ngoại tuyến",
    # the SmolVLM narrator's byline
    "narrate.smolvlm.label": "Mô tả do AI viết, {model}",
    # the translation stage
    "narrate.translate.machine": "Bản dịch máy từ tiếng Anh, có thể chưa chính xác.",
    "narrate.translate.no_model": "Không có mô hình dịch; nội dung được hiển thị bằng tiếng Anh.",
    "narrate.translate.failed": "Chưa có mô hình dịch; mô tả được hiển thị bằng tiếng Anh.",
    "narrate.translate.no_pair": "Không có mô hình dịch từ {source} sang {target}.",
    # the offline narrator: its first words (and, without the full stop, its byline)
    "narrate.offline.disclaimer": "Mô tả ngoại tuyến: chỉ nói về màu sắc và bố cục.",
    "narrate.offline.answer_disclaimer": "Trả lời ngoại tuyến: chỉ nói về màu sắc và bố cục.",
    # offline: colour names (also a merged family's name)
    "narrate.offline.word.colour.red": "đỏ",
    "narrate.offline.word.colour.dark_red": "đỏ sẫm",
    "narrate.offline.word.colour.pink": "hồng",
    "narrate.offline.word.colour.orange": "cam",
    "narrate.offline.word.colour.brown": "nâu",
    "narrate.offline.word.colour.dark_brown": "nâu sẫm",
    "narrate.offline.word.colour.beige": "be",
    "narrate.offline.word.colour.cream": "kem",
    "narrate.offline.word.colour.yellow": "vàng",
    "narrate.offline.word.colour.pale_yellow": "vàng nhạt",
    "narrate.offline.word.colour.olive": "xanh ô liu",
    "narrate.offline.word.colour.green": "xanh lá",
    "narrate.offline.word.colour.dark_green": "xanh lá đậm",
    "narrate.offline.word.colour.light_green": "xanh lá nhạt",
    "narrate.offline.word.colour.teal": "xanh ngọc",
    "narrate.offline.word.colour.dark_teal": "xanh ngọc đậm",
    "narrate.offline.word.colour.turquoise": "xanh ngọc nhạt",
    "narrate.offline.word.colour.blue": "xanh dương",
    "narrate.offline.word.colour.dark_blue": "xanh dương đậm",
    "narrate.offline.word.colour.light_blue": "xanh dương nhạt",
    "narrate.offline.word.colour.purple": "tím",
    "narrate.offline.word.colour.dark_purple": "tím sẫm",
    "narrate.offline.word.colour.lilac": "tím nhạt",
    "narrate.offline.word.colour.black": "đen",
    "narrate.offline.word.colour.dark_grey": "xám đậm",
    "narrate.offline.word.colour.grey": "xám",
    "narrate.offline.word.colour.light_grey": "xám nhạt",
    "narrate.offline.word.colour.white": "trắng",
    # offline: where something is ({at}: in place, {to}: a direction)
    "narrate.offline.word.at.top": "phía trên",
    "narrate.offline.word.at.bottom": "phía dưới",
    "narrate.offline.word.at.left": "bên trái",
    "narrate.offline.word.at.right": "bên phải",
    "narrate.offline.word.at.top_left": "góc trên bên trái",
    "narrate.offline.word.at.top_right": "góc trên bên phải",
    "narrate.offline.word.at.bottom_left": "góc dưới bên trái",
    "narrate.offline.word.at.bottom_right": "góc dưới bên phải",
    "narrate.offline.word.at.centre": "chính giữa",
    "narrate.offline.word.to.top": "phía trên",
    "narrate.offline.word.to.bottom": "phía dưới",
    "narrate.offline.word.to.left": "bên trái",
    "narrate.offline.word.to.right": "bên phải",
    "narrate.offline.word.to.top_left": "góc trên bên trái",
    "narrate.offline.word.to.top_right": "góc trên bên phải",
    "narrate.offline.word.to.bottom_left": "góc dưới bên trái",
    "narrate.offline.word.to.bottom_right": "góc dưới bên phải",
    "narrate.offline.word.to.centre": "chính giữa",
    # offline: words that fill the sentences (a key + ".child" is what a child hears, where it differs)
    "narrate.offline.word.format.landscape": "khổ ngang",
    "narrate.offline.word.format.landscape.child": "nằm ngang",
    "narrate.offline.word.format.portrait": "khổ dọc",
    "narrate.offline.word.format.portrait.child": "đứng",
    "narrate.offline.word.format.square": "khổ vuông",
    "narrate.offline.word.format.square.child": "vuông",
    "narrate.offline.word.light_alt.dark": "nhìn chung tối",
    "narrate.offline.word.light_alt.fairly_dark": "nhìn chung khá tối",
    "narrate.offline.word.light_alt.mid": "độ sáng vừa phải",
    "narrate.offline.word.light_alt.fairly_bright": "nhìn chung khá sáng",
    "narrate.offline.word.light_alt.bright": "nhìn chung sáng",
    "narrate.offline.word.light.dark": "tối",
    "narrate.offline.word.light.dark.child": "tối",
    "narrate.offline.word.light.fairly_dark": "khá tối",
    "narrate.offline.word.light.fairly_dark.child": "khá tối",
    "narrate.offline.word.light.mid": "có độ sáng vừa phải",
    "narrate.offline.word.light.mid.child": "không quá tối cũng không quá sáng",
    "narrate.offline.word.light.fairly_bright": "khá sáng",
    "narrate.offline.word.light.fairly_bright.child": "khá sáng",
    "narrate.offline.word.light.bright": "sáng",
    "narrate.offline.word.light.bright.child": "rất sáng",
    "narrate.offline.word.contrast.low": "thấp",
    "narrate.offline.word.contrast.low.child": ", ánh sáng dịu và đều",
    "narrate.offline.word.contrast.moderate": "ở mức vừa phải",
    "narrate.offline.word.contrast.moderate.child": "",
    "narrate.offline.word.contrast.high": "cao",
    "narrate.offline.word.contrast.high.child": ", có những chỗ sáng nằm ngay cạnh những chỗ tối",
    "narrate.offline.word.share.almost_all": "gần như toàn bộ",
    "narrate.offline.word.share.most": "phần lớn",
    "narrate.offline.word.share.half": "khoảng một nửa",
    "narrate.offline.word.share.third": "khoảng một phần ba",
    "narrate.offline.word.share.quarter": "khoảng một phần tư",
    "narrate.offline.word.share.fifth": "khoảng một phần năm",
    "narrate.offline.word.share.sixth": "khoảng một phần sáu",
    "narrate.offline.word.share.tenth": "khoảng một phần mười",
    "narrate.offline.word.share.small": "một phần nhỏ",
    "narrate.offline.word.and": "{first} và {last}",
    "narrate.offline.word.decimal_point": ",",
    "narrate.offline.word.mostly": "chủ yếu là màu {c}",
    "narrate.offline.word.mostly_all": "gần như toàn màu {c}",
    # offline: sentences (capitalised in code when they open with a placeholder)
    "narrate.offline.alt": "Bức tranh {fmt}, {mostly}; {light_alt}, {focus}.",
    "narrate.offline.alt.child": "Một bức tranh {fmt} có nhiều màu {top2}. Bức tranh {light}, và {focus}.",
    "narrate.offline.alt_focus": "điểm nhấn nằm ở {at}",
    "narrate.offline.alt_focus.child": "mắt em sẽ nhìn về {to}",
    "narrate.offline.alt_focus_spread": "không có điểm nhấn riêng",
    "narrate.offline.alt_focus_spread.child": "chỗ nào cũng có điều để ngắm",
    "narrate.offline.alt_compact": "{Mostly}; {light_alt}.",
    "narrate.offline.label": "Nhãn của bảo tàng ghi: “{label}”.",
    "narrate.offline.colours_one": "Bức tranh {fmt} này gần như toàn màu {c1}.",
    "narrate.offline.colours_one.child": "Bức tranh {fmt} này gần như chỉ có màu {c1}.",
    "narrate.offline.colours_lead": "Bức tranh {fmt} này chủ yếu là màu {c1} ({share1}){with_rest}.",
    "narrate.offline.colours_lead.child": "Màu nhiều nhất trong bức tranh {fmt} này là màu {c1}{with_rest}.",
    "narrate.offline.colours_mix": "Các màu chính của bức tranh {fmt} này là {all}.",
    "narrate.offline.colours_mix.child": "Bức tranh {fmt} này có nhiều màu: {all}.",
    "narrate.offline.with_rest": ", cùng với {rest}",
    "narrate.offline.with_rest.child": ", và em còn tìm thấy cả {rest} nữa",
    "narrate.offline.colours_pct": "Màu {c1} chiếm {share1} bức tranh ({pct1}%){followed}.",
    "narrate.offline.followed": ", tiếp theo là {rest_pct}",
    "narrate.offline.shades": "Các sắc {family} trải từ {darkest} đến {lightest}.",
    "narrate.offline.format_landscape": "Bức tranh có khổ ngang, chiều rộng gấp khoảng {ratio} lần chiều cao.",
    "narrate.offline.format_landscape.child": "Bức tranh rộng hơn cao, giống như một ô cửa sổ.",
    "narrate.offline.format_portrait": "Bức tranh có khổ dọc, chiều cao gấp khoảng {ratio} lần chiều rộng.",
    "narrate.offline.format_portrait.child": "Bức tranh cao hơn rộng, giống như một cánh cửa.",
    "narrate.offline.format_square": "Bức tranh có khổ vuông.",
    "narrate.offline.format_square.child": "Bức tranh vuông vức, giống như một chiếc hộp.",
    "narrate.offline.light": "Nhìn chung bức tranh {light}, độ tương phản giữa vùng sáng và vùng tối {contrast}.",
    "narrate.offline.light.child": "Bức tranh {light}{contrast}.",
    "narrate.offline.temp_warm": "Bảng màu mang tông ấm{leaning}.",
    "narrate.offline.temp_warm.child": "Các màu trông thật ấm áp, như ánh nắng hay ngọn lửa.",
    "narrate.offline.temp_cool": "Bảng màu mang tông lạnh{leaning}.",
    "narrate.offline.temp_cool.child": "Các màu trông mát lạnh, như nước hay bầu trời đêm.",
    "narrate.offline.temp_mixed": "Màu ấm và màu lạnh đan xen nhau.",
    "narrate.offline.temp_mixed.child": "Màu ấm và màu lạnh ở cạnh nhau.",
    "narrate.offline.temp_neutral": "Màu sắc trầm, gần với các sắc xám.",
    "narrate.offline.temp_neutral.child": "Các màu dịu và hơi xám.",
    "narrate.offline.leaning": ", thiên về {fams}",
    "narrate.offline.focus": "Điểm nhấn thị giác nằm ở {at}.",
    "narrate.offline.focus.child": "Mắt em sẽ bị thu hút về {to}.",
    "narrate.offline.focus_spread": "Sức nặng thị giác trải đều khắp bức tranh, không có điểm nhấn riêng.",
    "narrate.offline.focus_spread.child": "Chỗ nào cũng có điều thú vị để ngắm.",
    "narrate.offline.focus_how": "Xét theo những chỗ màu sắc nổi bật và ánh sáng thay đổi nhiều nhất, điểm nhấn thị "
                                 "giác nằm ở {at}.",
    "narrate.offline.focus_how_spread": "Xét theo những chỗ màu sắc nổi bật và ánh sáng thay đổi nhiều nhất, sức nặng "
                                        "thị giác trải đều khắp bức tranh, không có điểm nhấn riêng.",
    "narrate.offline.extremes": "Vùng sáng nhất nằm ở {at}, còn vùng tối nhất ở {at2}.",
    "narrate.offline.extremes.child": "Em có tìm thấy chỗ sáng nhất không? Hãy nhìn về {to} nhé.",
    "narrate.offline.count": "Bức tranh dùng ít nhất {n} màu khác hẳn nhau.",
    "narrate.offline.count.child": "Em thử đếm xem có bao nhiêu màu nhé: ít nhất là {n} màu.",
    "narrate.offline.busy_calm": "Bố cục tĩnh lặng, với những mảng lớn và đều.",
    "narrate.offline.busy_calm.child": "Bức tranh trông yên bình, với những mảng màu lớn và mịn.",
    "narrate.offline.busy_moderate": "Bố cục có lượng chi tiết vừa phải.",
    "narrate.offline.busy_moderate.child": "Bức tranh có một vài chi tiết, nhưng không quá nhiều.",
    "narrate.offline.busy_busy": "Bố cục dày đặc, nhiều đường nét và chi tiết nhỏ.",
    "narrate.offline.busy_busy.child": "Có thật nhiều đường nét và chi tiết nhỏ để em khám phá.",
    "narrate.offline.limits": "Mô tả này không thể cho biết bức tranh vẽ gì hay vẽ ai; muốn biết, hãy hỏi hướng dẫn "
                              "viên hoặc đọc nhãn của bảo tàng.",
    "narrate.offline.limits.child": "Mô tả này chỉ biết về màu sắc và hình khối, nên em hãy hỏi hướng dẫn viên xem "
                                    "bức tranh vẽ gì nhé!",
    # offline: answers to follow-up questions
    "narrate.offline.cannot": "Trình mô tả ngoại tuyến không nhận ra đồ vật, con người hay hành động, chỉ đo được "
                              "màu sắc, ánh sáng và bố cục, nên không thể trả lời câu hỏi này từ bức tranh.",
    "narrate.offline.cannot.child": "Trình mô tả này không nhận ra đồ vật, con người hay việc họ đang làm, chỉ biết "
                                    "màu sắc và hình khối, nên không trả lời được câu này. Em hãy hỏi hướng dẫn viên "
                                    "nhé!",
    "narrate.offline.can_say": "Những gì có thể nói: {alt}",
    "narrate.offline.colour_yes": "Màu {c} chiếm {share} bức tranh ({pct}%), chủ yếu ở {at}.",
    "narrate.offline.colour_all_over": "Màu {c} chiếm {share} bức tranh ({pct}%), trải khắp bức tranh.",
    "narrate.offline.colour_little": "Chỉ có một chút màu {c}, chủ yếu ở {at}.",
    "narrate.offline.colour_none": "Bức tranh gần như không có màu {c}.",
    "narrate.offline.region": "Ở {at}, bức tranh {light}, chủ yếu là màu {top2}.",
    "narrate.offline.label_only": "Mọi thông tin về tác giả, tên tranh hay niên đại đều lấy từ nhãn đó.",

    # --- speech (vlmtok.speech)
    # notices for the visitor
    "speech.unavailable": "Hiện không phát được âm thanh; nội dung được hiển thị ở trên.",
    "speech.offline_voice": "Không kết nối được giọng đọc trực tuyến, nên một giọng đọc ngoại tuyến đang đọc.",
    "speech.other_voice": "Giọng đọc đã chọn không dùng được, nên một giọng đọc khác đang đọc.",

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

    # --- robust: storage, picture decoding, a busy server (vlmtok.paths, vlmtok.images, vlmtok.app.http)
    "robust.cache_temporary": "Lưu ý: mô tả và âm thanh đã lưu chỉ được giữ đến khi ứng dụng khởi động lại (không "
                              "dùng được thư mục bộ nhớ đệm).",
    "robust.cache_off": "Lưu ý: máy này không lưu được gì, nên mỗi mô tả và âm thanh đều được tạo lại từ đầu.",
    "robust.queue_full": "Hiện có quá nhiều khách đang chờ. Xin hãy thử lại sau giây lát.",
    "images.undecodable": "Chúng tôi không đọc được ảnh này. Vui lòng thử một ảnh khác, hoặc lưu lại ảnh dưới "
                                "dạng JPEG rồi tải lên.",
    "images.unsupported_format.heic": "Đây là ảnh HEIC, không mở được ở đây. Vui lòng chia sẻ ảnh dưới dạng JPEG rồi thử lại.",
    "images.unsupported_format.avif": "Đây là ảnh AVIF, không mở được ở đây. Vui lòng chia sẻ ảnh dưới dạng JPEG rồi thử lại.",

    # --- served narrator (vlmtok.narrate.openai)
    "narrate.openai.label": "Mô tả do AI viết, {model} chạy trên máy chủ {server}; bức ảnh được gửi đi dưới dạng "
                            "điểm ảnh",
    "narrate.openai.down": "Không kết nối được máy chủ mô tả {server}, nên dùng mô tả ngoại tuyến thay thế.",
    "narrate.openai.slow": "Máy chủ mô tả {server} không trả lời kịp, nên dùng mô tả ngoại tuyến thay thế.",
    "narrate.openai.garbage": "Máy chủ mô tả {server} gửi câu trả lời không đọc được, nên dùng mô tả ngoại tuyến "
                              "thay thế.",

    # --- expected time before a narration starts (vlmtok.app.eta)
    "eta.expected": "Thời gian dự kiến trên máy này: khoảng {seconds} giây (độ chi tiết {detail}, đã đo).",
    "eta.first": "Lần mô tả đầu tiên với độ chi tiết {detail} trên máy này: đang đo thời gian.",
    "eta.detail_low": "thấp",
    "eta.detail_normal": "vừa",
    "eta.detail_high": "cao",

    # --- the public API (vlmtok.app.api)
    "api.bad_choice": "{name} phải là một trong: {choices}.",
    "api.bad_point": "Điểm ({x}, {y}) nằm ngoài bức ảnh ({width} x {height} điểm ảnh).",
    "api.unknown_encoder": "Không có bộ mã hoá {name}. Các bộ mã hoá có sẵn: {known}.",
    "api.too_many_encoders": "Hãy chọn từ 1 đến {n} bộ mã hoá.",

    # --- smolvlm on a shared GPU (vlmtok.smolvlm.zerogpu)
    "smolvlm.gpu.quota": "Thời gian dùng GPU miễn phí đã hết. Vui lòng thử lại sau.",
    "smolvlm.gpu.quota_wait": "Thời gian dùng GPU miễn phí đã hết. Vui lòng thử lại sau {wait}.",
    "smolvlm.gpu.busy": "Hiện không có GPU nào rảnh. Vui lòng thử lại sau một phút.",
    "smolvlm.wait.under_minute": "chưa đầy một phút",
    "smolvlm.wait.minute": "khoảng một phút",
    "smolvlm.wait.minutes": "khoảng {n} phút",
    "smolvlm.wait.hours": "khoảng {n} giờ",

    # --- compare and how it works (vlmtok.app.compare, vlmtok.encoders, vlmtok.visualize)
    "compare.unknown_encoder": "Không có bộ mã hoá nào tên là \"{name}\". Hãy chọn một bộ trong danh sách, hoặc gõ "
                               "đúng tên một mô hình timm (ví dụ convnext_nano).",
    "compare.no_token_grid": "{name} chỉ cho một bản tóm tắt cho cả bức ảnh, không cho token trên một lưới, nên "
                             "không vẽ được token của nó. Hãy chọn một mô hình ViT, CNN hoặc lai.",
    "compare.too_large": "{name} quá lớn cho thiết bị này ({millions} triệu tham số; giới hạn là {limit} triệu). "
                         "Hãy chọn một mô hình nhỏ hơn.",
    "compare.badge_trained": "đã huấn luyện",
    "compare.badge_random": "trọng số ngẫu nhiên: chỉ có hình dạng",
    "compare.source_hub": "trọng số đã huấn luyện từ Hugging Face Hub",
    "compare.source_pack": "trọng số đã huấn luyện lưu trên máy này (gói ngoại tuyến)",
    "compare.source_random": "không có trọng số đã huấn luyện: số ngẫu nhiên, chỉ hình dạng là thật",
    "compare.any_timm": "Hoặc gõ tên bất kỳ mô hình timm nào (không bắt buộc)",
    "compare.any_timm_hint": "ví dụ convnext_nano hoặc eva02_tiny_patch14_224",
    "compare.px": "{n} px",
    "compare.progress_load": "Đang tải {name}...",
    "compare.progress_encode": "{name}: tạo token ở {size} px...",
    "compare.tag": "{name}, {h} × {w} px ({badge})",
    "compare.cap_grid": "{tag}: {n} token, ô {p} px",
    "compare.cap_grid_vlm": "{tag}: ảnh toàn cảnh, {n} token {p} px (kích thước nó thực sự dùng)",
    "compare.cap_pca": "{tag}: token nhìn thấy gì (màu PCA)",
    "compare.cap_attention": "{tag}: mô hình nhìn vào đâu (lan truyền chú ý)",
    "compare.cap_merge": "{tag}: gộp token, từ {n} còn {m} token",
    "compare.cap_tiles": "{tag}: cách chia ô ở mức chi tiết {detail}, {rows} × {cols} ô + 1 ảnh toàn cảnh = {n} token",
    "compare.cap_resampler": "{tag}: bộ lấy mẫu lại, {m} truy vấn ngẫu nhiên gom {n} token thành {m} (chỉ hình học)",
    "compare.cap_similarity": "{tag}: độ giống với điểm đã chạm",
    "compare.cap_fusion": "{name} ({badge}): token {fine} px nhìn vào đâu ở {coarse} px (chú ý giữa các tỉ lệ)",
    "compare.tapped": "Đã có độ giống: {n} hình.",
    "compare.col_encoder": "Bộ mã hoá",
    "compare.col_input": "Đầu vào",
    "compare.col_grid": "Lưới",
    "compare.col_tokens": "Token",
    "compare.col_merged": "Sau khi gộp",
    "compare.col_width": "Độ rộng token",
    "compare.col_forward": "Lượt chạy",
    "compare.px_hw": "{h} × {w} px",
    "compare.grid_cells": "{gh} × {gw} ô {p} px",
    "compare.grid_cells_vlm": "{gh} × {gw} token {p} px",
    "compare.n_tokens": "{n} token",
    "compare.n_values": "{n} số",
    "compare.ms": "{ms} ms",
    "compare.detail_low": "thấp",
    "compare.detail_normal": "vừa",
    "compare.detail_high": "cao",
    "compare.vlm_cost": "{model} ở mức chi tiết {detail} đọc bức ảnh này thành {images} ảnh ({rows} × {cols} ô + 1 ảnh "
                        "toàn cảnh), mỗi ảnh {per} token: {n} token ảnh.",
    "compare.vlm_cost_global": "{model} ở mức chi tiết {detail} chỉ đọc ảnh toàn cảnh (cả bức ảnh trong một ô): "
                               "{n} token ảnh.",
    "compare.note_pack": "Gói ngoại tuyến: trọng số đã huấn luyện lưu trên máy này, được chuyển đổi một lần từ một gói "
                         "phần mềm, nên không cần internet.",
    "compare.note_random": "Trọng số ngẫu nhiên: mô hình có đúng hình dạng nhưng chưa học gì, nên lưới và số đếm là "
                           "thật còn màu sắc không mang ý nghĩa.",
    "compare.note_merge": "Sau khi gộp: số token khi các token giống nhau được lấy trung bình từng đôi (tỉ lệ 0.5).",
    "compare.lens_title": "{name}: những từ gần nhất với token ở hàng {row}, cột {col}",
    "compare.lens_how": "Những từ của mô hình ngôn ngữ gần token ảnh này nhất (độ tương đồng cosin trong không gian "
                        "đầu vào của nó): cái nhìn đầu tiên về điều nó đọc được ở đó.",
    "compare.lens_random": "Trọng số ngẫu nhiên: những từ này không có ý nghĩa.",
    "compare.fusion_title": "Chú ý giữa các tỉ lệ: một token {fine} px nhìn vào các token {coarse} px",
    "compare.fusion_where": "token ở hàng {row}, cột {col} trong {n}; trong {m} token thô nó nhìn nhiều nhất vào hàng "
                            "{brow}, cột {bcol} ({share}% sự chú ý của nó)",
    "compare.fusion_how": "tích vô hướng có chia tỉ lệ trên chính token của bộ mã hoá (không huấn luyện); sáng = chú ý "
                          "nhiều hơn",
    "compare.resampler_title": "Bộ lấy mẫu lại: {m} truy vấn ẩn gom {n} token thành {m}",
    "compare.resampler_how": "mỗi ô được tô màu theo truy vấn ẩn gom nó nhiều nhất; {used} trong {m} truy vấn có "
                             "token, truy vấn lớn nhất giữ {most}",
    "compare.resampler_random": "truy vấn ngẫu nhiên: các nhóm theo hình học của đặc trưng, không có gì được học",
    "compare.resampler_learned": "truy vấn đã học",
    "how.ready": "Đã sẵn sàng cách hoạt động: {n} bước cho {name} trên bức ảnh này.",
    "how.step_heading": "Bước {i}. {title}",
    "how.symbols_label": "Bằng ký hiệu:",
    "how.pic_photo": "ảnh của bạn, {w} × {h} px",
    "how.pic_resized": "sau khi đổi cỡ, {w} × {h} px",
    "how.pic_normalised": "sau khi chuẩn hoá (hiển thị từ -2.5 đến +2.5)",
    "how.resize_title": "Đổi cỡ và chuẩn hoá",
    "how.resize_plain": "Cả bức ảnh ({W0} × {H0} px) được co về {w} × {h} px, không cắt bỏ phần nào. Sau đó mỗi màu "
                        "được dịch và co giãn như khi bộ mã hoá được huấn luyện: trừ đi trung bình, chia cho độ trải.",
    "how.resize_symbols": "x' = (x - μ) / σ với μ = ({mean}) và σ = ({std}); tensor là [1, 3, {h}, {w}].",
    "how.resize_alt": "Bức ảnh trước, sau khi đổi cỡ về {w} x {h} điểm ảnh, và sau khi chuẩn hoá.",
    "how.cells_title_vit": "Cắt thành mảnh",
    "how.cells_title_cnn": "Các ô của bản đồ đặc trưng",
    "how.cells_title_hybrid": "Các tầng tích chập và chú ý",
    "how.cells_caption_vit": "{gh} × {gw} = {n} mảnh {p} px",
    "how.cells_caption_cnn": "{gh} × {gw} = {n} ô, mỗi ô {p} px",
    "how.cells_caption_hybrid": "{gh} × {gw} = {n} ô, mỗi ô {p} px",
    "how.cells_plain_vit": "Bức ảnh được cắt thành {gh} × {gw} = {n} ô vuông {p} × {p} px. Mỗi ô vuông thành một token.",
    "how.cells_plain_cnn": "CNN không cắt ô vuông: các tầng tích chập thu nhỏ bức ảnh {p} lần theo mỗi chiều "
                           "({stages}). Mỗi ô của bản đồ cuối, {gh} × {gw} = {n} ô, thành một token.",
    "how.cells_plain_hybrid": "Trước là tích chập, sau là chú ý: các tầng thu nhỏ bức ảnh {p} lần theo mỗi chiều "
                              "({stages}). Mỗi ô của bản đồ cuối, {gh} × {gw} = {n} ô, thành một token.",
    "how.cells_symbols_vit": "N = (H/P)(W/P) = ({h}/{p})({w}/{p}) = {gh} × {gw} = {n}",
    "how.cells_symbols_cnn": "N = ⌈H/s⌉⌈W/s⌉ = ⌈{h}/{p}⌉⌈{w}/{p}⌉ = {gh} × {gw} = {n}, bước tổng s = {p} px",
    "how.cells_symbols_hybrid": "N = ⌈H/s⌉⌈W/s⌉ = ⌈{h}/{p}⌉⌈{w}/{p}⌉ = {gh} × {gw} = {n}, bước tổng s = {p} px",
    "how.cells_alt": "Bức ảnh đã đổi cỡ với lưới vàng {gh} x {gw} ô, mỗi ô {p} điểm ảnh.",
    "how.pic_which": "token {k}: hàng {row}, cột {col}",
    "how.pic_enlarged": "ô vuông đó, phóng to",
    "how.pic_flat": "{n_in} số của nó xếp thành hàng: đỏ, lục, lam",
    "how.patch_title_vit": "Một mảnh, trải phẳng",
    "how.patch_title_cnn": "Điểm ảnh của một ô",
    "how.patch_plain_vit": "Lấy một ô vuông: {p} × {p} điểm ảnh với 3 màu. Xếp thành một hàng, đó là {n_in} số.",
    "how.patch_plain_cnn": "Một ô phủ {p} × {p} điểm ảnh với 3 màu, {n_in} số; các phép tích chập còn cho nó nhìn thấy "
                           "một phần các ô bên cạnh.",
    "how.patch_symbols_vit": "x_i ∈ ℝ^(3P²) = ℝ^(3 × {p} × {p}) = ℝ^{n_in}",
    "how.patch_symbols_cnn": "vùng riêng của một ô: 3 × s × s = 3 × {p} × {p} = {n_in} số (vùng tiếp nhận của nó lớn "
                             "hơn)",
    "how.patch_alt": "Ô vuông ở hàng {row}, cột {col}, phóng to, và {n_in} số của nó thành một dải màu.",
    "how.pic_token": "token {k}: {d} số (mỗi số một ô vuông, vàng = lớn)",
    "how.embed_title": "Độ rộng nhúng d",
    "how.embed_plain_vit": "Một lớp đã học biến {n_in} số thành {d} số, rồi các khối của transformer trộn mỗi token với "
                           "mọi token khác. Mỗi token giờ là một danh sách {d} số.",
    "how.embed_plain_cnn": "Các tầng tích chập biến mỗi ô thành {d} số. Mỗi token là một danh sách {d} số.",
    "how.embed_symbols": "Z ∈ ℝ^(N × d) = [{n}, {d}]",
    "how.embed_alt": "Token {k} của bộ mã hoá thành một dải {d} ô vuông màu.",
    "how.pic_before_proj": "token của bộ mã hoá: {d} số",
    "how.pic_after_proj": "sau bộ chiếu: {d_llm} số",
    "how.proj_title": "Bộ chiếu sang độ rộng của mô hình ngôn ngữ",
    "how.proj_plain": "Mỗi từ của mô hình ngôn ngữ là một danh sách {d_llm} số, nên một bộ chiếu (một phép chuẩn hoá và "
                      "một lớp tuyến tính) biến mỗi token {d} số thành {d_llm} số. Ở đây nó chưa được huấn luyện: đúng "
                      "hình dạng, chưa có ý nghĩa.",
    "how.proj_symbols": "Y = LayerNorm(Z) W_proj + b_proj: [{n}, {d}] → [{n}, {d_llm}]",
    "how.proj_alt": "Token {k} trước bộ chiếu ({d} số) và sau bộ chiếu ({d_llm} số).",
    "how.pic_pos": "mẫu vị trí của ô này: {d_llm} số",
    "how.pic_mod": "mẫu ảnh, giống nhau cho mọi token ảnh",
    "how.pic_pos_map": "mẫu vị trí giống với hàng {row}, cột {col} đến đâu",
    "how.pos_title": "+ vị trí và loại dữ liệu",
    "how.pos_plain": "Tự các token không mang thứ tự, nên mỗi token nhận một mẫu vị trí: các ô gần ô này có mẫu giống "
                     "nhau (sáng), các ô xa thì khác (tối). Thêm một mẫu nữa, giống nhau cho mọi token ảnh, cho biết: "
                     "cái này đến từ một bức ảnh.",
    "how.pos_symbols": "Y_ij + E_mod + E_pos(i, j): E_pos là mẫu sin-cos 2 chiều trên lưới {gh} × {gw}, E_mod là một "
                       "vectơ đã học, cả hai đều {d_llm} số, cộng một lần",
    "how.pos_alt": "Bản đồ cho thấy mẫu vị trí của mỗi ô giống với ô đã chọn đến đâu, và hai dải: mẫu vị trí của nó và "
                   "mẫu ảnh.",
    "how.pic_sequence": "{m} vectơ ảnh, rồi {t} từ của văn bản: {total} vectơ, mỗi vectơ {d_llm} số",
    "how.seq_title": "Chuỗi token",
    "how.seq_plain": "Mô hình ngôn ngữ đọc một hàng dài: một dấu mở đầu, {n} token ảnh theo thứ tự đọc (trái sang phải, "
                     "trên xuống dưới), một dấu kết thúc, rồi đến các từ, ở đây là \"{prompt}\".",
    "how.seq_symbols": "[<IMG_TOKEN>, Y_1 … Y_{n}, <IMG_END>, văn bản] = [{n} + 2 + {t}, {d_llm}] = [{total}, {d_llm}]",
    "how.seq_alt": "Một hàng ô: dấu mở đầu, các token ảnh đầu tiên thành những ô vuông nhỏ của bức ảnh, dấu kết thúc và "
                   "các từ.",
    "how.pic_tiles": "{rows} × {cols} ô {tile} px, cắt từ {w} × {h} px",
    "how.pic_global": "+ ảnh toàn cảnh: cả bức ảnh trong một ô {tile} px",
    "how.vlm_tiles_title": "Đổi cỡ, chuẩn hoá và cắt thành ô",
    "how.vlm_tiles_plain": "Bức ảnh ({W0} × {H0} px) được đổi cỡ để cạnh dài nhất là một số nguyên lần ô {tile} px, ở "
                           "đây là {w} × {h} px: {rows} × {cols} ô. Cả bức ảnh co vào thêm một ô là ảnh toàn cảnh: tổng "
                           "cộng {tiles} ảnh. Trên thiết bị này trình mô tả đọc ở mức chi tiết {here}: {n_here} token.",
    "how.vlm_tiles_symbols": "x' = (x - 0.5) / 0.5; {tiles} × [3, {tile}, {tile}]",
    "how.vlm_tiles_alt": "Bức ảnh được cắt thành {rows} x {cols} ô, và ảnh toàn cảnh bên cạnh.",
    "how.pic_vlm_patches": "{side} × {side} = {patches} mảnh {patch} px trong mỗi ô",
    "how.vlm_patches_title": "Các mảnh của mỗi ô",
    "how.vlm_patches_plain": "Mỗi ảnh {tile} px được cắt thành {side} × {side} = {patches} ô vuông {patch} px.",
    "how.vlm_patches_symbols": "({tile}/{patch})² = {side}² = {patches} mảnh mỗi ảnh",
    "how.vlm_patches_alt": "Ảnh toàn cảnh với lưới {side} x {side} mảnh.",
    "how.vlm_siglip_title": "Một mảnh qua SigLIP",
    "how.vlm_siglip_plain": "Một ô vuông {patch} × {patch} điểm ảnh là {n_in} số. SigLIP, phần thị giác, biến mỗi mảnh "
                            "thành {d_vision} số, nhìn cả {patches} mảnh của ô đó.",
    "how.vlm_siglip_symbols": "x_i ∈ ℝ^(3 × {patch} × {patch}) → z_i ∈ ℝ^{d_vision}; mỗi ảnh [{patches}, {d_vision}]",
    "how.vlm_siglip_alt": "Một mảnh phóng to và các số của nó thành một dải màu.",
    "how.pic_vlm_shuffle": "mỗi khối xanh {r} × {r} mảnh thành một token: {grid} × {grid} = {per} token",
    "how.vlm_shuffle_title": "Xáo điểm ảnh ×{r}",
    "how.vlm_shuffle_plain": "Mỗi khối {r} × {r} mảnh cạnh nhau được xếp chồng thành một token {stacked} số, nên "
                             "{patches} mảnh thành {per} token mỗi ảnh.",
    "how.vlm_shuffle_symbols": "xáo điểm ảnh r = {r}: [{patches}, {d_vision}] → [{per}, {r}² × {d_vision}] = "
                               "[{per}, {stacked}]",
    "how.vlm_shuffle_alt": "Ảnh toàn cảnh với các khối xanh {r} x {r} mảnh, {per} khối.",
    "how.pic_vlm_connector": "bộ nối: vào {stacked} số, ra {d_llm} số (độ rộng của mô hình ngôn ngữ)",
    "how.vlm_connector_title": "Bộ nối sang độ rộng của mô hình ngôn ngữ",
    "how.vlm_connector_plain": "Một lớp tuyến tính, được huấn luyện cùng mô hình, biến mỗi token {stacked} số thành "
                               "{d_llm} số, độ rộng của các từ trong mô hình ngôn ngữ: {per} token mỗi ảnh, {n} token "
                               "cho {tiles} ảnh.",
    "how.vlm_connector_symbols": "Y = Z_xáo W: [{per}, {stacked}] → [{per}, {d_llm}]; N = {tiles} × {per} = {n}",
    "how.vlm_connector_alt": "Các ô cho thấy kích thước: {patches} x {d_vision}, rồi {per} x {stacked}, rồi {per} x "
                             "{d_llm}.",
    "how.pic_vlm_seq": "{n} token ảnh giữa các dấu ô, rồi đến các từ",
    "how.vlm_seq_title": "Chuỗi token",
    "how.vlm_seq_plain": "Mô hình ngôn ngữ đọc mỗi ô thành một dấu kèm hàng và cột, rồi {per} token ảnh của ô đó; ảnh "
                         "toàn cảnh đến sau cùng, rồi đến các từ. {model} đọc {n} token ảnh cho bức ảnh này.",
    "how.vlm_seq_symbols": "<fake_token_around_image><row_r_col_c><image>×{per} … <global-img><image>×{per}, "
                           "N = {n}",
    "how.vlm_seq_alt": "Một hàng ô: các dấu ô, các token ảnh của mỗi ô, ảnh toàn cảnh và các từ.",

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
    # đọc ngay khi đang viết (tuỳ chọn của Tham quan)
    "tour.speak_mode": "Giọng đọc",
    "tour.speak_live": "Đọc ngay khi đang viết",
    "tour.speak_check": "Duyệt trước khi đọc",
    "tour.preparing_narrator": "Đang chuẩn bị bộ mô tả... Bạn có thể chọn ảnh ngay: ảnh sẽ được mô tả khi bộ mô tả "
                               "sẵn sàng.",

    # --- pack (vlmtok.pack): the Tour pack view
    "pack.tab": "Gói tham quan",
    "pack.intro": "Các tác phẩm đã được thuyết minh sẵn: chạm vào một tác phẩm, hoặc chụp ảnh nó trên tường. "
                  "Mọi thứ ở đây đều phát được khi không có mạng.",
    "pack.gallery": "Các tác phẩm trong gói này",
    "pack.photo": "Chụp ảnh một tác phẩm để tìm nó",
    "pack.language": "Ngôn ngữ",
    "pack.length": "Độ dài",
    "pack.audience": "Người nghe",
    "pack.tier_alt": "Văn bản thay thế",
    "pack.tier_short": "Ngắn",
    "pack.tier_long": "Dài",
    "pack.audience_adult": "Người lớn",
    "pack.audience_child": "Trẻ em",
    "pack.audio": "Giọng đọc đã chuẩn bị",
    "pack.about": "Về phần thuyết minh này",
    "pack.question": "Một câu hỏi về tác phẩm này",
    "pack.ask": "Hỏi",
    "pack.choose": "Chạm vào một tác phẩm, hoặc chụp ảnh nó, để nghe thuyết minh.",
    "pack.opened": "{name}: phần thuyết minh đã chuẩn bị sẵn sàng.",
    "pack.no_audio": "{name}: đã hiện văn bản chuẩn bị sẵn; gói này không có âm thanh cho phần này.",
    "pack.no_narration": "{name} chưa có thuyết minh chuẩn bị sẵn ở ngôn ngữ và độ dài này. Hãy thử độ dài khác.",
    "pack.found": "Đã tìm thấy trong gói: {name}.",
    "pack.not_found": "Ảnh này không khớp với tác phẩm nào trong gói. Hãy chụp lại gần hơn, thẳng góc, không bị "
                      "loá, hoặc chạm vào tác phẩm trong danh sách.",
    "pack.match_failed": "Hiện chưa so khớp được ảnh này. Hãy chạm vào tác phẩm trong danh sách.",
    "pack.written_by": "Được viết sẵn bởi {who} (trọng số {weights}) ngày {when}.",
    "pack.label_line": "Nhãn bảo tàng: {label}",
    "pack.machine_translated": "bản dịch máy",
    "pack.no_live_narrator": "Ở đây không có trình mô tả AI: câu hỏi được trả lời ngoại tuyến, chỉ về màu sắc và "
                             "bố cục.",
    "pack.unreadable": "Không phát được gói tham quan: {reason}",
    "pack.none": "Chưa nạp gói tham quan nào. Hãy khởi động ứng dụng bằng: python app.py --pack PACK",
    "pack.written_by_no_model": "Được viết sẵn ngày {when}: {who}.",
}
