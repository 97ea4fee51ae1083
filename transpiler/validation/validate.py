"""`validate(product_type, attributes) -> list[Issue]`: the one validation entry point.

Each product type gets a `ListingValidator`, compiled once per workspace (keyed by the schema file,
its size and modification time, so an updated definition is picked up):

- the structural check: the product type's full JSON Schema compiled by jsonschema-rs (Draft
  2019-09) with Amazon's keywords (`transpiler.validation.keywords`); it decides the verdict
  exactly as the reference validator (`transpiler.amazon.vocabulary.validator_for`) does, about
  ten times faster;
- the generated pydantic model (`generated/models/<type>.py`, or one registered in the workspace;
  `transpiler.validation.models`): the typed listing, with the conditional rules, byte lengths and
  selector limits as model validators. A missing or stale model is an error, never generated here.

A payload is valid when both accept it. Its issues are all found in one pass: the structural
check's (the most precise) plus the model's for the keywords only the model checks, each once
(`_union`); the model's alone when the structural check finds nothing.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from transpiler.amazon import definitions
from transpiler.amazon.json_text import JsonDocument, JsonTextError, read_json
from transpiler.compiler.loading import load_compiled
from transpiler.compiler.model import ProductType
from transpiler.rules.conditions import Condition
from transpiler.rules.listing import Problem
from transpiler.validation import issues as I
from transpiler.validation.issues import Issue
from transpiler.validation.keywords import compiled_validator
from transpiler.validation.models import ModelGenerator, model_for
from transpiler.workspace import Workspace

#: A listing payload is a few kilobytes; a whole feed of 25,000 listings stays under 10 MiB.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
#: Python refuses to write an int of more digits than this as text, so JSON cannot carry it.
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_MAX_INT_BITS = int(_MAX_INT_DIGITS * math.log2(10))

_TYPE_NAMES = {
    "array": "un tableau",
    "object": "un objet",
    "string": "un texte",
    "number": "un nombre",
    "integer": "un nombre entier",
    "boolean": "un booléen (true/false)",
    "null": "null",
}


@dataclass
class ListingValidator:
    """Everything needed to validate listings of one product type, compiled once."""

    product_type: ProductType
    schema: Mapping[str, Any]
    structural: Any  # jsonschema_rs validator
    model: type[BaseModel]

    @property
    def name(self) -> str:
        return self.product_type.name

    def parse(self, attributes: Any) -> tuple[BaseModel | None, list[Issue]]:
        """The typed listing (None when invalid) and the issues of an `attributes` payload."""
        if not isinstance(attributes, Mapping):
            message = f"Le contenu « attributes » doit être un objet JSON, pas {_kind(attributes)}."
            return None, [I.not_an_object(message)]
        unreadable = _non_json_numbers(attributes)
        structural: list[Issue] = []
        if not self.structural.is_valid(attributes):
            structural = [i for e in self.structural.iter_errors(attributes) for i in self._structural_issues(e)]
        listing: BaseModel | None = None
        model_issues: list[Issue] = []
        try:
            listing = self.model.model_validate(attributes)
        except ValidationError as exc:
            model_issues = [self._model_issue(e) for e in exc.errors()]
        issues = _union(structural, model_issues)
        return (None if issues or unreadable else listing), _with_numbers(issues, unreadable)

    def check(self, attributes: Any) -> list[Issue]:
        """The issues of an `attributes` payload (empty when Amazon's schema accepts it).

        The same issues as `parse`, in one pass of the compiled structural check plus the model's
        own keywords (`ListingRules.keyword_problems`): the structural check holds every other
        rule of the schema, so the model's other issues only restate its issues and are left out
        by `_union` anyway, and the typed listing is not needed here. Four times faster than
        building the model (docs/performance.md).
        """
        if not isinstance(attributes, Mapping) or _non_json_numbers(attributes):
            return self.parse(attributes)[1]
        structural: list[Issue] = []
        if not self.structural.is_valid(attributes):
            structural = [i for e in self.structural.iter_errors(attributes) for i in self._structural_issues(e)]
        rules = getattr(self.model, "amazon_rules", None)
        kept = [] if rules is None else [self._problem_issue(p) for p in rules.keyword_problems(attributes)]
        return _with_numbers(_union(structural, kept), [])

    def check_document(self, document: JsonDocument) -> list[Issue]:
        """Like `check`, for a document read by `read_json`: its refused numbers (`NaN`, `1e400`…)
        are issues at their place, and the rest of the payload is checked as usual."""
        data = unwrap(document.value)
        wrapped = data is not document.value
        unreadable = [(bad.loc[1:] if wrapped and bad.loc[:1] == ("attributes",) else bad.loc, bad.text)
                      for bad in document.bad_numbers]
        return _with_numbers(self.check(data), unreadable)

    def check_text(self, text: str | bytes) -> list[Issue]:
        """Like `check`, for JSON text (a non-JSON payload is one issue, not an exception)."""
        try:
            document = read_json(text)
        except JsonTextError as exc:
            where = f" (ligne {exc.line}, colonne {exc.column})" if exc.line else ""
            return [I.not_an_object(f"Le contenu n'est pas du JSON valide{where}.")]
        return self.check_document(document)

    # --- issue builders -------------------------------------------------------------------------

    def _rule_at(self, schema_path: Any) -> Condition | None:
        """The schema rule a structural error sits in (the longest rule pointer its schema path starts with)."""
        where = I.pointer(tuple(schema_path or ()))
        found = [c for c in self.product_type.conditions
                 if c.source.startswith("/") and (where == c.source or where.startswith(c.source + "/"))]
        return max(found, key=lambda c: len(c.source)) if found else None

    def _structural_issues(self, error: Any) -> list[Issue]:
        """The issues of one jsonschema-rs error (one per unknown property), with their keyword."""
        kind = error.kind
        if kind.name == "additionalProperties":
            issues = [I.unknown(tuple(error.instance_path), name, self.name) for name in kind.unexpected]
        else:
            custom = type(kind).__name__ == "Custom"  # Amazon keywords and multipleOf: named by the schema
            keyword = str(error.schema_path[-1]) if custom and error.schema_path else kind.name
            issues = [replace(self._structural_words(error), keyword=keyword)]
        rule = self._rule_at(error.schema_path)
        return [replace(issue, rule=rule) for issue in issues] if rule is not None else issues

    def _structural_words(self, error: Any) -> Issue:
        parts = tuple(error.instance_path)
        kind = error.kind
        keyword = kind.name
        path = I.dotted(parts) or "attributes"
        if keyword == "required":
            return I.missing(parts, kind.property)
        if type(kind).__name__ == "Custom":  # Amazon keywords and multipleOf (transpiler.validation.keywords)
            custom = str(error.schema_path[-1]) if error.schema_path else ""
            code = I.CODE_TOO_FEW_VALUES if custom == "minUniqueItems" else I.CODE_INVALID
            return I.invalid(parts, f"« {path} » : {error.message}.", code)
        if keyword == "minItems":
            return I.invalid(parts, f"« {path} » doit avoir au moins {kind.limit} valeur(s).", I.CODE_TOO_FEW_VALUES)
        if keyword == "maxItems":
            return I.invalid(parts, f"« {path} » doit avoir au plus {kind.limit} valeur(s).")
        if keyword == "type":
            return I.invalid(parts, f"« {path} » doit être {_expected_type(error)}, pas {_kind(error.instance)}.")
        if keyword == "enum":
            return I.invalid(parts, f"La valeur {_show(error.instance)} de « {path} » ne fait pas partie des valeurs "
                                    "autorisées.")
        if keyword == "maxLength":
            return I.invalid(parts, f"« {path} » dépasse {kind.limit} caractères.")
        if keyword == "minLength":
            return I.invalid(parts, f"« {path} » doit faire au moins {kind.limit} caractère(s).")
        if keyword in _BOUNDS:
            return I.invalid(parts, f"La valeur {_show(error.instance)} de « {path} » {_BOUNDS[keyword]} "
                                    f"{_number(getattr(kind, 'limit', '?'))}.")
        if keyword == "pattern":
            return I.invalid(parts, f"La valeur {_show(error.instance)} de « {path} » n'a pas le format attendu.")
        if keyword == "const":
            return I.invalid(parts, f"La valeur {_show(error.instance)} de « {path} » n'est pas celle attendue.")
        # not, anyOf, oneOf, contains, dependencies…: a rule of the schema, said in words by `rule`
        return I.invalid(parts, f"« {path} » : cette valeur n'est pas admise ici.")

    def _problem_issue(self, problem: Problem) -> Issue:
        """A broken rule of the model as an issue, exactly as `_model_issue` words it once pydantic
        has carried it (a `keyword_problems` problem names no rule)."""
        loc = tuple(problem.loc)
        if problem.kind == "missing" and loc:
            return I.missing(loc[:-1], str(loc[-1]))
        return I.invalid(loc, problem.message, keyword=problem.keyword)

    def _model_issue(self, error: Mapping[str, Any]) -> Issue:
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "missing" and loc:
            return I.missing(loc[:-1], str(loc[-1]))
        if kind == "extra_forbidden" and loc:
            return I.unknown(loc[:-1], str(loc[-1]), self.name)
        path = I.dotted(loc) or "attributes"
        source = (error.get("ctx") or {}).get("rule")
        rule = next((c for c in self.product_type.conditions if c.source == source), None) if source else None
        if kind == "amazon_missing" and loc:
            return replace(I.missing(loc[:-1], str(loc[-1])), rule=rule)
        if kind.startswith("amazon_"):
            keyword = str((error.get("ctx") or {}).get("keyword", "condition"))
            # the message went through pydantic escaped (`ListingRules.apply`), and comes back so
            message = str(error["msg"]).replace("{{", "{").replace("}}", "}")
            return replace(I.invalid(loc, message, keyword=keyword), rule=rule)
        keyword = _PYDANTIC_KEYWORDS.get(kind, "type" if kind.endswith("_type") else kind)
        return I.invalid(loc, f"« {path} » n'a pas une valeur admise ({_pydantic_fr(error)}).", keyword=keyword)


#: pydantic error types -> the JSON Schema keyword of the generated model's field constraint
_PYDANTIC_KEYWORDS = {
    "literal_error": "enum", "enum": "enum", "string_too_long": "maxLength", "string_too_short": "minLength",
    "too_long": "maxItems", "too_short": "minItems", "greater_than_equal": "minimum",
    "greater_than": "exclusiveMinimum", "less_than_equal": "maximum", "less_than": "exclusiveMaximum",
    "multiple_of": "multipleOf", "string_pattern_mismatch": "pattern", "int_from_float": "type",
}


def unwrap(data: Any) -> Any:
    """The `attributes` of a full listing body (`{"productType": ..., "attributes": {...}}`), else `data`."""
    if (
        isinstance(data, Mapping)
        and isinstance(data.get("attributes"), Mapping)
        and (set(data) & {"productType", "requirements", "sku"} or set(data) == {"attributes"})
    ):
        return data["attributes"]
    return data


def _non_json_numbers(attributes: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Where a Python payload holds a number JSON cannot carry (NaN, infinities, integers beyond
    Python's text conversion limit); json.dumps checks the usual payload at C speed."""
    try:
        json.dumps(attributes, allow_nan=False, ensure_ascii=False, default=lambda _value: None)
        return []
    except ValueError:
        pass
    found = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(attributes, ())]
    while stack:
        node, loc = stack.pop()
        for key, value in node.items() if isinstance(node, Mapping) else enumerate(node):
            if isinstance(value, Mapping | list):
                stack.append((value, (*loc, key)))
            elif isinstance(value, float) and not math.isfinite(value):
                found.append(((*loc, key), repr(value)))
            elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
                found.append(((*loc, key), f"[entier de plus de {_MAX_INT_DIGITS} chiffres]"))
    return found


