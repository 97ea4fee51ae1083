"""What keeps several workers for one seller within Amazon's plan together: the SP-API buckets and
the seller lock live in the state folder the workers share (one docker volume), not in a process.

Two `WorkerContext`s on one folder stand for two worker processes (the buckets are SQLite, the locks
`flock`: a second context opens them exactly as a second process would)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transpiler.config import Secret, Settings
from transpiler.datafactory.context import WorkerContext
from transpiler.datafactory.inputs import TaskFailure
from transpiler.datafactory.settings import ProductLiveSettings
from transpiler.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SELLER = Settings().with_overrides(spapi_url="http://sandbox.test", lwa_url="http://sandbox.test/auth/o2/token",
                                   client_id="amzn1.application-oa2-client.test", client_secret="s3cr3t-value",
                                   refresh_token="Atzr|test-token", seller_id="MODEL")
OTHER = SELLER.with_overrides(seller_id="OTHER")


def context(state: Path, **values: object) -> WorkerContext:
    workspace = Workspace(SELLER, REPO / "assets" / "amazon", REPO / "generated")
    return WorkerContext(workspace, ProductLiveSettings("http://productlive.test", Secret("key-1234")), state,
                         **values)  # type: ignore[arg-type]


def test_workers_on_one_state_folder_draw_from_the_same_seller_buckets(tmp_path: Path) -> None:
    first, second = context(tmp_path), context(tmp_path)
    with first.client_for(SELLER) as a, second.client_for(SELLER) as b, second.client_for(OTHER) as c:
        assert b.transport.limiter.state("putListingsItem") is None  # nobody has sent anything yet
        a.transport.limiter.acquire("putListingsItem")
        taken = a.transport.limiter.state("putListingsItem")
        # the other worker sees the token the first one took: one bucket for the seller, not one per process
        assert b.transport.limiter.state("putListingsItem") == taken
        assert c.transport.limiter.state("putListingsItem") is None  # another seller has its own bucket
        # the application's own bucket (Amazon's per-app limit) is shared across sellers
        assert c.transport.limiter.state("putListingsItem", application=True) is not None
    assert (tmp_path / "rate-limits").is_dir()


def test_one_publication_or_follow_up_per_seller_across_workers(tmp_path: Path) -> None:
    first, second = context(tmp_path), context(tmp_path, seller_lock_wait=0.05)
    with first.seller_lock(SELLER):
        with pytest.raises(TaskFailure) as busy, second.seller_lock(SELLER):
            pass  # pragma: no cover - the lock is held
        assert busy.value.code == "SELLER_BUSY"
        assert "en cours pour le fournisseur MODEL" in busy.value.message  # French, for the Product-Live user
        with second.seller_lock(OTHER):  # another seller is not held back
            pass
    with second.seller_lock(SELLER):  # released with the first execution
        pass
