"""JSON Patch for enriching a listing: the difference between Amazon's listing and the desired one.

`patchListingsItem` only works on whole top-level attributes, and a delete must carry the
selector values of the instances it removes (an attribute cannot be deleted by name alone). So the
diff is computed per top-level attribute: changed or new ones are `replace`d with the desired
value, attributes the Product-Live table manages but the item no longer has are deleted by their
selector values, and everything else on Amazon's side (attributes the table does not know, the
attributes the mapping marks as never patched: not editable, or part of the product's identity)
is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from transpiler.config import CONTEXT_PROPERTIES, MARKETPLACE_ID_PROPERTY
from transpiler.json_equality import json_equal, json_key


def _for_marketplace(items: Any, marketplace_id: str | None) -> list[Any]:
    """The instances of an attribute that belong to our marketplace (or carry none)."""
    if not isinstance(items, list):
        return []
    if marketplace_id is None:
        return list(items)
    return [i for i in items if not isinstance(i, Mapping) or i.get(MARKETPLACE_ID_PROPERTY) in (None, marketplace_id)]


def delete_value(items: Sequence[Any], selectors: Sequence[str]) -> list[dict[str, Any]]:
    """The selector values of every instance of an attribute, deduplicated, for a `delete` patch."""
    keys = list(selectors) or list(CONTEXT_PROPERTIES)
    out: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for item in items:
        if not isinstance(item, Mapping):
            continue
        picked = {k: item[k] for k in keys if k in item}
        if not picked:
            picked = {k: item[k] for k in CONTEXT_PROPERTIES if k in item}
        key = json_key(picked)
        if picked and key not in seen:
            seen.add(key)
            out.append(picked)
    return out


def listing_patches(
    current: Mapping[str, Any],
    desired: Mapping[str, Any],
    *,
    managed: Iterable[str],
    selectors: Mapping[str, Sequence[str]] | None = None,
    frozen: Iterable[str] = (),
    marketplace_id: str | None = None,
) -> list[dict[str, Any]]:
    """Patch operations turning `current` attributes into `desired` ones, in attribute-name order.

    `managed` names the attributes the Product-Live table represents (only those may be deleted);
    `selectors` gives each attribute's selector properties (default: the context properties);
    `frozen` names the attributes never patched (`Mapping.frozen`: not editable, or identity).
    """
    selectors = selectors or {}
    managed_set = set(managed)
    frozen_set = set(frozen)
    patches: list[dict[str, Any]] = []
    for name in sorted(set(current) | set(desired)):
        if name in frozen_set:
            continue
        want = desired.get(name)
        have = _for_marketplace(current.get(name), marketplace_id)
        if want:
            if _differs(have, want):
                patches.append({"op": "replace", "path": f"/attributes/{name}", "value": list(want)})
        elif have and name in managed_set:
            value = delete_value(have, selectors.get(name, CONTEXT_PROPERTIES))
            if value:
                patches.append({"op": "delete", "path": f"/attributes/{name}", "value": value})
    return patches


def held_back(
    current: Mapping[str, Any], desired: Mapping[str, Any], *, frozen: Iterable[str], marketplace_id: str | None = None
) -> list[str]:
    """Attributes never patched whose desired value differs from Amazon's, in name order: changes
    a patch cannot carry, so the user can be told instead of seeing them silently dropped."""
    return [
        name
        for name in sorted(set(frozen) & set(desired))
        if desired[name] and _differs(_for_marketplace(current.get(name), marketplace_id), desired[name])
    ]


def _differs(have: list[Any], want: Any) -> bool:
    """True unless Amazon holds exactly the wanted items (JSON equality: key order does not
    matter, 2 and 2.0 are equal)."""
    return not have or not json_equal(have, want)
