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

    # --- guard: busy, timeouts (vlmtok.guard)

    # --- visualize: words drawn into pictures (vlmtok.visualize)

    # --- cli (vlmtok.cli)

    # --- robust: storage, picture decoding, a busy server (vlmtok.paths, vlmtok.images, vlmtok.app.http)
    "robust.cache_temporary": "Storage note: saved descriptions and audio last only until the app restarts (its "
                              "cache folder cannot be used).",
    "robust.cache_off": "Storage note: nothing can be saved on this machine, so each description and its audio are "
                        "made afresh.",
    "robust.queue_full": "Too many visitors are waiting right now. Please try again in a moment.",
    "robust.image_undecodable": "We could not read this picture. Please try another photo, or save it again as JPEG "
                                "and upload that.",
    "robust.image_heic": "This is a HEIC photo, which cannot be opened here. Please share it as JPEG and try again.",
    "robust.image_avif": "This is an AVIF picture, which cannot be opened here. Please share it as JPEG and try "
                         "again.",
}
