"""The local publish pipeline the benchmarks time: read + map + validate + serialize.

An export is read by the hardened streaming reader, each item prepared (`prepared_units`: field
mapping, identity checks, `validate()`) on one core or in worker processes, and every sendable
listing serialized into JSON_LISTINGS_FEED documents, as `pl-amazon publish --via feed` builds them
before it sends anything. The digest of the documents tells two runs' outputs apart byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transpiler.config import Settings
from transpiler.productlive.items import ItemsReader
from transpiler.publish.family import Single, Unit
from transpiler.publish.feed import batches, feed_header, update_message
from transpiler.publish.mappings import MappingSet
from transpiler.publish.preparation import prepared_units
from transpiler.workspace import Workspace

SELLER = "MODEL"


@dataclass(frozen=True)
class Outcome:
    items: int  # top-level units prepared
    listings: int
    sendable: int
    documents: int
    digest: str  # sha256 of every feed document, in order


def _listings(unit: Unit) -> list[Any]:
    return [unit.listing] if isinstance(unit, Single) else [unit.parent, *unit.children]


def run_pipeline(export: Path, *, workers: int, workspace: Workspace | None = None) -> Outcome:
    """Read, prepare and serialize `export`; a fresh workspace (as a new run starts) unless given."""
    workspace = workspace or Workspace.create(Settings().with_overrides(seller_id=SELLER))
    table = MappingSet.load(workspace.mapping_dir)
    counts = {"items": 0, "listings": 0, "sendable": 0}

    def messages() -> Iterator[dict[str, Any]]:
        for unit in prepared_units(ItemsReader(export), workspace, table, workers=workers):
            counts["items"] += 1
            for listing in _listings(unit):
                counts["listings"] += 1
                if listing.sendable:
                    counts["sendable"] += 1
                    yield update_message(counts["listings"], listing.sku or "", listing.product_type or "",
                                         listing.attributes)

    digest = hashlib.sha256()
    documents = 0
    for batch in batches(feed_header(SELLER), messages()):
        digest.update(batch.body)
        documents += 1
    return Outcome(counts["items"], counts["listings"], counts["sendable"], documents, digest.hexdigest())
