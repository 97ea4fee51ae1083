"""Field mapping: keys, value transforms, and the attributes -> fields -> attributes identity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, real_schema_files, sample_schema_files
from transpiler.compiler.loading import load_product_type
from transpiler.compiler.model import Kind, Leaf, ProductType
from transpiler.config import Settings
from transpiler.mapping import publication
from transpiler.mapping.builder import build_mapping, build_mappings
from transpiler.mapping.field_codec import attributes_to_fields, fields_to_attributes, number_text
from transpiler.mapping.identifiers import EAN
from transpiler.mapping.json_codec import load_mapping, mapping_document, mapping_from_document
from transpiler.mapping.keys import clip_title, field_key, key_problem, option_key
from transpiler.mapping.types import Mapping, Quantity
from transpiler.workspace import DEFAULT_GENERATED, Workspace

SETTINGS = Settings()
CONTEXT = {"marketplace_id": SETTINGS.marketplace_id, "language_tag": SETTINGS.language_tag}


#: Schema files, listed without compiling them: the compiled types come from the fixtures below,
#: built once when a test first asks (never at import time, so collecting this module is cheap).
SAMPLE_FILES = sample_schema_files()
ALL_FILES = SAMPLE_FILES + real_schema_files()


@pytest.fixture(scope="module")
def samples(workspace: Workspace) -> list[ProductType]:
    """The sample product types (CELLULAR_PHONE first), compiled once for the session."""
    return [load_product_type(p, workspace=workspace) for p in SAMPLE_FILES]


@pytest.fixture(scope="module")
def mappings(samples: list[ProductType], workspace: Workspace) -> dict[str, tuple[ProductType, Mapping]]:
    """Every sample and real schema file -> its product type and mapping (built together, as regenerate does)."""
    types = samples + [load_product_type(p, workspace=workspace) for p in ALL_FILES[len(SAMPLE_FILES):]]
    return {_file_id(path): pair for path, pair in zip(ALL_FILES, zip(types, build_mappings(types), strict=True),
                                                        strict=True)}


def _file_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_keys_come_from_paths() -> None:
    assert field_key("item_package_dimensions.length.value") == "item_package_dimensions_length"
    assert field_key("item_name.value") == "item_name"
    assert field_key("list_price.value_with_tax") == "list_price_value_with_tax"
    assert option_key(True) == "true" and option_key(12) == "12"
    for bad in ("", " padded ", "x" * 300):
        key = option_key(bad)
        assert key_problem(key) is None and key != bad
    assert len(clip_title("é" * 400)) == 255


def test_sample_keys_and_layouts(samples: list[ProductType]) -> None:
    phone = build_mapping(samples[0])
    keys = set(phone.keys)
    assert {f"bullet_point_{i}" for i in range(1, 6)} <= keys and "bullet_point_6" not in keys
    assert "item_package_dimensions_length" in keys
    assert not any("language_tag" in k or "marketplace_id" in k for k in keys)
    ean = phone.field(EAN)
    assert ean.role == "identifier" and ean.slot_value == "ean"
    weight = phone.field("item_package_weight")
    assert weight.transform == "unit" and weight.default_suffix == "grams"  # a phone weighs grams
    assert [c.title for c in phone.field("batteries_required").options] == ["Oui", "Non"]
    assert phone.field("connectivity_technology").type == "MULTIPLE-SELECT"
    assert set(publication.KEYS).isdisjoint(keys)


@pytest.mark.parametrize("index", range(len(SAMPLE_FILES)), ids=[p.stem for p in SAMPLE_FILES])
def test_example_payloads_round_trip(index: int, samples: list[ProductType]) -> None:
    product_type = samples[index]
    mapping = build_mapping(product_type)
    payload = json.loads((REPO / "tests" / "data" / "payloads" / f"{product_type.name}.valid.json").read_text())
    fields = attributes_to_fields(mapping, payload)
    assert fields_to_attributes(mapping, fields, SETTINGS) == payload


def test_value_encodings_on_the_phone_example(samples: list[ProductType]) -> None:
    mapping = build_mapping(samples[0])
    payload = json.loads((REPO / "tests" / "data" / "payloads" / "CELLULAR_PHONE.valid.json").read_text())
    fields = attributes_to_fields(mapping, payload)
    assert fields[EAN] == "8806095299686"
    assert fields["list_price_value_with_tax"] == "959"
    assert isinstance(fields["memory_storage_capacity"], Quantity)
    assert isinstance(fields["connectivity_technology"], list)
    assert fields["batteries_required"] in ("true", "false")


def test_unknown_option_names_the_field(samples: list[ProductType]) -> None:
    mapping = build_mapping(samples[0])
    with pytest.raises(ValueError, match="country_of_origin"):
        fields_to_attributes(mapping, {"country_of_origin": "ATLANTIS"}, SETTINGS)


def test_number_text_has_no_exponent() -> None:
    assert number_text(1e-7) == "0.0000001"
    assert number_text(2.5) == "2.5" and number_text(3.0) == "3" and number_text(12) == "12"


def test_mapping_json_round_trips_and_generated_files_are_loadable(
        samples: list[ProductType], mappings: dict[str, tuple[ProductType, Mapping]]) -> None:
    for _, mapping in mappings.values():
        assert mapping_from_document(json.loads(json.dumps(mapping_document(mapping)))) == mapping
    generated = load_mapping(DEFAULT_GENERATED / "mapping", "CELLULAR_PHONE")
    assert generated == build_mappings(samples)[0]


def test_the_mapping_carries_what_the_publisher_needs_to_patch(samples: list[ProductType]) -> None:
    """Selectors, editable and identity flags per attribute, hidden ones included, in the file."""
    phone = samples[0]
    mapping = load_mapping(DEFAULT_GENERATED / "mapping", phone.name)
    assert [rules.name for rules in mapping.attributes] == [a.name for a in phone.attributes]
    for attribute in phone.attributes:
        rules = mapping.rules(attribute.name)
        assert rules.selectors == attribute.constraints.selectors
        assert rules.editable == attribute.editable
    assert mapping.selectors["externally_assigned_product_identifier"] == ("marketplace_id", "type")
    assert {"merchant_suggested_asin", "externally_assigned_product_identifier",
            "supplier_declared_has_product_identifier_exemption"} <= mapping.frozen
    assert mapping.rules("supplier_declared_has_product_identifier_exemption").editable  # identity, not editable
    assert not mapping.rules("brand").editable and "brand" in mapping.frozen  # `editable: false`
    assert "item_name" not in mapping.frozen and "item_name" in mapping.managed
    assert mapping.rules("not_an_attribute").patchable  # unknown to the schema: the defaults
    assert (mapping.version, mapping.checksum) == (phone.version, phone.checksum)


# --- property: attributes -> fields -> attributes is the identity ------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s != ""
)


def _scalar(leaf: Leaf, transform: str, options: tuple) -> st.SearchStrategy[Any]:
    if transform in ("select", "list1", "values_select", "items_select") and options:
        return st.sampled_from([c.value for c in options])
    if leaf.kind == Kind.BOOLEAN:
        return st.booleans()
    if leaf.kind == Kind.INTEGER or leaf.value_type == "integer":
        return st.integers(-(10**9), 10**9)
    if leaf.kind == Kind.NUMBER:
        return st.floats(-1e9, 1e9, allow_nan=False) | st.integers(-(10**6), 10**6)
    if leaf.kind == Kind.DATE:
        return st.dates().map(lambda d: d.isoformat())
    if leaf.kind == Kind.DATE_TIME:
        return st.datetimes().map(lambda d: d.isoformat() + "Z")
    return _TEXT


def _put(item: dict, rel: str, value: Any, arrays: set[str]) -> None:
    parts = rel.split(".")
    node = item
    for i, part in enumerate(parts[:-1]):
        is_array = ".".join(parts[: i + 1]) in arrays
        node = node.setdefault(part, [{}])[0] if is_array else node.setdefault(part, {})
    node[parts[-1]] = value


@st.composite
def payloads(draw, product_type: ProductType, mapping: Mapping) -> dict[str, Any]:
    """An Amazon attributes object drawn from the attribute model, within what the mapping holds."""
    out: dict[str, Any] = {}
    for layout in mapping.layouts:
        if not draw(st.booleans()):
            continue
        attribute = product_type.attribute(layout.name)
        fields = [f for f in mapping.fields if f.attribute == layout.name]
        if not fields:
            continue
        leaves = {leaf.path: leaf for leaf in attribute.leaves}
        arrays = set(layout.arrays)
        if layout.layout == "items_select":
            f = fields[0]
            values = draw(st.lists(st.sampled_from([c.value for c in f.options]), min_size=1,
                                   max_size=min(layout.slots, len(f.options)), unique=True))
            items = [{} for _ in values]
            for item, value in zip(items, values, strict=True):
                _put(item, f.path.partition(".")[2], value, arrays)
        else:
            if layout.layout == "keyed":
                slots = draw(st.lists(st.sampled_from(layout.selector_values), min_size=1, unique=True))
                slots = [v for v in layout.selector_values if v in slots]
            else:
                slots = list(range(draw(st.integers(1, layout.slots))))
            items = []
            for slot in slots:
                mine = [f for f in fields if (f.slot_value if layout.layout == "keyed" else f.slot_index or 0) == slot]
                if not mine:
                    continue
                chosen = draw(st.lists(st.sampled_from(mine), min_size=1, unique_by=lambda f: f.key))
                item: dict[str, Any] = {}
                if layout.layout == "keyed":
                    item[layout.selector] = slot
                for f in chosen:
                    leaf = leaves[f.path]
                    rel = f.path.partition(".")[2]
                    if f.transform == "unit":
                        _put(item, rel, draw(_scalar(leaf, "number", ())), arrays)
                        unit = draw(st.sampled_from([c.value for c in f.suffixes]))
                        _put(item, f.unit_path.partition(".")[2], unit, arrays)
                    elif f.transform == "list1":
                        _put(item, rel, [draw(_scalar(leaf, "list1", f.options))], arrays)
                    elif f.transform in ("values_select", "lines"):
                        element = _scalar(leaf, f.transform, f.options)
                        _put(item, rel, draw(st.lists(element, min_size=1, max_size=3, unique=True)), arrays)
                    else:
                        _put(item, rel, draw(_scalar(leaf, f.transform, f.options)), arrays)
                items.append(item)
        for item in items:
            for path, value in layout.constants:
                _put(item, path, value, arrays)
            for path in layout.context:
                parent_path, _, name = path.rpartition(".")
                parent = item
                for part in parent_path.split(".") if parent_path else []:
                    parent = parent.get(part) if isinstance(parent, dict) else None
                    if isinstance(parent, list):
                        parent = parent[0]
                if isinstance(parent, dict):
                    parent[name] = CONTEXT[name]
        if items:
            out[layout.name] = items
    return out


@pytest.mark.parametrize("schema", [_file_id(p) for p in ALL_FILES])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_round_trip_is_identity(schema: str, mappings: dict[str, tuple[ProductType, Mapping]], data) -> None:
    product_type, mapping = mappings[schema]
    payload = data.draw(payloads(product_type, mapping))
    fields = attributes_to_fields(mapping, payload)
    assert fields_to_attributes(mapping, fields, SETTINGS) == payload


def test_suggested_numbers_are_a_number_field(tmp_path: Path) -> None:
    """An integer with suggested values (`anyOf [integer, integer with enum]`) is a NUMBER field that
    publishes a JSON integer, its suggestions in the help text: a text field would send "7"."""
    schema = json.loads((REPO / "assets/amazon/A13V1IB3VIYZZH/fr_FR/HEADPHONES.json").read_text())
    suggested = {"type": "integer", "enum": [1, 2], "enumNames": ["Un", "Deux"]}
    schema["properties"]["pack_count"] = {"title": "Lot", "type": "array", "maxItems": 1, "items": {
        "type": "object", "required": ["value"], "additionalProperties": False, "properties": {
            "value": {"type": "integer", "minimum": 1, "anyOf": [{"type": "integer"}, suggested]},
            "marketplace_id": {"type": "string"}}}}
    path = tmp_path / "HEADPHONES_SUGGESTED.json"
    path.write_text(json.dumps(schema))
    mapping = build_mapping(load_product_type(path))
    field = next(f for f in mapping.fields if f.path == "pack_count.value")
    assert (field.type, field.transform, field.precision) == ("NUMBER", "number", 0)
    assert "1 (Un), 2 (Deux)" in field.description
    payload = {"pack_count": [{"value": 7, "marketplace_id": "A13V1IB3VIYZZH"}]}
    fields = attributes_to_fields(mapping, payload)
    assert fields[field.key] == "7"
    assert fields_to_attributes(mapping, fields, SETTINGS) == payload
