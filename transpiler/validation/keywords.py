"""Amazon's validating keywords for the compiled (jsonschema-rs) validator.

The semantics are `transpiler.amazon.keywords`, shared with the reference Draft 2019-09 validator
(`transpiler.amazon.vocabulary`): items are counted per combination of their `selectors` values,
strings are measured in UTF-8 bytes.
jsonschema-rs calls these classes wherever the keyword appears in the schema (inside `if`/`then`,
`anyOf`, ...), so their placement needs no special handling. Messages are in French: they reach
Modelabs staff through the issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transpiler.amazon import keywords


class _SelectorCount:
    def __init__(self, parent_schema: Mapping[str, Any], value: Any, schema_path: Any) -> None:
        self.limit = value
        self.selectors = parent_schema.get("selectors")


class MaxUniqueItems(_SelectorCount):
    def validate(self, instance: Any) -> None:
        if isinstance(instance, list):
            for key, count in keywords.too_many(instance, self.selectors, self.limit):
                raise ValueError(f"{count} valeurs partagent les sélecteurs {key} (au plus {self.limit} autorisée(s))")


class MinUniqueItems(_SelectorCount):
    def validate(self, instance: Any) -> None:
        if isinstance(instance, list):
            for key, count in keywords.too_few(instance, self.selectors, self.limit):
                raise ValueError(f"{count} valeur(s) pour les sélecteurs {key} (au moins {self.limit} requise(s))")


class _Utf8:
    def __init__(self, parent_schema: Mapping[str, Any], value: Any, schema_path: Any) -> None:
        self.limit = value


class MaxUtf8ByteLength(_Utf8):
    def validate(self, instance: Any) -> None:
        size = keywords.utf8_size(instance)
        if size is not None and size > self.limit:
            raise ValueError(f"le texte fait {size} octets en UTF-8 (au plus {self.limit})")


class MinUtf8ByteLength(_Utf8):
    def validate(self, instance: Any) -> None:
        size = keywords.utf8_size(instance)
        if size is not None and size < self.limit:
            raise ValueError(f"le texte fait {size} octets en UTF-8 (au moins {self.limit})")


class MultipleOf:
    """`multipleOf` on decimal values, the one definition every validator of the project shares
    (`transpiler.amazon.keywords.is_multiple`), so the compiled and the reference verdicts agree."""

    def __init__(self, parent_schema: Mapping[str, Any], value: Any, schema_path: Any) -> None:
        self.divisor = value

    def validate(self, instance: Any) -> None:
        if not keywords.is_multiple(instance, self.divisor):
            raise ValueError(f"{instance!r} n'est pas un multiple de {self.divisor}")


KEYWORDS = {
    "multipleOf": MultipleOf,
    "maxUniqueItems": MaxUniqueItems,
    "minUniqueItems": MinUniqueItems,
    "maxUtf8ByteLength": MaxUtf8ByteLength,
    "minUtf8ByteLength": MinUtf8ByteLength,
}


def compiled_validator(schema: Mapping[str, Any]) -> Any:
    """A jsonschema-rs Draft 2019-09 validator with Amazon's keywords; never touches the network."""
    import jsonschema_rs

    from transpiler.amazon.formats import compiled_formats

    return jsonschema_rs.Draft201909Validator(
        schema,
        keywords=KEYWORDS,
        offline=True,
        validate_formats=True,
        formats=compiled_formats(schema),
    )
