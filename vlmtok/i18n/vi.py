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
}
