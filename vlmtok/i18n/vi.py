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
}
