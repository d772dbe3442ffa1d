"""``--engine ray``: the same per-artwork functions on Ray Data, for a collection that outgrows one machine.

The jobs become a dataset (``from_items``: each row carries its picture's bytes, so workers need no shared disk),
then two ``map_batches`` stages run on actor pools, so each worker loads its model once: ``PictureStage``
(DINOv2: pack copies, token picture, recognition features) and ``NarrationStage`` (the narrator and the voice).
Where the cluster has GPUs, each actor asks for a share of one. Results stream back to this process, which alone
writes the pack. Without ``address`` Ray starts on this machine (and stops after); with it, the build joins that
cluster and ships the vlmtok package to it (``runtime_env`` ``py_modules``).

Imported only when ``--engine ray`` is chosen: ``pip install vlmtok[ray]``.
"""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Any

from vlmtok import settings
from vlmtok.pack.manifest import BuildOptions
from vlmtok.pack.work import ArtworkJob

log = logging.getLogger(__name__)

PICTURE_GPU = 0.25         # DINOv2 ViT-S is small: four picture workers share a GPU
NARRATOR_GPU = 0.5         # SmolVLM-256M/500M: two narrators share a GPU


class PictureStage:
    """Ray Data actor: one DINOv2 per worker."""

    def __init__(self, lang: str) -> None:
        from vlmtok.pack.recognise import Recogniser

        self.recogniser, self.lang = Recogniser(), lang

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        from vlmtok.pack.work import picture_stage

        results = []
        for job, data in zip(batch["job"], batch["data"]):
            _, result = picture_stage(pickle.loads(job), bytes(data), self.recogniser, self.lang)
            results.append(pickle.dumps(result))
        return {"job": list(batch["job"]), "data": list(batch["data"]), "result": results}


class NarrationStage:
    """Ray Data actor: one narrator (and voice) per worker."""

    def __init__(self, options: BuildOptions) -> None:
        from vlmtok.pack.work import NarratorPool

        self.options, self.narrators = options, NarratorPool(options.narrator)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        from vlmtok.pack.work import load_picture, narration_stage

        out = []
        for job_bytes, data, result_bytes in zip(batch["job"], batch["data"], batch["result"]):
            job, result = pickle.loads(job_bytes), pickle.loads(result_bytes)
            if not result.unusable and job.tasks:
                o = self.options
                narration_stage(job, load_picture(bytes(data)), result, self.narrators.get, detail=o.detail,
                                voice=o.voice, rate=o.rate)
            out.append(pickle.dumps(result))
        return {"job": list(batch["job"]), "result": out}


def run_ray(jobs: list[ArtworkJob], paths: dict[str, Path], options: BuildOptions, on_result,
            address: str | None = None, workers: int | None = None) -> None:
    """Run ``jobs`` on Ray Data and hand each artwork's result to ``on_result(job, result)`` as it arrives."""
    import ray

    started = connect(ray, address)
    try:
        rows = [{"job": pickle.dumps(job), "data": _read(paths[job.id])} for job in jobs]
        for row in _pipeline(ray, rows, options, workers).iter_rows():
            on_result(pickle.loads(row["job"]), pickle.loads(row["result"]))
    finally:
        if started:
            ray.shutdown()


def _pipeline(ray, rows: list[dict], options: BuildOptions, workers: int | None):
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False               # the command line draws its own bar, per artwork
    gpus = float(ray.cluster_resources().get("GPU", 0))
    cpus = int(ray.cluster_resources().get("CPU", 1))
    pool = workers or max(1, cpus // 2)            # two stages share the CPUs
    narrator_gpu = NARRATOR_GPU if gpus and options.narrator != "offline" else 0
    return (ray.data.from_items(rows, override_num_blocks=len(rows))
            .map_batches(PictureStage, fn_constructor_kwargs={"lang": options.langs[0]}, batch_size=1,
                         compute=ray.data.ActorPoolStrategy(min_size=1, max_size=pool), num_cpus=1,
                         num_gpus=PICTURE_GPU if gpus else 0, batch_format="numpy")
            .map_batches(NarrationStage, fn_constructor_kwargs={"options": options}, batch_size=1,
                         compute=ray.data.ActorPoolStrategy(min_size=1, max_size=pool), num_cpus=1,
                         num_gpus=narrator_gpu, batch_format="numpy"))


def connect(ray, address: str | None) -> bool:
    """Join ``address`` or start Ray here; True when this call started it (and so must stop it)."""
    if ray.is_initialized():
        return False
    package = Path(__file__).resolve().parents[1]                 # .../vlmtok
    env = settings.forwarded_environment()
    if address:
        runtime_env = {"py_modules": [str(package)], "env_vars": env}
    else:                                                         # same machine: the workers import this copy
        runtime_env = {"env_vars": {**env, "PYTHONPATH": f"{package.parent}{os.pathsep}${{PYTHONPATH}}"}}
    ray.init(address=address or None, runtime_env=runtime_env, include_dashboard=False,
             log_to_driver=log.isEnabledFor(logging.DEBUG), configure_logging=False)
    log.info("Ray %s: %s", "joined" if address else "started locally", ray.cluster_resources())
    return True


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        log.warning("%s cannot be read: %s", path.name, exc)
        return b""
