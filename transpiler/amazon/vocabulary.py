"""A Draft 2019-09 validator that also enforces Amazon's vocabulary.

`maxUniqueItems` / `minUniqueItems` count array items per combination of the `selectors` values
(all properties when there are no selectors), `maxUtf8ByteLength` / `minUtf8ByteLength` count
UTF-8 bytes, as implemented once in `transpiler.amazon.keywords`. The other Amazon keywords
(`editable`, `hidden`, `enumNames`, `selectors`, `$lifecycle`) are annotations and are accepted
as such.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker, ValidationError, validators

from transpiler.amazon import formats, keywords, meta_schema, patterns
from transpiler.errors import SchemaError


def _max_unique_items(validator: Any, limit: int, instance: Any, schema: Mapping[str, Any]) -> Iterator:
    if not validator.is_type(instance, "array"):
        return
    for key, count in keywords.too_many(instance, schema.get("selectors"), limit):
        yield ValidationError(
            f"{count} items share the selector values {key} (at most {limit} allowed)",
            validator="maxUniqueItems",
            validator_value=limit,
        )


def _min_unique_items(validator: Any, limit: int, instance: Any, schema: Mapping[str, Any]) -> Iterator:
    if not validator.is_type(instance, "array"):
        return
    for key, count in keywords.too_few(instance, schema.get("selectors"), limit):
        yield ValidationError(
            f"{count} items share the selector values {key} (at least {limit} required)",
            validator="minUniqueItems",
            validator_value=limit,
        )


def _max_utf8(validator: Any, limit: int, instance: Any, schema: Mapping[str, Any]) -> Iterator:
    size = keywords.utf8_size(instance)
    if size is not None and size > limit:
        yield ValidationError(
            f"{instance!r} is {size} bytes long in UTF-8 (at most {limit} allowed)",
            validator="maxUtf8ByteLength",
            validator_value=limit,
        )


def _min_utf8(validator: Any, limit: int, instance: Any, schema: Mapping[str, Any]) -> Iterator:
    size = keywords.utf8_size(instance)
    if size is not None and size < limit:
        yield ValidationError(
            f"{instance!r} is {size} bytes long in UTF-8 (at least {limit} required)",
            validator="minUtf8ByteLength",
            validator_value=limit,
        )


def _multiple_of(validator: Any, divisor: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """`multipleOf` on decimal values (jsonschema divides binary floats and refuses 19.99 for 0.01)."""
    if validator.is_type(instance, "number") and not keywords.is_multiple(instance, divisor):
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}", validator="multipleOf",
                              validator_value=divisor)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """`pattern` read by the `regex` module: Unicode properties (`\\p{L}`) compile there as in
    jsonschema-rs and the models, where Python's `re` raises (`bad escape \\p`); `\\d`, `\\w`,
    `\\s` and `$` read as ECMA-262 says (`transpiler.amazon.patterns`)."""
    if validator.is_type(instance, "string") and not patterns.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}", validator="pattern",
                              validator_value=pattern)


#: The Draft 2019-09 validator class with Amazon's validation keywords added, and `multipleOf`
#: judged on decimal values like every other validator of the project.
AmazonValidator = validators.extend(
    Draft201909Validator,
    {
        "multipleOf": _multiple_of,
        "pattern": _pattern,
        "maxUniqueItems": _max_unique_items,
        "minUniqueItems": _min_unique_items,
        "maxUtf8ByteLength": _max_utf8,
        "minUtf8ByteLength": _min_utf8,
    },
)


def validator_for(schema: Mapping[str, Any]) -> Any:
    """A validator for listings against this product type schema (local registry, no network).

    `date` and `date-time` formats are asserted (see transpiler.amazon.formats).
    """
    return AmazonValidator(schema, registry=meta_schema.registry(), format_checker=_FORMATS)


def format_checker() -> FormatChecker:
    """A jsonschema FormatChecker that asserts only the formats of `transpiler.amazon.formats.ASSERTED`."""
    checker = FormatChecker(formats=())
    for name, func in formats.ASSERTED.items():
        checker.checks(name)(func)
    return checker


_FORMATS = format_checker()


def meta_schema_errors(schema: Any) -> list[ValidationError]:
    """Every way `schema` fails Amazon's meta-schema, in document order."""
    checker = Draft201909Validator(meta_schema.meta_schema(), registry=meta_schema.registry())
    return sorted(checker.iter_errors(schema), key=lambda e: [str(p) for p in e.absolute_path])


