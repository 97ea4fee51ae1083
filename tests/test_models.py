"""Generated pydantic models: fresh, deterministic, exact round trip, errors that name the path."""

from __future__ import annotations

import ast
import copy
import json
import typing
from pathlib import Path

import pytest
from pydantic import ValidationError
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import REPO, validator_with_model
from transpiler.compiler.loading import load_all
from transpiler.compiler.model import Kind
from transpiler.emit.models import (
    module_name,
    normalized_schema,
    render_init,
    render_module,
    render_values_module,
)

GENERATED = REPO / "generated" / "models"
PAYLOADS = REPO / "tests" / "data" / "payloads"
SAMPLES = ["CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES"]


@pytest.fixture(scope="module")
def product_types(workspace):
    return {p.name: p for p in load_all(workspace)}


def _model(name: str):
    from generated.models import module_for

    return module_for(name).MODEL


def _payload(name: str) -> dict:
    data = json.loads((PAYLOADS / f"{name}.valid.json").read_text())
    return data.get("attributes", data) if "productType" in data else data


@pytest.fixture(scope="module")
def rendered(product_types) -> dict[str, str]:
    """Each sample's module as the emitter writes it, rendered once for the module's tests."""
    return {name: render_module(product_type) for name, product_type in product_types.items()}


def test_generated_models_are_up_to_date(product_types, rendered):
    """Fails when generated/models does not match what `make regenerate` writes: run it and commit."""
    expected = {f"{module_name(n)}.py": text for n, text in rendered.items()}
    expected["values.py"] = render_values_module()
    expected["__init__.py"] = render_init(list(product_types.values()))
    present = {p.name for p in GENERATED.glob("*.py")}
    assert present == set(expected), "generated/models has missing or extra files: run `make regenerate`"
    for name, text in expected.items():
        assert (GENERATED / name).read_text() == text, f"generated/models/{name} is stale: run `make regenerate`"


def test_rendering_is_deterministic(product_types, rendered):
    assert render_module(product_types["HEADPHONES"]) == rendered["HEADPHONES"]


def test_a_model_built_in_memory_runs_the_code_of_the_file(product_types, rendered):
    """`build_model` skips the formatter only: the unformatted source is the same program."""
    for name, product_type in product_types.items():
        unformatted = render_module(product_type, formatted=False)
        assert unformatted != rendered[name]
        assert ast.dump(ast.parse(unformatted)) == ast.dump(ast.parse(rendered[name])), name


def test_header_names_checksum_and_generator(product_types):
    for name, product_type in product_types.items():
        text = (GENERATED / f"{module_name(name)}.py").read_text()
        assert product_type.checksum in text.splitlines()[1]
        assert "datamodel-code-generator 0.89.0" in text.splitlines()[2]


@pytest.mark.parametrize("name", SAMPLES)
def test_normalized_schema_snapshot(name, product_types, snapshot):
    """The schema handed to datamodel-code-generator, derived from the attribute model only."""
    schema = normalized_schema(product_types[name])
    assert set(schema["properties"]) == {a.name for a in product_types[name].attributes}
    assert schema["required"] == list(product_types[name].required)
    assert schema == snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", SAMPLES)
def test_valid_payload_round_trips_exactly(name):
    payload = _payload(name)
    listing = _model(name).model_validate(payload)
    assert listing.model_dump(mode="json", by_alias=True, exclude_none=True) == payload
    assert listing.to_amazon() == payload


def test_errors_name_the_attribute_path():
    payload = _payload("CELLULAR_PHONE")
    payload["item_name"][0]["value"] = 42
    payload["brand"][0]["value"] = None
    del payload["operating_system"]
    payload["couleur_inconnue"] = [{"value": "x"}]
    with pytest.raises(ValidationError) as info:
        _model("CELLULAR_PHONE").model_validate(payload)
    locs = {(e["loc"], e["type"]) for e in info.value.errors()}
    assert (("item_name", 0, "value"), "string_type") in locs
    assert (("brand", 0, "value"), "string_type") in locs  # null is never allowed
    assert (("operating_system",), "missing") in locs
    assert (("couleur_inconnue",), "extra_forbidden") in locs