def _with_numbers(issues: list[Issue], unreadable: list[tuple[tuple[Any, ...], str]]) -> list[Issue]:
    """The issues plus one per unreadable number; other issues about the same value are dropped
    (a NaN reported as "null" or as "not a multiple of 0.01" only confuses)."""
    if not unreadable:
        return _unique(issues)
    places = {I.pointer(loc) for loc, _ in unreadable}
    kept = [issue for issue in issues if issue.path not in places]
    return _unique(kept + [I.not_a_number(loc, text) for loc, text in unreadable])


def _union(structural: list[Issue], model: list[Issue]) -> list[Issue]:
    """Every issue of the payload, each once.

    The structural check runs the whole schema except the keywords `structural_schema` leaves to
    the model (UTF-8 byte lengths, unique items per selectors, on plain paths), so the model's
    issues for those keywords are the part it lacks; the model's other issues restate structural
    ones in other words (and, for rules, at other places). The model's issues stand alone only when
    the structural check finds nothing.
    """
    if not structural:
        return model
    seen = {(issue.path, issue.keyword) for issue in structural}
    # Like the reference, nothing is checked inside a value of the wrong type (an attribute that is
    # an object instead of an array), which the model's walk along paths would still enter.
    misshapen = tuple(issue.path for issue in structural if issue.keyword == "type")
    return structural + [issue for issue in model if issue.keyword in _MODEL_KEYWORDS
                         and (issue.path, issue.keyword) not in seen
                         and not any(issue.path == p or issue.path.startswith(p + "/") for p in misshapen)]


