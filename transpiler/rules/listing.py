"""The rules of a product type that datamodel-code-generator cannot express, checked on a payload.

Generated listing models (`generated/models/<type>.py`) attach a `ListingRules` to their root
class; the shared base class `AmazonListing` runs it as a model validator. It covers:

- conditional requirements: expressible Conditions through `transpiler.rules.evaluate`, opaque
  ones through their exact JSON schema and the Amazon vocabulary validator;
- UTF-8 byte lengths (`maxUtf8ByteLength` / `minUtf8ByteLength`) and unique items per selectors
  (`maxUniqueItems` / `minUniqueItems`, at the top level or in nested arrays), as
  `transpiler.amazon.keywords` implements them for every validator;
- `uniqueItems`, closed lists of non-text values and `multipleOf`, with JSON Schema's equality and
  the reference validator's arithmetic (pydantic's Literal takes `true` for 1, its multiple_of has a
  tolerance the reference has not);
- the bounds of numbers that are array items (the generated type of a number carries no bounds
  there);
- the `date` / `date-time` formats Amazon asserts (`transpiler.amazon.formats`), values kept as text
  so a listing serializes back unchanged;
- context properties (`marketplace_id`, `language_tag`) required in items and nested objects.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from transpiler.amazon import keywords
from transpiler.amazon.formats import ASSERTED
from transpiler.json_equality import json_key
from transpiler.rules.conditions import Condition
from transpiler.rules.evaluate import broken
from transpiler.rules.paths import Loc, parents, present, walk


@dataclass(frozen=True)
class Problem:
    """One rule broken at `loc`; `kind` is `missing` (a required value is absent) or `invalid`;
    `keyword` the schema keyword broken, as JSON Schema names it (`condition` for a conditional
    rule broken in another way than a missing value)."""

    loc: Loc
    kind: str
    message: str
    rule: str | None = None  # the source (JSON pointer) of the schema rule broken, if one is
    #: the schema keyword broken, as JSON Schema names it (`condition` for a rule broken in another
    #: way than a missing value)
    keyword: str = "required"


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
    #: number leaves inside arrays -> (minimum, maximum, exclusiveMinimum, exclusiveMaximum)
    bounds: Mapping[str, tuple[float | None, float | None, float | None, float | None]] = field(default_factory=dict)
    _opaque: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def _opaque_validator(self, condition: Condition) -> Any:
        if condition.source not in self._opaque:
            # The reference validator (jsonschema) is loaded only when a model meets an opaque rule.
            from transpiler.amazon.vocabulary import validator_for

            self._opaque[condition.source] = validator_for(json.loads(condition.raw))
        return self._opaque[condition.source]

    def problems(self, data: Mapping[str, Any]) -> list[Problem]:
        """Every broken rule of the payload `data` (Amazon's `attributes` object)."""
        out: list[Problem] = []
        for path in self.required_context:
            name = path.rsplit(".", 1)[-1]
            for loc, parent in parents(data, path):
                if name not in parent:
                    out.append(Problem((*loc, name), "missing", f"« {path} » est obligatoire."))
        out.extend(self.keyword_problems(data))
        out.extend(self._value_problems(data))
        for condition in self.conditions:
            out.extend(self._condition_problems(condition, data))
        return out

    def keyword_problems(self, data: Mapping[str, Any]) -> list[Problem]:
        """The broken UTF-8 byte lengths and unique-items-per-selectors limits of the payload.

        These are the keywords the compiled structural check of `validate()` leaves to the model
        (calling back into Python from jsonschema-rs costs more): `validate()` runs them alone
        beside that check, and the model runs them with its other rules. Only the limits of the
        attributes the payload holds are looked at (a payload sets a few dozen of hundreds).
        """
        out: list[Problem] = []
        utf8, unique = self._limits_by_attribute()
        for name in data:
            for path, segments, low, high in utf8.get(name, ()):
                for loc, value in walk(data, segments):
                    size = keywords.utf8_size(value)
                    if size is None:
                        continue
                    if high is not None and size > high:
                        out.append(Problem(loc, "invalid", f"« {path} » fait {size} octets en UTF-8 (au plus {high}).",
                                           keyword="maxUtf8ByteLength"))
                    if low is not None and size < low:
                        out.append(Problem(loc, "invalid", f"« {path} » fait {size} octets en UTF-8 (au moins {low}).",
                                           keyword="minUtf8ByteLength"))
            for path, low, high, selectors in unique.get(name, ()):
                found: list[tuple[Loc, list[Any]]]
                if path == name:  # the attribute's own items, the usual case
                    items = data[name]
                    found = [((name,), items)] if isinstance(items, list) else []
                else:
                    found = list(_arrays(data, path))
                for loc, values in found:
                    # no combination of selector values can be carried by more items than there are,
                    # and each one present is carried by one at least: count only when a limit can break
                    if high is not None and len(values) > high:
                        out.extend(Problem(loc, "invalid", f"« {path} » : {count} valeurs pour les mêmes sélecteurs "
                                                           f"{key} (au plus {high}).", keyword="maxUniqueItems")
                                   for key, count in keywords.too_many(values, selectors, high))
                    if low is not None and low > 1:
                        out.extend(Problem(loc, "invalid", f"« {path} » : {count} valeur(s) pour les sélecteurs {key} "
                                                           f"(au moins {low}).", keyword="minUniqueItems")
                                   for key, count in keywords.too_few(values, selectors, low))
        return out

    def _limits_by_attribute(self) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """`utf8_limits` and `unique_limits` grouped by top-level attribute, paths split (built once)."""
        if "utf8" not in self._index:
            utf8: dict[str, list[Any]] = {}
            for path, (low, high) in self.utf8_limits.items():
                segments = tuple(path.split("."))
                utf8.setdefault(segments[0], []).append((path, segments, low, high))
            unique: dict[str, list[Any]] = {}
            for path, (low, high, selectors) in self.unique_limits.items():
                unique.setdefault(path.split(".")[0], []).append((path, low, high, selectors))
            self._index["unique"] = unique
            self._index["utf8"] = utf8
        return self._index["utf8"], self._index["unique"]

    def _value_problems(self, data: Mapping[str, Any]) -> Iterator[Problem]:
        for path in self.unique_items:
            for loc, values in _arrays(data, path):
                keys = [json_key(v) for v in values]
                if len(set(keys)) != len(keys):
                    yield Problem(loc, "invalid", f"« {path} » contient des valeurs en double.", keyword="uniqueItems")
        for path, accepted in self.formats.items():
            for loc, value in walk(data, path.split(".")):
                if isinstance(value, str) and not any(ASSERTED[name](value) for name in accepted):
                    expected = " ou ".join(_FORMAT_NAMES.get(name, name) for name in accepted)
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » doit être {expected}.",
                                  keyword="format")
        for path, divisor in self.multiples.items():
            for loc, value in walk(data, path.split(".")):
                if not keywords.is_multiple(value, divisor):
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » n'est pas un multiple de "
                                                  f"{divisor}.", keyword="multipleOf")
        for path, limits in self.bounds.items():
            for loc, value in walk(data, path.split(".")):
                broken = _out_of_bounds(value, limits)
                if broken is not None:
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » est hors limites ({broken}).",
                                  keyword=broken.split(" ", 1)[0])
        for path, allowed in self.enums.items():
            allowed_keys = {json_key(v) for v in allowed}
            for loc, value in walk(data, path.split(".")):
                if json_key(value) not in allowed_keys:
                    yield Problem(loc, "invalid", f"La valeur {value!r} de « {path} » ne fait pas partie des valeurs "
                                                  "autorisées.", keyword="enum")

    def _condition_problems(self, condition: Condition, data: Mapping[str, Any]) -> list[Problem]:
        if not condition.expressible:
            if self._opaque_validator(condition).is_valid(data):
                return []
            names = condition.attributes
            loc: Loc = (names[0],) if len(names) == 1 else ()
            return [Problem(loc, "invalid", f"Une règle d'Amazon n'est pas respectée "
                                            f"(attributs : {', '.join(names) or 'annonce'}).", condition.source,
                            keyword="condition")]
        out = []
        for path in broken(condition, data):
            loc = tuple(path.split("."))
            if present(data, path):
                message = f"« {path} » n'est pas autorisé ou a une valeur interdite ici."
                out.append(Problem(loc, "invalid", message, condition.source, keyword="condition"))
            else:
                out.append(Problem(loc, "missing", f"« {path} » est obligatoire ici.", condition.source))
        return out

    def apply(self, model_class: type[BaseModel], data: Any, handler: Any) -> Any:
        """Run the generated validation (`handler`) and these rules; raise one ValidationError for all."""
        errors: list[InitErrorDetails] = []
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
                context = {"keyword": problem.keyword, **({"rule": problem.rule} if problem.rule else {})}
                errors.append({"type": PydanticCustomError(kind, _escape(problem.message), context),
                               "loc": problem.loc, "input": None})
        if errors:
            raise ValidationError.from_exception_data(model_class.__name__, errors)
        return model


_FORMAT_NAMES = {"date": "une date (AAAA-MM-JJ)", "date-time": "une date et heure avec fuseau (AAAA-MM-JJThh:mm:ssZ)"}


def _arrays(data: Mapping[str, Any], path: str) -> Iterator[tuple[Loc, list[Any]]]:
    """Every array found at `path` (the last segment names the array itself), with its location."""
    name = path.rsplit(".", 1)[-1]
    for loc, parent in parents(data, path):
        if isinstance(parent.get(name), list):
            yield (*loc, name), parent[name]


_BOUND_NAMES = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _out_of_bounds(value: Any, limits: tuple[float | None, ...]) -> str | None:
    """`keyword limit` of the first bound a number breaks (None when it keeps them or is no number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    for name, limit, ok in zip(_BOUND_NAMES, limits, (operator.ge, operator.le, operator.gt, operator.lt),
                               strict=True):
        if limit is not None and not ok(value, limit):
            return f"{name} {limit}"
    return None


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
