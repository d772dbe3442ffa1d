"""Device and dtype, decided once for the whole process (nanoGPT's ``autodetect_device_type`` idea).

CUDA gets bfloat16; the CPU gets float32 (bfloat16 on CPUs without bf16 instructions was measured 4 to 50x slower).
``VLMTOK_DEVICE=cpu`` forces the CPU.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from vlmtok import settings


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


@functools.lru_cache(maxsize=1)
def runtime() -> Runtime:
    """The process-wide device and dtype."""
    forced = settings.forced_device()
    if forced != "cpu" and torch.cuda.is_available():
        return Runtime(torch.device("cuda"), torch.bfloat16)
    return Runtime(torch.device("cpu"), torch.float32)