def test_conditions_are_model_validators(product_types):
    payload = _payload("CELLULAR_PHONE")
    payload["batteries_included"] = [{"value": True, "marketplace_id": "A13V1IB3VIYZZH"}]
    payload.pop("battery", None)
    with pytest.raises(ValidationError) as info:
        _model("CELLULAR_PHONE").model_validate(payload)
    missing = [e["loc"] for e in info.value.errors() if e["type"] == "amazon_missing"]
    assert ("battery",) in missing


def test_utf8_byte_limit_and_selectors_are_enforced(product_types):
    product_type = product_types["CELLULAR_PHONE"]
    present = _payload("CELLULAR_PHONE")
    leaf = next(
        leaf for leaf in product_type.leaves
        if leaf.constraints.max_utf8_bytes and not leaf.options and leaf.path.split(".")[0] in present
        and (leaf.constraints.max_length or 10**9) > leaf.constraints.max_utf8_bytes // 2
    )
    payload = _payload("CELLULAR_PHONE")
    attribute, _, prop = leaf.path.partition(".")
    payload[attribute][0][prop] = "é" * (leaf.constraints.max_utf8_bytes // 2 + 1)
    with pytest.raises(ValidationError) as info:
        _model("CELLULAR_PHONE").model_validate(payload)
    assert [e["loc"] for e in info.value.errors()] == [(attribute, 0, prop)]

    payload = _payload("CELLULAR_PHONE")
    payload["brand"].append(copy.deepcopy(payload["brand"][0]))
    with pytest.raises(ValidationError) as info:
        _model("CELLULAR_PHONE").model_validate(payload)
    assert [e["loc"] for e in info.value.errors()] == [("brand",)]


def test_french_option_labels_come_from_the_attribute_model(product_types):
    model = _model("CELLULAR_PHONE")
    for leaf in product_types["CELLULAR_PHONE"].leaves:
        for option in leaf.options:
            if option.label:
                assert model.label(leaf.path, option.value) == option.label
    assert model.label("parentage_level.value", "child") == "Enfant"
    assert any(leaf.kind == Kind.ENUM for leaf in product_types["CELLULAR_PHONE"].leaves)


def test_items_built_in_code_default_to_the_definition_marketplace_and_language(product_types):
    from generated.models.cellular_phone import Brand, CellularPhone

    brand = Brand(value="Samsung")
    phone = product_types["CELLULAR_PHONE"]
    assert (brand.marketplace_id, brand.language_tag) == (phone.marketplace_id, phone.locale)
    assert brand.marketplace_id == "A13V1IB3VIYZZH" and brand.language_tag == "fr_FR"
    # Parsing a payload fills nothing in: Amazon requires the context in every item.
    payload = _payload("CELLULAR_PHONE")
    del payload["brand"][0]["marketplace_id"]
    with pytest.raises(ValidationError) as info:
        CellularPhone.model_validate(payload)
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("brand", 0, "marketplace_id"), "amazon_missing")]


def test_init_maps_every_product_type():
    from generated.models import MODULES, module_for

    assert set(MODULES) == set(SAMPLES)
    for name in SAMPLES:
        assert name == module_for(name).PRODUCT_TYPE
        assert Path(module_for(name).__file__).parent == GENERATED


def _errors(name: str, payload: dict) -> set[tuple[tuple, str]]:
    try:
        _model(name).model_validate(payload)
    except ValidationError as exc:
        return {(e["loc"], e["type"]) for e in exc.errors()}
    return set()


def test_optional_nested_objects_require_their_members_when_present(product_types):
    display = product_types["CELLULAR_PHONE"].attribute("display")
    assert display.leaf("display.size.unit").required_chain == (False, True)
    payload = _payload("CELLULAR_PHONE")
    del payload["display"][0]["size"][0]["unit"]
    assert _errors("CELLULAR_PHONE", payload) == {(("display", 0, "size", 0, "unit"), "missing")}
    payload = _payload("CELLULAR_PHONE")
    del payload["display"][0]["size"]  # the optional object itself may be absent
    assert _errors("CELLULAR_PHONE", payload) == set()
    # A context property required by a nested object: defaulted in code, required in a payload.
    payload = _payload("CELLULAR_PHONE")
    del payload["display"][0]["type"][0]["language_tag"]
    assert _errors("CELLULAR_PHONE", payload) == {(("display", 0, "type", 0, "language_tag"), "amazon_missing")}


