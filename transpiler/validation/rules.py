"""The rules of a product type that datamodel-code-generator cannot express, checked on a payload.

Generated listing models (`generated/models/<type>.py`) attach a `ListingRules` to their root
class; the shared base class `AmazonListing` runs it as a model validator. It covers:

- conditional requirements: expressible Conditions through `conditions.broken`, opaque ones
  through their exact JSON schema and the Amazon vocabulary validator;
- UTF-8 byte lengths (`maxUtf8ByteLength` / `minUtf8ByteLength`);
- unique items per selectors (`maxUniqueItems` / `minUniqueItems`), at the top level or in nested arrays;
- `uniqueItems`, closed lists of non-text values and `multipleOf`, with JSON Schema's equality and
  the reference validator's arithmetic (pydantic's Literal takes `true` for 1, its multiple_of has a
  tolerance the reference has not);
- the `date` / `date-time` formats Amazon asserts (`transpiler.amazon.formats`), values kept as text
  so a listing serializes back unchanged;
- context properties (`marketplace_id`, `language_tag`) required in items and nested objects.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from transpiler.amazon.formats import ASSERTED
from transpiler.amazon.vocabulary import selector_key, validator_for
from transpiler.compiler.conditions import broken
from transpiler.compiler.model import CONTEXT_PROPERTIES, Condition

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One rule broken at `loc`; `kind` is `missing` (a required value is absent) or `invalid`."""

    loc: Loc
    kind: str
    message: str


@cache
def context_defaults() -> dict[str, str]:
    """`marketplace_id` / `language_tag` filled in when a model item is built in Python code."""
    from transpiler.config import load_settings

    settings = load_settings()
    return dict(zip(CONTEXT_PROPERTIES, (settings.marketplace_id, settings.language_tag), strict=True))


def _walk(node: Any, segments: list[str], loc: Loc) -> Iterator[tuple[Loc, Any]]:
    """(location, value) of every value along `segments`, descending into arrays."""
    if isinstance(node, list):
        for i, element in enumerate(node):
            yield from _walk(element, segments, (*loc, i))
        return
    if not segments:
        yield loc, node
        return
    if isinstance(node, Mapping) and segments[0] in node:
        yield from _walk(node[segments[0]], segments[1:], (*loc, segments[0]))


def _arrays(data: Mapping[str, Any], path: str) -> Iterator[tuple[Loc, list[Any]]]:
    """Every array found at `path` (the last segment names the array itself)."""
    segments = path.split(".")
    for loc, parent in _walk(data, segments[:-1], ()):
        if isinstance(parent, Mapping) and isinstance(parent.get(segments[-1]), list):
            yield (*loc, segments[-1]), parent[segments[-1]]


def _selector_key(item: Any, selectors: tuple[str, ...]) -> Any:
    """`selector_key` without JSON encoding when the selector values are plain strings (the usual
    case: marketplace_id, language_tag); equal keys exactly when `selector_key` gives equal keys."""
    if selectors and isinstance(item, dict):
        values = tuple(item.get(name) for name in selectors)
        if all(v is None or type(v) is str for v in values):
            return values
    return selector_key(item, selectors)


def _present(data: Mapping[str, Any], path: str) -> bool:
    return any(True for _ in _walk(data, path.split("."), ()))


