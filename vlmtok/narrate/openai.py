"""The served narrator: one GPU server narrates for every tablet, through any OpenAI-compatible chat-completions API.

vLLM serves SmolVLM and Idefics3 this way (so do llama.cpp's server and others). The picture goes to the server as
pixels (a JPEG data URL, its longest edge set by the detail level), with the same prompt SmolVLM gets here
(``prompts.prompt_for``: tier, audience, the label rule); the answer streams back as server-sent events and is cut
to the tier's length. The byline, spoken first, is short: "AI description, SmolVLM-256M, served"; where it was served
(``server``, "gpu-box:8000") and that the picture went as pixels (vlmtok's own vision tokens are not used) are in the
written provenance. Other languages come from the translation stage.

A server that is down, slow or answering garbage never stalls a tour: a failed connection or a 5xx is tried once
more while time is left, no answer within ``timeout_s`` (to the first piece, then between pieces) ends the wait,
and the offline narrator answers instead, with a notice that says why. A server that refuses the request (a 4xx, such
as vLLM's 400 "... is not a multimodal model") is not "down": its notice carries the server's own message.

>>> narrator = OpenAINarrator("http://gpu-box:8000/v1", "HuggingFaceTB/SmolVLM-256M-Instruct")  # doctest: +SKIP
>>> narrator.describe(image, NarrationRequest(lang="vi")).narrator_label  # doctest: +SKIP
"""
from __future__ import annotations

import base64
import io
import json
import logging
import queue
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from PIL import Image

from vlmtok import net, settings
from vlmtok.cache import image_hash
from vlmtok.i18n import normalize_lang, t
from vlmtok.narrate import prompts
from vlmtok.narrate.backend import BaseNarrator
from vlmtok.narrate.base import Narration, NarrationRequest

log = logging.getLogger(__name__)

__all__ = ["OpenAINarrator", "ServerFailed", "available", "DETAIL_EDGE"]

DETAIL_EDGE = {"low": 512, "normal": 1024, "high": 2048}   # longest edge sent: SmolVLM's 512 px tiles, 1 / 2x2 / 4x4
DEFAULT_DETAIL = "normal"      # a served model runs on a GPU: "auto" means normal
JPEG_QUALITY = 90
ATTEMPTS = 2                   # a refused connection or a 5xx is tried once more, while time is left
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
BACKOFF_S = 0.5
PROBE_TIMEOUT_S = 3.0
MAX_TURNS = 4                  # turns kept per conversation (the description + 3 questions), as the SmolVLM narrator
MAX_CONVERSATIONS = 64
_MARKUP = re.compile(r"<(?:image|fake_token_around_image|global-img|end_of_utterance|row_\d+_col_\d+|\|[^|>]*\|)>")
_END = object()


MAX_REFUSAL_CHARS = 200       # the server's own words in a notice: a sentence, never a whole error page


class ServerFailed(Exception):
    """The server did not give a usable answer; ``why`` is "down", "slow", "garbage" or "refused" (the notice's key).

    ``said``: what the server said when it refused (its error message), shown to the guide in the notice.
    """

    def __init__(self, message: str, why: str, retry: bool = False, said: str = ""):
        super().__init__(message)
        self.why = why
        self.retry = retry
        self.said = said


