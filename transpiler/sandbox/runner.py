"""Starting and stopping a sandbox: in a background thread (tests, demo) or in the foreground
(`pl-amazon sandbox`).

`start_sandbox()` binds a loopback port (a free one with port=0), runs uvicorn in a daemon
thread and returns once the server accepts connections.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from transpiler.sandbox.app import build_app
from transpiler.sandbox.faults import parse_faults
from transpiler.sandbox.registration import Registration
from transpiler.sandbox.settings import SandboxSettings
from transpiler.sandbox.state import SandboxState

START_TIMEOUT = 10.0

_SETTING_NAMES = {"rate_limits", "access_token_ttl", "auth_code_ttl", "document_url_ttl", "schema_url_ttl",
                  "listing_processing_delay", "feed_queue_delay", "feed_processing_delay", "max_body_bytes",
                  "max_document_bytes"}


def make_settings(*, definitions: Path | None = None, data: Path | None = None,
                  faults: str | dict[str, Any] | None = None, **overrides: Any) -> SandboxSettings:
    """Settings from the keyword arguments: sandbox settings by name, the rest registration fields."""
    settings_values = {k: overrides.pop(k) for k in list(overrides) if k in _SETTING_NAMES}
    registration = overrides.pop("registration", None) or Registration()
    if overrides:
        registration = registration.with_overrides(**overrides)
    settings = SandboxSettings(registration=registration, faults=parse_faults(faults), **settings_values)
    if definitions is not None:
        settings.definitions = Path(definitions)
    if data is not None:
        settings.data = Path(data)
    return settings


class SandboxHandle:
    """A running sandbox. `url` is the SP-API endpoint, `lwa_url` the token endpoint and
    `consent_url` the Vendor Central base (append `/apps/authorize/consent?...`)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, state: SandboxState, url: str):
        self._server = server
        self._thread = thread
        self.state = state
        self.url = url
        self.lwa_url = url + "/auth/o2/token"
        self.consent_url = url
        self.registration = state.registration
        self.settings = state.settings

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin endpoint (`/_sandbox/...`) and return its JSON."""
        response = httpx.request(method, f"{self.url}/_sandbox/{path.lstrip('/')}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def set_faults(self, spec: str | dict[str, Any] | None = None, **faults: Any) -> dict[str, Any]:
        """Replace the injected faults (a spec string, a dict, or keywords like `drop=0.1`)."""
        if spec is None:
            spec = {str(k).removeprefix("p") if k in {"p429", "p500", "p503"} else k: v for k, v in faults.items()}
        self.state.faults = parse_faults(spec)
        return self.state.faults.as_dict()

    def set_rate_limits(self, mode: str | float) -> None:
        """"amazon" (documented numbers), "off", or a factor that scales every rate."""
        self.state.limiter.set_mode(mode)

    def advance_clock(self, seconds: float) -> None:
        self.state.clock.advance(seconds)

    def expire_tokens(self) -> int:
        return self.state.store.expire_access_tokens(self.state.clock.now())

    def process(self) -> dict[str, Any]:
        """Finish all pending asynchronous work now (listings processed, feeds DONE)."""
        return self.admin("POST", "process")

    def stop(self) -> None:
        """Stop the server and wait for its thread; safe to call twice."""
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)
        self.state.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _server(settings: SandboxSettings, host: str, port: int) -> tuple[uvicorn.Server, socket.socket, SandboxState, str]:
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{bound}"
    state = SandboxState(settings)
    state.base_url = url
    config = uvicorn.Config(build_app(settings, state), log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config), sock, state, url


def start_sandbox(*, host: str = "127.0.0.1", port: int = 0, definitions: Path | None = None,
                  data: Path | None = None, faults: str | dict[str, Any] | None = None,
                  **registration_overrides: Any) -> SandboxHandle:
    """Start a sandbox in a background thread; returns once it accepts connections.

    Keyword overrides are registration fields (`client_secret=`, `vendor_code=`, `redirect_uri=`,
    `draft=`...) or sandbox settings (`rate_limits=`, `access_token_ttl=`, the processing delays...).
    Raises RuntimeError when the server does not come up within START_TIMEOUT seconds.
    """
    settings = make_settings(definitions=definitions, data=data, faults=faults, **registration_overrides)
    server, sock, state, url = _server(settings, host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox-{url}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            state.close()
            raise RuntimeError(f"the sandbox did not start on {url}")
        time.sleep(0.01)
    return SandboxHandle(server, thread, state, url)


class _ForegroundServer(uvicorn.Server):
    """Stops gracefully on SIGINT / SIGTERM and then exits 0 (uvicorn re-raises the signal by default)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(settings: SandboxSettings, host: str = "127.0.0.1", port: int = 8765, announce: Any = print) -> None:
    """Run a sandbox in the foreground until interrupted (the `pl-amazon sandbox` command)."""
    server, sock, state, url = _server(settings, host, port)
    server = _ForegroundServer(server.config)
    announce(f"SP-API sandbox on {url}  (LWA {url}/auth/o2/token, consent {url}/apps/authorize/consent)")
    announce(f"definitions {settings.definitions}  data {settings.data}  rate limits {settings.rate_limits}")
    if settings.faults.active:
        announce(f"faults {settings.faults.as_dict()}")
    announce("demo registration:")
    for line in state.registration.public_lines():
        announce("  " + line)
    try:
        server.run(sockets=[sock])
    finally:
        state.close()
