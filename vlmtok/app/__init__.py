"""The app's side of vlmtok: the callbacks the Gradio page wires up (``callbacks``), the public API's functions
(``api``), how long a narration takes here (``eta``), the options of ``python app.py`` (``options``), its strings
(``strings``) and its stylesheet and script (``assets/``). ``app.py`` at the repository root holds the layout and the
wiring only.

This package never imports gradio: the callbacks and the API return plain values that ``app.py`` turns into page
updates and API results.
"""
