"""English: the reference catalogue; every key here must exist in every other language.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

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
    "app.step_title": "### {name} ({family}, weights: {weights})",
    "app.step_resize": "1. **Resize and normalise**: {h} x {w} px, mean ({mean}), std ({std}) -> tensor `[1, 3, {h}, "
                       "{w}]`",
    "app.step_patches": "2. **Patches**: P = {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** tokens",
    "app.step_cells": "2. **Feature-map cells**: stride {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** "
                      "tokens",
    "app.step_embed": "3. **Linear embedding**: each patch -> d = {d} -> tokens `[{n}, {d}]`{cls}",
    "app.step_convs": "3. **Convolution stages**: each cell -> d = {d} -> tokens `[{n}, {d}]`{cls}",
    "app.step_cls": ", plus a class token `[{d}]`",
    "app.step_pos": "4. **+ position and modality embeddings**: E_pos(i, j) over the {gh} x {gw} grid, E_mod once",
    "app.step_projector": "5. **Projector** (LayerNorm + Linear, untrained here): `[{n}, {d}]` -> `[{m}, {d_llm}]`",
    "app.step_prompt": "6. **Prompt**: `<IMG_TOKEN>` + {m} tokens + `<IMG_END>` = `{shape}` before the text",
    "app.step_smolvlm": "### SmolVLM (its own vision tower and connector)",
    "app.step_tiles": "{rows} x {cols} tiles + 1 global view",
    "app.step_global_only": "1 global view, no tiles",
    "app.step_detail": "- **{detail}**: {tiles} = {n} x {px} px -> {ph} x {pw} = {patches} patches each -> pixel "
                       "shuffle x{s} -> {th} x {tw} = {per} tokens each -> **{total}** image tokens",
    "app.cap_grid": "{tag}: patch grid, {n} tokens",
    "app.cap_pca": "{tag}: PCA colours",
    "app.cap_attention": "{tag}: attention",
    "app.cap_merge": "{tag}: token merging, {n} -> {m}",
    "app.col_encoder": "Encoder",
    "app.col_input_size": "Input (H, W)",
    "app.col_grid": "Grid",
    "app.col_patch_px": "P (px)",
    "app.col_tokens": "Tokens",
    "app.col_tokens_after": "After merging",
    "app.col_dim": "d",
    "app.col_forward_ms": "Forward (ms)",
    "app.col_weights_source": "Weights",
    "app.image_tokens": "{n} image tokens.",
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
    "app.steps": "The pipeline, step by step",

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

    # --- speech (vlmtok.speech)

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

    # --- tour: the Tour page's conversation, caption card and messages (vlmtok.app.tour, app.py)
    "tour.drop": "Drop a photo here, or tap to choose one",
    "tour.options": "Options: {language}, {tier}, {audience}",
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
}
