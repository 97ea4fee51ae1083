"""Running the authorization app under uvicorn: blocking (`serve`) or in a background thread.

Both paths use the same uvicorn configuration, so the tests exercise what `pl-amazon authorize
serve` runs: in particular uvicorn's access log stays off, because it would write the callback's
query string (the one-time code) to the log.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from transpiler import serving
from transpiler.authorize.app import AuthorizeOptions, create_app, options_from
from transpiler.authorize.control_chars import escape_logs
from transpiler.authorize.store import TokenStore
from transpiler.config import Settings

log = logging.getLogger("transpiler.authorize")


class RedactQueryStrings(logging.Filter):
    """Drops the query string from uvicorn access-log records.

    `access_log=False` is not enough on its own: uvicorn logs access lines whenever the
    `uvicorn.access` logger has a handler, and any logging setup that adds one would then write
    `/amazon/callback?...&spapi_oauth_code=...` to the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


_REDACTION = RedactQueryStrings()


def uvicorn_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="info", lifespan="off")
    access = logging.getLogger("uvicorn.access")
    if _REDACTION not in access.filters:
        access.addFilter(_REDACTION)
    escape_logs("uvicorn.access", "uvicorn.error")  # paths and malformed requests are the sender's text
    return config


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it before choosing the redirect URI)."""
    return serving.bind(host, port)[0]


@dataclass
class RunningApp:
    """An authorization app serving in a background thread. `stop()` shuts it down."""

    url: str
    store: TokenStore
    options: AuthorizeOptions
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def start_app(
    settings: Settings, sock: socket.socket, *, production: bool = False, account_type: str | None = None
) -> RunningApp:
    """Serve the app on `sock` in a thread; return once it accepts connections."""
    host, port = sock.getsockname()[:2]
    opts = options_from(settings, production=production, host=host, port=port, account_type=account_type)
    store = TokenStore.open(settings, production=production)
    server = uvicorn.Server(uvicorn_config(create_app(settings, store, opts), host, port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="authorize-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the authorization app did not start")
        time.sleep(0.01)
    return RunningApp(f"http://{host}:{port}", store, opts, server, thread)


def serve(settings: Settings, *, host: str, port: int, production: bool, account_type: str | None = None) -> None:
    """Run the app until interrupted (what `pl-amazon authorize serve` does)."""
    options = options_from(settings, production=production, host=host, port=port, account_type=account_type)
    store = TokenStore.open(settings, production=production)
    log.info("token store: %s; redirect URI: %s", store.path, options.redirect_uri)
    uvicorn.Server(uvicorn_config(create_app(settings, store, options), host, port)).run()
