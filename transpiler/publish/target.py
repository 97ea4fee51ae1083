"""The Amazon target of a run (endpoint, vendor code, marketplace): the settings check, its journal
and the shared SP-API client. `publish` and `reconcile` both work on a target, so they share these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transpiler.config import Settings
from transpiler.errors import ConfigError
from transpiler.spapi.hints import VENDOR_CODE, looks_like_selling_partner_id


def shared_client(settings: Settings, cache_dir: Path, **timing: Any) -> Any:
    """An SP-API client whose rate-limit buckets live under `cache_dir`, shared with every other run
    and worker of the same app on this machine (so together they stay within Amazon's plan).

    `timing` (`clock=`, `sleep=`) puts its rate-limit pauses and retry backoff on another time than
    the wall clock's (a sandbox's, in tests)."""
    from transpiler.spapi import client_from_settings, shared_limiter

    limiter = shared_limiter(cache_dir, spapi_url=settings.spapi_url, client_id=settings.client_id,
                             seller_id=settings.seller_id, **timing)
    return client_from_settings(settings, limiter=limiter, **timing)


def check_settings(settings: Settings) -> None:
    """Raises ConfigError when the settings cannot publish (before anything is read or sent)."""
    if not settings.seller_id:
        raise ConfigError("the vendor code is not set: PL_AMAZON_SELLER_ID (or --partner)")
    if looks_like_selling_partner_id(settings.seller_id):
        raise ConfigError(f"PL_AMAZON_SELLER_ID is a selling partner id ({settings.seller_id[:12]}…), which Amazon "
                          f"refuses as sellerId: {VENDOR_CODE.english.split(': ')[0]}")


def journal_file(journal: Path | None, cache_dir: Path, target: str) -> Path:
    """The journal of `target`: the one given, else `<cache_dir>/journal/<target>.sqlite3`."""
    return journal or cache_dir / "journal" / f"{target}.sqlite3"
