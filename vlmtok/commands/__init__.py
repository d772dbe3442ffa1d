"""One module per command of ``python -m vlmtok``: ``add_arguments(parser)`` and ``run(args) -> int``."""
