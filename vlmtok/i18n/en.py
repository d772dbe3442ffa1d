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

    # --- compare and how it works (vlmtok.app.compare, vlmtok.encoders, vlmtok.visualize)
    "compare.unknown_encoder": "There is no encoder called \"{name}\". Choose one from the list, or type the exact "
                               "name of a timm model (for example convnext_nano).",
    "compare.no_token_grid": "{name} gives one summary of the whole picture, not tokens on a grid, so its tokens "
                             "cannot be drawn. Please choose a ViT, a CNN or a hybrid model.",
    "compare.too_large": "{name} is too large for this device ({millions} million parameters; the limit is {limit} "
                         "million). Please choose a smaller model.",
    "compare.badge_trained": "trained",
    "compare.badge_random": "random weights: shapes only",
    "compare.source_hub": "trained weights from the Hugging Face Hub",
    "compare.source_pack": "trained weights stored on this machine (an offline pack)",
    "compare.source_random": "no trained weights here: random numbers, so only the shapes are real",
    "compare.any_timm": "Or type any timm model name (optional)",
    "compare.any_timm_hint": "for example convnext_nano or eva02_tiny_patch14_224",
    "compare.px": "{n} px",
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
}
