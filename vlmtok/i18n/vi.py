"""Vietnamese (Tiếng Việt): every key of the English catalogue, translated.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

MESSAGES: dict[str, str] = {
    "language.name": "Tiếng Việt",

    # --- app: the page, its controls and status lines (vlmtok.app, app.py)
    "app.describe": "Mô tả",
    "app.credit": "{title}, tác giả {artist}. Ảnh: {license}",

    # --- images: intake errors (vlmtok.images)

    # --- encoders and weights (vlmtok.encoders)

    # --- smolvlm (vlmtok.smolvlm)

    # --- narrate: reasons, notices, offline wording (vlmtok.narrate)

    # --- speech (vlmtok.speech)

    # --- guard: busy, timeouts (vlmtok.guard)

    # --- visualize: words drawn into pictures (vlmtok.visualize)

    # --- cli (vlmtok.cli)

    # --- robust: storage, picture decoding, a busy server (vlmtok.paths, vlmtok.images, vlmtok.app.http)
    "robust.cache_temporary": "Lưu ý: mô tả và âm thanh đã lưu chỉ được giữ đến khi ứng dụng khởi động lại (không "
                              "dùng được thư mục bộ nhớ đệm).",
    "robust.cache_off": "Lưu ý: máy này không lưu được gì, nên mỗi mô tả và âm thanh đều được tạo lại từ đầu.",
    "robust.queue_full": "Hiện có quá nhiều khách đang chờ. Xin hãy thử lại sau giây lát.",
    "robust.image_undecodable": "Chúng tôi không đọc được ảnh này. Vui lòng thử một ảnh khác, hoặc lưu lại ảnh dưới "
                                "dạng JPEG rồi tải lên.",
    "robust.image_heic": "Đây là ảnh HEIC, không mở được ở đây. Vui lòng chia sẻ ảnh dưới dạng JPEG rồi thử lại.",
    "robust.image_avif": "Đây là ảnh AVIF, không mở được ở đây. Vui lòng chia sẻ ảnh dưới dạng JPEG rồi thử lại.",
}
