"""Google's voice through gTTS, made safe for a flaky museum network and a busy public demo.

gTTS (2.2.4 here) sends its requests without a timeout and writes straight into the target file, leaving a 0-byte
file behind when Google cannot be reached. So gTTS is used for what it does well, splitting long text into
Google-sized pieces and packaging each as the ``batchexecute`` RPC (``gTTS.get_bodies()``), and the requests are
sent here (``vlmtok.net``): a hard wall-clock limit per request and per text, enforced on the socket (an endpoint
that drips its answer a byte at a time is cut off at the limit, and no thread is left reading), bounded retries with exponential backoff on HTTP 429 and
5xx (``Retry-After`` honoured, capped), and bytes returned only when every piece arrived and holds MP3 frames.

After a failure Google is left alone for ``GttsConfig.cooldown_s`` (a rate-limited demo must not hammer it, and an
offline basement must not pay a timeout per sentence): ``auto`` goes straight to the offline voice meanwhile.

The endpoint is ``https://translate.google.com/_/TranslateWebserverUi/data/batchexecute``, as gTTS builds it;
``VLMTOK_GTTS_URL`` replaces it (a local stand-in in tests, a proxy in a museum). Sentence times come from
synthesising sentence by sentence and concatenating the MP3 streams (frames concatenate cleanly).
"""
from __future__ import annotations

import base64
import binascii
import http.client
import logging
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass

from vlmtok import net, settings
from vlmtok.i18n import LANGUAGES, language_facts
from vlmtok.speech.audio import mp3_duration
from vlmtok.speech.base import (EngineError, EngineUnavailable, Plan, Synthesis, join_mp3_sentences,
                                register_voice, split_sentences)

log = logging.getLogger(__name__)

URL_ENV = "VLMTOK_GTTS_URL"
LANGS: dict[str, str] = {lang: str(language_facts(lang)["gtts_lang"]) for lang in LANGUAGES}  # the catalogues'
_AUDIO_RE = re.compile(r'jQ1olc","\[\\"(.*)\\"]')      # the same pattern gTTS uses on each response line


@dataclass(frozen=True)
class GttsConfig:
    """Time limits and retry policy (seconds)."""

    connect_timeout_s: float = 3.0
    read_timeout_s: float = 5.0
    request_limit_s: float = 8.0         # one request, body included, however slowly it trickles
    text_limit_s: float = 20.0           # every request of one text, retries and waits included
    attempts: int = 3                    # per request, on 429 / 5xx
    backoff_s: float = 0.5               # 0.5, 1.0, 2.0 ...
    max_backoff_s: float = 4.0           # also caps a server's Retry-After
    cooldown_s: float = 60.0             # leave Google alone this long after a failure
    slow_below: float = 0.8              # rates at or below this use Google's slow mode
    slow_factor: float = 0.75            # Google's slow mode speaks at about this speed (approximate)


CONFIG = GttsConfig()


def endpoint_url() -> str:
    """Where the requests go (``VLMTOK_GTTS_URL`` if set)."""
    return settings.gtts_url()


class _Cooldown:
    """Remembers the last failure so ``auto`` skips Google for a while."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0
        self._reason = ""

    def trip(self, reason: str, seconds: float) -> None:
        with self._lock:
            self._until, self._reason = time.monotonic() + seconds, reason

    def reason(self) -> str | None:
        with self._lock:
            left = self._until - time.monotonic()
            return f"{self._reason} (trying again in {left:.0f} s)" if left > 0 else None

    def reset(self) -> None:
        with self._lock:
            self._until, self._reason = 0.0, ""


COOLDOWN = _Cooldown()


def _offline_forced() -> bool:
    return settings.offline_forced()


class GttsEngine:
    """Google Translate's voice (MP3), English and Vietnamese; speed through slow mode plus a playback rate."""

    name = "gtts"
    fmt = "mp3"

    def unavailable_reason(self, lang: str) -> str | None:
        if lang not in LANGS:
            return f"Google's voice is not configured for {lang!r}"
        if _offline_forced():
            return "offline mode is on (VLMTOK_OFFLINE)"
        try:
            import gtts  # noqa: F401
        except ImportError:
            return "gTTS is not installed"
        return COOLDOWN.reason()

    def plan(self, lang: str, rate: float) -> Plan:
        slow = rate <= CONFIG.slow_below
        spoken = CONFIG.slow_factor if slow else 1.0
        return Plan(voice=f"google-{LANGS.get(lang, 'en')}", synth_rate="slow" if slow else "normal",
                    playback_rate=round(rate / spoken, 3))

    def synthesize(self, text: str, lang: str, plan: Plan) -> Synthesis:
        deadline = time.monotonic() + CONFIG.text_limit_s
        sentences = split_sentences(text)
        try:
            _check_name_lookup(endpoint_url(), CONFIG.connect_timeout_s)
            parts = [_fetch(s, LANGS.get(lang, "en"), plan.synth_rate == "slow", deadline) for s in sentences]
        except EngineError as exc:
            COOLDOWN.trip(str(exc), CONFIG.cooldown_s)
            raise
        kept = [(s, p) for s, p in zip(sentences, parts) if p]
        if not kept:
            raise EngineError("Google's voice returned no audio for this text")
        return join_mp3_sentences([s for s, _ in kept], [p for _, p in kept])


