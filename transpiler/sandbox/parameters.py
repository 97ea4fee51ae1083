"""Query parameters checked as Amazon's models declare them, before an operation's handler runs.

Driven by `generated/amazon/parameters.json` (derived from the OpenAPI models at `make regenerate`
time, see `transpiler.amazon.openapi_parameters`) and the restrictions the models state in prose:
required parameters, enums (of values and of CSV items), item counts, integer bounds, booleans,
date-times. A breach is Amazon's 400 `InvalidInput` naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.datastructures import QueryParams

from transpiler.amazon.openapi_parameters import Restriction, restrictions_for
from transpiler.sandbox.responses import bad_request


def load_table(path: Path) -> dict[str, Any]:
    """The parameter table (operationId -> declared parameters). Raises FileNotFoundError with the
    remedy when the generated file is missing (a broken checkout)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["operations"]
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: run `make regenerate` with Amazon's OpenAPI models in "
                                "../shared/amazon/openapi (or restore the file from git)") from None


def _values(query: QueryParams, name: str, declared: Mapping[str, Any]) -> list[str]:
    raw = query.getlist(name)
    if declared.get("type") == "array":
        return [v.strip() for part in raw for v in part.split(",") if v.strip()]
    return [v for v in raw if v != ""]


def check_query(operation: str, query: QueryParams, table: Mapping[str, Any]) -> None:
    """Raise 400 InvalidInput naming the first parameter the model refuses."""
    spec = table.get(operation)
    if spec is None:
        return
    given: dict[str, list[str]] = {}
    for declared in spec["parameters"]:
        if declared.get("in") != "query":
            continue
        name = declared["name"]
        values = _values(query, name, declared)
        if not values:
            if declared.get("required"):
                raise bad_request(f"Missing required parameter '{name}'.")
            continue
        given[name] = values
        _check_values(name, values, declared)
    for restriction in restrictions_for(operation):
        _check_restriction(restriction, given)


def _check_values(name: str, values: list[str], declared: Mapping[str, Any]) -> None:
    if declared.get("type") == "array":
        if "maxItems" in declared and len(values) > declared["maxItems"]:
            raise bad_request(f"Parameter '{name}' accepts at most {declared['maxItems']} value(s).")
        if "minItems" in declared and len(values) < declared["minItems"]:
            raise bad_request(f"Parameter '{name}' needs at least {declared['minItems']} value(s).")
        item = declared.get("items") or {}
    else:
        if len(values) > 1:
            raise bad_request(f"Parameter '{name}' accepts a single value.")
        item = declared
    for value in values:
        problem = _problem(value, item)
        if problem:
            raise bad_request(f"Invalid value {value[:80]!r} for parameter '{name}': {problem}.",
                              f"Parameter '{name}' as declared by the model.")


def _problem(value: str, declared: Mapping[str, Any]) -> str | None:
    enum = declared.get("enum")
    if enum is not None and value not in enum:
        return "allowed values are " + ", ".join(map(str, enum))
    kind = declared.get("type")
    if kind == "integer":
        if not value.lstrip("-").isdigit() or len(value) > 18:
            return "an integer is expected"
        number = int(value)
        if "maximum" in declared and number > declared["maximum"]:
            return f"at most {declared['maximum']}"
        if "minimum" in declared and number < declared["minimum"]:
            return f"at least {declared['minimum']}"
    elif kind == "boolean" and value not in ("true", "false"):
        return "true or false is expected"
    elif declared.get("format") == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "an ISO 8601 date-time is expected"
    if "maxLength" in declared and len(value) > declared["maxLength"]:
        return f"at most {declared['maxLength']} characters"
    return None


def _check_restriction(rule: Restriction, given: Mapping[str, list[str]]) -> None:
    values = given.get(rule.parameter)
    if values is None:
        return
    other = given.get(rule.other or "")
    broken = {
        "value-needs": rule.value in values and rule.other_value not in (other or ()),
        "needs": other is None,
        "excludes": other is not None,
        "max-values": rule.limit is not None and len(values) > rule.limit,
        "alone": len(given) > 1,
    }[rule.kind]
    if broken:
        subject = f"'{rule.value}' in '{rule.parameter}'" if rule.kind == "value-needs" else f"'{rule.parameter}'"
        raise bad_request(f"Invalid use of {subject}: {rule.quote}", f"Parameter '{rule.parameter}'.")


__all__ = ["check_query", "load_table"]
