"""The stand-in's Data Factory: jobs run their tasks in order, custom tasks wait for workers.

Conductor's semantics for custom tasks, as the task definition sets them:

- a custom task (`${account}/<key>`) becomes a task execution in the queue of its key; a poll of
  the task hands the oldest available one to one worker (`IN_PROGRESS`), never to two;
- `concurrentExecLimit` > 0 caps the executions of a task in progress at once (a poll beyond it
  finds nothing);
- an execution in progress that is not reported within `responseTimeoutSeconds` of its poll (the
  worker died), or not finished within `timeoutSeconds`, times out; a FAILED or timed-out
  execution is retried `retryCount` times (after `retryDelaySeconds`), then the job fails unless
  the task is `optional`;
- built-in tasks (`table-export-items`, `table-import-items`, `table-import-schema`) run inside the
  stand-in.

Job executions run one at a time per pipeline, first in first out. Everything moves on
`advance()`, which every request and a background tick call, on the stand-in's clock.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transpiler.datafactory.standin import builtins
from transpiler.datafactory.standin.clock import StandInClock
from transpiler.datafactory.standin.expressions import resolve
from transpiler.datafactory.standin.jobs import Job, JobDefinitionError, apply_user_inputs
from transpiler.datafactory.standin.records import (
    CANCELED,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    JOB_FAILED,
    PENDING,
    RUNNING,
    SCHEDULED,
    TIMED_OUT,
    JobExecution,
    Step,
    StoredFile,
    TaskDefinition,
    TaskExecution,
    check_task_body,
    new_id,
)
from transpiler.datafactory.standin.tables import TableStore

log = logging.getLogger("transpiler.datafactory.standin")

CUSTOM_PREFIX = "${account}/"
ACCOUNT_ID = "1"
#: Files uploaded through the API are kept 90 days by Product-Live; the stand-in keeps them while it runs.
MAX_FILE_BYTES = 100 * 1024 * 1024
FILE_URL_TTL = 3600.0


class Conflict(ValueError):
    """The request contradicts the current state (409)."""


class NotFound(LookupError):
    """No such task, execution, file, job or job execution (404)."""


class DataFactory:
    """All of the stand-in's state. Every public method is thread-safe."""

    def __init__(self, data: Path, jobs: dict[str, Job], clock: StandInClock, *, base_url: str = "",
                 pipelines: int = 1, file_url_ttl: float = FILE_URL_TTL, max_file_bytes: int = MAX_FILE_BYTES):
        self.data = data
        (data / "files").mkdir(parents=True, exist_ok=True)
        self.jobs = jobs
        self.clock = clock
        self.base_url = base_url
        self.pipelines = max(1, pipelines)
        self.file_url_ttl = file_url_ttl
        self.max_file_bytes = max_file_bytes
        self.tables = TableStore()
        self.tasks: dict[str, TaskDefinition] = {}
        self.executions: dict[str, TaskExecution] = {}
        self.files: dict[str, StoredFile] = {}
        self.job_executions: dict[str, JobExecution] = {}
        self.lock = threading.RLock()
        self._url_key = secrets.token_bytes(32)

    def iso(self, at: float) -> str:
        return self.clock.iso(at)

    # -- task definitions ---------------------------------------------------------------------
    def task_by_key(self, key: str) -> TaskDefinition | None:
        return next((t for t in self.tasks.values() if t.key == key), None)

    def create_task(self, body: Any) -> TaskDefinition:
        definition = check_task_body(body)
        with self.lock:
            if self.task_by_key(definition["key"]) is not None:
                raise Conflict(f"a task with key {definition['key']!r} already exists")
            now = self.clock.now()
            task = TaskDefinition(new_id(), definition, now, now)
            self.tasks[task.id] = task
            return task

    def update_task(self, task_id: str, body: Any) -> TaskDefinition:
        definition = check_task_body(body)
        with self.lock:
            task = self.task(task_id)
            other = self.task_by_key(definition["key"])
            if other is not None and other.id != task_id:
                raise Conflict(f"a task with key {definition['key']!r} already exists")
            task.body = definition
            task.updated = self.clock.now()
            return task

    def delete_task(self, task_id: str) -> TaskDefinition:
        with self.lock:
            task = self.task(task_id)
            del self.tasks[task_id]
            return task

    def task(self, task_id: str) -> TaskDefinition:
        task = self.tasks.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id}")
        return task

    # -- polling and reporting ----------------------------------------------------------------
    def poll(self, task_id: str) -> TaskExecution | None:
        """Hand the oldest available execution of this task to the caller, or None."""
        with self.lock:
            self.advance()
            task = self.task(task_id)
            now = self.clock.now()
            limit = int(task.body.get("concurrentExecLimit") or 0)
            running = sum(1 for e in self.executions.values() if e.task_key == task.key and e.status == IN_PROGRESS)
            if limit and running >= limit:
                return None
            waiting = [e for e in self.executions.values()
                       if e.task_key == task.key and e.status == SCHEDULED and e.available <= now]
            if not waiting:
                return None
            execution = min(waiting, key=lambda e: (e.available, e.created))
            execution.status = IN_PROGRESS
            execution.polled = execution.updated = now
            return execution

    def execution(self, execution_id: str) -> TaskExecution:
        execution = self.executions.get(execution_id)
        if execution is None:
            raise NotFound(f"no task execution {execution_id}")
        return execution

    def report(self, execution_id: str, body: Any) -> TaskExecution:
        """A worker's PATCH: COMPLETED or FAILED with an output. Conflict when no longer in progress."""
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        status = body.get("status")
        if status not in (COMPLETED, FAILED, IN_PROGRESS):
            raise ValueError("status must be COMPLETED, FAILED or IN_PROGRESS")
        output = body.get("output", {})
        if not isinstance(output, dict):
            raise ValueError("output must be a JSON object")
        if body.get("id") not in (None, execution_id):
            raise ValueError("the id in the body is not the id in the path")
        with self.lock:
            execution = self.execution(execution_id)
            if execution.status != IN_PROGRESS:
                raise Conflict(f"task execution {execution_id} is {execution.status}, not IN_PROGRESS")
            now = self.clock.now()
            execution.output = output
            execution.updated = now
            if status == IN_PROGRESS:
                # Conductor puts an execution updated as IN_PROGRESS back in the queue
                execution.status = SCHEDULED
                execution.available = now
            else:
                execution.status = status
            self.advance()
            return execution

    # -- files ----------------------------------------------------------------------------------
    def add_file(self, name: str, data: bytes) -> StoredFile:
        if len(data) > self.max_file_bytes:
            raise OverflowError(f"a file is limited to {self.max_file_bytes} bytes")
        file_id = secrets.token_hex(32)
        path = self.data / "files" / file_id
        path.write_bytes(data)
        stored = StoredFile(file_id, Path(name or "file").name or "file", path, len(data), self.clock.now())
        with self.lock:
            self.files[file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise NotFound(f"no file {file_id}")
        return stored

    def _signature(self, file_id: str, expires: int) -> str:
        return hmac.new(self._url_key, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def file_dto(self, stored: StoredFile) -> dict[str, Any]:
        """The file object, with a download link valid `file_url_ttl` seconds from now."""
        expires = int(self.clock.now() + self.file_url_ttl)
        url = (f"{self.base_url}/v1/data_factory/files/{stored.id}/content"
               f"?expires={expires}&signature={self._signature(stored.id, expires)}")
        iso = self.iso(stored.created)
        return {"object": "data_factory_file", "id": stored.id, "createdAt": iso, "updatedAt": iso, "url": url,
                "filename": stored.name}

    def link_state(self, file_id: str, expires: str | None, signature: str | None) -> str:
        """"valid", "expired" or "invalid" for a signed download link."""
        if expires is None or signature is None or not expires.isdigit():
            return "invalid"
        if not hmac.compare_digest(self._signature(file_id, int(expires)), signature):
            return "invalid"
        return "valid" if int(expires) >= self.clock.now() else "expired"

    # -- job executions -------------------------------------------------------------------------
    def start_job(self, job_id: Any, given: Any) -> JobExecution:
        job = self.jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise NotFound(f"no job {job_id}")
        values = apply_user_inputs(job, given)
        values["context"] = {"jobAccountId": ACCOUNT_ID, "jobId": job.key, "userAccountId": ACCOUNT_ID,
                             "userId": "stand-in"}
        steps = [Step(t["taskReferenceName"], t["name"], bool(t.get("optional"))) for t in job.tasks]
        with self.lock:
            execution = JobExecution(new_id(), job.key, job.title, values, steps, self.clock.now())
            self.job_executions[execution.id] = execution
            self.advance()
            return execution

    def job_execution(self, execution_id: str) -> JobExecution:
        execution = self.job_executions.get(execution_id)
        if execution is None:
            raise NotFound(f"no job execution {execution_id}")
        return execution

    def advance(self) -> None:
        """Move every job forward as far as it can go now."""
        with self.lock:
            running = [j for j in self.job_executions.values() if j.status == RUNNING]
            for job in sorted((j for j in self.job_executions.values() if j.status == PENDING),
                              key=lambda j: j.created):
                if len(running) >= self.pipelines:
                    break
                job.status, job.started = RUNNING, self.clock.now()
                job.pipeline = f"pipeline-{len(running) + 1}"
                running.append(job)
            for job in running:
                try:
                    self._run(job)
                except Exception as exc:  # a stand-in bug must fail the job, not the server
                    log.exception("job execution %s failed inside the stand-in", job.id)
                    self._end(job, JOB_FAILED, {"message": f"stand-in error: {type(exc).__name__}: {exc}"})

    def _run(self, job: JobExecution) -> None:
        definition = self.jobs[job.job_key]
        while True:
            step_index = next((i for i, s in enumerate(job.steps) if s.status not in (COMPLETED, "SKIPPED")), None)
            if step_index is None:
                outputs = definition.document.get("outputParameters")
                output = self._resolve(job, definition, outputs) if outputs else dict(job.steps[-1].output)
                self._end(job, COMPLETED, output)
                return
            step = job.steps[step_index]
            task = definition.tasks[step_index]
            if step.status == PENDING:
                try:
                    step.input = self._resolve(job, definition, task.get("inputParameters") or {})
                except JobDefinitionError as exc:
                    self._fail_step(job, step, str(exc))
                    if job.status != RUNNING:
                        return
                    continue
                if step.name.startswith(CUSTOM_PREFIX):
                    step.status = IN_PROGRESS
                    self._schedule(job, step_index, step, delay=0.0)
                    return
                self._run_builtin(job, step)
                if job.status != RUNNING:
                    return
                continue
            if not self._follow(job, step_index, step):
                return

    def _run_builtin(self, job: JobExecution, step: Step) -> None:
        runner = builtins.BUILTINS.get(step.name)
        if runner is None:
            self._fail_step(job, step, f"unknown task {step.name!r}")
            return
        try:
            step.output = runner(self, step.input or {})
        except builtins.TaskError as exc:
            self._fail_step(job, step, str(exc))
            return
        step.status = COMPLETED

    def _schedule(self, job: JobExecution, index: int, step: Step, delay: float) -> None:
        now = self.clock.now()
        execution = TaskExecution(new_id(), step.name[len(CUSTOM_PREFIX):], dict(step.input or {}), job.id, index,
                                  len(step.executions) + 1, now, now + delay)
        self.executions[execution.id] = execution
        step.executions.append(execution.id)

    def _follow(self, job: JobExecution, index: int, step: Step) -> bool:
        """Check the custom task of `step`; True when the job can go on to its next step."""
        execution = self.executions[step.executions[-1]]
        definition = self.task_by_key(execution.task_key)
        body = definition.body if definition else {}
        now = self.clock.now()
        if execution.status == IN_PROGRESS and execution.polled is not None:
            response = float(body.get("responseTimeoutSeconds") or 0)
            total = float(body.get("timeoutSeconds") or 0)
            # both measured per attempt: a retry is a new task instance in Conductor
            if (response and now - execution.updated > response) or (total and now - execution.polled > total):
                execution.status = TIMED_OUT
                execution.output = {**execution.output, "message": "délai de réponse dépassé"}
                execution.updated = now
        if execution.status == COMPLETED:
            step.status, step.output = COMPLETED, dict(execution.output)
            return True
        if execution.status in (FAILED, TIMED_OUT):
            retries = int(body.get("retryCount", 0) if definition else 0)
            if len(step.executions) <= retries:
                self._schedule(job, index, step, delay=self._retry_delay(body, len(step.executions)))
                return False
            self._fail_step(job, step, str(execution.output.get("message") or execution.status),
                            output=dict(execution.output))
            return job.status == RUNNING
        return False

    @staticmethod
    def _retry_delay(body: dict[str, Any], attempt: int) -> float:
        base = float(body.get("retryDelaySeconds") or 0)
        logic = body.get("retryLogic", "FIXED")
        if logic == "EXPONENTIAL_BACKOFF":
            return base * (2 ** (attempt - 1))
        if logic == "LINEAR_BACKOFF":
            return base * attempt * float(body.get("backoffScaleFactor") or 1)
        return base

    def _fail_step(self, job: JobExecution, step: Step, message: str, output: dict[str, Any] | None = None) -> None:
        step.status, step.message = FAILED, message
        step.output = output or {"message": message}
        if step.optional:
            step.status = "SKIPPED"
            return
        self._end(job, JOB_FAILED, {**step.output, "failedTask": step.reference})

    def _end(self, job: JobExecution, status: str, output: dict[str, Any]) -> None:
        job.status, job.output, job.ended = status, output, self.clock.now()
        for execution in self.executions.values():
            if execution.job_execution == job.id and execution.status == SCHEDULED:
                execution.status = CANCELED

    def _resolve(self, job: JobExecution, definition: Job, template: Any) -> Any:
        scope: dict[str, Any] = {"workflow": {"input": job.input, "variable": {}}}
        for step in job.steps:
            scope[step.reference] = {"input": step.input or {}, "output": step.output}

        def asset(relative: str) -> dict[str, Any]:
            path = definition.asset(relative)
            return self.file_dto(self.add_file(path.name, path.read_bytes()))

        return resolve(template, scope, asset)

    # -- files as the built-in tasks see them -------------------------------------------------
    def read_input_file(self, value: Any, what: str) -> bytes:
        """The bytes of a file input (a file object or its id). Raises builtins.TaskError."""
        file_id = value.get("id") if isinstance(value, dict) else value
        if not isinstance(file_id, str) or file_id not in self.files:
            raise builtins.TaskError(f"{what}: a file is expected")
        return self.files[file_id].path.read_bytes()


Builtin = Callable[[DataFactory, dict[str, Any]], dict[str, Any]]
