"""English: the reference catalogue; every key here must exist in every other language.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

# Facts about the language itself (not messages): its espeak-ng voice, its gTTS code, and how many of its words
# say what one English word says (Vietnamese counts syllables), for the prompts' length targets.
LANGUAGE: dict[str, object] = {"espeak_voice": "en-us", "gtts_lang": "en", "words_per_word": 1.0}

MESSAGES: dict[str, str] = {
    "language.name": "English",

    # --- app: the page, its controls and status lines (vlmtok.app, app.py)
    # page and tabs
    "app.title": "vlmtok: artwork descriptions for everyone",
    "app.intro": "Photograph or upload an artwork, or tap an example. The description appears in large text and as "
                 "speech.",
    "app.tab_tour": "Tour",
    "app.tab_compare": "Compare encoders",
    "app.tab_how": "How it works",
    # tour controls
    "app.image": "Artwork photo",
    "app.examples": "Examples",
    "app.language": "Language",
    "app.length": "Length",
    "app.audience": "Audience",
    "app.label_text": "Museum label (optional): title, artist, date",
    "app.describe": "Describe",
    "app.edit_box": "Check or edit the text before the group hears it",
    "app.speak": "Speak this",
    "app.audio": "Speech",
    "app.speed": "Speech speed",
    "app.question": "Follow-up question",
    "app.question_hint": "What is she holding?",
    "app.ask": "Ask",
    "app.fullscreen": "Full-screen caption card",
    "app.text_size": "Caption text size (px)",
    "app.preset": "Caption colours",
    "app.tier_alt": "Alt text",
    "app.tier_short": "Short",
    "app.tier_long": "Long",
    "app.aud_adult": "Adult",
    "app.aud_child": "Child",
    "app.preset_dark": "Dark",
    "app.preset_light": "Light",
    "app.preset_dyslexia": "Dyslexia-friendly",
    "app.credit": "{title}, by {artist}. Picture: {license}",
    "app.placeholder": "The description will appear here.",
    # status lines (role=status)
    "app.ready": "Ready.",
    "app.loading": "Loading the narrator (first use only)...",
    "app.describing": "Describing...",
    "app.described": "Description ready.",
    "app.audio_ready": "Description ready. Audio ready.",
    "app.machine_translated": "machine translated",
    "app.too_long": "This text is too long to read aloud (at most {limit} characters). Please shorten it.",
    "app.voice_gtts": "Read by Google's online voice.",
    "app.voice_espeak": "Read by the offline voice (espeak-ng).",
    "app.voice_piper": "Read by the offline voice (Piper).",
    "app.audio_unavailable": "Audio unavailable: please read the text.",
    "app.answering": "Answering...",
    "app.answered": "Answer ready.",
    "app.comparing": "Comparing encoders...",
    "app.compared": "Comparison ready.",
    # plain errors a visitor can cause
    "app.no_image": "Please take a photo, upload a picture or tap an example first.",
    "app.no_text": "There is no text to speak yet.",
    "app.no_question": "Please type a question first.",
    "app.no_encoder": "Please choose at least one encoder.",
    "app.too_many_encoders": "Only the first {n} encoders are compared.",
    "app.failed": "Sorry, something went wrong while describing this picture. Please try again or choose another "
                  "picture.",
    "app.compare_failed": "Sorry, the comparison could not be made. Please try fewer encoders or a smaller size.",
    "app.steps_failed": "Sorry, the steps could not be computed for this picture. Please try another encoder.",
    # compare and how-it-works
    "app.encoders": "Encoders (1 to 4)",
    "app.sizes": "Input sizes (px)",
    "app.compare": "Compare",
    "app.pictures": "What each encoder sees",
    "app.ledger": "Token ledger",
    "app.tap_hint": "Tap a point of the artwork to see which patches look like it, for every encoder.",
    "app.similarity": "Similarity to the tapped patch",
    "app.encoder": "Encoder",
    "app.size": "Input size (px)",
    "app.explain": "Show the steps",
    # Gradio's own words on the page (its buttons, names and footer), as Gradio writes them in English: the
    # page's script shows each in the chosen language (vlmtok.app.strings.gradio_words); "done" is the
    # key Gradio announces after a run (it has no English for it)
    "gradio.done": "Done.",
    "gradio.drop_image": "Drop Image Here",
    "gradio.or": "- or -",
    "gradio.click_upload": "Click to Upload",
    "gradio.drop_file": "Drop an image file here to upload",
    "gradio.file_upload": "File upload",
    "gradio.upload_file": "Upload file",
    "gradio.upload": "Upload",
    "gradio.uploading": "Uploading...",
    "gradio.camera": "Capture from camera",
    "gradio.webcam": "Webcam",
    "gradio.access_webcam": "Click to Access Webcam",
    "gradio.start_recording": "Start recording",
    "gradio.stop_recording": "Stop Recording",
    "gradio.stop_recording_lower": "Stop recording",
    "gradio.record_video": "Record video",
    "gradio.remove_image": "Remove Image",
    "gradio.remove": "Remove",
    "gradio.clear": "Clear",
    "gradio.download": "Download",
    "gradio.download_all": "Download All",
    "gradio.share": "Share",
    "gradio.fullscreen": "Fullscreen",
    "gradio.exit_fullscreen": "Exit fullscreen mode",
    "gradio.thumbnail": "Thumbnail {n} of {m}",
    "gradio.empty_value": "Empty value",
    "gradio.reset": "Reset to default value",
    "gradio.number_for": "number input for {label}",
    "gradio.range_for": "range slider for {label}",
    "gradio.use_api": "Use via API",
    "gradio.use_api_mcp": "Use via API or MCP",
    "gradio.built_with": "Built with Gradio",
    "gradio.settings": "Settings",
    "gradio.footer": "Gradio footer navigation",
    "gradio.logo": "logo",
    "gradio.more_tabs": "More tabs",
    "gradio.examples": "Examples",
    "gradio.image": "Image",
    "gradio.error": "Error",
    "gradio.loading": "Loading",
    "gradio.paste": "Paste from Clipboard",

    # --- images: intake errors (vlmtok.images)
    "images.empty": "No picture was received: the file is empty. Please choose a photo of the artwork and try again.",
    "images.not_found": "We could not find that file. Please choose the photo again.",
    "images.unreadable": "We could not open that file. Please choose the photo again, or use a different one.",
    "images.file_too_large": "This file is too big (more than {limit_mb} MB). Please use a smaller copy of the photo.",
    "images.not_image": "This file is not a picture we can read. Please choose a photo saved as JPEG, PNG, WebP, GIF, "
                        "BMP or TIFF.",
    "images.unsupported_format": "This file type is not supported. Please save the picture as JPEG or PNG and try "
                                 "again.",
    "images.unsupported_format.pdf": "This is a PDF document, not a picture. Please save the page as a JPEG or PNG "
                                     "picture (or take a screenshot) and try again.",
    "images.unsupported_format.svg": "This is an SVG drawing, which we cannot open. Please export it as a PNG or JPEG "
                                     "picture and try again.",
    "images.unsupported_format.html": "This is a web page, not a picture. Please save the picture itself from the "
                                      "page (for example with Save image as) and try again.",
    "images.corrupt": "This picture is damaged or incomplete, so it cannot be opened. Please upload it again or "
                      "choose another photo.",
    "images.too_many_pixels": "This picture has too many pixels (the limit is {limit_mp} megapixels). Please use a "
                              "smaller copy of the photo.",
    "images.too_small": "This picture is too small ({width} x {height} pixels). Please use a photo at least "
                        "{min_side} pixels on each side.",
    "images.aspect_ratio": "This picture is too long and thin ({width} x {height} pixels). Please crop it so the long "
                           "side is at most {max_ratio} times the short side.",

    # --- encoders and weights (vlmtok.encoders)
    "encoders.pack_fetch": "The offline image model could not be downloaded. Check the internet connection and try "
                           "again, or ask the person who set up this device to run the prefetch step.",
    "encoders.pack_broken": "The downloaded image model is damaged or not what was expected. Please try again later.",
    "encoders.pack_busy": "The image model is still being prepared by another task. Please wait a minute and try "
                          "again.",

    # --- smolvlm (vlmtok.smolvlm)
    "smolvlm.offline": "The SmolVLM model is not on this device and the internet is not reachable. Run "
                       "'python -m vlmtok prefetch' once while online, or use the offline description.",
    "smolvlm.failed": "The SmolVLM model could not be loaded. Run 'python -m vlmtok prefetch' again while online, or "
                      "use the offline description.",

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
    "narrate.offline.answer_disclaimer": "Offline answer: colours and layout only.",
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
    "narrate.offline.cannot": "It cannot tell objects, people or actions, only colours, light and layout, so it "
                              "cannot answer that from the picture.",
    "narrate.offline.cannot.child": "It cannot tell things, people or what they are doing, only colours and "
                                    "shapes, so it can't answer that one. Ask your guide!",
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
    "guard.busy": "The guide is busy right now. Please try again in a moment.",
    "guard.timeout": "This is taking too long. Please try again in a moment.",
    "guard.failed": "Sorry, something went wrong. Please try again.",

    # --- visualize: words drawn into pictures (vlmtok.visualize)
    "visualize.random_banner": "random weights: geometry only, colours mean nothing",

    # --- cli (vlmtok.cli)
    "cli.describe_header": "Narrator: {name} ({reason})",
    "cli.describe_notice": "Note: {notice}",
    "cli.describe_machine_translated": "Machine-translated:",
    "cli.describe_failed": "The {name} narrator could not describe this picture. Try --narrator offline, or run "
                           "'python -m vlmtok prefetch' once while online.",
    "cli.tokens_sizes": "Sizes must be whole numbers of pixels separated by commas, for example 224,336.",
    "cli.tokens_count": "Choose between 1 and 4 encoders.",
    "cli.tokens_unknown": "Unknown encoder {name}. Known encoders: {known}.",
    "cli.tokens_merge": "The merge ratio must be at least 0 and below 1, for example 0.5.",

    # --- robust: storage, picture decoding, a busy server (vlmtok.paths, vlmtok.images, vlmtok.app.http)
    "robust.cache_temporary": "Storage note: saved descriptions and audio last only until the app restarts (its "
                              "cache folder cannot be used).",
    "robust.cache_off": "Storage note: nothing can be saved on this machine, so each description and its audio are "
                        "made afresh.",
    "robust.queue_full": "Too many visitors are waiting right now. Please try again in a moment.",
    "robust.upload_failed": "The picture could not be received: the server has no room for it right now. Please try again in a moment.",
    "images.undecodable": "We could not read this picture. Please try another photo, or save it again as JPEG "
                                "and upload that.",
    "images.unsupported_format.heic": "This is a HEIC photo, which cannot be opened here. Please share it as JPEG and try again.",
    "images.unsupported_format.avif": "This is an AVIF picture, which cannot be opened here. Please share it as JPEG and try "
                         "again.",

    # --- served narrator (vlmtok.narrate.openai)
    "narrate.openai.label": "AI description, {model}, served",
    "narrate.openai.down": "The narration server at {server} could not be reached, so the offline description "
                           "answers instead.",
    "narrate.openai.refused": "The narration server at {server} refused the request (it said: \"{said}\"), so the "
                              "offline description answers instead.",
    "narrate.openai.slow": "The narration server at {server} did not answer in time, so the offline description "
                           "answers instead.",
    "narrate.openai.garbage": "The narration server at {server} sent an answer that could not be read, so the "
                              "offline description answers instead.",

    # --- expected time before a narration starts (vlmtok.narrate.eta)
    "eta.expected": "Expected time on this hardware: about {seconds} s ({detail} detail, measured).",
    "eta.first": "First {detail}-detail description on this hardware: it is being timed now.",
    "eta.detail_low": "low",
    "eta.detail_normal": "normal",
    "eta.detail_high": "high",

    # --- the public API (vlmtok.app.api)
    "api.bad_choice": "{name} must be one of: {choices}.",
    "api.bad_rate": "rate must be between {low} and {high}.",
    "api.bad_point": "The point ({x}, {y}) is outside the picture ({width} x {height} pixels).",
    "api.unknown_encoder": "Unknown encoder {name}. Known encoders: {known}.",
    "api.too_many_encoders": "Choose between 1 and {n} encoders.",

    # --- smolvlm on a shared GPU (vlmtok.smolvlm.zerogpu)
    "smolvlm.gpu.quota": "Free GPU time is used up for now. Please try again later.",
    "smolvlm.gpu.quota_wait": "Free GPU time is used up for now. Please try again in {wait}.",
    "smolvlm.gpu.busy": "No GPU is free right now. Please try again in a minute.",
    "smolvlm.wait.under_minute": "less than a minute",
    "smolvlm.wait.minute": "about a minute",
    "smolvlm.wait.minutes": "about {n} minutes",
    "smolvlm.wait.hours": "about {n} hours",

    # --- compare and how it works (vlmtok.app.compare, vlmtok.encoders, vlmtok.visualize)
    "compare.unknown_encoder": "There is no encoder called \"{name}\". Choose one from the list, or type the exact "
                               "name of a timm model (for example convnext_nano).",
    "compare.no_token_grid": "{name} gives one summary of the whole picture, not tokens on a grid, so its tokens "
                             "cannot be drawn. Please choose a ViT, a CNN or a hybrid model.",
    "compare.too_large": "{name} is too large for this device ({millions} million parameters; the limit is {limit} "
                         "million). Please choose a smaller model.",
    "compare.vision_tower": "{name} (its vision tower)",
    "compare.badge_trained": "trained",
    "compare.badge_random": "random weights: shapes only",
    "compare.source_hub": "trained weights from the Hugging Face Hub",
    "compare.source_pack": "trained weights stored on this machine (an offline pack)",
    "compare.source_random": "no trained weights here: random numbers, so only the shapes are real",
    "compare.any_timm": "Or type any timm model name (optional)",
    "compare.any_timm_hint": "for example convnext_nano or eva02_tiny_patch14_224",
    "compare.px": "{n} px",
    "compare.choices": "Encoders and sizes: {names} · {sizes}",
    "compare.choices_none": "Encoders and sizes: none chosen yet",
    "compare.size_changed": "{name} ran at {h} × {w} px, not {asked} px: its input size is fixed.",
    "compare.progress_load": "Loading {name}...",
    "compare.progress_encode": "{name}: tokens at {size} px...",
    "compare.tag": "{name}, {h} × {w} px ({badge})",
    "compare.cap_grid": "{tag}: {n} tokens, cells of {p} px",
    "compare.cap_grid_vlm": "{tag}: the global view, {n} tokens of {p} px (the size it really uses)",
    "compare.cap_pca": "{tag}: what the tokens see (PCA colours)",
    "compare.cap_attention": "{tag}: where the model looks (attention rollout)",
    "compare.cap_merge": "{tag}: token merging, {n} to {m} tokens",
    "compare.cap_tiles": "{tag}: the tile plan at {detail} detail, {rows} × {cols} tiles + 1 global view = {n} tokens",
    "compare.cap_resampler": "{tag}: a resampler, {m} random queries gather {n} tokens into {m} (geometry only)",
    "compare.cap_similarity": "{tag}: similarity to the tapped point",
    "compare.cap_fusion": "{name} ({badge}): where a {fine} px token looks at {coarse} px (attention across scales)",
    "compare.tapped": "Similarity ready: {n} pictures.",
    "compare.col_encoder": "Encoder",
    "compare.col_input": "Input",
    "compare.col_grid": "Grid",
    "compare.col_tokens": "Tokens",
    "compare.col_merged": "After merging",
    "compare.col_width": "Token width",
    "compare.col_forward": "Forward pass",
    "compare.px_hw": "{h} × {w} px",
    "compare.grid_cells": "{gh} × {gw} cells of {p} px",
    "compare.grid_cells_vlm": "{gh} × {gw} tokens of {p} px",
    "compare.n_tokens": "{n} tokens",
    "compare.n_values": "{n} numbers",
    "compare.ms": "{ms} ms",
    "compare.detail_low": "low",
    "compare.detail_normal": "normal",
    "compare.detail_high": "high",
    "compare.vlm_cost": "{model} at {detail} detail reads this picture as {images} images ({rows} × {cols} tiles + 1 "
                        "global view) of {per} tokens: {n} image tokens.",
    "compare.vlm_cost_global": "{model} at {detail} detail reads only the global view (the whole picture in one "
                               "tile): {n} image tokens.",
    "compare.note_pack": "Offline pack: trained weights stored on this machine, converted once from a package, so "
                         "no internet is needed.",
    "compare.note_random": "Random weights: the model has the right shape but learned nothing, so grids and counts "
                           "are real and colours mean nothing.",
    "compare.note_merge": "After merging: the count when similar tokens are averaged two by two (ratio 0.5).",
    "compare.lens_title": "{name}: nearest words for the token at row {row}, column {col}",
    "compare.lens_how": "The language model's words nearest to this image token (cosine similarity in its input "
                        "space): a first look at what it reads there.",
    "compare.lens_random": "Random weights: these words are meaningless.",
    "compare.fusion_title": "Attention across scales: a {fine} px token looks at the {coarse} px tokens",
    "compare.fusion_where": "token at row {row}, column {col} of {n}; of the {m} coarse tokens it looks most at row "
                            "{brow}, column {bcol} ({share}% of its attention)",
    "compare.fusion_how": "scaled dot product on the encoder's own tokens (no training); bright = more attention",
    "compare.resampler_title": "Resampler: {m} latent queries gather {n} tokens into {m}",
    "compare.resampler_how": "cells tinted by the latent that gathered most of them; {used} of {m} latents hold "
                             "tokens, the largest holds {most}",
    "compare.resampler_random": "random queries: the groups follow the geometry of the features, nothing learned",
    "compare.resampler_learned": "learned queries",
    "how.ready": "How it works is ready: {n} steps for {name} on this picture.",
    "how.step_heading": "Step {i}. {title}",
    "how.symbols_label": "In symbols:",
    "how.pic_photo": "your picture, {w} × {h} px",
    "how.pic_resized": "resized, {w} × {h} px",
    "how.pic_normalised": "normalised (shown from -2.5 to +2.5)",
    "how.resize_title": "Resize and normalise",
    "how.resize_plain": "The whole picture ({W0} × {H0} px) is squeezed to {w} × {h} px, nothing cut off. Then each "
                        "colour is shifted and scaled as in the encoder's training: minus its average, divided by "
                        "its spread.",
    "how.resize_symbols": "x' = (x - μ) / σ with μ = ({mean}) and σ = ({std}); the tensor is [1, 3, {h}, {w}].",
    "how.resize_alt": "The picture before, after resizing to {w} by {h} pixels, and after normalising.",
    "how.cells_title_vit": "Cut into patches",
    "how.cells_title_cnn": "Feature-map cells",
    "how.cells_title_hybrid": "Convolution and attention stages",
    "how.cells_caption_vit": "{gh} × {gw} = {n} patches of {p} px",
    "how.cells_caption_cnn": "{gh} × {gw} = {n} cells, one every {p} px",
    "how.cells_caption_hybrid": "{gh} × {gw} = {n} cells, one every {p} px",
    "how.cells_plain_vit": "The picture is cut into {gh} × {gw} = {n} squares of {p} × {p} px. Each square becomes one "
                           "token.",
    "how.cells_plain_cnn": "A CNN does not cut squares: its convolution stages shrink the picture {p} times in each "
                           "direction ({stages}). Each cell of the last map, {gh} × {gw} = {n} cells, becomes one token.",
    "how.cells_plain_hybrid": "First convolutions, then attention: the stages shrink the picture {p} times in each "
                              "direction ({stages}). Each cell of the last map, {gh} × {gw} = {n} cells, becomes one "
                              "token.",
    "how.cells_symbols_vit": "N = (H/P)(W/P) = ({h}/{p})({w}/{p}) = {gh} × {gw} = {n}",
    "how.cells_symbols_cnn": "N = ⌈H/s⌉⌈W/s⌉ = ⌈{h}/{p}⌉⌈{w}/{p}⌉ = {gh} × {gw} = {n}, total stride s = {p} px",
    "how.cells_symbols_hybrid": "N = ⌈H/s⌉⌈W/s⌉ = ⌈{h}/{p}⌉⌈{w}/{p}⌉ = {gh} × {gw} = {n}, total stride s = {p} px",
    "how.cells_alt": "The resized picture with a yellow grid of {gh} by {gw} cells, {p} pixels each.",
    "how.pic_which": "token {k}: row {row}, column {col}",
    "how.pic_enlarged": "that square, enlarged",
    "how.pic_flat": "its {n_in} numbers in a row: red, green, blue",
    "how.patch_title_vit": "One patch, flattened",
    "how.patch_title_cnn": "One cell's pixels",
    "how.patch_plain_vit": "Take one square: {p} × {p} pixels of 3 colours. Laid in a row, that is {n_in} numbers.",
    "how.patch_plain_cnn": "One cell covers {p} × {p} pixels of 3 colours, {n_in} numbers; the convolutions also "
                           "let it see some of its neighbours.",
    "how.patch_symbols_vit": "x_i ∈ ℝ^(3P²) = ℝ^(3 × {p} × {p}) = ℝ^{n_in}",
    "how.patch_symbols_cnn": "a cell's own region: 3 × s × s = 3 × {p} × {p} = {n_in} numbers (its receptive field "
                             "is larger)",
    "how.patch_alt": "The square at row {row}, column {col}, enlarged, and its {n_in} numbers as a coloured strip.",
    "how.pic_token": "token {k}: {d} numbers (one square each, yellow = large)",
    "how.embed_title": "Embedding width d",
    "how.embed_plain_vit": "A learned layer turns the {n_in} numbers into {d} numbers, then the transformer's blocks "
                           "mix every token with all the others. Each token is now a list of {d} numbers.",
    "how.embed_plain_cnn": "The convolution stages turn each cell into {d} numbers. Each token is a list of {d} "
                           "numbers.",
    "how.embed_symbols": "Z ∈ ℝ^(N × d) = [{n}, {d}]",
    "how.embed_alt": "Token {k} of the encoder as a strip of {d} coloured squares.",
    "how.pic_before_proj": "the encoder's token: {d} numbers",
    "how.pic_after_proj": "after the projector: {d_llm} numbers",
    "how.proj_title": "Projector to the language model's width",
    "how.proj_plain": "The language model's words are lists of {d_llm} numbers, so a projector (a normalisation and "
                      "one linear layer) turns each {d}-number token into {d_llm} numbers. Here it is untrained: right "
                      "shapes, no meaning yet.",
    "how.proj_symbols": "Y = LayerNorm(Z) W_proj + b_proj: [{n}, {d}] → [{n}, {d_llm}]",
    "how.proj_alt": "Token {k} before the projector ({d} numbers) and after it ({d_llm} numbers).",
    "how.pic_pos": "position pattern of this cell: {d_llm} numbers",
    "how.pic_mod": "the image pattern, the same for every image token",
    "how.pic_pos_map": "how alike the position patterns are to row {row}, column {col}",
    "how.pos_title": "+ position and modality",
    "how.pos_plain": "Tokens carry no order by themselves, so each gets a position pattern: cells near this one have "
                     "similar patterns (bright), far ones differ (dark). One more pattern, the same for every image "
                     "token, says: this came from a picture.",
    "how.pos_symbols": "Y_ij + E_mod + E_pos(i, j): E_pos is a 2-D sine-cosine pattern over the {gh} × {gw} grid, "
                       "E_mod one learned vector, both {d_llm} numbers, added once",
    "how.pos_alt": "A map of how alike each cell's position pattern is to the chosen cell's, and two strips: its "
                   "position pattern and the image pattern.",
    "how.pic_sequence": "{m} image vectors, then {t} words of text: {total} vectors of {d_llm} numbers",
    "how.prompt": "Describe this painting.",
    "how.seq_title": "The token sequence",
    "how.seq_plain": "The language model reads one long row: a start marker, the {n} image tokens in reading order "
                     "(left to right, top to bottom), an end marker, then the words, here \"{prompt}\".",
    "how.seq_symbols": "[<IMG_TOKEN>, Y_1 … Y_{n}, <IMG_END>, text] = [{n} + 2 + {t}, {d_llm}] = [{total}, {d_llm}]",
    "how.seq_alt": "A row of boxes: the start marker, the first image tokens as small squares of the picture, the end "
                   "marker and the words.",
    "how.pic_tiles": "{rows} × {cols} tiles of {tile} px, cut from {w} × {h} px",
    "how.pic_global": "+ the global view: the whole picture in one {tile} px tile",
    "how.vlm_tiles_title": "Resize, normalise and cut into tiles",
    "how.vlm_tiles_plain": "The picture ({W0} × {H0} px) is resized so its longest side is a whole number of {tile} px "
                           "tiles, here {w} × {h} px: {rows} × {cols} tiles. The whole picture squeezed into one more "
                           "tile is the global view: {tiles} images in all. On this device the narrator reads "
                           "{here} detail: {n_here} tokens.",
    "how.vlm_tiles_symbols": "x' = (x - 0.5) / 0.5; {tiles} × [3, {tile}, {tile}]",
    "how.vlm_tiles_alt": "The picture cut into {rows} by {cols} tiles, and the global view beside it.",
    "how.pic_vlm_patches": "{side} × {side} = {patches} patches of {patch} px in each tile",
    "how.vlm_patches_title": "Patches of each tile",
    "how.vlm_patches_plain": "Each {tile} px image is cut into {side} × {side} = {patches} squares of {patch} px.",
    "how.vlm_patches_symbols": "({tile}/{patch})² = {side}² = {patches} patches per image",
    "how.vlm_patches_alt": "The global view with a grid of {side} by {side} patches.",
    "how.vlm_siglip_title": "One patch through SigLIP",
    "how.vlm_siglip_plain": "A square of {patch} × {patch} pixels is {n_in} numbers. SigLIP, the vision tower, turns "
                            "each patch into {d_vision} numbers, looking at all {patches} patches of its tile.",
    "how.vlm_siglip_symbols": "x_i ∈ ℝ^(3 × {patch} × {patch}) → z_i ∈ ℝ^{d_vision}; per image [{patches}, {d_vision}]",
    "how.vlm_siglip_alt": "One patch enlarged and its numbers as a coloured strip.",
    "how.pic_vlm_shuffle": "each blue block of {r} × {r} patches becomes one token: {grid} × {grid} = {per} tokens",
    "how.vlm_shuffle_title": "Pixel shuffle ×{r}",
    "how.vlm_shuffle_plain": "Every {r} × {r} block of neighbouring patches is stacked into one token of {stacked} "
                             "numbers, so {patches} patches become {per} tokens per image.",
    "how.vlm_shuffle_symbols": "pixel shuffle r = {r}: [{patches}, {d_vision}] → [{per}, {r}² × {d_vision}] = "
                               "[{per}, {stacked}]",
    "how.vlm_shuffle_alt": "The global view with blue blocks of {r} by {r} patches, {per} blocks.",
    "how.pic_vlm_connector": "the connector: {stacked} numbers in, {d_llm} out (the language model's width)",
    "how.vlm_connector_title": "Connector to the language model's width",
    "how.vlm_connector_plain": "One linear layer, trained with the model, turns each {stacked}-number token into "
                               "{d_llm} numbers, the width of the language model's words: {per} tokens per image, "
                               "{n} for the {tiles} images.",
    "how.vlm_connector_symbols": "Y = Z_shuffled W: [{per}, {stacked}] → [{per}, {d_llm}]; N = {tiles} × {per} = {n}",
    "how.vlm_connector_alt": "Boxes showing the sizes: {patches} by {d_vision}, then {per} by {stacked}, then {per} by "
                             "{d_llm}.",
    "how.pic_vlm_seq": "{n} image tokens between tile markers, then the words",
    "how.vlm_seq_title": "The token sequence",
    "how.vlm_seq_plain": "The language model reads each tile as a marker with its row and column, then its {per} "
                         "image tokens; the global view comes last, then the words. {model} reads {n} image tokens "
                         "for this picture.",
    "how.vlm_seq_symbols": "<fake_token_around_image><row_r_col_c><image>×{per} … <global-img><image>×{per}, "
                           "N = {n}",
    "how.vlm_seq_alt": "A row of boxes: tile markers, the image tokens of each tile, the global view and the words.",

    # --- tour: the Tour page's conversation, caption card and messages (vlmtok.app.tour, app.py)
    "tour.drop": "Drop a photo here, or tap to choose one",
    "tour.options": "Options: {language}, {tier}, {audience}",
    "tour.options_label": "{options}, museum label set",
    "tour.caption": "Caption",
    "tour.controls": "Caption controls",
    "tour.play": "Play",
    "tour.pause": "Pause",
    "tour.replay": "Replay",
    "tour.replay_turn": "Play this again",
    "tour.text_size": "Text size",
    "tour.smaller": "Smaller text",
    "tour.larger": "Larger text",
    "tour.colours": "Colours: {name}",
    "tour.card": "Caption card",
    "tour.close_card": "Close card",
    "tour.question": "Question:",
    "tour.message": "Message",
    "tour.edited": "Edited by the guide",
    "tour.edit_label": "Text to read aloud",
    "tour.clear": "Clear",
    "tour.press_play": "Press Play to hear it.",
    "tour.preparing_audio": "Preparing the audio...",
    "tour.speaking": "Reading the approved text.",
    "tour.cleared": "Conversation cleared. Press Describe to start again.",
    "tour.queue_full": "Sorry, it is busy right now: {n} requests are waiting and the queue is full. Please try "
                       "again in a moment.",
    "tour.queue_full_wait": "Sorry, it is busy right now: {n} requests are waiting and the queue is full. Please "
                            "try again in about {s} seconds.",
    "tour.queue_wait": "Waiting for a free moment: {n} ahead of you.",
    "tour.queue_wait_s": "Waiting for a free moment: {n} ahead of you, about {s} seconds.",
    # speech as the narration is written (the Tour's options)
    "tour.speak_mode": "Speech",
    "tour.speak_live": "Speak as it is written",
    "tour.speak_check": "Check before speaking",
    "tour.preparing_narrator": "Preparing the narrator... You can choose a picture already: it is described as soon "
                               "as the narrator is ready.",

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
    "pack.problem_missing": "no pack was found where it should be. Ask the staff to set it up again.",
    "pack.problem_not_pack": "the folder given is not a tour pack.",
    "pack.problem_damaged": "its list of artworks is damaged. Build the pack again.",
    "pack.problem_newer": "it was made by a newer version of this app. Update the app, or build the pack again.",
    "pack.problem_other": "it cannot be read. Build the pack again.",
    "pack.missing_picture": "{name}: its picture is missing from the pack, so it is not in the list. Build the pack "
                            "again.",
    "pack.missing_audio": "{name}: its prepared audio ({langs}) is missing; the text is shown instead.",
    "pack.missing_index": "Photos cannot find artworks in this pack (its recognition file is missing). Tap an "
                          "artwork in the list instead.",
    "pack.none": "No tour pack is loaded. Start the app with: python app.py --pack PACK",
    "pack.written_by_no_model": "Written ahead on {when}: {who}.",
}
