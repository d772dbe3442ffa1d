"""What several test files share: tiny SmolVLM models around the real processor, and the running app.

The tiny models keep SmolVLM-256M-Instruct's real tokenizer, chat template, vocabulary and special-token ids
(``vlmtok.smolvlm.reference``), and shrink only the widths and the tile, so prompts and image-token counts follow the
real processor's rules while a whole model builds in well under a second.
"""
from __future__ import annotations

import functools

import torch

from vlmtok.bench.app import running_app  # noqa: F401  (the app in a subprocess, as the benchmarks start it)
from vlmtok.smolvlm import Geometry, LoadedSmolVLM, SmolVLMVisionTower
from vlmtok.smolvlm.reference import reference_config, reference_processor

TINY = Geometry(tile_px=64, patch_px=8, scale_factor=2, default_longest_edge=256)   # 16 tokens per tile


@functools.lru_cache(maxsize=4)
def tiny_processor(geometry: Geometry = TINY):
    """The real processor and tokenizer, cutting ``geometry``'s tiles (one per geometry: tests only read it)."""
    return reference_processor(geometry)


def tiny_config(kind: str = "idefics3", geometry: Geometry = TINY):
    """SmolVLM-256M's config with 2-layer, 32-wide text and vision models and ``geometry``'s tile and patch."""
    from transformers import SmolVLMConfig

    config = reference_config(
        scale_factor=geometry.scale_factor,
        vision={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                "image_size": geometry.tile_px, "patch_size": geometry.patch_px},
        text={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 2048,
              "initializer_range": 0.2})       # peaky logits: greedy output depends on the picture
    if kind == "smolvlm":
        return SmolVLMConfig(**config.to_dict())
    return config


def tiny_model(kind: str = "idefics3", geometry: Geometry = TINY, seed: int = 0):
    """A random tiny Idefics3 / SmolVLM model with loud image tokens (a wrong splice changes the greedy output)."""
    from transformers import AutoModelForImageTextToText

    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(tiny_config(kind, geometry), attn_implementation="sdpa").eval()
    with torch.no_grad():
        model.model.connector.modality_projection.proj.weight.mul_(30)
    return model


def tiny_smolvlm(kind: str = "idefics3", geometry: Geometry = TINY) -> LoadedSmolVLM:
    """A tiny model, the real processor, and the vision tower over both, as the narrator loads them."""
    processor = tiny_processor(geometry)
    model = tiny_model(kind, geometry)
    tok = processor.tokenizer
    model.generation_config.eos_token_id = tok.convert_tokens_to_ids("<end_of_utterance>")
    model.generation_config.pad_token_id = tok.pad_token_id
    return LoadedSmolVLM(f"tiny-{kind}", model, processor, "random", SmolVLMVisionTower(model, processor))


# ----------------------------------------------------------------------------------------------------------------
# A stand-in OpenAI-compatible chat-completions server (the served narrator's tests)


class ChatServer:
    """``/v1/chat/completions`` and ``/v1/models`` on 127.0.0.1, answering as ``mode`` says; records every request.

    Modes: "ok" (server-sent events, chunked, as vLLM streams), "whole" (one JSON answer: a server that ignores
    stream=true), "slow" (answers after ``delay_s``), "stall" (headers, one piece, then nothing), "html" (200 with a
    web page), "error_event" (an SSE error object), "empty" (a stream with no text), "cut" (two pieces, then the
    connection drops), "no_pictures" (vLLM's 400 for a text-only model), or a list of HTTP statuses to answer first (``[503]``: refuse once, then "ok").
    """

    WORDS = ["A ", "great ", "wave ", "curls ", "over ", "three ", "small ", "boats. ", "Mount ", "Fuji ",
             "stands ", "far ", "behind."]
    NOT_MULTIMODAL = "Qwen/Qwen2.5-0.5B-Instruct is not a multimodal model"

    def __init__(self, mode="ok", delay_s: float = 0.0, words: list[str] | None = None, word_delay_s: float = 0.0):
        import threading
        from http.server import ThreadingHTTPServer

        self.mode, self.delay_s, self.words = mode, delay_s, list(words or self.WORDS)
        self.word_delay_s = word_delay_s          # "ok": the pause before each word, as a model writing slowly
        self.statuses = list(mode) if isinstance(mode, list) else []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handler(self):
        import json
        import time
        from http.server import BaseHTTPRequestHandler

        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _event(self, obj) -> None:
                self._chunk(b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n\n")

            def do_GET(self):
                if self.path.endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": "stand-in"}]}).encode())
                else:
                    self._send(404, b"{}")

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append(body)
                stand_in.headers.append(dict(self.headers))
                mode = stand_in.statuses.pop(0) if stand_in.statuses else stand_in.mode
                mode = "ok" if isinstance(mode, list) else mode
                try:
                    self._answer(mode, body)
                except (BrokenPipeError, ConnectionResetError):    # the client gave up (timeout tests)
                    pass

            def _answer(self, mode, body):
                words = stand_in.words
                if isinstance(mode, int):
                    return self._send(mode, b'{"error": "busy"}')
                if mode == "no_pictures":
                    error = {"object": "error", "message": stand_in.NOT_MULTIMODAL, "type": "BadRequestError",
                             "code": 400}
                    return self._send(400, json.dumps(error).encode())
                if mode == "slow":
                    time.sleep(stand_in.delay_s)
                if mode == "html":
                    return self._send(200, b"<html><body>Welcome to the museum wifi</body></html>", "text/html")
                if mode == "whole":
                    answer = {"choices": [{"message": {"role": "assistant", "content": "".join(words)}}],
                              "usage": {"prompt_tokens": 120, "completion_tokens": len(words)}}
                    return self._send(200, json.dumps(answer).encode())
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if mode == "error_event":
                    self._event({"error": {"message": "model not loaded"}})
                elif mode == "stall":
                    self._event({"choices": [{"delta": {"content": words[0]}}]})
                    time.sleep(stand_in.delay_s)
                    return
                elif mode == "cut":
                    for w in words[:2]:
                        self._event({"choices": [{"delta": {"content": w}}]})
                    self.wfile.write(b"ff\r\npartial")      # a chunk that never completes
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                elif mode != "empty":
                    self._event({"choices": [{"delta": {"role": "assistant"}}]})
                    for w in words:
                        time.sleep(stand_in.word_delay_s)
                        self._event({"choices": [{"delta": {"content": w}}]})
                    self._event({"choices": [], "usage": {"prompt_tokens": 120, "completion_tokens": len(words)}})
                self._event(b"[DONE]")
                self._chunk(b"")

        return Handler


def closed_port_url() -> str:
    """A ``/v1`` address on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