def _unique(found: list[Issue]) -> list[Issue]:
    """Each problem once. Issues worded alike are one problem (a property several rules require is
    missing once, the same `minItems` twice is one), except for keywords whose wording does not
    say the rule (`not`, `anyOf`…): two such rules broken by one value are two problems, told
    apart by their rule."""
    seen: set[tuple[Issue, str | None]] = set()
    out = []
    for issue in found:
        key = (issue, issue.rule.source if issue.rule is not None and issue.keyword in _SAID_BY_RULE else None)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return sorted(out, key=I.sort_key)


#: keywords worded "this value is not admitted here", the broken rule saying the rest
_SAID_BY_RULE = frozenset({"not", "anyOf", "oneOf", "allOf", "contains", "const", "dependentRequired",
                           "dependentSchemas", "dependencies", "falseSchema", "condition"})


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return "un nombre"
    if isinstance(value, str):
        return "un texte"
    if isinstance(value, list):
        return "un tableau"
    if isinstance(value, Mapping):
        return "un objet"
    return type(value).__name__


def _expected_type(error: Any) -> str:
    expected = getattr(error.kind, "types", None) or getattr(error.kind, "value", None)
    names = expected if isinstance(expected, list) else [expected]
    return " ou ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


_BOUNDS = {
    "minimum": "est inférieure au minimum",
    "exclusiveMinimum": "doit être strictement supérieure à",
    "maximum": "dépasse le maximum",
    "exclusiveMaximum": "doit être strictement inférieure à",
    "multipleOf": "doit être un multiple de",
}


