"""The token ledger as a bar chart: tokens per encoder and scale, then SmolVLM's cost of the same picture."""
from __future__ import annotations

from PIL import Image, ImageDraw

from vlmtok.ledger import Ledger
from vlmtok.tokens import TOKEN_BUDGET
from vlmtok.visualize import _draw


BAR_COLOUR = (31, 119, 180)
AFTER_COLOUR = (44, 160, 44)
VLM_COLOUR = (148, 103, 189)


def ledger_chart(ledger: Ledger, *, width: int = 1100, lang: str = "en") -> Image.Image:
    """Horizontal bars: tokens per encoder and scale (green: after compression), then SmolVLM's cost.

    Bars over the 1024-token budget are red; a dashed line marks the budget.
    """
    items = _chart_items(ledger)
    fnt, bold = _draw.font(16), _draw.font(18, bold=True)
    label_w = max(_draw.text_width(label, fnt) for label, *_ in items) + 24
    row_h, top, pad = 30, 64, 16
    height = top + row_h * len(items) + 56
    out = Image.new("RGB", (width, height), _draw.PAPER)
    draw = ImageDraw.Draw(out)
    draw.text((pad, pad), "Token ledger: how many tokens each choice costs", fill=_draw.INK, font=bold)
    vmax = max([TOKEN_BUDGET * 1.1] + [v for _, v, *_ in items])
    bar_w = width - label_w - 110
    x0 = label_w
    for k, (label, value, after, colour) in enumerate(items):
        y = top + k * row_h
        draw.text((pad, y + 5), label, fill=_draw.INK, font=fnt)
        fill = _draw.ALERT_COLOUR if value > TOKEN_BUDGET else colour
        draw.rectangle([x0, y + 4, x0 + max(1, round(bar_w * value / vmax)), y + row_h - 6], fill=fill)
        if after is not None:
            draw.rectangle([x0, y + row_h - 11, x0 + max(1, round(bar_w * after / vmax)), y + row_h - 6],
                           fill=AFTER_COLOUR)
        note = f"{value}" + (f" → {after}" if after is not None else "")
        draw.text((x0 + round(bar_w * value / vmax) + 6, y + 5), note, fill=_draw.INK, font=fnt)
    bx = x0 + round(bar_w * TOKEN_BUDGET / vmax)
    for y in range(top - 4, top + row_h * len(items), 8):
        draw.line([(bx, y), (bx, y + 4)], fill=_draw.ALERT_COLOUR, width=2)
    foot = f"dashed line: {TOKEN_BUDGET}-token budget; red: over it; green: after compression"
    draw.text((pad, height - 40), foot, fill=_draw.INK, font=fnt)
    if any(r["weights_source"] == "random" for r in ledger.rows):
        draw.text((pad, height - 22), "some encoders use random weights: their counts are real, their features not",
                  fill=_draw.ALERT_COLOUR, font=_draw.font(14))
    return out


def _chart_items(ledger: Ledger) -> list[tuple[str, int, int | None, tuple[int, int, int]]]:
    items = [(f"{r['encoder']} @ {r['input_size'][0]}", r["tokens"], r["tokens_after"], BAR_COLOUR)
             for r in ledger.rows]
    items += [(f"{v['model']} ({v['image_size'][0]}×{v['image_size'][1]})", v["image_tokens"], None, VLM_COLOUR)
              for v in ledger.vlm_rows]
    return items or [("no rows", 0, None, BAR_COLOUR)]