@dataclass(frozen=True)
class ListingRules:
    """What a generated model checks beyond the types datamodel-code-generator writes."""

    product_type: str
    conditions: tuple[Condition, ...] = ()
    utf8_limits: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    unique_limits: Mapping[str, tuple[int | None, int | None, tuple[str, ...]]] = field(default_factory=dict)
    #: `<attribute>.marketplace_id`-like paths every item must carry (the models default them).
    required_context: tuple[str, ...] = ()
    #: arrays whose items must all differ (JSON equality)
    unique_items: tuple[str, ...] = ()
    #: text leaves -> the asserted formats they may take (several: Amazon's oneOf date | date-time)
    formats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: number leaves -> multipleOf
    multiples: Mapping[str, float] = field(default_factory=dict)
    #: leaves with a closed list of non-text values -> the values
    enums: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    _opaque: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def _opaque_validator(self, condition: Condition) -> Any:
        if condition.source not in self._opaque:
            self._opaque[condition.source] = validator_for(json.loads(condition.raw))
        return self._opaque[condition.source]

    def problems(self, data: Mapping[str, Any]) -> list[Problem]:
        """Every broken rule of the payload `data` (Amazon's `attributes` object)."""
        out: list[Problem] = []
        for path in self.required_context:
            segments = path.split(".")
            for loc, parent in _walk(data, segments[:-1], ()):
                if isinstance(parent, Mapping) and segments[-1] not in parent:
                    out.append(Problem((*loc, segments[-1]), "missing", f"« {path} » est obligatoire."))
        for path, (low, high) in self.utf8_limits.items():
            for loc, value in _walk(data, path.split("."), ()):
                if not isinstance(value, str):
                    continue
                size = len(value.encode("utf-8"))
                if high is not None and size > high:
                    out.append(Problem(loc, "invalid", f"« {path} » fait {size} octets en UTF-8 (au plus {high})."))
                if low is not None and size < low:
                    out.append(Problem(loc, "invalid", f"« {path} » fait {size} octets en UTF-8 (au moins {low})."))
        for path, (low, high, selectors) in self.unique_limits.items():
            for loc, values in _arrays(data, path):
                if len(values) == 1 and (high is None or high >= 1) and (low is None or low <= 1):
                    continue
                counts = Counter(_selector_key(item, selectors) for item in values)
                for key, count in counts.items():
                    if high is not None and count > high:
                        out.append(
                            Problem(loc, "invalid", f"« {path} » : {count} valeurs pour les mêmes sélecteurs {key} "
                                    f"(au plus {high}).")
                        )
                    if low is not None and count < low:
                        out.append(
                            Problem(loc, "invalid", f"« {path} » : {count} valeur(s) pour les sélecteurs {key} "
                                    f"(au moins {low}).")
                        )
        out.extend(self._value_problems(data))
        for condition in self.conditions:
            out.extend(self._condition_problems(condition, data))
        return out

    def _value_problems(self, data: Mapping[str, Any]) -> Iterator[Problem]:
        for path in self.unique_items:
            for loc, values in _arrays(data, path):
                keys = [json_key(v) for v in values]
                if len(set(keys)) != len(keys):
                    yield Problem(loc, "invalid", f"« {path} » contient des valeurs en double.")
        for path, accepted in self.formats.items():
            for loc, value in _walk(data, path.split("."), ()):
                if isinstance(value, str) and not any(ASSERTED[name](value) for name in accepted):
                    expected = " ou ".join(_FORMAT_NAMES.get(name, name) for name in accepted)
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » doit être {expected}.")
        for path, divisor in self.multiples.items():
            for loc, value in _walk(data, path.split("."), ()):
                if not is_multiple(value, divisor):
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » n'est pas un multiple de "
                                                  f"{divisor}.")
        for path, allowed in self.enums.items():
            keys = {json_key(v) for v in allowed}
            for loc, value in _walk(data, path.split("."), ()):
                if json_key(value) not in keys:
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » ne fait pas partie des valeurs "
                                                  "autorisées.")

    def _condition_problems(self, condition: Condition, data: Mapping[str, Any]) -> list[Problem]:
        if not condition.expressible:
            if self._opaque_validator(condition).is_valid(data):
                return []
            names = condition.attributes
            loc: Loc = (names[0],) if len(names) == 1 else ()
            return [Problem(loc, "invalid", f"La règle conditionnelle {condition.source} n'est pas respectée "
                                            f"(attributs : {', '.join(names) or 'listing'}).")]
        out = []
        for path in broken(condition, data):
            loc = tuple(path.split("."))
            if _present(data, path):
                message = f"« {path} » n'est pas autorisé ou a une valeur interdite ici (règle {condition.source})."
                out.append(Problem(loc, "invalid", message))
            else:
                out.append(Problem(loc, "missing", f"« {path} » est obligatoire ici (règle {condition.source})."))
        return out

    def apply(self, model_class: type[BaseModel], data: Any, handler: Any) -> Any:
        """Run the generated validation (`handler`) and these rules; raise one ValidationError for all."""
        errors: list[dict[str, Any]] = []
        model = None
        try:
            model = handler(data)
        except ValidationError as exc:
            errors.extend(
                {"type": PydanticCustomError(e["type"], _escape(e["msg"])), "loc": e["loc"], "input": e.get("input")}
                for e in exc.errors()
            )
        plain = _plain(data) if isinstance(data, Mapping) else None
        if plain is None and model is not None:
            plain = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        if plain is not None:
            for problem in self.problems(plain):
                kind = "amazon_missing" if problem.kind == "missing" else "amazon_invalid"
                errors.append({"type": PydanticCustomError(kind, _escape(problem.message)), "loc": problem.loc,
                               "input": None})
        if errors:
            raise ValidationError.from_exception_data(model_class.__name__, errors)
        return model


_FORMAT_NAMES = {"date": "une date (AAAA-MM-JJ)", "date-time": "une date et heure avec fuseau (AAAA-MM-JJThh:mm:ssZ)"}


def json_key(value: Any) -> Any:
    """A hashable key equal for exactly the values JSON Schema calls equal (`enum`, `uniqueItems`):
    1 and 1.0 are equal, `true` and 1 are not, objects compare regardless of key order."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, list):
        return ("array", tuple(json_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", frozenset((k, json_key(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def is_multiple(value: Any, divisor: float) -> bool:
    """`multipleOf` exactly as the reference validator computes it (float division, then integrality)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(value) / Fraction(divisor)).denominator == 1
    return not value % divisor


def _escape(message: str) -> str:
    return message.replace("{", "{{").replace("}", "}}")


def _plain(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The payload as JSON data (items built as model instances are dumped); None if not a dict of str."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            return None
        if isinstance(value, list):
            value = [
                v.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(v, BaseModel) else v
                for v in value
            ]
        out[key] = value
    return out