def refusal(status: int, body: bytes) -> ServerFailed:
    """A 4xx answer as its own failure, with the server's message (``error.message``, ``message`` or ``detail``)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    said = ""
    if isinstance(data, dict):
        err = data.get("error")
        said = (err.get("message") if isinstance(err, dict) else err) or data.get("message") or data.get("detail") or ""
    said = _clean(" ".join(str(said).split()))[:MAX_REFUSAL_CHARS] or f"HTTP {status}"
    return ServerFailed(f"HTTP {status}: {said}", "refused", said=said)


def server_name(base_url: str | None) -> str:
    """"gpu-box:8000" from "http://user:key@gpu-box:8000/v1": where it is, never a credential or a path."""
    url = urlparse(base_url or "")
    host = url.hostname or ""
    return f"{host}:{url.port}" if url.port else host


def model_label(model_id: str) -> str:
    """"SmolVLM-256M" from "HuggingFaceTB/SmolVLM-256M-Instruct"."""
    return model_id.rstrip("/").split("/")[-1].removesuffix("-Instruct") or model_id


def available(base_url: str | None = None, api_key: str | None = None, **_: Any) -> tuple[bool, str]:
    """The registry's check: a server address is set and its ``/models`` answers (one short request).

    Without an address the served narrator is not set up here: ``(False, "")``, so "auto" passes it by silently.
    """
    import http.client

    base = (base_url or settings.openai_base_url() or "").rstrip("/")
    if not base:
        return False, ""
    key = settings.openai_api_key() if api_key is None else api_key
    try:                                     # the whole answer within the limit, however slowly it comes
        resp = net.request("GET", f"{base}/models", headers=_headers(key), limit_s=PROBE_TIMEOUT_S)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return False, f"{server_name(base)} did not answer: {type(exc).__name__}"
    if resp.status != 200:
        return False, f"{server_name(base)} answered HTTP {resp.status}"
    return True, f"served at {server_name(base)}"


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def image_data_url(image: Image.Image, longest_edge: int) -> tuple[str, tuple[int, int]]:
    """The picture as a JPEG data URL, shrunk (never enlarged) to ``longest_edge``; and the size sent (w, h)."""
    picture = image.convert("RGB")
    scale = longest_edge / max(picture.size)
    if scale < 1:
        picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                                 Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), picture.size


class OpenAINarrator(BaseNarrator):
    """Narrates with a model on an OpenAI-compatible server (in English; ``BaseNarrator`` translates).

    Args:
        base_url: the server up to ``/v1`` (default ``VLMTOK_OPENAI_BASE_URL``).
        model_id: the model name the server knows (default ``VLMTOK_OPENAI_MODEL``).
        api_key: bearer token (default ``VLMTOK_OPENAI_API_KEY``; "" sends none).
        timeout_s: the longest wait for the first piece of answer and between pieces (``VLMTOK_OPENAI_TIMEOUT_S``).
        detail: default detail for "auto" requests (default "normal").
    """

    name = "openai"
    languages = ("en",)

    def __init__(self, base_url: str | None = None, model_id: str | None = None, *, api_key: str | None = None,
                 timeout_s: float | None = None, detail: str | None = None):
        self.base_url = (base_url or settings.openai_base_url() or "").rstrip("/")
        self.model_id = model_id or settings.openai_model()
        self.api_key = settings.openai_api_key() if api_key is None else api_key
        self.timeout_s = float(timeout_s if timeout_s is not None else settings.openai_timeout_s())
        self.default_detail = detail or DEFAULT_DETAIL
        self.server = server_name(self.base_url)
        self._history: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()
        self._lock = threading.Lock()
        from vlmtok.narrate.offline import OfflineNarrator  # the stand-in when the server fails

        self._offline = OfflineNarrator()

    def detail(self, request: NarrationRequest) -> str:
        """The detail level this request is served at ("auto": ``default_detail``)."""
        return request.detail if request.detail in DETAIL_EDGE else self.default_detail

    # -- narration ------------------------------------------------------------------------------------------------

    def write(self, image: Image.Image, request: NarrationRequest,
              cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        """English chunks as the server writes them, then the ``Narration``; the offline narrator's if it fails.

        Timings (ms): ``first_token_ms`` (request sent to the first piece of text), ``total_ms``, plus
        ``image_px`` (longest edge sent), ``attempts`` and, when the server reports them, ``prompt_tokens`` and
        ``new_tokens``.
        """
        t0 = time.perf_counter()
        request = prompts.check_request(request)
        key = self._conversation(image, request)
        user = _clean(prompts.prompt_for(request))
        url, size = image_data_url(image, DETAIL_EDGE[self.detail(request)])
        payload = self._payload(self._messages(key, request, user, url), prompts.max_new_tokens(request.tier))
        stats: dict[str, float] = {"image_px": float(max(size))}
        written: list[str] = []
        try:
            for chunk in self._stream(payload, stats, cancel):
                written.append(chunk)
                yield chunk
            english = _clean("".join(written))
            if not english and not (cancel is not None and cancel.is_set()):
                raise ServerFailed("the answer held no text", "garbage")
        except ServerFailed as exc:
            log.warning("served narrator at %s failed (%s): %s; the offline narrator answers", self.server, exc.why,
                        exc)
            yield from self._fallback(image, request, exc, bool(written))
            return
        self._remember(key, request, user, english)
        stats["total_ms"] = (time.perf_counter() - t0) * 1e3
        yield self._narration(english, request, stats)

    def _payload(self, messages: list[dict[str, Any]], max_tokens: int) -> dict[str, Any]:
        return {"model": self.model_id, "messages": messages, "stream": True, "max_tokens": max_tokens,
                "temperature": 0.0, "stream_options": {"include_usage": True}}

    def _messages(self, key: str, request: NarrationRequest, user: str, url: str) -> list[dict[str, Any]]:
        """The conversation so far about this picture, then the new turn; the image rides on the first user turn."""
        with self._lock:
            turns = list(self._history.get(key, [])) if request.question else []
        out: list[dict[str, Any]] = []
        for i, (asked, answer) in enumerate([*turns, (user, None)]):
            content: list[dict[str, Any]] = [{"type": "image_url", "image_url": {"url": url}}] if i == 0 else []
            out.append({"role": "user", "content": [*content, {"type": "text", "text": asked}]})
            if answer is not None:
                out.append({"role": "assistant", "content": answer})
        return out

    def identity(self) -> tuple:
        """Two servers may serve different weights under one model name: the address is part of who writes."""
        return (self.name, self.model_id, self.base_url)

    def byline(self, lang: str) -> str:
        """Short, as it is spoken first: the address is in the provenance (``server``), not in the ears."""
        return t("narrate.openai.label", normalize_lang(lang), model=model_label(self.model_id))

    def _narration(self, english: str, request: NarrationRequest, stats: dict[str, float]) -> Narration:
        label = self.byline(request.lang)
        text = prompts.fit_words(english, prompts.word_limit(request.tier, "en"))
        return Narration(text=text, language="en", tier=request.tier, narrator=self.name, narrator_label=label,
                         model_id=self.model_id, weights_source="served", audience=request.audience,
                         question=request.question, timings=stats)

    def _fallback(self, image: Image.Image, request: NarrationRequest, failed: ServerFailed,
                  after_text: bool) -> Iterator[str | Narration]:
        """The offline narrator's description, its notice saying why the server's answer is not there."""
        notice = t(f"narrate.openai.{failed.why}", normalize_lang(request.lang), server=self.server, said=failed.said)
        for i, part in enumerate(self._offline.write(image, request)):
            if isinstance(part, Narration):
                yield replace(part, notice=" ".join(filter(None, [notice, part.notice])))
            else:
                yield ("\n\n" + part) if i == 0 and after_text else part

    # -- the HTTP stream --------------------------------------------------------------------------------------------

    def _stream(self, payload: dict[str, Any], stats: dict[str, float],
                cancel: threading.Event | None) -> Iterator[str]:
        """Text pieces of the answer. Failures before the first piece are tried again while time is left."""
        start, attempt = time.monotonic(), 0
        while True:
            attempt += 1
            stats["attempts"] = float(attempt)
            sent = time.perf_counter()
            got_text = False
            try:
                for event in self._events(payload, cancel):
                    for piece in _pieces(event, stats):
                        if not got_text:
                            got_text = True
                            stats["first_token_ms"] = (time.perf_counter() - sent) * 1e3
                        yield piece
                return
            except ServerFailed as exc:
                left = self.timeout_s - (time.monotonic() - start)
                if got_text or not exc.retry or attempt >= ATTEMPTS or left <= BACKOFF_S:
                    raise
                log.info("served narrator at %s: %s; trying again", self.server, exc)
                time.sleep(BACKOFF_S)

    def _events(self, payload: dict[str, Any], cancel: threading.Event | None) -> Iterator[dict[str, Any]]:
        """The server's events (JSON objects), each within ``timeout_s`` of the last, read in a worker thread.

        The worker owns the connection; this side waits on a queue with a deadline, so a server that stops
        sending (or trickles bytes without an event) costs at most ``timeout_s``. Closing the response unblocks
        the worker.
        """
        items: queue.Queue = queue.Queue()
        stop = threading.Event()
        held: dict[str, Any] = {}
        worker = threading.Thread(target=self._read, args=(payload, items, stop, held), daemon=True,
                                  name="served-narrator")
        worker.start()
        deadline = time.monotonic() + self.timeout_s
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerFailed(f"no answer within {self.timeout_s:g} s", "slow")
                try:
                    item = items.get(timeout=min(left, 0.25))
                except queue.Empty:
                    continue
                if item is _END:
                    return
                if isinstance(item, ServerFailed):
                    raise item
                deadline = time.monotonic() + self.timeout_s
                yield item
        finally:
            stop.set()
            resp = held.get("response")
            if resp is not None:
                net.abort(resp)                  # the socket shut: the reader thread ends, whatever the server does

    def _read(self, payload: dict[str, Any], items: queue.Queue, stop: threading.Event, held: dict[str, Any]) -> None:
        """Worker: POST the request, put each event on ``items`` (a ``ServerFailed`` on failure), then ``_END``."""
        import requests
        import urllib3

        try:
            resp = requests.post(f"{self.base_url}/chat/completions", json=payload, stream=True,
                                 headers={"Accept": "text/event-stream", **_headers(self.api_key)},
                                 timeout=(self.timeout_s, self.timeout_s))
            held["response"] = resp
            if stop.is_set():
                return
            if 400 <= resp.status_code < 500 and resp.status_code not in RETRY_STATUS:
                raise refusal(resp.status_code, resp.content)
            if resp.status_code != 200:
                raise ServerFailed(f"HTTP {resp.status_code}", "down", retry=resp.status_code in RETRY_STATUS)
            if "text/event-stream" not in resp.headers.get("content-type", ""):
                items.put(_json(resp.content))           # a server that ignored stream=true: one whole answer
                return
            for line in _lines(resp.raw):
                if stop.is_set():
                    return
                data = line.decode("utf-8", "replace").strip()
                if not data.startswith("data:"):
                    continue                             # comments, keep-alives, event names
                data = data[5:].strip()
                if data == "[DONE]":
                    return
                items.put(_json(data))
        except ServerFailed as exc:
            items.put(exc)
        except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError) as exc:
            items.put(ServerFailed(f"timed out: {type(exc).__name__}", "slow"))
        except (requests.ConnectionError, urllib3.exceptions.ProtocolError, OSError) as exc:  # refused, dropped
            items.put(ServerFailed(f"connection failed: {type(exc).__name__}", "down", retry=not stop.is_set()))
        except Exception as exc:  # noqa: BLE001 - whatever the server did, the tour goes on without it
            items.put(ServerFailed(f"{type(exc).__name__}: {exc}", "garbage"))
        finally:
            items.put(_END)

    # -- conversations ----------------------------------------------------------------------------------------------

    @staticmethod
    def _conversation(image: Image.Image, request: NarrationRequest) -> str:
        """One visitor's conversation about one picture (two tablets never share turns)."""
        digest = image_hash(image)
        return f"{digest}:{request.conversation}" if request.conversation else digest

    def _remember(self, key: str, request: NarrationRequest, user: str, answer: str) -> None:
        with self._lock:
            turns = self._history.pop(key, []) if request.question else []
            turns = [*turns, (user, answer)]
            self._history[key] = turns[:1] + turns[1:][-(MAX_TURNS - 1):]
            while len(self._history) > MAX_CONVERSATIONS:
                self._history.popitem(last=False)

    def remember(self, image: Image.Image, request: NarrationRequest, narration: Narration) -> None:
        """A description served from the narration cache starts this visitor's conversation as if written now."""
        if narration.language == "en" and not request.question and narration.narrator == self.name:
            self._remember(self._conversation(image, request), request, _clean(prompts.prompt_for(request)),
                           narration.text)


