"""The stand-in's routes: Product-Live's Data Factory paths, plus admin controls under `/_datafactory/`.

Every `/v1/` call needs the account's API key in `X-Api-Key` (401 without it) and counts against
the 50 requests per minute (429 with `Retry-After` beyond). A signed file download link
(`/v1/data_factory/files/{id}/content?expires=...&signature=...`) stands for Product-Live's
storage links: it needs no key and is not counted; past its expiry it answers 403, and
`GET /v1/data_factory/files/{id}` gives a fresh one. Error bodies follow NestJS's default shape
`{"statusCode", "message", "error"}` (Product-Live's API is a NestJS application; the exact body
is not documented).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from transpiler.datafactory.standin.engine import Conflict, DataFactory, NotFound
from transpiler.datafactory.standin.jobs import JobDefinitionError
from transpiler.datafactory.standin.limits import SlidingWindowLimit, retry_after_header
from transpiler.datafactory.standin.records import DefinitionError
from transpiler.datafactory.standin.tables import TableError, parse_xml
from transpiler.serving import running_beside

log = logging.getLogger("transpiler.datafactory.standin")
TICK = 0.1  # seconds between two background looks at timeouts and queued jobs
PREFIX = "/v1/data_factory"
MAX_JSON_BYTES = 1024 * 1024
DEFAULT_PAGE_SIZE = 10

Handler = Callable[[Request], Awaitable[Response]]


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message, "error": HTTPStatus(status).phrase}, status,
                        headers=headers)


def _factory(request: Request) -> DataFactory:
    return request.app.state.factory


def guarded(handler: Handler, *, counted: bool = True) -> Handler:
    """Key check, rate limit and error mapping around one route."""

    async def wrapped(request: Request) -> Response:
        app_state = request.app.state
        if not hmac.compare_digest(request.headers.get("x-api-key", "").encode(), app_state.api_key.encode()):
            return error(401, "a valid API key is required in the X-Api-Key header")
        if counted:
            wait = app_state.limit.admit()
            if wait > 0:
                return error(429, "rate limit exceeded: 50 requests per minute",
                             {"Retry-After": retry_after_header(wait)})
        try:
            return await handler(request)
        except NotFound as exc:
            return error(404, str(exc))
        except Conflict as exc:
            return error(409, str(exc))
        except (ValueError, DefinitionError, JobDefinitionError, TableError) as exc:
            return error(400, str(exc))

    return wrapped


async def _json(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_JSON_BYTES:
        raise ValueError("the body is too large")
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the body is not valid JSON") from None


def _page(request: Request, rows: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        size = int(request.query_params.get("size", DEFAULT_PAGE_SIZE))
        page = int(request.query_params.get("page", 0))
    except ValueError:
        raise ValueError("size and page must be integers") from None
    if size < 1 or size > 100 or page < 0:
        raise ValueError("size must be 1 to 100 and page 0 or more")
    return {"object": "list", "data": rows[page * size:(page + 1) * size], "totalElements": len(rows),
            "page": page, "size": size}


# -- tasks -------------------------------------------------------------------------------------
async def list_tasks(request: Request) -> Response:
    factory = _factory(request)
    with factory.lock:
        rows = [t.dto(factory.iso) for t in sorted(factory.tasks.values(), key=lambda t: t.created)]
    return JSONResponse(_page(request, rows))


async def create_task(request: Request) -> Response:
    factory = _factory(request)
    return JSONResponse(factory.create_task(await _json(request)).dto(factory.iso), 201)


async def get_task(request: Request) -> Response:
    factory = _factory(request)
    return JSONResponse(factory.task(request.path_params["id"]).dto(factory.iso))


async def update_task(request: Request) -> Response:
    factory = _factory(request)
    return JSONResponse(factory.update_task(request.path_params["id"], await _json(request)).dto(factory.iso), 201)


async def delete_task(request: Request) -> Response:
    factory = _factory(request)
    return JSONResponse(factory.delete_task(request.path_params["id"]).dto(factory.iso), 201)


async def poll(request: Request) -> Response:
    factory = _factory(request)
    task_id = request.path_params["id"]
    execution = factory.poll(task_id)
    if execution is None:
        return error(404, "no task execution to poll")
    return JSONResponse(execution.dto(task_id, factory.iso))


def _task_id(factory: DataFactory, key: str) -> str:
    task = factory.task_by_key(key)
    return task.id if task else ""


async def get_execution(request: Request) -> Response:
    factory = _factory(request)
    with factory.lock:
        execution = factory.execution(request.path_params["id"])
        return JSONResponse(execution.dto(_task_id(factory, execution.task_key), factory.iso))


async def patch_execution(request: Request) -> Response:
    factory = _factory(request)
    execution = factory.report(request.path_params["id"], await _json(request))
    with factory.lock:
        return JSONResponse(execution.dto(_task_id(factory, execution.task_key), factory.iso))


# -- files -------------------------------------------------------------------------------------
async def upload_file(request: Request) -> Response:
    factory = _factory(request)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > factory.max_file_bytes + 64 * 1024:
        return error(413, "a file is limited to 100 MB")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return error(400, "a multipart field 'file' is required")
        data = await upload.read(factory.max_file_bytes + 1)
        name = upload.filename or "file"
    try:
        stored = factory.add_file(name, data)
    except OverflowError:
        return error(413, "a file is limited to 100 MB")
    return JSONResponse(factory.file_dto(stored), 201)


async def get_file(request: Request) -> Response:
    factory = _factory(request)
    return JSONResponse(factory.file_dto(factory.file(request.path_params["id"])))


async def file_content(request: Request) -> Response:
    """Signed links need no key (storage links); an expired one is 403. Unsigned: key and limit apply."""
    factory = _factory(request)
    file_id = request.path_params["id"]
    query = request.query_params
    if "signature" in query or "expires" in query:
        state = factory.link_state(file_id, query.get("expires"), query.get("signature"))
        if state != "valid":
            return error(403, "the download link has expired" if state == "expired" else "invalid download link")
        try:
            stored = factory.file(file_id)
        except NotFound as exc:
            return error(404, str(exc))
        return FileResponse(stored.path, filename=stored.name, media_type="application/octet-stream")

    async def with_key(request: Request) -> Response:
        stored = factory.file(file_id)
        return FileResponse(stored.path, filename=stored.name, media_type="application/octet-stream")

    return await guarded(with_key)(request)


# -- jobs and job executions -------------------------------------------------------------------
async def list_jobs(request: Request) -> Response:
    factory = _factory(request)
    return JSONResponse(_page(request, [j.dto() for _, j in sorted(factory.jobs.items())]))


async def get_job(request: Request) -> Response:
    job = _factory(request).jobs.get(request.path_params["id"])
    if job is None:
        raise NotFound(f"no job {request.path_params['id']}")
    return JSONResponse(job.dto())


async def create_job_execution(request: Request) -> Response:
    factory = _factory(request)
    body = await _json(request)
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object {jobId, input}")
    execution = factory.start_job(body.get("jobId"), body.get("input"))
    with factory.lock:
        return JSONResponse(execution.dto(factory.iso), 201)


async def get_job_execution(request: Request) -> Response:
    factory = _factory(request)
    with factory.lock:
        factory.advance()
        return JSONResponse(factory.job_execution(request.path_params["id"]).dto(factory.iso))


# -- admin (not Product-Live's API) ------------------------------------------------------------
async def table_items(request: Request) -> Response:
    factory = _factory(request)
    key = request.path_params["key"]
    if request.method == "PUT":
        root = parse_xml(await request.body(), "items")
        with factory.tables.lock:
            count = factory.tables.table(key).replace_items(root, factory.clock.iso())
        return JSONResponse({"table": key, "items": count})
    with factory.tables.lock:
        data = factory.tables.table(key, create=False).items_xml()
    return Response(data, media_type="application/xml")


async def table_schema(request: Request) -> Response:
    """PUT imports a table structure as table-import-schema INCREMENTAL does; GET shows the last one."""
    factory = _factory(request)
    key = request.path_params["key"]
    if request.method == "PUT":
        root = parse_xml(await request.body(), "structure")
        if root.get("key") != key:
            raise ValueError(f"the structure is for table {root.get('key')!r}, not {key!r}")
        with factory.tables.lock:
            problems = factory.tables.table(key).import_structure(root, "INCREMENTAL")
        if problems:
            raise ValueError("; ".join(problems[:20]))
        return JSONResponse({"table": key, "fields": len(factory.tables.table(key).structure.fields)})
    with factory.tables.lock:
        structure = factory.tables.table(key, create=False).structure
    if structure is None:
        raise NotFound("no structure imported for this table")
    return Response(structure.xml, media_type="application/xml")


async def clock(request: Request) -> Response:
    factory = _factory(request)
    if request.method == "POST":
        body = await _json(request)
        seconds = body.get("advance") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError('give {"advance": <seconds, zero or more>}')
        factory.clock.advance(float(seconds))
        factory.advance()
    return JSONResponse({"now": factory.clock.iso(), "offset": factory.clock.offset})


async def executions(request: Request) -> Response:
    """Every task execution with its attempt number (tests count who ran what)."""
    factory = _factory(request)
    with factory.lock:
        factory.advance()
        rows = [{**e.dto(_task_id(factory, e.task_key), factory.iso), "taskKey": e.task_key, "attempt": e.attempt,
                 "jobExecutionId": e.job_execution} for e in factory.executions.values()]
    return JSONResponse({"executions": rows})


async def rate_limit(request: Request) -> Response:
    limit: SlidingWindowLimit = request.app.state.limit
    if request.method == "POST":
        body = await _json(request)
        value = body.get("perMinute") if isinstance(body, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError('give {"perMinute": <requests per minute, 0 = off>}')
        limit.per_minute = value
        limit.reset()
    return JSONResponse({"perMinute": limit.per_minute, "refused": limit.refused})


def routes() -> list[Route]:
    def api(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(PREFIX + path, guarded(handler), methods=methods)

    def admin(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route("/_datafactory" + path, guarded(handler, counted=False), methods=methods)

    return [
        api("/tasks", list_tasks, ["GET"]),
        api("/tasks", create_task, ["POST"]),
        api("/tasks/{id}", get_task, ["GET"]),
        api("/tasks/{id}", update_task, ["PUT"]),
        api("/tasks/{id}", delete_task, ["DELETE"]),
        api("/tasks/{id}/poll", poll, ["GET"]),
        api("/task_executions/{id}", get_execution, ["GET"]),
        api("/task_executions/{id}", patch_execution, ["PATCH"]),
        api("/files", upload_file, ["POST"]),
        api("/files/{id}", get_file, ["GET"]),
        Route(PREFIX + "/files/{id}/content", file_content, methods=["GET"]),
        api("/jobs", list_jobs, ["GET"]),
        api("/jobs/{id}", get_job, ["GET"]),
        api("/job_executions", create_job_execution, ["POST"]),
        api("/job_executions/{id}", get_job_execution, ["GET"]),
        admin("/tables/{key}/items", table_items, ["GET", "PUT"]),
        admin("/tables/{key}/schema", table_schema, ["GET", "PUT"]),
        admin("/clock", clock, ["GET", "POST"]),
        admin("/executions", executions, ["GET"]),
        admin("/rate-limit", rate_limit, ["GET", "POST"]),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return error(status, "no such route" if status == 404 else HTTPStatus(status).phrase)


async def _tick(factory: DataFactory) -> None:
    while True:
        try:
            factory.advance()
        except Exception:  # keep ticking; the failure is logged
            log.exception("stand-in background tick failed")
        await asyncio.sleep(TICK)


def build_app(factory: DataFactory, api_key: str, per_minute: int) -> Starlette:
    """The ASGI app over `factory`; `per_minute` = 0 turns the rate limit off."""
    app = Starlette(routes=routes(), lifespan=running_beside(lambda: _tick(factory)),
                    exception_handlers={HTTPException: _not_found})
    app.state.factory = factory
    app.state.api_key = api_key
    app.state.limit = SlidingWindowLimit(per_minute, factory.clock.now)
    return app