def test_nested_arrays_keep_their_item_limits(product_types):
    assert dict(product_types["CELLULAR_PHONE"].attribute("battery").array_constraints)["battery.weight"].min_items == 1
    payload = _payload("CELLULAR_PHONE")
    payload["battery"][0]["weight"] = []
    assert _errors("CELLULAR_PHONE", payload) == {(("battery", 0, "weight"), "too_short")}
    payload = _payload("CELLULAR_PHONE")
    payload["battery"][0]["weight"].append(copy.deepcopy(payload["battery"][0]["weight"][0]))
    assert _errors("CELLULAR_PHONE", payload) == {(("battery", 0, "weight"), "too_long")}


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("2024-01-31", True), ("2024-02-30", False), ("2024-01-31T10:00:00Z", False), ("31/01/2024", False)],
)
def test_date_formats_are_asserted_and_kept_as_text(value, accepted):
    payload = _payload("CELLULAR_PHONE")
    payload["product_site_launch_date"][0]["value"] = value
    errors = _errors("CELLULAR_PHONE", payload)
    assert (not errors) == accepted, errors
    if accepted:
        dumped = _model("CELLULAR_PHONE").model_validate(payload).to_amazon()
        assert dumped["product_site_launch_date"][0]["value"] == value
    else:
        assert errors == {(("product_site_launch_date", 0, "value"), "amazon_invalid")}


def test_numbers_follow_json_schema_and_serialize_unchanged():
    payload = _payload("CELLULAR_PHONE")
    payload["number_of_items"][0]["value"] = 1.0  # an integer in JSON Schema
    payload["battery"][0]["capacity"][0]["value"] = 4000  # an int in a number field stays an int
    dumped = _model("CELLULAR_PHONE").model_validate(payload).to_amazon()
    assert json.dumps(dumped, sort_keys=True) == json.dumps(payload, sort_keys=True)
    assert type(dumped["number_of_items"][0]["value"]) is float
    assert type(dumped["battery"][0]["capacity"][0]["value"]) is int
    for bad, kind in ((1.5, "int_from_float"), (True, "int_type"), ("1", "int_type")):
        payload["number_of_items"][0]["value"] = bad
        assert _errors("CELLULAR_PHONE", payload) == {(("number_of_items", 0, "value"), kind)}
    # multipleOf on the decimal values written: prices in cents pass, a third decimal does not.
    payload = _payload("CELLULAR_PHONE")
    for price in (319.72, 19.99, 0.07, 1234.56, 319.75, 959):
        payload["list_price"][0]["value_with_tax"] = price
        assert _errors("CELLULAR_PHONE", payload) == set(), price
    payload["list_price"][0]["value_with_tax"] = 19.999
    assert _errors("CELLULAR_PHONE", payload) == {(("list_price", 0, "value_with_tax"), "amazon_invalid")}


def test_real_schema_nested_offer_schedule(amazon, workspace):
    """US PRODUCT: a discounted price's schedule requires start_at, end_at and value_with_tax, at least
    one schedule, and dates as date or date-time with an offset."""
    from transpiler.amazon.vocabulary import validator_for
    validator = validator_with_model(amazon / "product-types" / "US" / "PRODUCT.json", workspace)
    oracle = validator_for(validator.schema)
    schedule = {"value_with_tax": 19.99, "start_at": "2026-11-28", "end_at": "2026-12-01T00:00:00+01:00"}
    offer = {"currency": "USD", "marketplace_id": "ATVPDKIKX0DER", "discounted_price": [{"schedule": [schedule]}]}

    def offer_with(**changes) -> dict:
        value = copy.deepcopy(offer)
        item = value["discounted_price"][0]["schedule"][0]
        for key, new in changes.items():
            if new is None:
                del item[key]
            else:
                item[key] = new
        return value

    def purchasable_errors(value: dict) -> set:
        try:
            validator.model.model_validate({"purchasable_offer": [value]})
        except ValidationError as exc:
            return {e["loc"] for e in exc.errors() if e["loc"][:1] == ("purchasable_offer",)}
        return set()

    at = ("purchasable_offer", 0, "discounted_price", 0, "schedule", 0)
    assert purchasable_errors(offer) == set()
    assert (*at, "start_at") in purchasable_errors(offer_with(start_at=None))
    assert (*at, "start_at") in purchasable_errors(offer_with(start_at="2026-11-28T10:00:00"))
    assert (*at, "end_at") in purchasable_errors(offer_with(end_at="6/30/17"))
    empty = copy.deepcopy(offer)
    empty["discounted_price"][0]["schedule"] = []
    assert at[:-1] in purchasable_errors(empty)
    # Full Draft 2019-09 validation of the schema finds a problem in the offer exactly then.
    for value in (offer, offer_with(start_at=None), offer_with(start_at="2026-11-28T10:00:00"), empty):
        errors = oracle.iter_errors({"purchasable_offer": [value]})
        in_offer = any(list(e.absolute_path)[:1] == ["purchasable_offer"] for e in errors)
        assert in_offer == bool(purchasable_errors(value))


