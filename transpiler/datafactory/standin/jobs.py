"""Job folders (`job.json` + `assets/`) loaded at start: a job's id is its key.

Checks what Data Factory documents for job.json (schema "1.0", key, title, tasks with name,
taskReferenceName, type SUB_WORKFLOW, unique reference names) and refuses a folder that breaks it,
so a job that would not import into Product-Live does not run here either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class JobDefinitionError(ValueError):
    """A job folder that Data Factory would refuse."""


@dataclass(frozen=True)
class Job:
    key: str
    document: dict[str, Any]
    folder: Path

    @property
    def title(self) -> str:
        return str(self.document.get("title", self.key))

    @property
    def tasks(self) -> list[dict[str, Any]]:
        return list(self.document["tasks"])

    @property
    def user_inputs(self) -> list[dict[str, Any]]:
        return list(self.document.get("userInputs") or [])

    def asset(self, relative: str) -> Path:
        """The file behind `file://assets/<relative>`; refuses paths leaving the job folder."""
        path = (self.folder / "assets" / relative).resolve()
        if not path.is_relative_to((self.folder / "assets").resolve()) or not path.is_file():
            raise JobDefinitionError(f"job {self.key}: no asset {relative!r}")
        return path

    def dto(self) -> dict[str, Any]:
        doc = self.document
        return {"object": "job", "id": self.key, "key": self.key, "title": self.title,
                "titleLocal": doc.get("titleLocal"), "description": doc.get("description"),
                "userInputs": self.user_inputs, "tasks": self.tasks,
                "outputParameters": doc.get("outputParameters") or {}, "status": "PUBLISHED"}


def check_job(document: Any, where: str) -> dict[str, Any]:
    """The job.json document, or JobDefinitionError naming what is wrong."""
    if not isinstance(document, dict):
        raise JobDefinitionError(f"{where}: job.json must hold a JSON object")
    for name in ("schema", "key", "title", "tasks"):
        if name not in document:
            raise JobDefinitionError(f"{where}: job.json lacks {name!r}")
    if document["schema"] != "1.0":
        raise JobDefinitionError(f"{where}: schema must be \"1.0\"")
    tasks = document["tasks"]
    if not isinstance(tasks, list) or not tasks:
        raise JobDefinitionError(f"{where}: tasks must be a non-empty array")
    seen: set[str] = set()
    for n, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise JobDefinitionError(f"{where}: tasks[{n}] must be an object")
        for name in ("name", "taskReferenceName", "type"):
            if not isinstance(task.get(name), str) or not task[name]:
                raise JobDefinitionError(f"{where}: tasks[{n}] lacks {name!r}")
        if task["type"] != "SUB_WORKFLOW":
            raise JobDefinitionError(f"{where}: tasks[{n}].type must be SUB_WORKFLOW")
        if task["taskReferenceName"] in seen:
            raise JobDefinitionError(f"{where}: taskReferenceName {task['taskReferenceName']!r} is not unique")
        seen.add(task["taskReferenceName"])
    for n, user_input in enumerate(document.get("userInputs") or []):
        if not isinstance(user_input, dict) or not user_input.get("key"):
            raise JobDefinitionError(f"{where}: userInputs[{n}] lacks a key")
        if user_input.get("type") == "SELECT":
            keys = [o.get("key") for o in user_input.get("options") or [] if isinstance(o, dict)]
            if not keys or ("default" in user_input and user_input["default"] not in keys):
                raise JobDefinitionError(f"{where}: userInputs[{n}] needs options including its default")
    return document


def load_jobs(folder: Path) -> dict[str, Job]:
    """Every `<folder>/*/job.json`, by key. Raises JobDefinitionError for a broken or duplicate job."""
    jobs: dict[str, Job] = {}
    for path in sorted(folder.glob("*/job.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise JobDefinitionError(f"{path}: unreadable job.json ({exc})") from exc
        document = check_job(document, str(path))
        key = str(document["key"])
        if key in jobs:
            raise JobDefinitionError(f"{path}: job key {key!r} is already used by {jobs[key].folder}")
        jobs[key] = Job(key, document, path.parent)
    return jobs


def apply_user_inputs(job: Job, given: Any) -> dict[str, Any]:
    """The job execution input: defaults filled in, SELECT values checked. Raises JobDefinitionError."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise JobDefinitionError("input must be a JSON object")
    values = dict(given)
    for user_input in job.user_inputs:
        key = user_input["key"]
        if key not in values and "default" in user_input:
            values[key] = user_input["default"]
        if key not in values:
            if user_input.get("required"):
                raise JobDefinitionError(f"input {key!r} is required")
            continue
        if user_input.get("type") == "SELECT":
            allowed = [o["key"] for o in user_input["options"]]
            if values[key] not in allowed:
                raise JobDefinitionError(f"input {key!r} must be one of {', '.join(map(str, allowed))}")
    return values
