"""vlmtok: describe an artwork in large text and speech, and see how vision encoders tokenise it.

The Hugging Face Space's entry point and ``python app.py [--help]`` in a checkout; ``vlmtok app`` is the same from
an installed package. The page itself is ``vlmtok.app.page`` (its ``demo``).
"""
from vlmtok.app.main import telemetry_off

telemetry_off()  # before gradio is imported (by `spaces` below)

try:  # ZeroGPU: `spaces` must be imported before anything initialises CUDA (elsewhere it changes nothing)
    import spaces  # noqa: F401,E402
except ImportError:
    pass

if __name__ == "__main__":
    from vlmtok.app.main import main

    raise SystemExit(main())

from vlmtok.app.page import demo  # noqa: E402,F401  (``gradio app.py`` and importers look for ``demo``)
