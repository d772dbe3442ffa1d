"""The one reader of Gradio's queue internals: it must fail here, not silently in the page, when Gradio changes."""
from __future__ import annotations

import gradio as gr

from vlmtok.app import queue_fill


def test_the_queue_is_read_as_gradio_keeps_it():
    with gr.Blocks() as blocks:
        box = gr.Textbox()
        box.submit(lambda x: x, inputs=box, outputs=box)
    blocks.queue(default_concurrency_limit=2, max_size=7)
    fill = queue_fill.read(blocks, slots=2)
    assert (fill.waiting, fill.max_size, fill.avg_s, fill.slots) == (0, 7, None, 2)
    assert not fill.full and queue_fill.room(blocks) == 7


def test_an_unknown_queue_is_no_early_busy_message():
    class NotGradio:
        pass

    assert queue_fill.load(NotGradio()) is None
