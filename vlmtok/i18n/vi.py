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
    # notices for the visitor
    "speech.unavailable": "Hiện không phát được âm thanh; nội dung được hiển thị ở trên.",
    "speech.offline_voice": "Không kết nối được giọng đọc trực tuyến, nên một giọng đọc ngoại tuyến đang đọc.",
    "speech.other_voice": "Giọng đọc đã chọn không dùng được, nên một giọng đọc khác đang đọc.",

    # --- guard: busy, timeouts (vlmtok.guard)

    # --- visualize: words drawn into pictures (vlmtok.visualize)

    # --- cli (vlmtok.cli)
}
