"""Starting and stopping a sandbox: in process (tests), in a background thread on a loopback
port (demo, tests that need a real socket), or in the foreground (`pl-amazon sandbox`).

`open_sandbox()` builds the app and reaches it through `InProcessTransport`: no socket, no thread,
and a manual clock that only `advance_clock` / `sleep` move. `start_sandbox()` binds a loopback port
(a free one with port=0), runs uvicorn in a daemon thread on the wall clock and returns once the
server accepts connections. Both return a `SandboxHandle`.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from transpiler.sandbox.app import build_app
from transpiler.sandbox.clock import Clock
from transpiler.sandbox.faults import parse_faults
from transpiler.sandbox.in_process import InProcessTransport
from transpiler.sandbox.pipeline import advance, sleep
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.registration import Registration
from transpiler.sandbox.settings import SandboxSettings
from transpiler.sandbox.state import SandboxState
from transpiler.serving import START_TIMEOUT, ForegroundServer, bind, start_in_thread

#: The origin of an in-process sandbox (`.test` is reserved: no real host can answer it).
IN_PROCESS_URL = "http://sandbox.test"

_SETTING_NAMES = {"rate_limits", "access_token_ttl", "auth_code_ttl", "document_url_ttl", "schema_url_ttl",
                  "listing_processing_delay", "feed_queue_delay", "feed_processing_delay", "max_body_bytes",
                  "max_document_bytes", "sqs_endpoint"}


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
    """A sandbox to talk to. `url` is the SP-API endpoint, `lwa_url` the token endpoint and
    `consent_url` the Vendor Central base (append `/apps/authorize/consent?...`).

    `http` is an httpx client bound to it (in process or over loopback); `client()` makes more
    (a browser with its own cookies, a client with other options). `sleep` and `now` put a caller
    on the sandbox's time: inject them as the sleep and clock of the SP-API client and the
    publisher, and every wait advances the sandbox clock instead of the wall clock.
    """

    def __init__(self, state: SandboxState, url: str, app: Starlette, *, server: uvicorn.Server | None = None,
                 thread: threading.Thread | None = None):
        self._server = server
        self._thread = thread
        self._clients: list[httpx.Client] = []
        self.app = app
        self.state = state
        self.url = url
        self.lwa_url = url + "/auth/o2/token"
        self.consent_url = url
        self.registration = state.registration
        self.settings = state.settings
        self.http = self.client()

    @property
    def in_process(self) -> bool:
        return self._server is None

    @property
    def port(self) -> int:
        if self.in_process:
            raise AttributeError("an in-process sandbox has no port")
        return int(self.url.rsplit(":", 1)[1])

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport that reaches this sandbox."""
        return InProcessTransport(self.app) if self.in_process else httpx.HTTPTransport()

    def client(self, **options: Any) -> httpx.Client:
        """A new httpx client bound to this sandbox (closed with it); `options` go to httpx.Client."""
        options.setdefault("timeout", 10)
        client = httpx.Client(transport=self.transport(), **options)
        self._clients.append(client)
        return client

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin endpoint (`/_sandbox/...`) and return its JSON."""
        response = self.http.request(method, f"{self.url}/_sandbox/{path.lstrip('/')}", json=body)
        response.raise_for_status()
        return response.json()

    def set_faults(self, spec: str | dict[str, Any] | None = None, **faults: Any) -> dict[str, Any]:
        """Replace the injected faults (a spec string, a dict, or keywords like `drop=0.1`)."""
        if spec is None:
            spec = {str(k).removeprefix("p") if k in {"p429", "p500", "p503"} else k: v for k, v in faults.items()}
        self.state.faults = parse_faults(spec)
        return self.state.faults.as_dict()

    def script(self, *scripts: dict[str, Any]) -> list[str]:
        """Answer some operations with given bodies (`transpiler.sandbox.scripted`); none: clear."""
        return self.state.scripts.replace(list(scripts))

    def set_rate_limits(self, mode: str | float) -> None:
        """"amazon" (documented numbers), "off", or a factor that scales every rate."""
        self.state.limiter.set_mode(mode)

    def now(self) -> float:
        """The sandbox clock (seconds since the epoch)."""
        return self.state.clock.now()

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward and apply every job that became due; returns the new time."""
        return advance(self.state, seconds)

    def sleep(self, seconds: float) -> None:
        """A `time.sleep` on the sandbox's time: advances its clock, never waits (`pipeline.sleep`)."""
        sleep(self.state, seconds)

    def expire_tokens(self) -> int:
        return self.state.store.expire_access_tokens(self.state.clock.now())

    def process(self) -> dict[str, Any]:
        """Finish all pending asynchronous work now (listings processed, feeds DONE)."""
        return self.admin("POST", "process")

    def stop(self) -> None:
        """Stop the server (when served), close the clients and the store; safe to call twice."""
        for client in self._clients:
            client.close()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=START_TIMEOUT)
        self.state.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _server(settings: SandboxSettings, host: str, port: int, *, clock: Clock | None = None,
            product_types: ProductTypes | None = None, graceful: float = 2.0,
            ) -> tuple[uvicorn.Server, socket.socket, SandboxState, str, Starlette]:
    """`graceful`: how long a stopping server lets the requests in flight finish."""
    sock, url = bind(host, port)
    state = SandboxState(settings, clock=clock, product_types=product_types)
    state.base_url = url
    app = build_app(settings, state)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=graceful)
    return uvicorn.Server(config), sock, state, url, app