@pytest.mark.parametrize(
    ("item", "accepted"),
    [
        ({"value": 1}, True),
        ({"value": 1.0}, True),
        ({"value": True}, False),
        ({"value": 3}, False),
        ({"value": 2, "sealed": True}, True),
        ({"value": 2, "sealed": 1}, False),
        ({"value": 6, "codes": ["a", "b"]}, True),
        ({"value": 6, "codes": ["a", "a"]}, False),
        ({"value": 6, "sizes": [1, 2.5]}, True),
        ({"value": 6, "sizes": [1, 1.0]}, False),
    ],
)
def test_closed_lists_of_numbers_and_unique_items_follow_json_schema(tmp_path, workspace, item, accepted):
    """Integer / boolean closed lists and uniqueItems use JSON equality (1 == 1.0, true != 1), like the schema."""
    from transpiler.amazon.vocabulary import validator_for

    schema = json.loads((REPO / "assets/amazon/A13V1IB3VIYZZH/fr_FR/HEADPHONES.json").read_text())
    properties = {
        "value": {"type": "integer", "enum": [1, 2, 6]},
        "sealed": {"type": "boolean", "enum": [True]},
        "codes": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "sizes": {"type": "array", "uniqueItems": True, "items": {"type": "number"}},
        "marketplace_id": {"type": "string"},
    }
    schema["properties"]["pack_count"] = {
        "type": "array", "items": {"type": "object", "required": ["value"], "properties": properties}
    }
    path = tmp_path / "HEADPHONES_PACK.json"
    path.write_text(json.dumps(schema))
    validator = validator_with_model(path, workspace)  # the same schema each time: one model for all cases
    payload = {**_payload("HEADPHONES"), "pack_count": [{**item, "marketplace_id": "A13V1IB3VIYZZH"}]}
    assert validator_for(validator.schema).is_valid(payload) == accepted
    try:
        listing = validator.model.model_validate(payload)
    except ValidationError:
        assert not accepted
    else:
        assert accepted
        assert json.dumps(listing.to_amazon(), sort_keys=True) == json.dumps(payload, sort_keys=True)
    assert (validator.check(payload) == []) == accepted


# --- lean generated models ------------------------------------------------------------------------


def test_importing_a_model_costs_pydantic_and_the_rules_runtime_only():
    """A generated model imports pydantic, its shared base classes and `transpiler.rules`: never the
    compiler, the emitters, jsonschema (the reference validator) or the meta-schema."""
    import subprocess
    import sys

    code = ("import sys, json; import generated.models.headphones, generated.models.cellular_phone; "
            "print(json.dumps(sorted(sys.modules)))")
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code], cwd=REPO)))
    project = {m for m in loaded if m.startswith(("transpiler", "generated"))}
    allowed = ("transpiler.rules", "transpiler.amazon.keywords", "transpiler.amazon.formats",
               "transpiler.amazon.patterns", "transpiler.json_equality", "generated.models")
    assert {m for m in project if not m.startswith(allowed)} <= {"transpiler", "transpiler.amazon", "generated"}
    assert "regex" not in loaded  # loaded by a rule's pattern only (transpiler.amazon.patterns.search)
    assert "transpiler.rules.listing" in loaded
    for heavy in ("jsonschema", "referencing", "jsonschema_rs", "datamodel_code_generator", "jinja2", "black"):
        assert heavy not in loaded, heavy


