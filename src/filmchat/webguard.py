"""What the web server refuses before Gradio sees it (an ASGI middleware on Gradio's FastAPI app).

- A request body above ``Settings.max_request_bytes`` gets 413, judged by its
  Content-Length or, for a chunked body, as soon as that many bytes have arrived, so an
  oversized body is never held whole (8 concurrent 20 MB bodies took an unlimited server
  from 409 MB to 1.18 GB).
- Uploads get 403: the chat has no upload component.
- A queue request naming an event the app does not have (``fn_index: 999``) gets 422
  instead of a 500 and a traceback in the log.
- Failed logins are counted per client address: after ``LOGIN_FAILURES`` within
  ``LOGIN_WINDOW_S`` seconds that address gets 429 until the window has passed, so a
  password cannot be guessed at HTTP speed.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable

LOGIN_FAILURES = 5  # a person mistyping does not hit it; a guesser gets 5 tries a minute instead of thousands
LOGIN_WINDOW_S = 60.0


class _TooLarge(Exception):
    pass


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Body-size limit, no uploads, known events only, failed-login throttle (see the module docstring)."""

    def __init__(self, app, max_bytes: int, events: Callable[[], int] = lambda: -1):
        self.app = app
        self.max_bytes = max_bytes
        self.events = events  # how many events (fn_index values) the app has; -1: do not check
        self.failures: dict[str, deque] = defaultdict(deque)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope.get("path", ""), scope.get("method", "GET")
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length and (not length.isdigit() or int(length) > self.max_bytes):
            return await _reply(send, 413, f"request body over {self.max_bytes} bytes")
        if method == "POST" and path.rstrip("/").endswith("/upload"):
            return await _reply(send, 403, "this app takes no uploads")
        client = (scope.get("client") or ("?", 0))[0]
        is_login = method == "POST" and path.rstrip("/").endswith("/login")
        if is_login and self._locked_out(client):
            return await _reply(send, 429, f"too many failed logins; try again in {LOGIN_WINDOW_S:.0f} s")
        if method == "POST" and path.rstrip("/").endswith("/queue/join"):
            return await self._checked_join(scope, receive, send)

        received = 0
        started = False

        async def limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watched(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if is_login and message["status"] in (400, 401, 403):
                    self.failures[client].append(time.monotonic())
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except _TooLarge:
            if not started:
                await _reply(send, 413, f"request body over {self.max_bytes} bytes")
        except Exception as e:  # noqa: BLE001 - a malformed request is one log line, not a traceback
            print(f"filmchat: {method} {path} failed: {type(e).__name__}: {str(e)[:200]}", file=sys.stderr)
            if not started:
                await _reply(send, 400 if isinstance(e, (TypeError, ValueError, KeyError)) else 500,
                             f"{type(e).__name__}: {str(e)[:200]}")

    def _locked_out(self, client: str) -> bool:
        seen = self.failures[client]
        while seen and time.monotonic() - seen[0] > LOGIN_WINDOW_S:
            seen.popleft()
        if not seen:
            del self.failures[client]
        return len(seen) >= LOGIN_FAILURES

    async def _checked_join(self, scope, receive, send):
        """Read the (small, limited) body of a queue join, refuse an unknown event, then pass it on unchanged."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await _reply(send, 413, f"request body over {self.max_bytes} bytes")
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            fn = json.loads(body).get("fn_index")
        except (ValueError, AttributeError):
            return await _reply(send, 422, "the body must be a JSON object")
        events = self.events()
        if events >= 0 and fn is not None and not (isinstance(fn, int) and 0 <= fn < events):
            return await _reply(send, 422, f"unknown fn_index {fn!r}")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
