"""Serving a local ASGI app (the SP-API sandbox, the Data Factory stand-in) with uvicorn.

The same three steps for each: bind a socket first (port 0 picks a free one, so the URL is known
before the server runs), then either run in a background thread and return once connections are
accepted (tests, the demo, benchmarks) or run in the foreground until SIGINT / SIGTERM, exiting 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import uvicorn

START_TIMEOUT = 10.0


def bind(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening non-blocking socket on `host:port` and its base URL (`http://host:port`).

    TCP_NODELAY (inherited by every accepted connection): uvicorn writes a response's headers and
    body in two sends, and with Nagle's algorithm the body waits for the client's delayed ACK of
    the headers, about 40 ms per request on Linux; without it a request on loopback takes about 1 ms.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock, f"http://{'[' + host + ']' if ':' in host else host}:{sock.getsockname()[1]}"


def start_in_thread(server: uvicorn.Server, sock: socket.socket, name: str) -> threading.Thread:
    """Run `server` on `sock` in a daemon thread; return once it accepts connections.

    Raises RuntimeError when it does not come up within START_TIMEOUT seconds.
    """
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    return thread


Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[None]]


def running_beside(background: Callable[[], Awaitable[None]]) -> Lifespan:
    """A Starlette lifespan that runs `background()` (a loop of timed work: processing delays,
    timeouts) beside the app while it serves, and cancels it at shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        task = asyncio.ensure_future(background())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


class ForegroundServer(uvicorn.Server):
    """Stops gracefully on SIGINT / SIGTERM and then exits 0 (uvicorn re-raises the signal by default)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
