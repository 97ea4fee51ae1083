"""Pytest fixtures that run the local SP-API sandbox on a free loopback port.

`sandbox`: a fresh sandbox per test (its own data folder under tmp_path), Amazon's rate limits
switched off so tests are fast (tests that exercise throttling switch them back on).
`sandbox_session`: one sandbox for the whole session (shared state: use unique SKUs).
Both yield a `transpiler.sandbox.runner.SandboxHandle`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from transpiler.sandbox.runner import SandboxHandle, start_sandbox

#: Short processing delays keep IN_QUEUE / IN_PROGRESS / pending states observable yet quick.
FAST = {"rate_limits": "off", "listing_processing_delay": 0.2, "feed_queue_delay": 0.2, "feed_processing_delay": 0.2}


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(data=tmp_path_factory.mktemp("sandbox"), **FAST)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(data=tmp_path_factory.mktemp("sandbox-session"), **FAST)
    try:
        yield handle
    finally:
        handle.stop()