def _generated_classes() -> dict[str, list]:
    import ast

    out = {}
    for path in sorted(GENERATED.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out[path.name] = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    return out


def test_generated_classes_are_configured_not_patched():
    """The model config lives once on the shared bases; optional members say `| None`; no class
    repeats another."""
    import ast

    for name, classes in _generated_classes().items():
        for cls in classes:
            for statement in cls.body:
                if isinstance(statement, ast.Assign):
                    assert [t.id for t in statement.targets if isinstance(t, ast.Name)] != ["model_config"] or \
                        name == "values.py", f"{name}: {cls.name} repeats the model config"
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.value, ast.Constant) \
                        and statement.value.value is None:
                    annotation = ast.unparse(statement.annotation)
                    assert "| None" in annotation, f"{name}: {cls.name}.{ast.unparse(statement.target)}: {annotation}"
    values_config = [s for c in _generated_classes()["values.py"] for s in c.body if isinstance(s, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "model_config" for t in s.targets)]
    assert len(values_config) == 1  # once, on AmazonObject
    model = _model("HEADPHONES")
    items = {model.model_fields[f"other_product_image_locator_{n}"].annotation for n in range(1, 9)}
    assert len(items) == 1  # eight identical image locator items, one class


def test_null_is_refused_where_a_member_may_be_absent():
    """Optional members default to None (absent); an explicit null is refused as Amazon's schema does."""
    payload = _payload("HEADPHONES")
    assert "color" in payload and "value" in payload["color"][0]
    model = _model("HEADPHONES")
    assert model.model_validate(payload).to_amazon() == payload
    absent = copy.deepcopy(payload)
    del absent["color"][0]["value"]
    del absent["generic_keyword"]
    assert _errors("HEADPHONES", absent) == set()
    null_member = copy.deepcopy(payload)
    null_member["color"][0]["value"] = None
    assert _errors("HEADPHONES", null_member) == {(("color", 0, "value"), "null_value")}
    null_attribute = copy.deepcopy(payload)
    null_attribute["generic_keyword"] = None
    assert _errors("HEADPHONES", null_attribute) == {(("generic_keyword",), "null_value")}
    assert model.model_fields["brand"].is_required()
    required_null = copy.deepcopy(payload)
    required_null["brand"] = None  # a required member refuses null through its own type
    assert _errors("HEADPHONES", required_null) == {(("brand",), "list_type")}
    # built in Python code, an item gets its product type's marketplace and language
    color_list = next(a for a in typing.get_args(model.model_fields["color"].annotation) if a is not type(None))
    (color_type,) = typing.get_args(color_list)  # list[Color] | None
    item = color_type(value="Noir")
    assert (item.marketplace_id, item.language_tag, item.standardized_values) == ("A13V1IB3VIYZZH", "fr_FR", None)


def test_bounds_of_numbers_in_arrays_are_checked_by_the_model_alone(tmp_path):
    """A number that is an array item carries its bounds through ListingRules: the model alone gives
    the schema's verdict."""
    from transpiler.amazon.vocabulary import validator_for

    schema = json.loads((REPO / "assets/amazon/A13V1IB3VIYZZH/fr_FR/HEADPHONES.json").read_text())
    schema["properties"]["driver_sizes"] = {"type": "array", "items": {"type": "object", "properties": {
        "value": {"type": "array", "items": {"type": "number", "minimum": 5, "exclusiveMaximum": 60}},
        "marketplace_id": {"type": "string"}}}}
    schema["properties"]["channel_counts"] = {"type": "array", "items": {"type": "integer", "maximum": 8}}
    path = tmp_path / "HEADPHONES_DRIVERS.json"
    path.write_text(json.dumps(schema))
    validator = validator_with_model(path)
    oracle = validator_for(validator.schema)
    base = _payload("HEADPHONES")
    for sizes, counts in (([5, 59.5], [2, 8]), ([4.9], [2]), ([60], [2]), ([40], [9]), ([40], [2.0])):
        payload = {**base, "driver_sizes": [{"value": sizes, "marketplace_id": "A13V1IB3VIYZZH"}],
                   "channel_counts": counts}
        try:
            validator.model.model_validate(payload)
            model_accepts = True
        except ValidationError:
            model_accepts = False
        assert model_accepts == oracle.is_valid(payload), (sizes, counts)