def _number(value: Any) -> str:
    return str(value).replace(".", ",") if isinstance(value, (int, float)) else str(value)


def _pydantic_fr(error: Mapping[str, Any]) -> str:
    """What pydantic found wrong, in French (its own messages are English)."""
    kind = str(error.get("type", ""))
    words = {"string_type": "un texte est attendu", "int_type": "un nombre entier est attendu",
             "int_parsing": "un nombre entier est attendu", "float_type": "un nombre est attendu",
             "float_parsing": "un nombre est attendu", "bool_type": "oui ou non (true/false) est attendu",
             "list_type": "une liste est attendue", "dict_type": "un objet est attendu",
             "literal_error": "valeur hors de la liste d'Amazon", "enum": "valeur hors de la liste d'Amazon",
             "string_too_long": "texte trop long", "string_too_short": "texte trop court",
             "too_long": "trop de valeurs", "too_short": "pas assez de valeurs",
             "greater_than_equal": "valeur trop petite", "greater_than": "valeur trop petite",
             "less_than_equal": "valeur trop grande", "less_than": "valeur trop grande",
             "multiple_of": "pas un multiple admis", "string_pattern_mismatch": "format non attendu"}
    return words.get(kind, "valeur non admise")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


# --- lookup ---------------------------------------------------------------------------------------


