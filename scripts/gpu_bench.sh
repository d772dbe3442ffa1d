#!/usr/bin/env bash
# The GPU-relevant benchmarks in one short run (< 8 min on one H100/H200): encoders and SmolVLM narration on CUDA
# in bf16 (vlmtok.device.runtime() picks cuda + bfloat16 when a GPU is present).
#
#   bash scripts/gpu_bench.sh            # JSON to $OUT if set (the device runner), else ./gpu-bench/
#
# Uses ./.venv when it exists (made with the right torch for the machine); otherwise creates one from
# requirements.txt, which needs PyPI. Both benchmarks build their models locally (offline packs or random
# weights in the real architectures), so no Hub access is needed for speed figures.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST="${OUT:-./gpu-bench}"
mkdir -p "$DEST"
log() { echo "[gpu_bench $(date +%H:%M:%S)] $*"; }

if [ -x .venv/bin/python ] && .venv/bin/python -c "import torch" 2>/dev/null; then
  PY=.venv/bin/python
elif python3 -c "import torch, timm, transformers" 2>/dev/null; then
  PY=python3                                   # the machine's own Python already has the stack
else
  log "creating .venv from requirements.txt"
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
  PY=.venv/bin/python
fi

export VLMTOK_DEVICE=cuda HF_HUB_OFFLINE=1 VLMTOK_OFFLINE=1 PYTHONUNBUFFERED=1
$PY - <<'PY' | tee "$DEST/gpu.txt"
import torch
from vlmtok.device import runtime
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
print("device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "runtime", runtime())
PY
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >> "$DEST/gpu.txt" 2>/dev/null || true

status=0
log "bench encoders (cuda, bf16)"
timeout 240 $PY -m vlmtok bench encoders --sizes 224,336,448 --iters 20 --json "$DEST/encoders.json" \
  > "$DEST/encoders.log" 2>&1 || { status=1; log "encoders failed (see encoders.log)"; }
log "bench narrate (cuda, bf16)"
timeout 240 $PY -m vlmtok bench narrate --iters 3 --iters-default 2 --new-tokens 32 --json "$DEST/narrate.json" \
  > "$DEST/narrate.log" 2>&1 || { status=1; log "narrate failed (see narrate.log)"; }
log "bench narrate, static KV cache"
timeout 120 $PY -m vlmtok bench narrate --iters 3 --new-tokens 32 --static-cache --json "$DEST/narrate_static.json" \
  > "$DEST/narrate_static.log" 2>&1 || { status=1; log "narrate --static-cache failed"; }
ls -l "$DEST"
exit $status
