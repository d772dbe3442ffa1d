"""Device and dtype, decided once for the whole process (nanoGPT's ``autodetect_device_type`` idea), per role.

CUDA gets bfloat16; the CPU gets float32 (bfloat16 on CPUs without bf16 instructions was measured 4 to 50x slower).
``VLMTOK_DEVICE=cpu`` forces the CPU.

On a ZeroGPU Space (``SPACES_ZERO_GPU``) the `spaces` package makes CUDA look available in the main process but
emulates it on the main thread only, and real CUDA exists only inside a ``spaces.GPU`` function's forked worker.
So there the policy is by role:

- ``"narrator"``: SmolVLM's weights move to ``cuda`` at start-up (module level, main thread: ZeroGPU records
  them and moves them into each GPU worker), and only the narration's ``spaces.GPU`` job computes with them;
- every other role (``"encoder"`` for Compare, Similarity, How it works and a tour pack's photo match;
  ``"translator"``) runs on the CPU by design: these models are small (a ViT-S/14 encodes a picture in well under a second on a
  CPU), and a GPU job per tap would spend the visitor's daily GPU quota on starting a worker.

Inside a GPU job, code takes the device of the model it was handed (``next(model.parameters()).device``), never this
module's answer: the worker's device is the GPU ZeroGPU gave it.

>>> runtime("encoder").name in ("cpu/float32", "cuda/bfloat16")
True
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Literal

import torch

from vlmtok import settings

log = logging.getLogger(__name__)

Role = Literal["narrator", "encoder", "translator"]
ROLES: tuple[str, ...] = ("narrator", "encoder", "translator")
GPU_ROLES_ON_ZERO_GPU: tuple[str, ...] = ("narrator",)   # the rest run on the CPU there, by design


@dataclass(frozen=True)
class Runtime:
    device: torch.device
    dtype: torch.dtype

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def name(self) -> str:
        return f"{self.device.type}/{str(self.dtype).removeprefix('torch.')}"


CPU = Runtime(torch.device("cpu"), torch.float32)


@functools.lru_cache(maxsize=len(ROLES))
def runtime(role: Role = "narrator") -> Runtime:
    """The device and dtype a model of ``role`` loads on, for the whole process."""
    if role not in ROLES:
        raise ValueError(f"Unknown device role: {role!r} (known: {', '.join(ROLES)})")
    if settings.forced_device() == "cpu":
        return CPU
    if settings.zero_gpu():
        if on_cpu_by_design(role):
            log.info("ZeroGPU: the %s runs on the CPU by design (CUDA exists only inside a spaces.GPU job)", role)
            return CPU
        return Runtime(torch.device("cuda"), torch.bfloat16)
    if torch.cuda.is_available():
        return Runtime(torch.device("cuda"), torch.bfloat16)
    return CPU


def on_cpu_by_design(role: Role) -> bool:
    """True where ``role`` runs on the CPU although the machine has a GPU (a ZeroGPU Space), so the page can say so."""
    return settings.zero_gpu() and role not in GPU_ROLES_ON_ZERO_GPU and settings.forced_device() != "cpu"