def open_sandbox(*, definitions: Path | None = None, data: Path | None = None,
                 faults: str | dict[str, Any] | None = None, clock: Clock | None = None,
                 product_types: ProductTypes | None = None, **registration_overrides: Any) -> SandboxHandle:
    """A sandbox in this process, reached through `handle.http` / `handle.client()` (no socket).

    Its clock is manual unless `clock` is given: processing delays, token lifetimes and rate-limit
    refills pass only when `advance_clock` (or `sleep`) is called. `product_types` shares compiled
    definitions between sandboxes of the same definitions folder. Keyword overrides as for
    `start_sandbox`.
    """
    settings = make_settings(definitions=definitions, data=data, faults=faults, **registration_overrides)
    state = SandboxState(settings, clock=clock or Clock.manual(), product_types=product_types)
    state.base_url = IN_PROCESS_URL
    return SandboxHandle(state, IN_PROCESS_URL, build_app(settings, state))


def start_sandbox(*, host: str = "127.0.0.1", port: int = 0, definitions: Path | None = None,
                  data: Path | None = None, faults: str | dict[str, Any] | None = None, clock: Clock | None = None,
                  product_types: ProductTypes | None = None, **registration_overrides: Any) -> SandboxHandle:
    """Start a sandbox in a background thread; returns once it accepts connections.

    Keyword overrides are registration fields (`client_secret=`, `vendor_code=`, `redirect_uri=`,
    `draft=`...) or sandbox settings (`rate_limits=`, `access_token_ttl=`, the processing delays...).
    The clock follows the wall clock unless `clock` is given.
    Raises RuntimeError when the server does not come up within START_TIMEOUT seconds.
    """
    settings = make_settings(definitions=definitions, data=data, faults=faults, **registration_overrides)
    # Stopped by its owner (a test, the demo) once done with it: a call still in flight then, held
    # by a latency fault, is cut after 0.2 s rather than waited for.
    server, sock, state, url, app = _server(settings, host, port, clock=clock, product_types=product_types,
                                            graceful=0.2)
    try:
        thread = start_in_thread(server, sock, f"the sandbox on {url}")
    except RuntimeError:
        state.close()
        raise
    return SandboxHandle(state, url, app, server=server, thread=thread)


def serve(settings: SandboxSettings, host: str = "127.0.0.1", port: int = 8765, announce: Any = print) -> None:
    """Run a sandbox in the foreground until interrupted (the `pl-amazon sandbox` command)."""
    server, sock, state, url, _app = _server(settings, host, port)
    server = ForegroundServer(server.config)
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
