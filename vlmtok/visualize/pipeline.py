"""How it works, drawn on the chosen picture: one picture and two sentences per step, with this picture's numbers.

``encoder_steps(image, vt)`` walks a timm encoder's pipeline (resize and normalise, the patch grid or feature-map
cells, one patch flattened, the token's width d, the projector, + position and modality, the token sequence);
``smolvlm_steps(image, name)`` walks SmolVLM's own (512 px tiles, 32 x 32 SigLIP patches of 16 px, pixel shuffle
x4, 64 tokens per tile, the connector to the language model's width), with the tile plan drawn on the picture.
Each step says it in plain words first, then in the seed's symbols; every word is a catalogue key (``how.*``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from vlmtok.encoders import VisionTokens
from vlmtok.i18n import t
from vlmtok.visualize import _draw
from vlmtok.visualize._draw import GRID_COLOUR, frame
from vlmtok.visualize.grid import draw_grid

PANEL_PX = 360                 # longest side of a step's main picture
SHUFFLE_COLOUR = (0, 200, 255)


@dataclass
class Step:
    """One step of the walk-through: a title, plain words, the seed's symbols, and the picture (with its alt text)."""

    title: str
    plain: str
    symbols: str
    picture: Image.Image
    alt: str


def _fit(image: Image.Image, px: int = PANEL_PX) -> tuple[Image.Image, float]:
    s = px / max(image.size)
    return image.resize((max(1, round(image.width * s)), max(1, round(image.height * s))),
                        Image.Resampling.BILINEAR), s


def _label(image: Image.Image, text: str, size: int = 15) -> Image.Image:
    """A picture with one line of words under it (wrapped to its width)."""
    return frame(image, [text], random_weights=False, size=size)