def _headphones_variant(tmp_path, workspace, name, edit):
    """The validator of the HEADPHONES sample changed by `edit` (a hand-written rule shape)."""
    schema = json.loads((REPO / "assets/amazon/A13V1IB3VIYZZH/fr_FR/HEADPHONES.json").read_text())
    edit(schema)
    path = tmp_path / f"HEADPHONES_{name}.json"
    path.write_text(json.dumps(schema))
    return validator_with_model(path, workspace)


def _verdicts_agree(validator, payload, accepted):
    """The reference validator, `validate()` and the generated model alone all give `accepted`; an
    accepted payload comes back from the model unchanged. Returns the model's error, if any."""
    from transpiler.amazon.vocabulary import validator_for

    assert validator_for(validator.schema).is_valid(payload) == accepted
    assert (validator.check(payload) == []) == accepted
    try:
        listing = validator.model.model_validate(payload)
    except ValidationError as error:
        assert not accepted
        return error
    assert accepted
    assert json.dumps(listing.to_amazon(), sort_keys=True) == json.dumps(payload, sort_keys=True)
    return None


@pytest.mark.parametrize("closed", [False, True])
def test_attributes_the_root_does_not_close_are_accepted_and_kept(tmp_path, workspace, closed):
    """A root without `additionalProperties: false` (a shape of real schemas such as HAIRBAND) accepts
    attributes it does not declare, as the reference validator does; the model keeps them."""
    def edit(schema):
        if not closed:
            del schema["additionalProperties"]

    validator = _headphones_variant(tmp_path, workspace, "CLOSED" if closed else "OPEN", edit)
    payload = {**_payload("HEADPHONES"), "attribut_local": [{"value": "x"}], "note": None}
    error = _verdicts_agree(validator, payload, accepted=not closed)
    if closed:
        assert {e["loc"][0] for e in error.errors()} == {"attribut_local", "note"}
    with pytest.raises(ValidationError):  # declared attributes keep their checks
        validator.model.model_validate({**payload, "brand": "Sony"})


@pytest.mark.parametrize(("value", "accepted"), [(7, True), (1, True), (2.0, True), ("1", False), (1.5, False)])
def test_suggested_numbers_are_not_a_closed_list(tmp_path, workspace, value, accepted):
    """`anyOf [integer, integer with enum]` suggests values and accepts any integer, as the reference does."""
    suggested = {"type": "integer", "enum": [1, 2], "enumNames": ["Un", "Deux"]}

    def edit(schema):
        schema["properties"]["pack_count"] = {"type": "array", "items": {
            "type": "object", "required": ["value"], "additionalProperties": False, "properties": {
                "value": {"type": "integer", "anyOf": [{"type": "integer"}, suggested]},
                "marketplace_id": {"type": "string"}}}}

    validator = _headphones_variant(tmp_path, workspace, "SUGGESTED", edit)
    assert validator.product_type.attribute("pack_count").leaves[0].kind == Kind.OPEN_ENUM
    payload = {**_payload("HEADPHONES"), "pack_count": [{"value": value, "marketplace_id": "A13V1IB3VIYZZH"}]}
    _verdicts_agree(validator, payload, accepted)


@pytest.mark.parametrize(("item", "accepted"), [
    ({"value": "abc", "origine": 5}, True),
    ({"value": "abc", "detail": {"code": "x"}, "lot": [1, None]}, True),
    ({"value": "abc", "detail": {"code": "x", "autre": 1}}, False),
    ({"value": "abcdefghijkl", "origine": 5}, False),
])
def test_item_objects_that_do_not_close_accept_undeclared_members(tmp_path, workspace, item, accepted):
    """An item (or nested object) without `additionalProperties: false` accepts members it does not
    declare, as the reference does; a closed object inside it still refuses them."""
    detail = {"type": "object", "additionalProperties": False, "properties": {"code": {"type": "string"}}}

    def edit(schema):
        schema["properties"]["pack_note"] = {"type": "array", "items": {
            "type": "object", "required": ["value"], "properties": {
                "value": {"type": "string", "maxLength": 10}, "detail": detail,
                "marketplace_id": {"type": "string"}}}}

    validator = _headphones_variant(tmp_path, workspace, "OPEN_ITEM", edit)
    payload = {**_payload("HEADPHONES"), "pack_note": [{**item, "marketplace_id": "A13V1IB3VIYZZH"}]}
    _verdicts_agree(validator, payload, accepted)
