"""The Product-Live Data Factory REST client the worker uses (httpx).

Every call carries the account's key in `X-Api-Key`, takes a slot in the shared request window
(50 per minute by default) and is retried with bounded exponential backoff on 429 and 5xx
(`Retry-After` honoured; a 429 also holds every thread of the process back). Errors are
`ProductLiveError` with the HTTP status and the operation; neither they nor the logs ever carry
the key or a signed download link's query string.

Endpoints (learn.product-live.com, api-sdk TaskApi / TaskExecutionApi / DataFactoryFileApi):
tasks (`GET|POST /v1/data_factory/tasks`, `PUT /tasks/{id}`, `GET /tasks/{id}/poll` → 404 when
there is nothing to do), task executions (`PATCH /v1/data_factory/task_executions/{id}`), files
(`POST /v1/data_factory/files` multipart `file`, `GET /files/{id}` for a fresh link), job
executions (`POST /v1/data_factory/job_executions`, `GET /job_executions/{id}`).
"""

from __future__ import annotations

import logging
import mimetypes
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from transpiler import __version__
from transpiler.datafactory.rate_limit import RequestWindow
from transpiler.datafactory.settings import ProductLiveSettings
from transpiler.errors import PlAmazonError
from transpiler.spapi.errors import NetworkError
from transpiler.spapi.retry import RetryPolicy, call_with_retries, parse_retry_after, redact_url

log = logging.getLogger("transpiler.datafactory")

PREFIX = "/v1/data_factory"
PAGE_SIZE = 100
#: Product-Live limits a Data Factory file to 100 MB; refuse anything far larger from a link.
MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
#: Answers of an expired or revoked download link (S3-style 403, or 410 Gone).
EXPIRED_LINK_STATUSES = frozenset({403, 410})


class ProductLiveError(PlAmazonError):
    """Product-Live answered with an error (or could not be reached: status 0)."""

    def __init__(self, status: int, operation: str, message: str):
        self.status = status
        self.operation = operation
        self.message = message
        where = f"HTTP {status}" if status else "unreachable"
        super().__init__(f"Product-Live {operation}: {where}: {message}")


class ExpiredFileError(ProductLiveError):
    """A file's download link no longer works and no fresh link could be had."""


@dataclass(frozen=True)
class PolledExecution:
    """A task execution handed to this worker by a poll."""

    id: str
    task_id: str
    input: dict[str, Any]
    raw: dict[str, Any]


def _list_rows(body: Any) -> list[dict[str, Any]]:
    """The rows of a list answer: a bare array, or an object holding one (`data`, `items`, `content`).

    The shape of Product-Live's list answers is not documented; all common ones are accepted.
    """
    if isinstance(body, list):
        return [r for r in body if isinstance(r, dict)]
    if isinstance(body, dict):
        for name in ("data", "items", "content", "results"):
            if isinstance(body.get(name), list):
                return [r for r in body[name] if isinstance(r, dict)]
    return []


