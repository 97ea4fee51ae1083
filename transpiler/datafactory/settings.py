"""The worker's Product-Live settings, read once from the environment by the command line.

`PL_PRODUCTLIVE_API_URL` (default https://api.product-live.com), `PL_PRODUCTLIVE_API_KEY` (required;
Settings > API in Product-Live), `PL_PRODUCTLIVE_REQUESTS_PER_MINUTE` (default 50: Product-Live's
documented limit; lower it when several workers share one key). The key is a `Secret`: it never
shows in logs, task outputs or error messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from transpiler.config import Secret
from transpiler.errors import ConfigError

DEFAULT_API_URL = "https://api.product-live.com"
DOCUMENTED_REQUESTS_PER_MINUTE = 50


@dataclass(frozen=True)
class ProductLiveSettings:
    api_url: str = DEFAULT_API_URL
    api_key: Secret = field(default_factory=lambda: Secret(""))
    requests_per_minute: int = DOCUMENTED_REQUESTS_PER_MINUTE

    def check(self) -> None:
        """Raises ConfigError when the worker cannot talk to Product-Live with these settings."""
        if not self.api_key:
            raise ConfigError("PL_PRODUCTLIVE_API_KEY is not set (Product-Live: Settings > API)")
        if not self.api_url.startswith(("https://", "http://")):
            raise ConfigError(f"PL_PRODUCTLIVE_API_URL must be an http(s) URL, not {self.api_url!r}")
        if not 1 <= self.requests_per_minute <= 10_000:
            raise ConfigError("PL_PRODUCTLIVE_REQUESTS_PER_MINUTE must be between 1 and 10000")


def from_environ(environ: Mapping[str, str]) -> ProductLiveSettings:
    """The settings from `PL_PRODUCTLIVE_*` variables (unset or empty ones take the defaults)."""
    rate = environ.get("PL_PRODUCTLIVE_REQUESTS_PER_MINUTE") or str(DOCUMENTED_REQUESTS_PER_MINUTE)
    try:
        per_minute = int(rate)
    except ValueError:
        raise ConfigError(f"PL_PRODUCTLIVE_REQUESTS_PER_MINUTE must be an integer, not {rate!r}") from None
    return ProductLiveSettings(
        api_url=(environ.get("PL_PRODUCTLIVE_API_URL") or DEFAULT_API_URL).rstrip("/"),
        api_key=Secret(environ.get("PL_PRODUCTLIVE_API_KEY") or ""),
        requests_per_minute=per_minute,
    )
