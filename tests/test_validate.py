"""`validate()` and `pl-amazon check`: Amazon-shaped issues in French, bad input without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO, amazon_dir
from transpiler.cli import main
from transpiler.validation import Issue, validate, validator_for_product_type
from transpiler.validation.issues import INVALID_ATTRIBUTE, MISSING_ATTRIBUTE
from transpiler.workspace import Workspace

PAYLOADS = REPO / "tests" / "data" / "payloads"


def _payload(name: str = "CELLULAR_PHONE") -> dict:
    return json.loads((PAYLOADS / f"{name}.valid.json").read_text())


@pytest.mark.parametrize("name", ["CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES"])
def test_sample_payloads_are_valid(name, workspace):
    assert validate(name, _payload(name), workspace=workspace) == []


def test_validator_is_compiled_once_and_cached():
    workspace = Workspace.create()
    assert validator_for_product_type("HEADPHONES", workspace=workspace) is validator_for_product_type(
        "HEADPHONES", workspace=workspace)
    assert len(workspace.validators) == 1 and len(workspace.product_types) == 1 and len(workspace.models) == 1
    # no hidden module-level cache: another workspace builds its own
    assert validator_for_product_type("HEADPHONES") is not validator_for_product_type("HEADPHONES", workspace=workspace)


def test_missing_required_attribute_is_amazon_shaped(workspace):
    payload = _payload()
    del payload["brand"]
    [issue] = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert issue.as_amazon() == {
        "code": "90220",
        "message": "« brand » est obligatoire mais n'a pas été fourni.",
        "severity": "ERROR",
        "attributeNames": ["brand"],
        "categories": [MISSING_ATTRIBUTE],
    }
    assert issue.path == "/brand"


def test_unknown_attribute_is_90000900(workspace):
    payload = _payload()
    payload["couleur"] = [{"value": "Noir"}]
    [issue] = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert (issue.code, issue.attribute_names, issue.categories) == ("90000900", ("couleur",), (INVALID_ATTRIBUTE,))
    assert "n'existe pas" in issue.message


def test_attribute_that_is_not_an_array(workspace):
    payload = _payload()
    payload["brand"] = payload["brand"][0]
    issues = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert issues and all(i.attribute_names == ("brand",) for i in issues)
    assert any(i.path == "/brand" and "tableau" in i.message for i in issues)


@pytest.mark.parametrize("payload", [[], "texte", 3, None])
def test_payload_that_is_not_an_object(payload, workspace):
    [issue] = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert issue.categories == (INVALID_ATTRIBUTE,) and "objet JSON" in issue.message


def test_non_json_text_is_an_issue_not_an_exception(workspace):
    validator = validator_for_product_type("CELLULAR_PHONE", workspace=workspace)
    [issue] = validator.check_text('{"brand": [')
    assert "JSON valide" in issue.message and "ligne 1" in issue.message
    assert validator.check_text(json.dumps({"productType": "CELLULAR_PHONE", "attributes": _payload()})) == []


def test_too_long_in_utf8_bytes_but_not_in_characters(workspace):
    validator = validator_for_product_type("CELLULAR_PHONE", workspace=workspace)
    leaf = validator.product_type.attribute("item_name").leaf("item_name.value")
    limit = leaf.constraints.max_utf8_bytes
    assert limit and (leaf.constraints.max_length or 10**9) >= limit // 3 + 1
    payload = _payload()
    payload["item_name"][0]["value"] = "€" * (limit // 3 + 1)  # 3 bytes per character
    [issue] = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert issue.path == "/item_name/0/value" and "octets" in issue.message
    payload["item_name"][0]["value"] = "€" * (limit // 3)
    assert validate("CELLULAR_PHONE", payload, workspace=workspace) == []


def test_conditional_rule_names_the_missing_attribute(workspace):
    payload = _payload()
    payload["batteries_included"] = [{"value": True, "marketplace_id": "A13V1IB3VIYZZH"}]
    payload.pop("battery", None)
    issues = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert any(i.code == "90220" and i.attribute_names == ("battery",) for i in issues)


def test_unknown_product_type_raises_one_line_error(workspace):
    from transpiler.errors import UnknownProductTypeError

    with pytest.raises(UnknownProductTypeError):
        validate("NO_SUCH_TYPE", {}, workspace=workspace)


# --- CLI ---------------------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_check_valid_exits_0():
    result = invoke("check", "CELLULAR_PHONE", str(PAYLOADS / "CELLULAR_PHONE.valid.json"))
    assert result.exit_code == 0, result.output
    assert "valide" in result.output


def test_check_invalid_exits_1_with_json_issues(tmp_path: Path):
    payload = _payload()
    del payload["brand"]
    path = tmp_path / "listing.json"
    path.write_text(json.dumps({"productType": "CELLULAR_PHONE", "requirements": "LISTING", "attributes": payload}))
    result = invoke("check", "CELLULAR_PHONE", str(path), "--json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["status"] == "INVALID" and document["productType"] == "CELLULAR_PHONE"
    assert [i["attributeNames"] for i in document["issues"]] == [["brand"]]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("{not json", "invalid JSON, line 1 column 2"), (b"\xff\xfe", "invalid JSON")],
)
def test_check_bad_payload_file_exits_2_on_one_line(tmp_path: Path, content, fragment):
    path = tmp_path / "payload.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    result = invoke("check", "CELLULAR_PHONE", str(path))
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_check_missing_file_and_unknown_type_exit_2(tmp_path: Path):
    result = invoke("check", "CELLULAR_PHONE", str(tmp_path / "absent.json"))
    assert result.exit_code == 2 and "cannot read file" in result.output
    result = invoke("check", "NO_SUCH_TYPE", str(PAYLOADS / "CELLULAR_PHONE.valid.json"))
    assert result.exit_code == 2 and "unknown product type" in result.output


def test_check_with_a_real_schema_path():
    schema = amazon_dir() / "product-types" / "US" / "PRODUCT.json"
    result = invoke("check", str(schema), str(PAYLOADS / "CELLULAR_PHONE.valid.json"), "--json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["productType"] == "PRODUCT"
    assert all(isinstance(Issue(**{
        "code": i["code"], "message": i["message"], "attribute_names": tuple(i["attributeNames"]),
        "categories": tuple(i["categories"]), "severity": i["severity"], "path": i["path"],
    }), Issue) for i in document["issues"])


@pytest.mark.parametrize("price, valid", [(19.99, True), (319.72, True), (0.07, True), (1299, True), (19.999, False)])
def test_prices_in_cents_are_multiples_of_a_cent(price, valid, workspace):
    """Amazon's `multipleOf: 0.01` on prices judged on the decimal written, not on binary floats
    (19.99 / 0.01 is 1998.9999999999998 in floating point)."""
    payload = _payload()
    payload["list_price"][0]["value_with_tax"] = price
    issues = validate("CELLULAR_PHONE", payload, workspace=workspace)
    assert (issues == []) is valid, issues
    if not valid:
        assert [i.attribute_names for i in issues] == [("list_price",)]