class DataFactoryClient:
    """One client per worker process (thread-safe: httpx.Client and the window are)."""

    def __init__(self, settings: ProductLiveSettings, *, http: httpx.Client | None = None,
                 window: RequestWindow | None = None, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, page_size: int = PAGE_SIZE):
        self.settings = settings
        self.page_size = page_size
        self.base = settings.api_url.rstrip("/")
        self.window = window or RequestWindow(settings.requests_per_minute, sleep=sleep)
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self.user_agent = f"productlive-amazon/{__version__}"

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> DataFactoryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport --------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        key = self.settings.api_key.reveal()
        return text.replace(key, "****") if key else text

    def _send(self, method: str, url: str, operation: str, *, keyed: bool = True, **kwargs: Any) -> httpx.Response:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent, **kwargs.pop("headers", {})}
        if keyed:
            headers["X-Api-Key"] = self.settings.api_key.reveal()

        def send(attempt: int) -> httpx.Response:
            if not keyed:
                return self.http.request(method, url, headers=headers, **kwargs)
            slot = self.window.acquire()
            try:
                response = self.http.request(method, url, headers=headers, **kwargs)
            finally:
                self.window.done(slot)
            if response.status_code == 429:
                self.window.hold_off(parse_retry_after(response.headers.get("Retry-After")) or 1.0)
            return response

        try:
            response = call_with_retries(send, method=method, url=url, policy=self.policy, sleep=self._sleep,
                                         operation=operation)
        except NetworkError as exc:
            raise ProductLiveError(0, operation, f"{exc.reason} after {exc.attempts} attempt(s); check the "
                                   "network and PL_PRODUCTLIVE_API_URL") from None
        log.debug("%s %s -> %d", method, operation, response.status_code)
        return response

    def _call(self, method: str, path: str, operation: str, *, ok: tuple[int, ...] = (200, 201),
              none_on: tuple[int, ...] = (), **kwargs: Any) -> Any:
        response = self._send(method, self.base + path, operation, **kwargs)
        if response.status_code in none_on:
            return None
        if response.status_code not in ok:
            raise self._error(response, operation)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise ProductLiveError(response.status_code, operation, "the answer is not JSON") from None

    def _error(self, response: httpx.Response, operation: str) -> ProductLiveError:
        if response.status_code == 401:
            return ProductLiveError(401, operation, "the API key was refused: check PL_PRODUCTLIVE_API_KEY "
                                    "(Product-Live: Settings > API)")
        detail = ""
        try:
            body = response.json()
            message = body.get("message") if isinstance(body, dict) else None
            detail = "; ".join(map(str, message)) if isinstance(message, list) else str(message or "")
        except ValueError:
            detail = response.text[:200]
        if response.status_code == 429:
            detail = f"rate limit still exceeded after {self.policy.max_attempts} attempts ({detail})"
        return ProductLiveError(response.status_code, operation, self._scrub(" ".join(detail.split()) or
                                                                             response.reason_phrase))

    # -- tasks --------------------------------------------------------------------------------
    def list_tasks(self) -> list[dict[str, Any]]:
        """Every task definition of the account (all pages)."""
        rows: list[dict[str, Any]] = []
        page = 0
        while True:
            body = self._call("GET", f"{PREFIX}/tasks", "getTasks", params={"size": self.page_size, "page": page})
            batch = _list_rows(body)
            rows += batch
            total = body.get("totalElements") if isinstance(body, dict) else None
            if len(batch) < self.page_size or (isinstance(total, int) and len(rows) >= total):
                return rows
            page += 1

    def create_task(self, definition: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"{PREFIX}/tasks", "createTask", json=dict(definition))

    def update_task(self, task_id: str, definition: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("PUT", f"{PREFIX}/tasks/{task_id}", "updateTask", json={"id": task_id, **definition})

    def poll(self, task_id: str) -> PolledExecution | None:
        """The next execution of this task for this worker, or None when there is nothing to do."""
        body = self._call("GET", f"{PREFIX}/tasks/{task_id}/poll", "pollTaskExecution", none_on=(204, 404))
        if not body or not isinstance(body, dict) or not body.get("id"):
            return None
        given = body.get("input")
        return PolledExecution(str(body["id"]), str(body.get("taskId") or task_id),
                               given if isinstance(given, dict) else {}, body)

    def report(self, execution_id: str, status: str, output: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the execution COMPLETED or FAILED with its output."""
        return self._call("PATCH", f"{PREFIX}/task_executions/{execution_id}", "patchTaskExecution",
                          json={"id": execution_id, "status": status, "output": dict(output)})

    def task_execution(self, execution_id: str) -> dict[str, Any]:
        return self._call("GET", f"{PREFIX}/task_executions/{execution_id}", "getTaskExecutionById")

    # -- files --------------------------------------------------------------------------------
    def upload_file(self, path: Path, name: str | None = None) -> dict[str, Any]:
        """Upload a file (multipart `file`); returns Product-Live's file object."""
        name = name or path.name
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        with path.open("rb") as handle:
            return self._call("POST", f"{PREFIX}/files", "uploadFile", files={"file": (name, handle, media)})

    def file(self, file_id: str) -> dict[str, Any]:
        """The file object, with a fresh download link."""
        return self._call("GET", f"{PREFIX}/files/{file_id}", "getFileById")

    def _same_origin(self, url: str) -> bool:
        mine, theirs = httpx.URL(self.base), httpx.URL(url)
        return (mine.scheme, mine.host, mine.port) == (theirs.scheme, theirs.host, theirs.port)

    def download(self, reference: Mapping[str, Any] | str, target: Path, *,
                 max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path:
        """Save a file input (a file object `{id, url}`, or a URL) to `target`.

        The key is sent only to Product-Live's own API origin, never to a storage link. An expired
        link (403/410) is renewed once through the file's id. Raises ExpiredFileError or
        ProductLiveError.
        """
        file_id = reference.get("id") if isinstance(reference, Mapping) else None
        url = reference.get("url") if isinstance(reference, Mapping) else reference
        if not url and file_id:
            url = self.file(str(file_id)).get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ProductLiveError(0, "downloadFile", "the file has no download link")
        for renewed in (False, True):
            status = self._stream(url, target, max_bytes)
            if status == 200:
                return target
            if status in EXPIRED_LINK_STATUSES and file_id and not renewed:
                log.info("download link of file %s refused (HTTP %d): asking for a fresh one", file_id, status)
                url = self.file(str(file_id)).get("url") or ""
                continue
            break
        if status in EXPIRED_LINK_STATUSES:
            raise ExpiredFileError(status, "downloadFile", "the download link has expired and could not be renewed")
        raise ProductLiveError(status, "downloadFile", f"the file could not be downloaded from {redact_url(url)}")

    def _stream(self, url: str, target: Path, max_bytes: int) -> int:
        keyed = self._same_origin(url)
        headers = {"Accept": "*/*", "User-Agent": self.user_agent}
        if keyed:
            headers["X-Api-Key"] = self.settings.api_key.reveal()
        attempt = 0
        while True:
            attempt += 1
            slot = self.window.acquire() if keyed else None
            try:
                with self.http.stream("GET", url, headers=headers) as response:
                    if self.policy.retryable_status(response.status_code) and attempt < self.policy.max_attempts:
                        wait = self.policy.delay(attempt, response.headers.get("Retry-After"))
                    elif response.status_code != 200:
                        return response.status_code
                    else:
                        size = 0
                        with target.open("wb") as sink:
                            for chunk in response.iter_bytes():
                                size += len(chunk)
                                if size > max_bytes:
                                    raise ProductLiveError(200, "downloadFile",
                                                           f"the file is larger than {max_bytes} bytes")
                                sink.write(chunk)
                        return 200
            except httpx.TransportError as exc:
                if attempt >= self.policy.max_attempts:
                    raise ProductLiveError(0, "downloadFile", f"{type(exc).__name__} after {attempt} attempt(s)"
                                           ) from None
                wait = self.policy.delay(attempt)
            finally:
                if slot is not None:
                    self.window.done(slot)
            self._sleep(wait)

    # -- job executions -----------------------------------------------------------------------
    def start_job(self, job_id: str, job_input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._call("POST", f"{PREFIX}/job_executions", "createJobExecution",
                          json={"jobId": job_id, "input": dict(job_input or {})})

    def job_execution(self, execution_id: str) -> dict[str, Any]:
        return self._call("GET", f"{PREFIX}/job_executions/{execution_id}", "getJobExecution")
