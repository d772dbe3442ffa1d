"""The app's side of vlmtok: the callbacks the Gradio page wires up (``callbacks``: the Tour; ``compare``: Compare and
How it works), the public API's functions (``api``), how long a narration takes here (``eta``), the options of
``python app.py`` (``options``), HTTP headers and the busy answer (``http``), its strings (``strings``) and its
stylesheets and script (``assets/``). ``app.py`` at the repository root holds the layout and the wiring only.

This package never imports gradio: the callbacks and the API return plain values that ``app.py`` turns into page
updates and API results.
"""
