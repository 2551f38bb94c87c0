"""The trace API's gate: a request body size limit and, when set, a bearer token.

One pure ASGI middleware (no per-request framework objects), in front of
FastAPI:

- a body larger than :data:`MAX_BODY_BYTES` is a 413 before the application
  reads it (``Content-Length`` checked first; a chunked body is counted as it
  arrives), so a 200 MB title never reaches validation or memory;
- with a token, every request but ``GET /health`` must carry
  ``Authorization: Bearer <token>`` (compared in constant time), else 401.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

#: Far above any valid request (a title is at most 200 characters).
MAX_BODY_BYTES = 64 * 1024
#: Paths answered without a token (the load suite's and orchestrators' liveness probe).
OPEN_PATHS = frozenset({"/health"})
_CHALLENGE = (b"www-authenticate", b"Bearer")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _reply(send: Send, status: int, detail: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: body limit always, bearer token when ``token`` is set."""

    def __init__(self, app: App, *, token: str | None = None, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body
        self._expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        authorization = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"authorization":
                authorization = value
        if (
            self._expected is not None
            and scope["path"] not in OPEN_PATHS
            and not hmac.compare_digest(authorization, self._expected)
        ):
            await _reply(send, 401, "missing or wrong API token", [_CHALLENGE])
            return
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body:
                await _reply(send, 413, f"request body larger than {self.max_body} bytes")
                return
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body without Content-Length (chunked): count it as it arrives.

        Past the limit the read fails with an HTTP 413 (FastAPI passes
        ``HTTPException`` from body reading through to its handler).
        """
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise HTTPException(413, f"request body larger than {self.max_body} bytes")
            return message

        await self.app(scope, counting_receive, send)