def validator_for_product_type(
    name_or_path: str | Path, *, workspace: Workspace | None = None, generate_model: ModelGenerator | None = None
) -> ListingValidator:
    """The validator of a product type given by name (the workspace's definitions) or schema file path.

    Built once per workspace and schema file version (path, size, modification time), so an updated
    definition is picked up. Without a workspace, a default one is made for this call only.
    Raises UnknownProductTypeError / SchemaError (one line, with a pointer) for bad definitions and
    StaleModelError when generated/models has no model made from this definition, unless the caller
    hands a `generate_model` (see `transpiler.validation.models`).
    """
    workspace = workspace or Workspace.create()
    path = definitions.resolve(str(name_or_path), workspace.definitions_dir)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    return workspace.validators.get_or_build(key, lambda: _compile(path, workspace, generate_model))


def _compile(path: Path, workspace: Workspace, generate_model: ModelGenerator | None) -> ListingValidator:
    definition, product_type = load_compiled(path, workspace=workspace)
    structural = compiled_validator(structural_schema(definition.schema, product_type))
    model = model_for(product_type, workspace=workspace, generate=generate_model)
    return ListingValidator(product_type, definition.schema, structural, model)


_UNIQUE = ("maxUniqueItems", "minUniqueItems")
_UTF8 = ("maxUtf8ByteLength", "minUtf8ByteLength")
#: keywords `structural_schema` may leave to the model alone
_MODEL_KEYWORDS = frozenset(_UNIQUE + _UTF8)


def structural_schema(schema: Mapping[str, Any], product_type: ProductType) -> dict[str, Any]:
    """The schema for jsonschema-rs, without the Amazon keywords the generated model checks itself.

    Calling back into Python for every selector count and byte length costs more than the rest of
    the structural check. Where such a keyword sits on a plain path from the root (`properties` /
    `items` only) at exactly the attribute or leaf the model's `ListingRules` covers, it is removed
    here; anywhere else (inside `if`/`anyOf`, behind a `$ref`) it stays, enforced by jsonschema-rs.
    """
    covered: dict[str, tuple[str, ...]] = {}
    for attribute in product_type.attributes:
        if attribute.constraints.min_unique_items is not None or attribute.constraints.max_unique_items is not None:
            covered[attribute.pointer] = _UNIQUE
        for leaf in attribute.leaves:
            c = leaf.constraints
            if c.min_utf8_bytes is not None or c.max_utf8_bytes is not None:
                covered[leaf.pointer] = (*covered.get(leaf.pointer, ()), *_UTF8)
            if leaf.multiple and (c.min_unique_items is not None or c.max_unique_items is not None):
                array = leaf.pointer.removesuffix("/items")
                covered[array] = (*covered.get(array, ()), *_UNIQUE)

    def strip(node: Any, pointer: str) -> Any:
        if not isinstance(node, Mapping):
            return node
        out = dict(node)
        for keyword in covered.get(pointer, ()):
            out.pop(keyword, None)
        if isinstance(node.get("properties"), Mapping):
            out["properties"] = {
                name: strip(sub, f"{pointer}/properties/{I.pointer((name,))[1:]}")
                for name, sub in node["properties"].items()
            }
        if isinstance(node.get("items"), Mapping):
            out["items"] = strip(node["items"], f"{pointer}/items")
        return out

    return strip(schema, "")


def validate(product_type: str | Path, attributes: Any, *, workspace: Workspace | None = None) -> list[Issue]:
    """Issues of a listing's `attributes` for a product type (name from the workspace's definitions
    or schema path). Pass the run's workspace: without one, the validator is built for this call only.

    Empty list: Amazon's schema (with its vocabulary and conditional rules) accepts the payload.
    """
    return validator_for_product_type(product_type, workspace=workspace).check(attributes)


class BoundValidate:
    """`validate` bound to one workspace for one run: each product type's validator is looked up
    once, not per payload (the lookup checks the definition file on disk each time). A definition
    changed during the run is therefore picked up by the next run only."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._validators: dict[str | Path, ListingValidator] = {}

    def __call__(self, product_type: str | Path, attributes: Any) -> list[Issue]:
        return self.validator(product_type).check(attributes)

    def validator(self, product_type: str | Path) -> ListingValidator:
        """The validator of a product type (see `validator_for_product_type` for what it raises)."""
        validator = self._validators.get(product_type)
        if validator is None:
            validator = validator_for_product_type(product_type, workspace=self.workspace)
            self._validators[product_type] = validator
        return validator
