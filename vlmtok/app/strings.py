"""Every word the app shows, in English and Vietnamese: ``t("describe", "vi") -> "Mô tả"``.

Keys name the place a string is used; ``vlmtok.app.callbacks`` and ``app.py`` read them through ``t``.
"""
from __future__ import annotations

from vlmtok.i18n import LANGUAGE_NAMES, pick

STRINGS: dict[str, dict[str, str]] = {
    # --- page and tabs
    "title": {"en": "vlmtok: artwork descriptions for everyone",
              "vi": "vlmtok: mô tả tác phẩm nghệ thuật cho mọi người"},
    "intro": {"en": "Photograph or upload an artwork, or tap an example. The description appears in large text "
                    "and as speech.",
              "vi": "Chụp ảnh hoặc tải lên một tác phẩm, hoặc chạm vào một ví dụ. Mô tả hiện ra bằng chữ lớn "
                    "và bằng giọng nói."},
    "tab_tour": {"en": "Tour", "vi": "Tham quan"},
    "tab_compare": {"en": "Compare encoders", "vi": "So sánh bộ mã hoá"},
    "tab_how": {"en": "How it works", "vi": "Cách hoạt động"},
    # --- tour controls
    "image": {"en": "Artwork photo", "vi": "Ảnh tác phẩm"},
    "examples": {"en": "Examples", "vi": "Ví dụ"},
    "language": {"en": "Language", "vi": "Ngôn ngữ"},
    "length": {"en": "Length", "vi": "Độ dài"},
    "audience": {"en": "Audience", "vi": "Người nghe"},
    "label_text": {"en": "Museum label (optional): title, artist, date",
                   "vi": "Nhãn bảo tàng (không bắt buộc): tên, tác giả, năm"},
    "describe": {"en": "Describe", "vi": "Mô tả"},
    "edit_box": {"en": "Check or edit the text before the group hears it",
                 "vi": "Kiểm tra hoặc sửa văn bản trước khi đọc cho cả nhóm"},
    "speak": {"en": "Speak this", "vi": "Đọc đoạn này"},
    "audio": {"en": "Speech", "vi": "Giọng đọc"},
    "speed": {"en": "Speech speed", "vi": "Tốc độ đọc"},
    "question": {"en": "Follow-up question", "vi": "Câu hỏi thêm"},
    "question_hint": {"en": "What is she holding?", "vi": "Cô ấy đang cầm gì?"},
    "ask": {"en": "Ask", "vi": "Hỏi"},
    "fullscreen": {"en": "Full-screen caption card", "vi": "Thẻ phụ đề toàn màn hình"},
    "text_size": {"en": "Caption text size (px)", "vi": "Cỡ chữ phụ đề (px)"},
    "preset": {"en": "Caption colours", "vi": "Màu phụ đề"},
    "tier_alt": {"en": "Alt text", "vi": "Văn bản thay thế"},
    "tier_short": {"en": "Short", "vi": "Ngắn"},
    "tier_long": {"en": "Long", "vi": "Dài"},
    "aud_adult": {"en": "Adult", "vi": "Người lớn"},
    "aud_child": {"en": "Child", "vi": "Trẻ em"},
    "preset_dark": {"en": "Dark", "vi": "Tối"},
    "preset_light": {"en": "Light", "vi": "Sáng"},
    "preset_dyslexia": {"en": "Dyslexia-friendly", "vi": "Dễ đọc (chứng khó đọc)"},
    "credit": {"en": "{title}, by {artist}. Picture: {license}",
               "vi": "{title}, tác giả {artist}. Ảnh: {license}"},
    "placeholder": {"en": "The description will appear here.", "vi": "Mô tả sẽ hiện ở đây."},
    # --- status messages (role=status)
    "ready": {"en": "Ready.", "vi": "Sẵn sàng."},
    "loading": {"en": "Loading the narrator (first use only)...", "vi": "Đang tải bộ mô tả (chỉ lần đầu)..."},
    "describing": {"en": "Describing...", "vi": "Đang mô tả..."},
    "described": {"en": "Description ready.", "vi": "Mô tả đã sẵn sàng."},
    "audio_ready": {"en": "Description ready. Audio ready.", "vi": "Mô tả đã sẵn sàng. Giọng đọc đã sẵn sàng."},
    "step_title": {"en": "### {name} ({family}, weights: {weights})", "vi": "### {name} ({family}, trọng số: {weights})"},
    "step_resize": {
        "en": "1. **Resize and normalise**: {h} x {w} px, mean ({mean}), std ({std}) -> tensor `[1, 3, {h}, {w}]`",
        "vi": "1. **Đổi kích thước và chuẩn hoá**: {h} x {w} px, trung bình ({mean}), độ lệch chuẩn ({std}) -> "
              "tensor `[1, 3, {h}, {w}]`"},
    "step_patches": {
        "en": "2. **Patches**: P = {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** tokens",
        "vi": "2. **Cắt ô (patch)**: P = {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** token"},
    "step_cells": {
        "en": "2. **Feature-map cells**: stride {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** tokens",
        "vi": "2. **Ô của bản đồ đặc trưng**: bước {p} px -> N = ({h}/{p}) x ({w}/{p}) = {gh} x {gw} = **{n}** token"},
    "step_embed": {
        "en": "3. **Linear embedding**: each patch -> d = {d} -> tokens `[{n}, {d}]`{cls}",
        "vi": "3. **Nhúng tuyến tính**: mỗi ô -> d = {d} -> token `[{n}, {d}]`{cls}"},
    "step_convs": {
        "en": "3. **Convolution stages**: each cell -> d = {d} -> tokens `[{n}, {d}]`{cls}",
        "vi": "3. **Các tầng tích chập**: mỗi ô -> d = {d} -> token `[{n}, {d}]`{cls}"},
    "step_cls": {"en": ", plus a class token `[{d}]`", "vi": ", thêm một token lớp (CLS) `[{d}]`"},
    "step_pos": {
        "en": "4. **+ position and modality embeddings**: E_pos(i, j) over the {gh} x {gw} grid, E_mod once",
        "vi": "4. **+ nhúng vị trí và nhúng phương thức**: E_pos(i, j) trên lưới {gh} x {gw}, E_mod cộng một lần"},
    "step_projector": {
        "en": "5. **Projector** (LayerNorm + Linear, untrained here): `[{n}, {d}]` -> `[{m}, {d_llm}]`",
        "vi": "5. **Bộ chiếu** (LayerNorm + Linear, ở đây chưa huấn luyện): `[{n}, {d}]` -> `[{m}, {d_llm}]`"},
    "step_prompt": {
        "en": "6. **Prompt**: `<IMG_TOKEN>` + {m} tokens + `<IMG_END>` = `{shape}` before the text",
        "vi": "6. **Lời nhắc**: `<IMG_TOKEN>` + {m} token + `<IMG_END>` = `{shape}` đứng trước văn bản"},
    "step_smolvlm": {"en": "### SmolVLM (its own vision tower and connector)",
                     "vi": "### SmolVLM (tháp thị giác và bộ nối của chính nó)"},
    "step_tiles": {"en": "{rows} x {cols} tiles + 1 global view", "vi": "{rows} x {cols} mảnh + 1 ảnh toàn cảnh"},
    "step_global_only": {"en": "1 global view, no tiles", "vi": "1 ảnh toàn cảnh, không cắt mảnh"},
    "step_detail": {
        "en": "- **{detail}**: {tiles} = {n} x {px} px -> {ph} x {pw} = {patches} patches each -> pixel shuffle x{s} "
              "-> {th} x {tw} = {per} tokens each -> **{total}** image tokens",
        "vi": "- **{detail}**: {tiles} = {n} x {px} px -> mỗi ảnh {ph} x {pw} = {patches} ô -> pixel shuffle x{s} "
              "-> mỗi ảnh {th} x {tw} = {per} token -> **{total}** token ảnh"},
    "cap_grid": {"en": "{tag}: patch grid, {n} tokens", "vi": "{tag}: lưới ô, {n} token"},
    "cap_pca": {"en": "{tag}: PCA colours", "vi": "{tag}: màu PCA"},
    "cap_attention": {"en": "{tag}: attention", "vi": "{tag}: sự chú ý (attention)"},
    "cap_merge": {"en": "{tag}: token merging, {n} -> {m}", "vi": "{tag}: gộp token, {n} -> {m}"},
    "col_encoder": {"en": "Encoder", "vi": "Bộ mã hoá"},
    "col_input_size": {"en": "Input (H, W)", "vi": "Đầu vào (H, W)"},
    "col_grid": {"en": "Grid", "vi": "Lưới"},
    "col_patch_px": {"en": "P (px)", "vi": "P (px)"},
    "col_tokens": {"en": "Tokens", "vi": "Số token"},
    "col_tokens_after": {"en": "After merging", "vi": "Sau khi gộp"},
    "col_dim": {"en": "d", "vi": "d"},
    "col_forward_ms": {"en": "Forward (ms)", "vi": "Lan truyền (ms)"},
    "col_weights_source": {"en": "Weights", "vi": "Trọng số"},
    "image_tokens": {"en": "{n} image tokens.", "vi": "{n} token ảnh."},
    "machine_translated": {"en": "machine translated", "vi": "bản dịch máy"},
    "too_long": {"en": "This text is too long to read aloud (at most {limit} characters). Please shorten it.",
                 "vi": "Đoạn văn quá dài để đọc thành tiếng (tối đa {limit} ký tự). Vui lòng rút ngắn."},
    "voice_gtts": {"en": "Read by Google's online voice.", "vi": "Giọng đọc trực tuyến của Google."},
    "voice_espeak": {"en": "Read by the offline voice (espeak-ng).", "vi": "Giọng đọc ngoại tuyến (espeak-ng)."},
    "voice_piper": {"en": "Read by the offline voice (Piper).", "vi": "Giọng đọc ngoại tuyến (Piper)."},
    "audio_unavailable": {"en": "Audio unavailable: please read the text.",
                          "vi": "Không có giọng đọc: xin hãy đọc văn bản."},
    "answering": {"en": "Answering...", "vi": "Đang trả lời..."},
    "answered": {"en": "Answer ready.", "vi": "Câu trả lời đã sẵn sàng."},
    "comparing": {"en": "Comparing encoders...", "vi": "Đang so sánh các bộ mã hoá..."},
    "compared": {"en": "Comparison ready.", "vi": "Đã so sánh xong."},
    # --- plain errors a visitor can cause
    "no_image": {"en": "Please take a photo, upload a picture or tap an example first.",
                 "vi": "Xin hãy chụp ảnh, tải ảnh lên hoặc chạm vào một ví dụ trước."},
    "no_text": {"en": "There is no text to speak yet.", "vi": "Chưa có văn bản để đọc."},
    "no_question": {"en": "Please type a question first.", "vi": "Xin hãy nhập câu hỏi trước."},
    "no_encoder": {"en": "Please choose at least one encoder.", "vi": "Xin hãy chọn ít nhất một bộ mã hoá."},
    "too_many_encoders": {"en": "Only the first {n} encoders are compared.",
                          "vi": "Chỉ so sánh {n} bộ mã hoá đầu tiên."},
    "failed": {"en": "Sorry, something went wrong while describing this picture. Please try again or choose "
                     "another picture.",
               "vi": "Xin lỗi, đã có lỗi khi mô tả bức ảnh này. Xin hãy thử lại hoặc chọn ảnh khác."},
    "compare_failed": {"en": "Sorry, the comparison could not be made. Please try fewer encoders or a smaller size.",
                       "vi": "Xin lỗi, không thể so sánh. Xin hãy thử ít bộ mã hoá hơn hoặc cỡ ảnh nhỏ hơn."},
    "steps_failed": {"en": "Sorry, the steps could not be computed for this picture. Please try another encoder.",
                     "vi": "Xin lỗi, không thể tính các bước cho bức ảnh này. Xin hãy thử bộ mã hoá khác."},
    # --- compare and how-it-works
    "encoders": {"en": "Encoders (1 to 4)", "vi": "Bộ mã hoá (1 đến 4)"},
    "sizes": {"en": "Input sizes (px)", "vi": "Kích thước đầu vào (px)"},
    "compare": {"en": "Compare", "vi": "So sánh"},
    "pictures": {"en": "What each encoder sees", "vi": "Mỗi bộ mã hoá nhìn thấy gì"},
    "ledger": {"en": "Token ledger", "vi": "Sổ token"},
    "tap_hint": {"en": "Tap a point of the artwork to see which patches look like it, for every encoder.",
                 "vi": "Chạm vào một điểm của tác phẩm để xem những ô nào giống nó, với mọi bộ mã hoá."},
    "similarity": {"en": "Similarity to the tapped patch", "vi": "Độ giống với ô vừa chạm"},
    "encoder": {"en": "Encoder", "vi": "Bộ mã hoá"},
    "size": {"en": "Input size (px)", "vi": "Kích thước đầu vào (px)"},
    "explain": {"en": "Show the steps", "vi": "Xem các bước"},
    "steps": {"en": "The pipeline, step by step", "vi": "Quy trình, từng bước"},
}


def t(key: str, lang: str | None, **fmt: object) -> str:
    """The string ``key`` in ``lang`` (English when missing).

    >>> t("describe", "vi")
    'Mô tả'
    """
    return pick(STRINGS[key], lang, **fmt)


def choices(keys: dict[str, str], lang: str | None) -> list[tuple[str, str]]:
    """``[(label, value)]`` for a radio group: ``choices({"short": "tier_short"}, "vi")``."""
    return [(t(key, lang), value) for value, key in keys.items()]


TIER_KEYS = {"alt": "tier_alt", "short": "tier_short", "long": "tier_long"}
AUDIENCE_KEYS = {"adult": "aud_adult", "child": "aud_child"}
PRESET_KEYS = {"dark": "preset_dark", "light": "preset_light", "dyslexia": "preset_dyslexia"}
LANGUAGE_CHOICES: list[tuple[str, str]] = [(name, code) for code, name in LANGUAGE_NAMES.items()]
