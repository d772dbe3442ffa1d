"""The app's side of vlmtok: the callbacks the Gradio page wires up (``callbacks``: the Tour; ``compare``: Compare and
How it works), its strings (``strings``) and its stylesheets and script (``assets/``). ``app.py`` at the repository
root holds the layout and the wiring only.

This package never imports gradio: the callbacks return plain values that ``app.py`` turns into page updates.
"""
