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

    # --- pack (vlmtok.pack): the Tour pack view
    "pack.tab": "Tour pack",
    "pack.intro": "Artworks narrated ahead: tap one, or photograph it on the wall. Everything here plays offline.",
    "pack.gallery": "Artworks in this pack",
    "pack.photo": "Photograph an artwork to find it",
    "pack.language": "Language",
    "pack.length": "Length",
    "pack.audience": "Audience",
    "pack.tier_alt": "Alt text",
    "pack.tier_short": "Short",
    "pack.tier_long": "Long",
    "pack.audience_adult": "Adults",
    "pack.audience_child": "Children",
    "pack.audio": "Prepared speech",
    "pack.about": "About this narration",
    "pack.question": "A question about this artwork",
    "pack.ask": "Ask",
    "pack.choose": "Tap an artwork, or photograph one, to hear its narration.",
    "pack.opened": "{name}: prepared narration ready.",
    "pack.no_audio": "{name}: prepared text shown; this pack has no audio for it.",
    "pack.no_narration": "{name} has no prepared narration in this language and length. Try another length.",
    "pack.found": "Found in this pack: {name}.",
    "pack.not_found": "This photo does not match any artwork in this pack. Try again closer, straight on, "
                      "without glare, or tap the artwork in the list.",
    "pack.match_failed": "The photo could not be matched right now. Please tap the artwork in the list.",
    "pack.written_by": "Written ahead by {who} ({weights} weights) on {when}.",
    "pack.label_line": "Museum label: {label}",
    "pack.machine_translated": "machine translated",
    "pack.no_live_narrator": "No AI narrator is available here: questions get the offline answer, about colours "
                             "and layout only.",
    "pack.unreadable": "The tour pack cannot be played: {reason}",
    "pack.none": "No tour pack is loaded. Start the app with: python app.py --pack PACK",
}
