"""Start the app as a ZeroGPU Space does, on a machine without a GPU (run by tests/test_zerogpu.py).

The real `spaces` package runs with ``SPACES_ZERO_GPU=true`` against a stand-in of ZeroGPU's device API
(``SPACES_ZERO_DEVICE_API_URL``): it patches torch in this process (CUDA emulated on the main thread only), records
the tensors moved to ``cuda`` at start-up, forks a worker per GPU job, pickles arguments and results across and
asks the device API for every job. Only the three steps that need a real GPU are replaced: ``init`` (it would
initialise CUDA), ``pack`` (it would copy the recorded tensors to disk for the next worker's ``move``) and ``move``
(it would copy them to the GPU): here the worker's "cuda" tensors take their CPU originals.

Usage: ``python tests/zerogpu_space.py [app options]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import spaces  # noqa: F401  (first: it patches torch before anything touches CUDA)
from spaces.zero import torch as zero_torch
from spaces.zero.torch import patching


def init(nvidia_uuid: str) -> None:
    """No CUDA to initialise on this machine."""


def pack() -> int:
    """Keep the recorded tensors in memory (the real step offloads them to disk for the worker)."""
    return 0


def move(callback=None) -> None:
    """In the forked worker: each tensor moved to "cuda" at start-up takes its CPU original."""
    for fake, original in patching.cuda_aliases.items():
        if original is not None:
            fake.data = original


zero_torch.init, zero_torch.pack, zero_torch.move = init, pack, move

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from vlmtok.app.main import main

    raise SystemExit(main(sys.argv[1:]))
