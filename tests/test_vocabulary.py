"""Amazon's vocabulary on top of Draft 2019-09, and the meta-schema built in code."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from tests.conftest import amazon_dir
from transpiler.amazon import meta_schema, vocabulary
from transpiler.errors import SchemaError

META_FILE = "amazon-product-type-definition-meta-schema-v1.json"


def _schema(**item_keywords):
    return {
        "$schema": meta_schema.META_SCHEMA_URI,
        "type": "object",
        "properties": {
            "bullet_point": {
                "type": "array",
                "selectors": ["marketplace_id", "language_tag"],
                "items": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "string", **item_keywords},
                        "language_tag": {"type": "string"},
                        "marketplace_id": {"type": "string"},
                    },
                },
                "maxUniqueItems": 2,
                "minUniqueItems": 1,
            }
        },
    }


def _item(value: str, lang: str = "fr_FR", market: str = "A13V1IB3VIYZZH") -> dict:
    return {"value": value, "language_tag": lang, "marketplace_id": market}


def _errors(schema, instance):
    return sorted(e.validator for e in vocabulary.validator_for(schema).iter_errors(instance))


def test_max_utf8_byte_length_counts_bytes_not_characters():
    schema = _schema(maxUtf8ByteLength=10, maxLength=10)
    assert _errors(schema, {"bullet_point": [_item("abcdefghij")]}) == []
    # 10 characters, 20 bytes in UTF-8: Amazon rejects it although maxLength accepts it.
    assert _errors(schema, {"bullet_point": [_item("éééééééééé")]}) == ["maxUtf8ByteLength"]


def test_min_utf8_byte_length():
    schema = _schema(minUtf8ByteLength=4)
    assert _errors(schema, {"bullet_point": [_item("éé")]}) == []  # 4 bytes
    assert _errors(schema, {"bullet_point": [_item("abc")]}) == ["minUtf8ByteLength"]


def test_max_unique_items_counts_per_selector_combination():
    schema = _schema()
    two_french = [_item("un"), _item("deux")]
    assert _errors(schema, {"bullet_point": two_french}) == []
    assert _errors(schema, {"bullet_point": [*two_french, _item("trois")]}) == ["maxUniqueItems"]
    # A third item in another language is another combination: allowed.
    assert _errors(schema, {"bullet_point": [*two_french, _item("three", lang="en_GB")]}) == []


def test_max_unique_items_without_selectors_uses_whole_items():
    schema = {"type": "array", "maxUniqueItems": 1}
    validator = vocabulary.validator_for(schema)
    assert validator.is_valid([{"a": 1}, {"a": 2}])
    assert not validator.is_valid([{"a": 1}, {"a": 1}])


def test_min_unique_items_per_combination():
    schema = {"type": "array", "selectors": ["k"], "minUniqueItems": 2}
    validator = vocabulary.validator_for(schema)
    assert validator.is_valid([{"k": 1, "v": 1}, {"k": 1, "v": 2}])
    assert not validator.is_valid([{"k": 1, "v": 1}, {"k": 2, "v": 2}])


def test_annotations_are_accepted_and_do_not_validate():
    schema = _schema()
    value = schema["properties"]["bullet_point"]["items"]["properties"]["value"]
    value.update(editable=False, hidden=True, enumNames=["A"], **{"$lifecycle": {"enumDeprecated": ["x"]}})
    assert schema["$schema"] == meta_schema.META_SCHEMA_URI
    assert vocabulary.meta_schema_errors(schema) == []
    assert _errors(schema, {"bullet_point": [_item("anything")]}) == []


def test_bad_keyword_types_fail_the_meta_schema_with_pointer():
    schema = _schema(maxUtf8ByteLength="ten")
    with pytest.raises(SchemaError) as info:
        vocabulary.check_schema(schema, "tiny.json")
    assert info.value.pointer == "/properties/bullet_point/items/properties/value/maxUtf8ByteLength"


def test_registry_never_fetches_the_meta_schema():
    # The meta-schema URI is not network-addressable; the registry must already hold it.
    resolved = meta_schema.registry().resolver().lookup(meta_schema.META_SCHEMA_URI)
    assert resolved.contents["$id"] == meta_schema.META_SCHEMA_URI


def test_meta_schema_in_code_matches_the_published_vocabulary():
    published = json.loads(
        (amazon_dir() / "meta-schema/amazon-product-type-definition-meta-schema-v1.json").read_text()
    )
    ours = meta_schema.meta_schema()
    assert ours["$id"] == published["$id"]
    assert ours["$vocabulary"] == published["$vocabulary"]
    assert set(ours["properties"]) == set(published["properties"])

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "$comment"}
        return node

    for keyword, schema in published["properties"].items():
        assert strip(schema) == strip(ours["properties"][keyword]), keyword


def test_published_meta_schema_and_ours_agree_on_probe_schemas():
    """Both accept the same root-level schemas; ours also checks nested keywords."""
    from jsonschema import Draft201909Validator

    published = json.loads(
        (amazon_dir() / "meta-schema/amazon-product-type-definition-meta-schema-v1.json").read_text()
    )
    theirs = Draft201909Validator(published, registry=meta_schema.registry())
    probes = [
        {"type": "object"},
        {"maxUniqueItems": 3, "selectors": ["a"]},
        {"maxUniqueItems": "3"},
        {"selectors": "a"},
        {"editable": 1},
        {"hidden": True, "enumNames": ["x"]},
        {"$lifecycle": {"replacedBy": ["0/x"]}},
        {"$lifecycle": {"replacedBy": "x"}},
        {"minUtf8ByteLength": 1.5},
    ]
    for probe in probes:
        assert theirs.is_valid(probe) == (vocabulary.meta_schema_errors(probe) == []), probe
    nested = {"properties": {"a": {"maxUtf8ByteLength": "x"}}}
    assert theirs.is_valid(nested)
    assert vocabulary.meta_schema_errors(nested) != []


def test_real_schemas_pass_the_meta_schema():
    for path in sorted((amazon_dir() / "product-types").rglob("*.json")):
        if path.name.endswith(".definition.json"):
            continue
        schema = json.loads(path.read_text())
        assert vocabulary.meta_schema_errors(schema) == [], path
        assert vocabulary.meta_schema_accepts(schema), path


#: Values for a keyword of a subschema: right and wrong types, shapes and ranges, for the
#: vocabulary's keywords and the draft's own.
KEYWORD_VALUES: dict[str, list[Any]] = {
    "maxUniqueItems": [1, 3, "3", 1.5, -1, True, None],
    "minUniqueItems": [0, 2, "2", 2.0],
    "maxUtf8ByteLength": [10, "x", 1.5, [1]],
    "minUtf8ByteLength": [1, -1, {}],
    "selectors": [["marketplace_id"], [], "a", [1], ["a", "a"]],
    "editable": [True, 1, "no"],
    "hidden": [False, "x", None],
    "enumNames": [["a"], "a", [1], []],
    "$lifecycle": [{"replacedBy": ["x"]}, {"replacedBy": "x"}, {"enumReplacement": [{"value": "a"}]},
                   {"enumReplacement": [{"value": 1}]}, {"enumReplacement": {"value": "a"}}, [], "x"],
    "type": ["string", "strin", 5, [], ["string", "number"], ["string", "string"]],
    "required": [["a"], "a", [1], ["a", "a"], []],
    "minLength": [0, -1, 1.5, "1", 1.0],
    "maxItems": [2, -2, "2"],
    "pattern": ["^a$", 5, "["],
    "format": ["date", 5],
    "enum": [["a"], [], "a", [1, 1]],
    "const": [None, "a", {}],
    "minimum": [0, "0", 1.5, 2**70],
    "multipleOf": [0.01, 0, -1, "1"],
    "$ref": ["#/$defs/a", 5],
    "$anchor": ["a", "1a", 5],
    "title": ["t", 5],
    "examples": [["a"], "a"],
    "deprecated": [True, "x"],
    "dependentRequired": [{"a": ["b"]}, {"a": "b"}],
    "additionalProperties": [False, "x", {}],
    "unevaluatedProperties": [False, 1],
}
#: Keywords whose value holds subschemas: where the generated schemas nest.
NESTING = ("properties", "$defs", "items", "allOf", "anyOf", "oneOf", "not", "if", "then", "contains",
           "dependentSchemas", "additionalItems")


def _random_schema(rng: random.Random, depth: int) -> Any:
    if depth and rng.random() < 0.1:
        return rng.choice([True, False, 5, "x", []])  # a boolean schema, or no schema at all
    node: dict[str, Any] = {k: rng.choice(v) for k, v in rng.sample(sorted(KEYWORD_VALUES.items()), rng.randint(0, 3))}
    if depth < 4:
        for keyword in rng.sample(NESTING, rng.randint(0, 2)):
            child = lambda: _random_schema(rng, depth + 1)  # noqa: E731
            if keyword in ("properties", "$defs", "dependentSchemas"):
                node[keyword] = {f"p{i}": child() for i in range(rng.randint(0, 2))}
            elif keyword in ("allOf", "anyOf", "oneOf"):
                node[keyword] = [child() for _ in range(rng.randint(0, 2))]
            elif keyword == "items" and rng.random() < 0.3:
                node[keyword] = [child()]
            else:
                node[keyword] = child()
    return node


def test_compiled_meta_schema_and_the_reference_agree():
    """`check_schema` asks the compiled meta-schema (jsonschema-rs) first and walks a schema with
    the reference one (jsonschema) only when refused: on schemas of every shape, right and wrong,
    their verdicts are the same."""
    rng = random.Random("meta-schema")
    verdicts = Counter()
    for _ in range(1500):
        schema = _random_schema(rng, 0)
        expected = vocabulary.meta_schema_errors(schema) == []
        assert vocabulary.meta_schema_accepts(schema) == expected, schema
        verdicts[expected] += 1
    assert verdicts[True] > 200 and verdicts[False] > 200, verdicts


def test_a_value_json_cannot_hold_is_judged_by_the_reference():
    """NaN is no JSON number: the compiled meta-schema cannot judge it, the reference does."""
    schema = {"type": "object", "properties": {"a": {"type": "number", "minimum": float("nan")}}}
    assert not vocabulary.meta_schema_accepts(schema)
    vocabulary.check_schema(schema, "nan.json")  # the meta-schema asks for a number: NaN is one
    schema["properties"]["a"]["maxUtf8ByteLength"] = "x"
    with pytest.raises(SchemaError) as info:
        vocabulary.check_schema(schema, "nan.json")
    assert info.value.pointer == "/properties/a/maxUtf8ByteLength"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-11-28", True),
        ("2026-11-28T10:00:00Z", True),
        ("2026-11-28T10:00:00.250+01:00", True),
        ("2026-11-28T10:00:00", False),  # no offset: not RFC 3339
        ("6/30/17", False),
        ("2026-02-30", False),
        ("2026-11-28\n", False),  # a trailing newline is not a date
    ],
)
def test_date_or_date_time_as_amazon_writes_it(value, valid):
    """`oneOf: [date, date-time]` only works when formats are asserted (exactly one branch matches)."""
    schema = {
        "type": "string",
        "oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
    }
    assert vocabulary.validator_for(schema).is_valid(value) is valid


def test_other_formats_stay_annotations():
    assert vocabulary.validator_for({"type": "string", "format": "email"}).is_valid("not an email")


@pytest.mark.parametrize(("value", "valid"), [("Éric", True), ("abc", True), ("abc1", False), ("", False)])
def test_unicode_property_patterns_as_every_validator_reads_them(value, valid):
    """`\\p{L}` (a letter of any script) compiles in jsonschema-rs and in the models: the reference
    validator (the sandbox's, the opaque rules') reads it too instead of raising re.error."""
    import jsonschema_rs

    schema = _schema(pattern="^\\p{L}+$")
    instance = {"bullet_point": [_item(value)]}
    vocabulary.check_schema(schema, "<pattern>")
    assert _errors(schema, instance) == ([] if valid else ["pattern"])
    assert jsonschema_rs.Draft201909Validator(schema).is_valid(instance) == valid
