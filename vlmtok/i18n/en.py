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
    # why a narrator was chosen ({name}: the backend's display name)
    "narrate.reason.asked": "chosen by name",
    "narrate.reason.no_module": "the {name} narrator is not installed; using the offline description",
    "narrate.reason.unavailable": "{name} is not available ({why}); using the offline description",
    "narrate.reason.failed": "{name} could not be started; using the offline description",
    "narrate.reason.available": "{name} is available ({why})",
    "narrate.reason.no_backend": "no other narrator is registered; using the offline description",
    # the SmolVLM narrator's byline
    "narrate.smolvlm.label": "AI description, {model}",
    # the translation stage
    "narrate.translate.machine": "Machine-translated from English.",
    "narrate.translate.no_model": "No translation model available; shown in English.",
    "narrate.translate.failed": "No translation model is available; the description is shown in English.",
    "narrate.translate.no_pair": "There is no translation model from {source} to {target}.",
    # the offline narrator: its first words (and, without the full stop, its byline)
    "narrate.offline.disclaimer": "Offline description: colours and layout only.",
    # offline: colour names (also a merged family's name)
    "narrate.offline.word.colour.red": "red",
    "narrate.offline.word.colour.dark_red": "dark red",
    "narrate.offline.word.colour.pink": "pink",
    "narrate.offline.word.colour.orange": "orange",
    "narrate.offline.word.colour.brown": "brown",
    "narrate.offline.word.colour.dark_brown": "dark brown",
    "narrate.offline.word.colour.beige": "beige",
    "narrate.offline.word.colour.cream": "cream",
    "narrate.offline.word.colour.yellow": "yellow",
    "narrate.offline.word.colour.pale_yellow": "pale yellow",
    "narrate.offline.word.colour.olive": "olive",
    "narrate.offline.word.colour.green": "green",
    "narrate.offline.word.colour.dark_green": "dark green",
    "narrate.offline.word.colour.light_green": "light green",
    "narrate.offline.word.colour.teal": "teal",
    "narrate.offline.word.colour.dark_teal": "dark teal",
    "narrate.offline.word.colour.turquoise": "turquoise",
    "narrate.offline.word.colour.blue": "blue",
    "narrate.offline.word.colour.dark_blue": "dark blue",
    "narrate.offline.word.colour.light_blue": "light blue",
    "narrate.offline.word.colour.purple": "purple",
    "narrate.offline.word.colour.dark_purple": "dark purple",
    "narrate.offline.word.colour.lilac": "lilac",
    "narrate.offline.word.colour.black": "black",
    "narrate.offline.word.colour.dark_grey": "dark grey",
    "narrate.offline.word.colour.grey": "grey",
    "narrate.offline.word.colour.light_grey": "light grey",
    "narrate.offline.word.colour.white": "white",
    # offline: where something is ({at}: in place, {to}: a direction)
    "narrate.offline.word.at.top": "at the top",
    "narrate.offline.word.at.bottom": "at the bottom",
    "narrate.offline.word.at.left": "on the left",
    "narrate.offline.word.at.right": "on the right",
    "narrate.offline.word.at.top_left": "in the top left",
    "narrate.offline.word.at.top_right": "in the top right",
    "narrate.offline.word.at.bottom_left": "in the bottom left",
    "narrate.offline.word.at.bottom_right": "in the bottom right",
    "narrate.offline.word.at.centre": "in the centre",
    "narrate.offline.word.to.top": "towards the top",
    "narrate.offline.word.to.bottom": "towards the bottom",
    "narrate.offline.word.to.left": "to the left",
    "narrate.offline.word.to.right": "to the right",
    "narrate.offline.word.to.top_left": "to the top left",
    "narrate.offline.word.to.top_right": "to the top right",
    "narrate.offline.word.to.bottom_left": "to the bottom left",
    "narrate.offline.word.to.bottom_right": "to the bottom right",
    "narrate.offline.word.to.centre": "to the centre",
    # offline: words that fill the sentences (a key + ".child" is what a child hears, where it differs)
    "narrate.offline.word.format.landscape": "landscape-format",
    "narrate.offline.word.format.landscape.child": "wide",
    "narrate.offline.word.format.portrait": "portrait-format",
    "narrate.offline.word.format.portrait.child": "tall",
    "narrate.offline.word.format.square": "square",
    "narrate.offline.word.format.square.child": "square",
    "narrate.offline.word.light_alt.dark": "dark overall",
    "narrate.offline.word.light_alt.fairly_dark": "fairly dark overall",
    "narrate.offline.word.light_alt.mid": "of medium brightness",
    "narrate.offline.word.light_alt.fairly_bright": "fairly bright overall",
    "narrate.offline.word.light_alt.bright": "bright overall",
    "narrate.offline.word.light.dark": "dark",
    "narrate.offline.word.light.dark.child": "dark",
    "narrate.offline.word.light.fairly_dark": "fairly dark",
    "narrate.offline.word.light.fairly_dark.child": "quite dark",
    "narrate.offline.word.light.mid": "of medium brightness",
    "narrate.offline.word.light.mid.child": "neither very dark nor very bright",
    "narrate.offline.word.light.fairly_bright": "fairly bright",
    "narrate.offline.word.light.fairly_bright.child": "quite bright",
    "narrate.offline.word.light.bright": "bright",
    "narrate.offline.word.light.bright.child": "bright and light",
    "narrate.offline.word.contrast.low": "low",
    "narrate.offline.word.contrast.low.child": ", and the light is soft and even",
    "narrate.offline.word.contrast.moderate": "moderate",
    "narrate.offline.word.contrast.moderate.child": "",
    "narrate.offline.word.contrast.high": "strong",
    "narrate.offline.word.contrast.high.child": ", with bright spots right next to dark ones",
    "narrate.offline.word.share.almost_all": "almost all",
    "narrate.offline.word.share.most": "most",
    "narrate.offline.word.share.half": "about half",
    "narrate.offline.word.share.third": "about a third",
    "narrate.offline.word.share.quarter": "about a quarter",
    "narrate.offline.word.share.fifth": "about a fifth",
    "narrate.offline.word.share.sixth": "about a sixth",
    "narrate.offline.word.share.tenth": "about a tenth",
    "narrate.offline.word.share.small": "a small part",
    "narrate.offline.word.and": "{first} and {last}",
    "narrate.offline.word.decimal_point": ".",
    "narrate.offline.word.mostly": "mostly {c}",
    "narrate.offline.word.mostly_all": "almost entirely {c}",
    # offline: sentences (capitalised in code when they open with a placeholder)
    "narrate.offline.alt": "A {fmt} picture, {mostly}; {light_alt}, {focus}.",
    "narrate.offline.alt.child": "A {fmt} picture with lots of {top2}. It is {light}, and {focus}.",
    "narrate.offline.alt_focus": "with the focus {at}",
    "narrate.offline.alt_focus.child": "your eyes go {to}",
    "narrate.offline.alt_focus_spread": "with no single focus",
    "narrate.offline.alt_focus_spread.child": "there is something to see everywhere",
    "narrate.offline.alt_compact": "{Mostly}; {light_alt}.",
    "narrate.offline.label": "The museum label says: “{label}”.",
    "narrate.offline.colours_one": "This {fmt} picture is almost entirely {c1}.",
    "narrate.offline.colours_one.child": "This {fmt} picture is nearly all {c1}.",
    "narrate.offline.colours_lead": "This {fmt} picture is mostly {c1} ({share1} of it){with_rest}.",
    "narrate.offline.colours_lead.child": "The biggest colour in this {fmt} picture is {c1}{with_rest}.",
    "narrate.offline.colours_mix": "The main colours of this {fmt} picture are {all}.",
    "narrate.offline.colours_mix.child": "This {fmt} picture has lots of colours: {all}.",
    "narrate.offline.with_rest": ", with {rest}",
    "narrate.offline.with_rest.child": ", and you can also spot {rest}",
    "narrate.offline.colours_pct": "{c1} covers {share1} of the picture ({pct1}%){followed}.",
    "narrate.offline.followed": ", followed by {rest_pct}",
    "narrate.offline.shades": "Its {family} tones range from {darkest} to {lightest}.",
    "narrate.offline.format_landscape": "The picture is in landscape format, about {ratio} times as wide as it is "
                                        "tall.",
    "narrate.offline.format_landscape.child": "The picture is wider than it is tall, like a window.",
    "narrate.offline.format_portrait": "The picture is in portrait format, about {ratio} times as tall as it is wide.",
    "narrate.offline.format_portrait.child": "The picture is taller than it is wide, like a door.",
    "narrate.offline.format_square": "The picture is square.",
    "narrate.offline.format_square.child": "The picture is square, like a box.",
    "narrate.offline.light": "Overall it is {light}, with {contrast} contrast between light and dark areas.",
    "narrate.offline.light.child": "It is {light}{contrast}.",
    "narrate.offline.temp_warm": "The palette is warm{leaning}.",
    "narrate.offline.temp_warm.child": "The colours feel warm, like sunshine or a fire.",
    "narrate.offline.temp_cool": "The palette is cool{leaning}.",
    "narrate.offline.temp_cool.child": "The colours feel cool, like water or the night sky.",
    "narrate.offline.temp_mixed": "Warm and cool colours sit side by side.",
    "narrate.offline.temp_mixed.child": "Warm colours and cool colours sit together.",
    "narrate.offline.temp_neutral": "The colours are muted, close to greys.",
    "narrate.offline.temp_neutral.child": "The colours are soft and greyish.",
    "narrate.offline.leaning": ", leaning towards {fams}",
    "narrate.offline.focus": "The visual weight lies {at}.",
    "narrate.offline.focus.child": "Your eyes are drawn {to}.",
    "narrate.offline.focus_spread": "The visual weight is spread across the picture, with no single focus.",
    "narrate.offline.focus_spread.child": "There is something to look at everywhere.",
    "narrate.offline.focus_how": "Judging by where colours stand out and the light changes most, the visual weight "
                                 "lies {at}.",
    "narrate.offline.focus_how_spread": "Judging by where colours stand out and the light changes most, the visual "
                                        "weight is spread across the picture, with no single focus.",
    "narrate.offline.extremes": "The brightest area is {at}, and the darkest {at2}.",
    "narrate.offline.extremes.child": "Can you find the brightest part? Look {to}.",
    "narrate.offline.count": "It uses at least {n} clearly different colours.",
    "narrate.offline.count.child": "Try to count the colours: there are at least {n}.",
    "narrate.offline.busy_calm": "The composition is calm, with large, even areas.",
    "narrate.offline.busy_calm.child": "It looks calm, with big smooth areas of colour.",
    "narrate.offline.busy_moderate": "The composition has a moderate amount of detail.",
    "narrate.offline.busy_moderate.child": "It has some details, but not too many.",
    "narrate.offline.busy_busy": "The composition is busy, full of edges and small details.",
    "narrate.offline.busy_busy.child": "There are lots of lines and little details to spot.",
    "narrate.offline.limits": "This description cannot tell what or who is shown; for that, ask the guide or read the "
                              "museum label.",
    "narrate.offline.limits.child": "This description only knows about colours and shapes, so ask your guide what the "
                                    "picture shows!",
    # offline: answers to follow-up questions
    "narrate.offline.cannot": "It can only measure colours, light and layout, so it cannot answer that from the "
                              "picture.",
    "narrate.offline.cannot.child": "It only knows about colours and shapes, so it can't answer that one. Ask your "
                                    "guide!",
    "narrate.offline.can_say": "What it can say: {alt}",
    "narrate.offline.colour_yes": "{c} covers {share} of the picture ({pct}%), mostly {at}.",
    "narrate.offline.colour_all_over": "{c} covers {share} of the picture ({pct}%), all over it.",
    "narrate.offline.colour_little": "There is only a little {c}, mostly {at}.",
    "narrate.offline.colour_none": "There is almost no {c} in this picture.",
    "narrate.offline.region": "{at}, the picture is {light}, mostly {top2}.",
    "narrate.offline.label_only": "Everything about the artist, title or date comes from that label.",

    # --- speech (vlmtok.speech)
    # notices for the visitor
    "speech.unavailable": "Audio is unavailable; the text is shown above.",
    "speech.offline_voice": "The online voice could not be reached, so an offline voice is reading.",
    "speech.other_voice": "The chosen voice is not available, so another voice is reading.",

    # --- guard: busy, timeouts (vlmtok.guard)

    # --- visualize: words drawn into pictures (vlmtok.visualize)

    # --- cli (vlmtok.cli)
}