def _strip(values: np.ndarray, width: int, cell: int = 6, lo: float | None = None,
           hi: float | None = None) -> Image.Image:
    """A vector as a heat strip: one small square per number (viridis), wrapped to ``width`` px."""
    v = np.asarray(values, dtype=np.float32).ravel()
    per_row = max(1, width // cell)
    rows = -(-len(v) // per_row)
    grid = np.full(rows * per_row, np.nan, np.float32)
    grid[: len(v)] = v
    rgb = _draw.colormap(np.nan_to_num(grid, nan=float(np.nanmin(v))), lo, hi).reshape(rows, per_row, 3)
    rgb[np.isnan(grid).reshape(rows, per_row)] = _draw.PAPER
    return Image.fromarray(np.repeat(np.repeat(rgb, cell, 0), cell, 1))


def _rgb_strip(patch: Image.Image, width: int = 300) -> Image.Image:
    """A patch's 3 P² numbers laid in a row, wrapped: its red values first (in red), then green, then blue."""
    a = np.asarray(patch.convert("RGB"), dtype=np.uint8)                 # [P, P, 3]
    n = a.shape[0] * a.shape[1]
    cell = max(2, min(10, int((width * 120 / (3 * n)) ** 0.5)))          # about 120 px tall in all
    per_row = max(1, width // cell)
    rows = []
    for c in range(3):
        v = a[..., c].ravel()
        tinted = np.zeros((n, 3), np.uint8)
        tinted[:, c] = v
        k = -(-n // per_row)
        pad = np.full((k * per_row, 3), 255, np.uint8)
        pad[:n] = tinted
        rows.append(np.repeat(np.repeat(pad.reshape(k, per_row, 3), cell, 0), cell, 1))
        rows.append(np.full((cell, per_row * cell, 3), 255, np.uint8))
    return Image.fromarray(np.concatenate(rows[:-1], 0))


def _outline(panel: Image.Image, box: tuple[float, float, float, float], colour=GRID_COLOUR, width: int = 3) -> None:
    ImageDraw.Draw(panel).rectangle([round(box[0]), round(box[1]), round(box[2]) - 1, round(box[3]) - 1],
                                    outline=colour, width=width)


def _boxes(items: list[tuple[str, Image.Image | None]], width: int = 720) -> Image.Image:
    """A row (wrapped) of boxes: a word in a box, or a small picture (an image token)."""
    fnt = _draw.font(15, bold=True)
    tiles = []
    for text, pic in items:
        if pic is not None:
            tiles.append(pic.resize((44, 44), Image.Resampling.NEAREST))
            continue
        w = _draw.text_width(text, fnt) + 14
        box = Image.new("RGB", (w, 44), (238, 238, 232))
        d = ImageDraw.Draw(box)
        d.rectangle([0, 0, w - 1, 43], outline=_draw.INK, width=1)
        d.text((7, 12), text, fill=_draw.INK, font=fnt)
        tiles.append(box)
    rows, row, x = [], [], 0
    for tile in tiles:
        if row and x + tile.width > width:
            rows.append(_draw.hstack(row, gap=4))
            row, x = [], 0
        row.append(tile)
        x += tile.width + 4
    rows.append(_draw.hstack(row, gap=4))
    return _draw.vstack(rows, gap=6)


SUBSCRIPTS = "₁₂₃₄₅₆₇₈₉"


def _prompt_tokens(lang: str = "en") -> list[str]:
    """The example prompt, in ``lang``, as SmolVLM's own tokenizer cuts it (shipped with vlmtok).

    A letter the tokenizer splits into byte pieces ("ả" is two tokens) is shown on each of its pieces with a
    subscript ("ả₁", "ả₂"), so every token keeps its box and none shows a broken character.
    """
    from vlmtok.smolvlm.lens import _shipped_tokenizer

    tok = _shipped_tokenizer()
    out: list[str] = []
    group: list[str] = []
    for piece in tok.tokenize(t("how.prompt", lang)):
        group.append(piece)
        text = tok.convert_tokens_to_string(group)
        if "\ufffd" in text and len(group) < len(SUBSCRIPTS):
            continue                                        # a letter cut in its bytes: wait for the rest of it
        shown = text.strip() or group[0]
        out += [shown] if len(group) == 1 else [f"{shown}{SUBSCRIPTS[i]}" for i in range(len(group))]
        group = []
    return out


# ----------------------------------------------------------------------------------------------------------------
# timm encoders (ViT, CNN, hybrid)


def _centre(vt: VisionTokens) -> tuple[int, int]:
    return vt.grid[0] // 2, vt.grid[1] // 2


def _resize_step(image: Image.Image, vt: VisionTokens, lang: str) -> Step:
    (h, w), mean, std = vt.input_size, vt.mean, vt.std
    x = np.asarray(vt.input_image, dtype=np.float32) / 255.0
    normed = (x - np.array(mean, np.float32)) / np.array(std, np.float32)           # [H, W, 3]
    shown = Image.fromarray((np.clip((normed + 2.5) / 5.0, 0, 1) * 255).round().astype(np.uint8))
    side = 200
    before, _ = _fit(image, side)
    after = vt.input_image.resize((round(side * w / max(h, w)), round(side * h / max(h, w))), Image.Resampling.NEAREST)
    norm = shown.resize(after.size, Image.Resampling.NEAREST)
    panels = [_label(before, t("how.pic_photo", lang, w=image.width, h=image.height)),
              _label(after, t("how.pic_resized", lang, w=w, h=h)), _label(norm, t("how.pic_normalised", lang))]
    fmt = lambda v: ", ".join(f"{c:.3f}" for c in v)  # noqa: E731
    facts = dict(h=h, w=w, W0=image.width, H0=image.height, mean=fmt(mean), std=fmt(std))
    return Step(t("how.resize_title", lang), t("how.resize_plain", lang, **facts), t("how.resize_symbols", lang, **facts),
                _draw.hstack(panels, gap=12), t("how.resize_alt", lang, **facts))


def _grid_step(vt: VisionTokens, lang: str) -> Step:
    (h, w), p, (gh, gw) = vt.input_size, vt.patch_px, vt.grid
    panel, s = _fit(vt.input_image)
    draw_grid(panel, p, s)
    kind = "vit" if vt.family == "vit" else ("hybrid" if vt.family == "hybrid" else "cnn")
    facts = dict(h=h, w=w, p=p, gh=gh, gw=gw, n=vt.num_tokens, stages=" → ".join(
        f"{st['grid'][0]} × {st['grid'][1]}" for st in vt.stages) or f"{gh} × {gw}")
    pic = frame(panel, [t(f"how.cells_caption_{kind}", lang, **facts)], random_weights=False, size=15)
    return Step(t(f"how.cells_title_{kind}", lang), t(f"how.cells_plain_{kind}", lang, **facts),
                t(f"how.cells_symbols_{kind}", lang, **facts), pic, t("how.cells_alt", lang, **facts))


def _patch_step(vt: VisionTokens, lang: str) -> Step:
    (i, j), p = _centre(vt), vt.patch_px
    box = (j * p, i * p, min((j + 1) * p, vt.input_size[1]), min((i + 1) * p, vt.input_size[0]))
    small, s = _fit(vt.input_image, 200)
    _outline(small, tuple(v * s for v in box))
    patch = vt.input_image.crop(box)
    big = patch.resize((160, round(160 * patch.height / max(patch.width, 1))), Image.Resampling.NEAREST)
    strip = _rgb_strip(patch)
    n_in = 3 * patch.width * patch.height
    facts = dict(p=p, n_in=n_in, row=i + 1, col=j + 1, k=i * vt.grid[1] + j)
    panels = [_label(small, t("how.pic_which", lang, **facts)), _label(big, t("how.pic_enlarged", lang, **facts)),
              _label(strip, t("how.pic_flat", lang, **facts))]
    key = "vit" if vt.family == "vit" else "cnn"
    return Step(t(f"how.patch_title_{key}", lang), t(f"how.patch_plain_{key}", lang, **facts),
                t(f"how.patch_symbols_{key}", lang, **facts), _draw.hstack(panels, gap=12),
                t("how.patch_alt", lang, **facts))


def _embed_step(vt: VisionTokens, lang: str) -> Step:
    i, j = _centre(vt)
    k = i * vt.grid[1] + j
    token = vt.tokens[k].numpy()
    facts = dict(d=vt.dim, n=vt.num_tokens, k=k, n_in=3 * vt.patch_px ** 2)
    strip = _strip(token, 480, cell=max(3, min(8, 480 * 8 // max(vt.dim, 1))))
    pic = frame(strip, [t("how.pic_token", lang, **facts)], random_weights=_draw.banner_needed(vt), lang=lang, size=15)
    key = "vit" if vt.family == "vit" else "cnn"
    return Step(t("how.embed_title", lang), t(f"how.embed_plain_{key}", lang, **facts),
                t("how.embed_symbols", lang, **facts), pic, t("how.embed_alt", lang, **facts))


def _projector(vt: VisionTokens):
    from vlmtok.smolvlm import DEFAULT_MODEL_ID, checkpoint
    from vlmtok.tokens import VisionProjector

    d_llm = checkpoint(DEFAULT_MODEL_ID).d_llm                      # the language model SmolVLM-256M feeds
    with torch.inference_mode():
        proj = VisionProjector(vt.dim, d_llm)
        y = proj.proj(proj.norm(vt.tokens))                         # [N, d_llm] before position and modality
        out = proj(vt.tokens, vt.grid)                              # [N + 2, d_llm]
    return proj, y, out


def _projector_step(vt: VisionTokens, y: torch.Tensor, lang: str) -> Step:
    i, j = _centre(vt)
    k = i * vt.grid[1] + j
    d_llm = int(y.shape[1])
    facts = dict(d=vt.dim, d_llm=d_llm, n=vt.num_tokens, k=k)
    before = _strip(vt.tokens[k].numpy(), 480, cell=max(3, min(8, 480 * 8 // max(vt.dim, 1))))
    after = _strip(y[k].numpy(), 480, cell=max(3, min(8, 480 * 8 // d_llm)))
    pic = _draw.vstack([_label(before, t("how.pic_before_proj", lang, **facts)),
                        _label(after, t("how.pic_after_proj", lang, **facts))], gap=10)
    return Step(t("how.proj_title", lang), t("how.proj_plain", lang, **facts), t("how.proj_symbols", lang, **facts),
                pic, t("how.proj_alt", lang, **facts))


def _position_step(vt: VisionTokens, proj, lang: str) -> Step:
    from vlmtok.tokens import sincos_pos_embed_2d

    (i, j), (gh, gw) = _centre(vt), vt.grid
    pos = sincos_pos_embed_2d(vt.grid, proj.d_llm)                   # [N, d_llm]
    k = i * gw + j
    near = torch.nn.functional.cosine_similarity(pos, pos[k:k + 1], dim=1).numpy().reshape(gh, gw)
    heat = _draw.cell_map_picture(vt, _draw.colormap(near), PANEL_PX / max(vt.input_size), 0.75)
    cell = vt.patch_px * PANEL_PX / max(vt.input_size)
    _outline(heat, (j * cell, i * cell, (j + 1) * cell, (i + 1) * cell))
    facts = dict(d_llm=proj.d_llm, row=i + 1, col=j + 1, gh=gh, gw=gw)
    strips = _draw.vstack([_label(_strip(pos[k].numpy(), 300, cell=3), t("how.pic_pos", lang, **facts)),
                           _label(_strip(proj.modality.detach().numpy(), 300, cell=3), t("how.pic_mod", lang,
                                                                                          **facts))], gap=10)
    pic = _draw.hstack([_label(heat, t("how.pic_pos_map", lang, **facts)), strips], gap=12)
    return Step(t("how.pos_title", lang), t("how.pos_plain", lang, **facts), t("how.pos_symbols", lang, **facts), pic,
                t("how.pos_alt", lang, **facts))


def _sequence_step(vt: VisionTokens, out, lang: str) -> Step:
    gw, p = vt.grid[1], vt.patch_px
    crop = lambda k: vt.input_image.crop(((k % gw) * p, (k // gw) * p, (k % gw + 1) * p, (k // gw + 1) * p))  # noqa: E731
    n = vt.num_tokens
    shown = list(range(min(n, 6)))
    items = [("<IMG_TOKEN>", None)] + [(str(k), crop(k)) for k in shown]
    if n > len(shown):
        items += [(f"… {n - len(shown) - 1} …", None), (str(n - 1), crop(n - 1))]
    words = _prompt_tokens(lang)
    items += [("<IMG_END>", None)] + [(w, None) for w in words]
    total = int(out.embeds.shape[0]) + len(words)
    facts = dict(n=n, m=int(out.embeds.shape[0]), d_llm=int(out.embeds.shape[1]), t=len(words), total=total,
                 prompt=t("how.prompt", lang))
    pic = frame(_boxes(items), [t("how.pic_sequence", lang, **facts)], random_weights=False, size=15)
    return Step(t("how.seq_title", lang), t("how.seq_plain", lang, **facts), t("how.seq_symbols", lang, **facts), pic,
                t("how.seq_alt", lang, **facts))


def encoder_steps(image: Image.Image, vt: VisionTokens, lang: str = "en") -> list[Step]:
    """The steps for one timm encoder's tokens ``vt`` of ``image`` (the original picture)."""
    proj, y, out = _projector(vt)
    return [_resize_step(image, vt, lang), _grid_step(vt, lang), _patch_step(vt, lang), _embed_step(vt, lang),
            _projector_step(vt, y, lang), _position_step(vt, proj, lang), _sequence_step(vt, out, lang)]


# ----------------------------------------------------------------------------------------------------------------
# SmolVLM: tiles, SigLIP patches, pixel shuffle, connector


def tile_plan_picture(image: Image.Image, detail: str = "high", *, name: str = "smolvlm-256m", lang: str = "en",
                      panel_px: int = 420) -> tuple[Image.Image, dict]:
    """The picture as SmolVLM's processor tiles it at ``detail``: the resized picture with its 512 px tiles
    (row and column of each), and the global view beside it. Returns the picture and its numbers."""
    from vlmtok.smolvlm import checkpoint, tile_plan

    config = checkpoint(name).vision_config
    plan = tile_plan(image.size, detail, config)
    (th, tw), tile = plan.resized, plan.tile_px
    if plan.rows:
        resized = image.resize((tw, th), Image.Resampling.BILINEAR)
        panel, s = _fit(resized, panel_px)
        draw_grid(panel, tile, s, width=3)
        fnt = _draw.font(max(12, round(tile * s / 6)), bold=True)
        d = ImageDraw.Draw(panel)
        for r in range(plan.rows):
            for c in range(plan.cols):
                d.text((round(c * tile * s) + 6, round(r * tile * s) + 4), f"{r + 1},{c + 1}", fill=(255, 255, 255),
                       font=fnt, stroke_width=2, stroke_fill=(0, 0, 0))
    else:
        panel, s = None, 1.0
    glob = image.resize((tile, tile), Image.Resampling.BILINEAR)
    side = max(160, round(tile * s)) if panel is not None else panel_px // 2
    glob = glob.resize((side, side), Image.Resampling.BILINEAR)
    facts = dict(rows=plan.rows, cols=plan.cols, tiles=plan.tiles, per=plan.tokens_per_tile, n=plan.tokens,
                 h=th, w=tw, tile=tile, detail=t(f"compare.detail_{detail}", lang))
    parts = ([_label(panel, t("how.pic_tiles", lang, **facts))] if panel is not None else [])
    parts.append(_label(glob, t("how.pic_global", lang, **facts)))
    return _draw.hstack(parts, gap=12), facts


def smolvlm_steps(image: Image.Image, name: str = "smolvlm-256m", lang: str = "en") -> list[Step]:
    """SmolVLM's own pipeline on ``image``: only the processor's rules and the checkpoint's sizes (no model run)."""
    from vlmtok.smolvlm import checkpoint, resolve_detail, tile_plan

    ck = checkpoint(name)
    d_vision = int((ck.architecture or {}).get("vision_config", {}).get("hidden_size", 768))
    here = resolve_detail(None)
    plan = tile_plan(image.size, "high", ck.vision_config)
    used = tile_plan(image.size, here, ck.vision_config)
    tile, patch, r = ck.tile_px, ck.patch_px, ck.scale_factor
    side = tile // patch
    facts = dict(tile=tile, patch=patch, side=side, patches=side * side, r=r, per=(side // r) ** 2, grid=side // r,
                 d_vision=d_vision, stacked=d_vision * r * r, d_llm=ck.d_llm, rows=plan.rows, cols=plan.cols,
                 tiles=plan.tiles, n=plan.tokens, here=t(f"compare.detail_{here}", lang), n_here=used.tokens,
                 W0=image.width, H0=image.height, h=plan.resized[0], w=plan.resized[1], n_in=3 * patch * patch,
                 model=ck.short_name)
    plan_pic, _ = tile_plan_picture(image, "high", name=name, lang=lang)
    steps = [Step(t("how.vlm_tiles_title", lang, **facts), t("how.vlm_tiles_plain", lang, **facts),
                  t("how.vlm_tiles_symbols", lang, **facts), plan_pic, t("how.vlm_tiles_alt", lang, **facts))]
    glob = image.resize((tile, tile), Image.Resampling.BILINEAR)
    grid_pic, s = _fit(glob)
    draw_grid(grid_pic, patch, s, width=1)
    steps.append(Step(t("how.vlm_patches_title", lang, **facts), t("how.vlm_patches_plain", lang, **facts),
                      t("how.vlm_patches_symbols", lang, **facts),
                      _label(grid_pic, t("how.pic_vlm_patches", lang, **facts)), t("how.vlm_patches_alt", lang, **facts)))
    one = glob.crop((tile // 2, tile // 2, tile // 2 + patch, tile // 2 + patch))
    patch_pic = _draw.hstack([_label(one.resize((160, 160), Image.Resampling.NEAREST), t("how.pic_enlarged", lang)),
                              _label(_rgb_strip(one), t("how.pic_flat", lang, n_in=3 * patch * patch))], gap=12)
    steps.append(Step(t("how.vlm_siglip_title", lang, **facts), t("how.vlm_siglip_plain", lang, **facts),
                      t("how.vlm_siglip_symbols", lang, **facts), patch_pic, t("how.vlm_siglip_alt", lang, **facts)))
    shuffle, s = _fit(glob)
    draw_grid(shuffle, patch, s, colour=(255, 255, 255), width=1)
    draw_grid(shuffle, patch * r, s, colour=SHUFFLE_COLOUR, width=3)
    steps.append(Step(t("how.vlm_shuffle_title", lang, **facts), t("how.vlm_shuffle_plain", lang, **facts),
                      t("how.vlm_shuffle_symbols", lang, **facts),
                      _label(shuffle, t("how.pic_vlm_shuffle", lang, **facts)), t("how.vlm_shuffle_alt", lang, **facts)))
    blocks = [(f"{side * side} × {d_vision}", None), ("→", None), (f"{(side // r) ** 2} × {d_vision * r * r}", None),
              ("→", None), (f"{(side // r) ** 2} × {ck.d_llm}", None)]
    steps.append(Step(t("how.vlm_connector_title", lang, **facts), t("how.vlm_connector_plain", lang, **facts),
                      t("how.vlm_connector_symbols", lang, **facts),
                      frame(_boxes(blocks), [t("how.pic_vlm_connector", lang, **facts)], random_weights=False, size=15),
                      t("how.vlm_connector_alt", lang, **facts)))
    items = []
    for row in range(plan.rows):
        for col in range(plan.cols):
            if row * plan.cols + col < 2 or (row, col) == (plan.rows - 1, plan.cols - 1):
                items += [("<fake_token_around_image>", None), (f"<row_{row + 1}_col_{col + 1}>", None),
                          (f"<image> × {facts['per']}", None)]
            elif row * plan.cols + col == 2:
                items.append(("…", None))
    items += [("<fake_token_around_image>", None), ("<global-img>", None), (f"<image> × {facts['per']}", None),
              ("<fake_token_around_image>", None)] + [(w, None) for w in _prompt_tokens(lang)]
    steps.append(Step(t("how.vlm_seq_title", lang, **facts), t("how.vlm_seq_plain", lang, **facts),
                      t("how.vlm_seq_symbols", lang, **facts),
                      frame(_boxes(items), [t("how.pic_vlm_seq", lang, **facts)], random_weights=False, size=15),
                      t("how.vlm_seq_alt", lang, **facts)))
    return steps
