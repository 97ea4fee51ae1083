"""Amazon's asynchronous pipeline in the sandbox, driven by the sandbox clock.

Every asynchronous job (an accepted listing to process, a feed step) has a due time on the
sandbox clock (`SandboxState.clock`). `catch_up` applies every job due by now; it runs before
each SP-API operation and admin read is answered, whenever the clock is advanced, and in the
background worker of a served sandbox. So what a client sees always reflects every job due by the
sandbox's current time, whether that time follows the wall clock or a manual clock that a test
advances (`open_sandbox`): a test that needs "ten minutes later" advances the clock by 600 s
instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging

from transpiler.sandbox.feeds import advance_due_feeds
from transpiler.sandbox.listings import Listings
from transpiler.sandbox.state import SandboxState

log = logging.getLogger("transpiler.sandbox")

#: Seconds between two looks at pending jobs in a served sandbox (requests catch up on their own).
WORKER_TICK = 0.05
#: A feed takes two steps; a job may schedule another one inside the same window. Bounded anyway.
_MAX_ROUNDS = 16


def catch_up(state: SandboxState) -> tuple[int, int]:
    """Apply every job due by the sandbox clock; returns (listings processed, feed steps taken)."""
    listings = feeds = 0
    with state.pipeline_lock:
        for _ in range(_MAX_ROUNDS):
            moved_listings = Listings(state).process_due()
            moved_feeds = advance_due_feeds(state)
            listings += moved_listings
            feeds += moved_feeds
            if not moved_listings and not moved_feeds:
                break
    return listings, feeds


def advance(state: SandboxState, seconds: float) -> float:
    """Move the sandbox clock forward and apply what became due; returns the new time."""
    now = state.clock.advance(seconds)
    catch_up(state)
    return now


def sleep(state: SandboxState, seconds: float) -> None:
    """A sleep on the sandbox clock: wake `seconds` after now, applying what became due meanwhile.

    Never waits. Concurrent sleepers share the clock (see `Clock.sleep`).
    """
    state.clock.sleep(seconds)
    catch_up(state)


async def worker(state: SandboxState) -> None:
    """A served sandbox's background loop, so jobs progress even while nobody asks."""
    while True:
        try:
            catch_up(state)
        except Exception:  # keep the pipeline alive; the failure is logged
            log.exception("sandbox background processing failed")
        await asyncio.sleep(WORKER_TICK)
