"""What the stand-in keeps: task definitions, task executions, files and job executions.

The JSON each record answers with (`dto()`) follows Product-Live's documented examples:
`{"object": "task_execution", "id", "taskId", "status", "input", "output", "createdAt",
"updatedAt"}`, `{"object": "data_factory_file", "id", "createdAt", "updatedAt", "url"}`,
`{"object": "job_execution", "id", "jobId", "pipelineId", "status", "input", "output", ...}`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Conductor's defaults for the task-definition fields Product-Live's API accepts.
TASK_DEFAULTS: dict[str, Any] = {
    "retryCount": 3, "timeoutSeconds": 0, "timeoutPolicy": "TIME_OUT_WF", "retryLogic": "FIXED",
    "retryDelaySeconds": 60, "responseTimeoutSeconds": 600, "concurrentExecLimit": 0, "pollTimeoutSeconds": 0,
    "backoffScaleFactor": 1,
}
NUMBER_FIELDS = ("retryCount", "timeoutSeconds", "retryDelaySeconds", "responseTimeoutSeconds",
                 "concurrentExecLimit", "pollTimeoutSeconds", "backoffScaleFactor")
TIMEOUT_POLICIES = ("RETRY", "TIME_OUT_WF", "ALERT_ONLY")
RETRY_LOGICS = ("FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF")

# task execution statuses (Conductor's)
SCHEDULED, IN_PROGRESS, COMPLETED, FAILED, TIMED_OUT, CANCELED = (
    "SCHEDULED", "IN_PROGRESS", "COMPLETED", "FAILED", "TIMED_OUT", "CANCELED")
# job execution statuses (learn.product-live.com/data-factory/references/job-executions)
PENDING, RUNNING, JOB_FAILED, USER_ERROR = "PENDING", "RUNNING", "FAILED", "USER_ERROR"


def new_id() -> str:
    """24 hex digits, the shape of Product-Live's ids (MongoDB object ids)."""
    return secrets.token_hex(12)


class DefinitionError(ValueError):
    """A task definition body the API refuses (400)."""


def check_task_body(body: Any) -> dict[str, Any]:
    """The task definition with Conductor's defaults filled in; DefinitionError names what is wrong."""
    if not isinstance(body, dict):
        raise DefinitionError("the body must be a JSON object")
    key = body.get("key")
    if not isinstance(key, str) or not key.strip() or len(key) > 255:
        raise DefinitionError("key must be a non-empty string of at most 255 characters")
    out = {**TASK_DEFAULTS, "key": key, "description": str(body.get("description") or "")}
    for name in NUMBER_FIELDS:
        if name in body:
            value = body[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise DefinitionError(f"{name} must be a number, zero or more")
            out[name] = value
    if out["retryCount"] > 10:
        raise DefinitionError("retryCount is capped at 10")
    if out["timeoutSeconds"] and out["responseTimeoutSeconds"] > out["timeoutSeconds"]:
        raise DefinitionError("responseTimeoutSeconds must not exceed timeoutSeconds")
    for name, allowed in (("timeoutPolicy", TIMEOUT_POLICIES), ("retryLogic", RETRY_LOGICS)):
        if name in body:
            if body[name] not in allowed:
                raise DefinitionError(f"{name} must be one of {', '.join(allowed)}")
            out[name] = body[name]
    for name in ("inputKeys", "outputKeys"):
        keys = body.get(name, [])
        if not isinstance(keys, list) or not all(isinstance(k, dict) and isinstance(k.get("key"), str) for k in keys):
            raise DefinitionError(f"{name} must be a list of {{key, description}} objects")
        out[name] = [{"key": k["key"], "description": str(k.get("description") or "")} for k in keys]
    return out


@dataclass
class TaskDefinition:
    id: str
    body: dict[str, Any]
    created: float
    updated: float

    @property
    def key(self) -> str:
        return str(self.body["key"])

    def dto(self, iso: Callable[[float], str]) -> dict[str, Any]:
        return {"object": "task", "id": self.id, **self.body, "createdAt": iso(self.created),
                "updatedAt": iso(self.updated)}


@dataclass
class TaskExecution:
    id: str
    task_key: str
    input: dict[str, Any]
    job_execution: str
    step: int
    attempt: int
    created: float
    available: float  # not handed out before (retry delay)
    status: str = SCHEDULED
    output: dict[str, Any] = field(default_factory=dict)
    updated: float = 0.0
    polled: float | None = None

    def dto(self, task_id: str, iso: Callable[[float], str]) -> dict[str, Any]:
        return {"object": "task_execution", "id": self.id, "taskId": task_id, "status": self.status,
                "input": self.input, "output": self.output, "createdAt": iso(self.created),
                "updatedAt": iso(self.updated or self.created)}


@dataclass
class StoredFile:
    id: str
    name: str
    path: Path
    size: int
    created: float


@dataclass
class Step:
    """One task of a running job."""

    reference: str
    name: str
    optional: bool
    status: str = PENDING
    input: dict[str, Any] | None = None
    output: dict[str, Any] = field(default_factory=dict)
    executions: list[str] = field(default_factory=list)
    message: str | None = None

    def dto(self) -> dict[str, Any]:
        return {"taskReferenceName": self.reference, "name": self.name, "status": self.status,
                "output": self.output, "attempts": len(self.executions), "message": self.message}


@dataclass
class JobExecution:
    id: str
    job_key: str
    title: str
    input: dict[str, Any]
    steps: list[Step]
    created: float
    status: str = PENDING
    output: dict[str, Any] = field(default_factory=dict)
    started: float | None = None
    ended: float | None = None
    pipeline: str = "pipeline-1"

    def dto(self, iso: Callable[[float], str]) -> dict[str, Any]:
        return {"object": "job_execution", "id": self.id, "jobId": self.job_key, "pipelineId": self.pipeline,
                "status": self.status, "input": self.input, "output": self.output,
                "createdAt": iso(self.created), "startedAt": iso(self.started) if self.started else None,
                "endedAt": iso(self.ended) if self.ended else None, "info": {"title": self.title},
                # not in Product-Live's documented payload: the stand-in shows each task's progress
                "tasks": [s.dto() for s in self.steps]}
