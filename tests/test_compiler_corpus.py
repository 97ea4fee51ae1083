"""The compiler over every real schema in ../shared/amazon/product-types and over the samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import amazon_dir, real_schema_files, sample_schema_files
from transpiler.amazon.definitions import load_definition
from transpiler.compiler import compile_definition
from transpiler.config import CONTEXT_PROPERTIES


def _compile(path: Path):
    return compile_definition(load_definition(path))


def _all_schemas() -> list[Path]:
    return real_schema_files() + sample_schema_files()


@pytest.mark.parametrize("path", _all_schemas(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_property_and_every_rule_is_kept(path: Path):
    schema = json.loads(path.read_text())
    product_type = _compile(path)
    assert [a.name for a in product_type.attributes] == list(schema["properties"])
    assert product_type.required == tuple(schema.get("required", ()))
    sources = [c.source for c in product_type.conditions]
    for i in range(len(schema.get("allOf", []))):
        assert any(s == f"/allOf/{i}" or s.startswith(f"/allOf/{i}/") for s in sources), i
    # Every top-level attribute has at least one value leaf, none of them a context property.
    for attribute in product_type.attributes:
        assert attribute.leaves, attribute.name
        assert all(leaf.name not in CONTEXT_PROPERTIES for leaf in attribute.leaves)
        assert all(leaf.path.startswith(attribute.name) for leaf in attribute.leaves)


def test_real_us_product_counts():
    product_type = _compile(amazon_dir() / "product-types/US/PRODUCT.json")
    assert product_type.name == "PRODUCT"
    assert product_type.marketplace_id == "ATVPDKIKX0DER"
    assert product_type.locale == "en_US"
    assert len(product_type.attributes) == 61
    assert len(product_type.conditions) == 32
    assert product_type.opaque_conditions == ()
    assert len(product_type.leaves) == 107
    # One `else` in the corpus: prop 65 chemical names.
    assert sum(1 for c in product_type.conditions if c.otherwise) == 1
    localized = {a.name for a in product_type.attributes if a.localized}
    assert {"item_name", "bullet_point", "product_description", "brand"} <= localized
    assert "externally_assigned_product_identifier" not in localized


def test_real_gb_product_uses_its_envelope():
    product_type = _compile(amazon_dir() / "product-types/A1F83G8C2ARO7P_en_GB/PRODUCT.json")
    assert product_type.requirements == "LISTING_OFFER_ONLY"
    assert product_type.marketplace_id == "A1F83G8C2ARO7P"
    assert product_type.locale == "en_GB"
    assert product_type.version == "UAAAAAAAAAAAAAAAAlYD0vo6680PHaadJWMWTUlER4WE="
    assert product_type.checksum  # Base64 MD5 of the file we read
    assert len(product_type.attributes) == 35
    assert len(product_type.conditions) == 16
    groups = {g.name for g in product_type.groups}
    assert {"offer", "shipping"} <= groups
    assert product_type.attribute("purchasable_offer").group == "offer"


def test_nested_leaves_of_the_real_schema():
    product_type = _compile(amazon_dir() / "product-types/US/PRODUCT.json")
    dims = product_type.attribute("item_package_dimensions")
    paths = [leaf.path for leaf in dims.leaves]
    assert "item_package_dimensions.length.value" in paths
    assert "item_package_dimensions.length.unit" in paths
    unit = dims.leaf("item_package_dimensions.length.unit")
    assert unit.kind == "enum" and {o.value for o in unit.options} >= {"centimeters", "inches"}
    assert unit.options[0].label == "Angstrom"
    ident = product_type.attribute("externally_assigned_product_identifier")
    assert [leaf.path for leaf in ident.leaves] == [
        "externally_assigned_product_identifier.type",
        "externally_assigned_product_identifier.value",
    ]
    assert ident.constraints.selectors == ("marketplace_id", "type")
    price = product_type.attribute("purchasable_offer").leaf("purchasable_offer.our_price.schedule.value_with_tax")
    assert price.kind == "number"
    assert price.arrays == ("purchasable_offer.our_price", "purchasable_offer.our_price.schedule")
    asin = product_type.attribute("merchant_suggested_asin").leaf("merchant_suggested_asin.value")
    assert asin.constraints.max_utf8_bytes == 40
    bullets = product_type.attribute("bullet_point")
    assert bullets.max_values == 10 and bullets.localized


def test_identifier_rule_is_readable():
    from transpiler.rules.describe import describe

    product_type = _compile(amazon_dir() / "product-types/US/PRODUCT.json")
    rule = next(c for c in product_type.conditions if c.source == "/allOf/0")
    assert rule.expressible
    text = describe(rule)
    assert "merchant_suggested_asin" in text
    assert "supplier_declared_has_product_identifier_exemption" in text
    assert text.endswith("then require externally_assigned_product_identifier")


@pytest.mark.parametrize("path", sample_schema_files(), ids=lambda p: p.name)
def test_samples_are_rich_enough(path: Path):
    product_type = _compile(path)
    assert product_type.marketplace_id == "A13V1IB3VIYZZH"
    assert product_type.locale == "fr_FR"
    assert product_type.requirements == "LISTING_PRODUCT_ONLY"
    assert product_type.version and product_type.checksum
    assert len(product_type.attributes) >= 40
    assert product_type.display_name
    # French titles on every attribute.
    assert all(a.title for a in product_type.attributes)
    kinds = {leaf.kind for leaf in product_type.leaves}
    assert {"text", "number", "integer", "boolean", "enum", "open_enum", "date", "url"} <= kinds
    grouped = {name for g in product_type.groups for name in g.property_names}
    assert grouped == {a.name for a in product_type.attributes}
    assert any(a.lifecycle or any(leaf.lifecycle for leaf in a.leaves) for a in product_type.attributes)
