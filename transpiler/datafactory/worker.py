"""`pl-amazon worker`: declare the custom tasks, poll them, run them, report back.

The loop of one worker thread: poll each task in turn; when an execution comes, download its
input files, run the task in a private folder, upload the output files and PATCH the execution
COMPLETED with its outputs, or FAILED with a French message. When every poll comes back empty,
wait a little longer each time (up to `idle_max` seconds) so idle workers leave room in the 50
requests per minute. `stop` (SIGTERM) is honoured between executions: the one running is
finished and reported first.

Several threads (`--threads`) or processes share the work safely: Data Factory hands each
execution to one poll only, and the per-seller lock and `concurrentExecLimit` keep one
publication per seller at a time.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transpiler.datafactory.api import DataFactoryClient, ExpiredFileError, PolledExecution, ProductLiveError
from transpiler.datafactory.context import WorkerContext
from transpiler.datafactory.definitions import BY_KEY, PUBLISH, PULL_STRUCTURE, RECONCILE, TaskDefinition
from transpiler.datafactory.inputs import ExecutionInputs, TaskFailure, TaskInputError
from transpiler.datafactory.outcome import TaskOutcome

log = logging.getLogger("transpiler.datafactory")

COMPLETED, FAILED = "COMPLETED", "FAILED"
INTERNAL_ERROR = ("Erreur interne du connecteur Amazon ; l'équipe technique trouvera le détail dans le journal "
                  "du worker (exécution {id}).")

TaskRun = Callable[[WorkerContext, ExecutionInputs], TaskOutcome]


def default_runners() -> dict[str, TaskRun]:
    """The tasks this installation can run, by key."""
    from transpiler.datafactory import publish_task, reconcile_task, structure_task

    return {PULL_STRUCTURE: structure_task.run, PUBLISH: publish_task.run, RECONCILE: reconcile_task.run}


@dataclass
class PollSchedule:
    """Seconds between rounds of polls: `busy` right after work, growing x2 up to `idle_max` when idle."""

    busy: float = 1.0
    idle_max: float = 15.0
    current: float = 1.0

    def worked(self) -> float:
        self.current = self.busy
        return 0.0

    def idle(self) -> float:
        wait = self.current
        self.current = min(self.idle_max, self.current * 2)
        return wait


@dataclass
class WorkerStats:
    completed: int = 0
    failed: int = 0
    lost: int = 0  # executions whose report Product-Live refused (taken over after a timeout)
    executions: list[str] = field(default_factory=list)


def declare_tasks(client: DataFactoryClient, definitions: Sequence[TaskDefinition]) -> dict[str, str]:
    """Make the account's task definitions match ours; returns task id by key.

    Missing ones are created, differing ones updated. When another worker creates one at the same
    time (the create is refused), the list is read again.
    """
    ids: dict[str, str] = {}
    for attempt in range(2):
        declared = {str(t.get("key")): t for t in client.list_tasks() if t.get("key")}
        for definition in definitions:
            current = declared.get(definition.key)
            if current is None:
                try:
                    created = client.create_task(definition.body())
                except ProductLiveError as exc:
                    if exc.status in (400, 409) and attempt == 0:
                        log.info("task %s: creation refused (%s), reading the list again", definition.key, exc.status)
                        break
                    raise
                ids[definition.key] = str(created["id"])
                log.info("task %s declared (id %s)", definition.key, created["id"])
            else:
                ids[definition.key] = str(current["id"])
                if definition.differs_from(current):
                    client.update_task(str(current["id"]), definition.body())
                    log.info("task %s updated (id %s)", definition.key, current["id"])
        else:
            return ids
    missing = [d.key for d in definitions if d.key not in ids]
    if missing:
        raise ProductLiveError(409, "createTask", f"could not declare {', '.join(missing)}")
    return ids


class Worker:
    """One polling loop. `run()` returns when `stop` is set (after the execution in hand)."""

    def __init__(self, client: DataFactoryClient, context: WorkerContext, task_ids: Mapping[str, str],
                 runners: Mapping[str, TaskRun], *, stop: threading.Event | None = None,
                 schedule: PollSchedule | None = None, name: str = "worker",
                 wait: Callable[[float], bool] | None = None, max_executions: int | None = None):
        self.client = client
        self.context = context
        self.task_ids = dict(task_ids)
        self.runners = dict(runners)
        self.stop = stop or threading.Event()
        self.schedule = schedule or PollSchedule()
        self.name = name
        self._wait = wait or self.stop.wait
        self.max_executions = max_executions
        self.stats = WorkerStats()

    def run(self) -> WorkerStats:
        log.info("%s: polling %s", self.name, ", ".join(sorted(self.task_ids)))
        while not self.stop.is_set():
            worked = False
            for key, task_id in self.task_ids.items():
                if self.stop.is_set():
                    break
                try:
                    execution = self.client.poll(task_id)
                except ProductLiveError as exc:
                    log.warning("%s: poll of %s failed: %s", self.name, key, exc.one_line())
                    continue
                if execution is None:
                    continue
                worked = True
                self.execute(key, execution)
                if self.max_executions is not None and len(self.stats.executions) >= self.max_executions:
                    self.stop.set()
            pause = self.schedule.worked() if worked else self.schedule.idle()
            if pause and not self.stop.is_set():
                self._wait(pause)
        log.info("%s: stopped (%d completed, %d failed)", self.name, self.stats.completed, self.stats.failed)
        return self.stats

    def execute(self, key: str, execution: PolledExecution) -> None:
        """Run one execution and report it; never raises."""
        self.stats.executions.append(execution.id)
        log.info("%s: execution %s of %s started", self.name, execution.id, key)
        status, output = FAILED, {}
        with self.context.workdir(execution.id) as workdir:
            try:
                outcome = self._run(key, execution, workdir)
                output = {**outcome.output}
                for name, path in outcome.files.items():
                    output[name] = self.client.upload_file(path)
                status = COMPLETED
            except TaskFailure as exc:
                output = {"message": exc.message, "code": exc.code}
                if isinstance(exc, TaskInputError):
                    output["input"] = exc.key
            except ProductLiveError as exc:
                output = {"message": _product_live_message(exc), "code": "PRODUCT_LIVE"}
            except Exception:
                log.error("%s: execution %s of %s crashed:\n%s", self.name, execution.id, key,
                          self.context.scrub(traceback.format_exc()))
                output = {"message": INTERNAL_ERROR.format(id=execution.id), "code": "INTERNAL"}
        self._report(key, execution, status, self.context.scrub(output))

    def _run(self, key: str, execution: PolledExecution, workdir: Path) -> TaskOutcome:
        runner = self.runners.get(key)
        if runner is None:
            raise TaskFailure(f"Ce worker ne sait pas exécuter la tâche {key}.", "UNKNOWN_TASK")

        def fetch(reference: Any, target: Path) -> Path:
            try:
                return self.client.download(reference, target)
            except ExpiredFileError:
                raise TaskFailure("Le fichier d'entrée n'est plus disponible (lien expiré) : relancez le job.",
                                  "EXPIRED_FILE") from None

        return runner(self.context, ExecutionInputs(execution.input, workdir, fetch))

    def _report(self, key: str, execution: PolledExecution, status: str, output: dict[str, Any]) -> None:
        try:
            self.client.report(execution.id, status, output)
        except ProductLiveError as exc:
            # 404/409: Data Factory gave up on this execution (timed out and retried elsewhere)
            self.stats.lost += 1
            log.warning("%s: report of execution %s (%s) refused: %s", self.name, execution.id, status,
                        exc.one_line())
            return
        if status == COMPLETED:
            self.stats.completed += 1
        else:
            self.stats.failed += 1
        log.info("%s: execution %s of %s %s: %s", self.name, execution.id, key, status, output.get("message", ""))


def _product_live_message(exc: ProductLiveError) -> str:
    if exc.status == 401:
        return "Product-Live a refusé la clé d'API du connecteur (401) : vérifiez PL_PRODUCTLIVE_API_KEY."
    if exc.status == 0:
        return f"Product-Live est injoignable depuis le connecteur : {exc.message}"
    return f"Échange avec Product-Live impossible ({exc.operation}, HTTP {exc.status}) : {exc.message}"


@dataclass
class WorkerPool:
    """`threads` workers in this process, sharing one client (and its request window) and one stop."""

    client: DataFactoryClient
    context: WorkerContext
    runners: Mapping[str, TaskRun]
    threads: int = 1
    stop: threading.Event = field(default_factory=threading.Event)
    schedule: Callable[[], PollSchedule] = PollSchedule
    definitions: Sequence[TaskDefinition] | None = None

    def declare(self) -> dict[str, str]:
        chosen = self.definitions or [BY_KEY[k] for k in self.runners]
        return declare_tasks(self.client, chosen)

    def run(self) -> list[WorkerStats]:
        """Declare the tasks, then poll in `threads` threads until `stop` is set."""
        task_ids = self.declare()
        workers = [Worker(self.client, self.context, task_ids, self.runners, stop=self.stop,
                          schedule=self.schedule(), name=f"worker-{n + 1}") for n in range(self.threads)]
        if self.threads == 1:
            return [workers[0].run()]
        results: list[WorkerStats] = [WorkerStats() for _ in workers]

        def target(index: int) -> None:
            results[index] = workers[index].run()

        threads = [threading.Thread(target=target, args=(n,), name=w.name) for n, w in enumerate(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results
