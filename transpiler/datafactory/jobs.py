"""Following a job execution from outside Product-Live (`pl-amazon datafactory run`, the demo, tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from transpiler.datafactory.api import DataFactoryClient, ProductLiveError

#: Job execution statuses after which nothing more happens (learn.product-live.com job executions).
FINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "USER_ERROR", "TERMINATED", "TIMEDOUT"})


def wait_for_job(client: DataFactoryClient, execution_id: str, *, timeout: float = 3600.0, every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll the job execution until it ends; raises ProductLiveError when `timeout` passes first."""
    deadline = clock() + timeout
    while True:
        execution = client.job_execution(execution_id)
        if execution.get("status") in FINAL_STATUSES:
            return execution
        if clock() >= deadline:
            raise ProductLiveError(0, "getJobExecution", f"job execution {execution_id} still "
                                   f"{execution.get('status')} after {timeout:g} s")
        sleep(every)