def _check_name_lookup(url: str, timeout: float) -> None:
    """Resolve the host within ``timeout``: no socket timeout covers a hanging DNS lookup."""
    try:
        net.resolve(urllib.parse.urlsplit(url).hostname or "", timeout)
    except net.TooSlow as exc:
        raise EngineUnavailable("Google's voice could not be reached (name lookup timed out)") from exc
    except OSError as exc:
        raise EngineUnavailable("Google's voice could not be reached (no network?)") from exc


def _fetch(sentence: str, lang: str, slow: bool, deadline: float) -> bytes:
    """MP3 bytes of one sentence (gTTS may split it into several requests); b"" if nothing speakable."""
    from gtts import gTTS
    try:
        bodies = gTTS(sentence, lang=lang, slow=slow, lang_check=False).get_bodies()
    except AssertionError:                 # gTTS: nothing left to speak after cleaning (e.g. only punctuation)
        return b""
    return b"".join(_post(body, deadline) for body in bodies)


def _post(body: str, deadline: float) -> bytes:
    """One RPC, with retries on 429 / 5xx; returns the decoded MP3 bytes."""
    for attempt in range(CONFIG.attempts):
        limit = min(CONFIG.request_limit_s, deadline - time.monotonic())
        if limit <= 0:
            raise EngineError("Google's voice took too long")
        status, content, retry_after = _send(body, limit)
        if status == 200:
            return _decode(content)
        retriable = status == 429 or status >= 500
        if not retriable or attempt == CONFIG.attempts - 1:
            break
        wait = _backoff(attempt, retry_after)
        if time.monotonic() + wait >= deadline:
            break
        log.info("Google's voice answered HTTP %d; retrying in %.1f s", status, wait)
        time.sleep(wait)
    what = "rate-limited (HTTP 429)" if status == 429 else f"answered HTTP {status}"
    raise EngineError(f"Google's voice {what} after {attempt + 1} tries")


def _send(body: str, limit: float) -> tuple[int, bytes, str | None]:
    """POST and read the whole answer within ``limit`` seconds of wall clock (``vlmtok.net``: the socket is shut
    at the deadline, so a server dripping its answer costs ``limit``, never more): (status, body, Retry-After)."""
    from gtts import gTTS
    try:
        reply = net.request("POST", endpoint_url(), body=body.encode("utf-8"), headers=gTTS.GOOGLE_TTS_HEADERS,
                            limit_s=limit, connect_s=CONFIG.connect_timeout_s, read_s=CONFIG.read_timeout_s)
    except TimeoutError as exc:            # the whole answer (net.TooSlow) or one wait for bytes
        raise EngineUnavailable("Google's voice did not answer in time") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        log.debug("gTTS request failed: %s", exc)
        raise EngineUnavailable("Google's voice could not be reached (no network?)") from exc
    return reply.status, reply.body, reply.headers.get("retry-after")


def _backoff(attempt: int, retry_after: str | None) -> float:
    wait = CONFIG.backoff_s * (2 ** attempt)
    if retry_after and retry_after.strip().isdigit():
        wait = max(wait, float(retry_after))
    return min(wait, CONFIG.max_backoff_s)


def _decode(content: bytes) -> bytes:
    """MP3 bytes from a ``batchexecute`` answer (lines of JSON; audio is base64 in the ``jQ1olc`` line)."""
    audio = b""
    for line in content.decode("utf-8", "replace").splitlines():
        if "jQ1olc" in line:
            match = _AUDIO_RE.search(line)
            if not match:
                raise EngineError("Google's voice answered without audio")
            try:
                audio += base64.b64decode(match.group(1).encode("ascii"))
            except (ValueError, binascii.Error) as exc:
                raise EngineError("Google's voice answered with damaged audio") from exc
    if not audio or mp3_duration(audio) <= 0:
        raise EngineError("Google's voice answered without playable audio")
    return audio


register_voice("gtts", GttsEngine, priority=30, offline=False)
