"""Local `$ref` resolution for product type schemas (Amazon only uses `#/$defs/...`).

Resolution is explicit and bounded so that an unresolvable or cyclic reference becomes a
SchemaError with its JSON pointer instead of a recursion error or a network fetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transpiler.errors import SchemaError

#: Schemas one rule may expand to once references are inlined: Amazon's largest whole schema (US
#: PRODUCT) expands to about 10,000; references that fan out (each one used twice, 30 levels deep)
#: would otherwise expand to billions.
MAX_SCHEMA_NODES = 100_000


def escape(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def node_at(document: Any, pointer: str) -> Any:
    """The node at a JSON pointer (RFC 6901) inside `document`; KeyError when there is none."""
    node = document
    for token in filter(None, pointer.split("/")):
        key = unescape(token)
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise KeyError(pointer)
    return node


class RefResolver:
    """Resolves `#...` references inside one schema document."""

    def __init__(self, document: Mapping[str, Any], source: str, product_type: str | None = None):
        self.document = document
        self.source = source
        self.product_type = product_type

    def error(self, pointer: str, message: str) -> SchemaError:
        return SchemaError(self.source, pointer, message, self.product_type)

    def lookup(self, ref: str, pointer: str) -> Any:
        """The node a local reference points at."""
        if not ref.startswith("#"):
            raise self.error(pointer, f"unresolvable $ref {ref!r}: only local references are supported")
        fragment = ref[1:]
        if fragment and not fragment.startswith("/"):
            raise self.error(pointer, f"unresolvable $ref {ref!r}: anchors are not supported")
        try:
            return node_at(self.document, fragment)
        except KeyError:
            raise self.error(pointer, f"unresolvable $ref {ref!r}") from None

    def deref(self, node: Any, pointer: str, seen: tuple[str, ...] = ()) -> Any:
        """The node with its `$ref` chain followed; sibling keywords override the target's."""
        if not isinstance(node, Mapping) or "$ref" not in node:
            return node
        ref = node["$ref"]
        if not isinstance(ref, str):
            raise self.error(pointer + "/$ref", "$ref must be a string")
        if ref in seen:
            raise self.error(pointer + "/$ref", f"cyclic $ref {ref!r} (through {' -> '.join(seen)})")
        target = self.deref(self.lookup(ref, pointer + "/$ref"), pointer, (*seen, ref))
        if not isinstance(target, Mapping):
            return target
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if not siblings:
            return target
        merged = dict(target)
        merged.update(siblings)
        return merged

    def inline(self, node: Any, pointer: str) -> Any:
        """A copy of `node` with every local reference replaced by its target (cycle-checked, and
        bounded: references that fan out would otherwise expand exponentially)."""
        return self._inline(node, pointer, (), 0, [MAX_SCHEMA_NODES])

    def _inline(self, node: Any, pointer: str, seen: tuple[str, ...], depth: int, budget: list[int]) -> Any:
        if depth > 200:
            raise self.error(pointer, "schema nested too deeply")
        budget[0] -= 1
        if budget[0] < 0:
            raise self.error(pointer, f"the rule expands to more than {MAX_SCHEMA_NODES} schemas "
                                      "(references nested too many times)")
        if isinstance(node, Mapping):
            if "$ref" in node and isinstance(node["$ref"], str):
                ref = node["$ref"]
                if ref in seen:
                    raise self.error(pointer + "/$ref", f"cyclic $ref {ref!r}")
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                if siblings:  # Draft 2019-09 applies the target and the siblings, each in full
                    target = self.lookup(ref, pointer + "/$ref")
                    return {"allOf": [self._inline(target, pointer, (*seen, ref), depth + 1, budget)],
                            **{k: self._inline(v, f"{pointer}/{escape(k)}", seen, depth + 1, budget)
                               for k, v in siblings.items()}}
                resolved = self.deref(node, pointer)
                return self._inline(resolved, pointer, (*seen, ref), depth + 1, budget)
            return {
                k: self._inline(v, f"{pointer}/{escape(k)}", seen, depth + 1, budget) for k, v in node.items()
            }
        if isinstance(node, list):
            return [self._inline(v, f"{pointer}/{i}", seen, depth + 1, budget) for i, v in enumerate(node)]
        return node
