"""Where the benchmarks find Amazon's reference files (`../shared/amazon`, or `$PL_AMAZON_SHARED/amazon`)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared() -> Path:
    return Path(os.environ.get("PL_AMAZON_SHARED") or REPO.parent / "shared")


def us_product_path() -> Path:
    """Amazon's real US PRODUCT schema, the largest product type definition at hand."""
    return shared() / "amazon" / "product-types" / "US" / "PRODUCT.json"
