"""English: the reference catalogue; every key here must exist in every other language.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

MESSAGES: dict[str, str] = {
    "language.name": "English",

    # --- app: the page, its controls and status lines (vlmtok.app, app.py)
    "app.describe": "Describe",
    "app.credit": "{title}, by {artist}. Picture: {license}",

    # --- images: intake errors (vlmtok.images)

    # --- encoders and weights (vlmtok.encoders)

    # --- smolvlm (vlmtok.smolvlm)

    # --- narrate: reasons, notices, offline wording (vlmtok.narrate)

    # --- speech (vlmtok.speech)
    # notices for the visitor
    "speech.unavailable": "Audio is unavailable; the text is shown above.",
    "speech.offline_voice": "The online voice could not be reached, so an offline voice is reading.",
    "speech.other_voice": "The chosen voice is not available, so another voice is reading.",

    # --- guard: busy, timeouts (vlmtok.guard)

    # --- visualize: words drawn into pictures (vlmtok.visualize)

    # --- cli (vlmtok.cli)
}