@cache
def _compiled_meta_schema() -> Any:
    """Amazon's meta-schema compiled by jsonschema-rs (offline: the drafts are built in)."""
    import jsonschema_rs

    return jsonschema_rs.Draft201909Validator(meta_schema.meta_schema(), offline=True)


def meta_schema_accepts(schema: Any) -> bool:
    """True when the compiled meta-schema accepts `schema`: the same verdict as
    `meta_schema_errors(schema) == []` (tests/test_vocabulary.py compares them), about 20 times
    sooner on a large schema. False also when it cannot judge (a value JSON cannot hold)."""
    try:
        return bool(_compiled_meta_schema().is_valid(schema))
    except (ValueError, TypeError, OverflowError):
        return False


def check_schema(schema: Any, source: str, product_type: str | None = None) -> None:
    """Raise SchemaError (with the JSON pointer of the first problem) unless the schema is valid.

    The compiled meta-schema answers first; only a schema it refuses is walked by the reference
    validator, which finds every error and its place. A `pattern` no regular expression engine of
    the project can compile is refused here too: the meta-schema only annotates it (`format: regex`),
    and it would otherwise reach the validators and Product-Live's rules."""
    if meta_schema_accepts(schema):
        for pointer, message in _pattern_problems(schema, ""):
            raise SchemaError(source, pointer, message, product_type)
        return
    errors = meta_schema_errors(schema)
    if errors:
        first = max(_leaf_errors(errors), key=lambda e: len(e.absolute_path))
        pointer = "".join(f"/{_escape(p)}" for p in first.absolute_path)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SchemaError(
            source, pointer, f"fails the Amazon meta-schema: {first.message}{more}", product_type
        )


#: Keywords whose values are data, not schemas: a "pattern" key inside them is no regular expression.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "enumNames", "$comment", "description", "title"})


#: Keywords whose values map names to schemas: their keys are names, not keywords.
_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _pattern_problems(node: Any, pointer: str, *, names: bool = False) -> Iterator[tuple[str, str]]:
    """(pointer, message) for each `pattern` keyword that is not a regular expression (data keywords
    skipped: an attribute may well be named `pattern`, its definition is then an object), and each
    `dependencies` keyword: Draft 2019-09 replaced it by `dependentRequired` / `dependentSchemas`
    and ignores it, while jsonschema-rs (the structural check of `validate()`) still applies it, so
    the two would judge listings differently."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _pattern_problems(item, f"{pointer}/{index}")
    elif isinstance(node, Mapping):
        if names:
            for key, value in node.items():
                yield from _pattern_problems(value, f"{pointer}/{_escape(key)}")
            return
        pattern = node.get("pattern")
        if isinstance(pattern, str) and not _is_regex(pattern):
            yield f"{pointer}/pattern", f"pattern {pattern!r} is not a regular expression"
        if isinstance(node.get("dependencies"), Mapping):
            yield f"{pointer}/dependencies", ("`dependencies` is no keyword of Draft 2019-09 (write "
                                              "dependentRequired or dependentSchemas): validators disagree on it")
        for key, value in node.items():
            if key not in _DATA_KEYWORDS and isinstance(value, (Mapping, list)):
                yield from _pattern_problems(value, f"{pointer}/{_escape(key)}", names=key in _NAME_MAPS)


def _is_regex(pattern: str) -> bool:
    """True when jsonschema-rs, which compiles every schema the project validates with, compiles `pattern`."""
    import jsonschema_rs

    try:
        jsonschema_rs.Draft201909Validator({"pattern": pattern}, offline=True)
    except jsonschema_rs.ValidationError:
        return False
    return True


def _leaf_errors(errors: list[ValidationError]) -> Iterator[ValidationError]:
    """The innermost errors: the ones that name the exact offending keyword."""
    for error in errors:
        if error.context:
            yield from _leaf_errors(list(error.context))
        else:
            yield error


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")
