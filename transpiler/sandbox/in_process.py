"""An httpx transport that hands each request to the sandbox's ASGI app, in the calling thread.

The SP-API client, the Login with Amazon client and the publisher all take an `httpx.Client`;
bound to this transport they talk to a sandbox without a socket, a server thread or a port, so a
test pays microseconds per call instead of a server start. What a client observes stays what a
socket would give it: status, headers and body as the app sent them, a 500 when the app fails
before answering (as uvicorn does), and `httpx.RemoteProtocolError` when the app stops in the
middle of a body (the sandbox's `drop` fault).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

log = logging.getLogger("transpiler.sandbox")

Message = MutableMapping[str, Any]
AsgiApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


class _Exchange:
    """One request/response on the ASGI interface."""

    def __init__(self, request: httpx.Request, body: bytes):
        self.request = request
        self.body = body
        self.body_sent = False
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False
        self.done = asyncio.Event()

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            if self.request.method != "HEAD":
                self.chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self.complete = True
                self.done.set()


class InProcessTransport(httpx.BaseTransport):
    """Sends requests to an ASGI app (the sandbox's Starlette app) without a network."""

    def __init__(self, app: AsgiApp, client: tuple[str, int] = ("127.0.0.1", 50000)):
        self.app = app
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        exchange = _Exchange(request, body)
        asyncio.run(self._call(exchange))
        if exchange.status is None:
            return httpx.Response(500, headers={"content-type": "text/plain; charset=utf-8"},
                                  content=b"Internal Server Error", request=request)
        if not exchange.complete:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body",
                                            request=request)
        return httpx.Response(exchange.status, headers=exchange.headers, content=b"".join(exchange.chunks),
                              request=request)

    async def _call(self, exchange: _Exchange) -> None:
        request = exchange.request
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "client": self.client,
            "state": {},
        }
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except Exception:  # what uvicorn does: log it; the client gets a 500 or a cut connection
            log.exception("sandbox application failed on %s %s", request.method, url.path)
        finally:
            exchange.done.set()
