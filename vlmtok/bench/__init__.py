"""Benchmarks: one module per area (``encoders``, ``visualize``, ``narrate``, ``speech``, ``app``, ``load``).

Each module has ``add_arguments(parser)`` and ``run(args) -> dict`` (a JSON-ready report). Ratios are measured
within one run, so the machine's speed cancels out.
"""