def _lines(raw: Any) -> Iterator[bytes]:
    """Lines of a response body as soon as each arrives (``read1``: no waiting for a full buffer)."""
    pending = b""
    while data := raw.read1(8192, decode_content=True):
        pending += data
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


def _json(data: str | bytes) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError:
        raise ServerFailed("an answer that is not JSON", "garbage") from None
    if not isinstance(event, dict):
        raise ServerFailed("an answer that is not a JSON object", "garbage")
    if "error" in event:
        raise ServerFailed(f"the server reported an error: {str(event['error'])[:200]}", "down")
    return event


def _pieces(event: dict[str, Any], stats: dict[str, float]) -> Iterator[str]:
    """Text in one event: ``choices[0].delta.content`` (a stream) or ``choices[0].message.content`` (a whole answer)."""
    usage = event.get("usage")
    if isinstance(usage, dict):
        for ours, theirs in (("prompt_tokens", "prompt_tokens"), ("new_tokens", "completion_tokens")):
            if isinstance(usage.get(theirs), (int, float)):
                stats[ours] = float(usage[theirs])
    choices = event.get("choices")
    if choices is None:
        return
    if not isinstance(choices, list):
        raise ServerFailed("choices is not a list", "garbage")
    for choice in choices[:1]:
        part = (choice.get("delta") or choice.get("message") or {}) if isinstance(choice, dict) else None
        if not isinstance(part, dict):
            raise ServerFailed("a choice without delta or message", "garbage")
        text = part.get("content")
        if isinstance(text, str) and text:
            yield text


def _clean(text: str) -> str:
    """No chat markup in prompts or answers (a label cannot smuggle an image placeholder in)."""
    return _MARKUP.sub("", text).strip()
