"""Starting the stand-in: in a background thread (tests, demo, benchmark) or in the foreground
(`pl-amazon datafactory serve`)."""

from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from transpiler.datafactory.standin.app import build_app
from transpiler.datafactory.standin.clock import StandInClock
from transpiler.datafactory.standin.engine import DataFactory
from transpiler.datafactory.standin.jobs import load_jobs
from transpiler.datafactory.standin.limits import DOCUMENTED_PER_MINUTE
from transpiler.serving import START_TIMEOUT, ForegroundServer, bind, start_in_thread

DEFAULT_API_KEY = "demo-api-key"
DEFAULT_PORT = 8767
REPO = Path(__file__).resolve().parents[3]
DEFAULT_JOBS = REPO / "jobs"


class StandInHandle:
    """A running stand-in: `url` is the API base (what PL_PRODUCTLIVE_API_URL names)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, factory: DataFactory, url: str,
                 api_key: str, cleanup: tempfile.TemporaryDirectory[str] | None):
        self._server = server
        self._thread = thread
        self._cleanup = cleanup
        self.factory = factory
        self.url = url
        self.api_key = api_key
        # One client for every call: a new httpx client loads the CA bundle (50 ms of CPU), and a
        # test polling an execution calls many times a second.
        self._http = httpx.Client(timeout=30)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request with the API key (tests and the demo drive the stand-in with it)."""
        headers = {"X-Api-Key": self.api_key, **kwargs.pop("headers", {})}
        return self._http.request(method, self.url + path, headers=headers, **kwargs)

    def seed_items(self, table_key: str, items_xml: bytes) -> int:
        response = self.call("PUT", f"/_datafactory/tables/{table_key}/items", content=items_xml)
        response.raise_for_status()
        return int(response.json()["items"])

    def seed_structure(self, table_xml: bytes) -> None:
        """Import a table structure (as table-import-schema INCREMENTAL) without running a job."""
        from lxml import etree

        key = etree.fromstring(table_xml).get("key")
        self.call("PUT", f"/_datafactory/tables/{key}/schema", content=table_xml).raise_for_status()

    def table_items(self, table_key: str) -> bytes:
        response = self.call("GET", f"/_datafactory/tables/{table_key}/items")
        response.raise_for_status()
        return response.content

    def advance_clock(self, seconds: float) -> None:
        self.call("POST", "/_datafactory/clock", json={"advance": seconds}).raise_for_status()

    def stop(self) -> None:
        self._http.close()
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)
        if self._cleanup is not None:
            self._cleanup.cleanup()

    def __enter__(self) -> StandInHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _prepare(host: str, port: int, data: Path | None, jobs: Path | None, api_key: str, per_minute: int,
             pipelines: int, file_url_ttl: float | None
             ) -> tuple[uvicorn.Config, socket.socket, DataFactory, str, tempfile.TemporaryDirectory[str] | None]:
    cleanup = None
    if data is None:
        cleanup = tempfile.TemporaryDirectory(prefix="pl-datafactory-")
        data = Path(cleanup.name)
    sock, url = bind(host, port)
    options: dict[str, Any] = {"base_url": url, "pipelines": pipelines}
    if file_url_ttl is not None:
        options["file_url_ttl"] = file_url_ttl
    factory = DataFactory(data, load_jobs(jobs or DEFAULT_JOBS), StandInClock(), **options)
    config = uvicorn.Config(build_app(factory, api_key, per_minute), log_level="warning", access_log=False,
                            lifespan="on", timeout_graceful_shutdown=2)
    return config, sock, factory, url, cleanup


def start_standin(*, host: str = "127.0.0.1", port: int = 0, data: Path | None = None, jobs: Path | None = None,
                  api_key: str = DEFAULT_API_KEY, per_minute: int = DOCUMENTED_PER_MINUTE, pipelines: int = 1,
                  file_url_ttl: float | None = None) -> StandInHandle:
    """Start a stand-in in a background thread; returns once it accepts connections.

    `data` keeps uploaded files (a temporary folder, removed on stop, when None); `jobs` is the
    folder of job folders (default: the project's `jobs/`). Raises RuntimeError when it does not
    come up within START_TIMEOUT seconds, JobDefinitionError for a broken job folder.
    """
    config, sock, factory, url, cleanup = _prepare(host, port, data, jobs, api_key, per_minute, pipelines,
                                                   file_url_ttl)
    server = uvicorn.Server(config)
    thread = start_in_thread(server, sock, f"the Data Factory stand-in on {url}")
    return StandInHandle(server, thread, factory, url, api_key, cleanup)


def serve(*, host: str, port: int, data: Path | None, jobs: Path | None, api_key: str,
          per_minute: int = DOCUMENTED_PER_MINUTE, pipelines: int = 1, announce: Any = print) -> None:
    """Run the stand-in in the foreground until interrupted."""
    config, sock, factory, url, cleanup = _prepare(host, port, data, jobs, api_key, per_minute, pipelines, None)
    announce(f"Product-Live Data Factory stand-in on {url} (PL_PRODUCTLIVE_API_URL={url})")
    announce(f"jobs: {', '.join(sorted(factory.jobs)) or 'none'}; rate limit: "
             f"{per_minute or 'off'} requests/minute; files in {factory.data}")
    try:
        ForegroundServer(config).run(sockets=[sock])
    finally:
        if cleanup is not None:
            cleanup.cleanup()
