"""Numbers that are not numbers Amazon reads as written: an issue on their item, never an exception.

Covers the three doors numbers come in by: Product-Live NUMBER text (the publisher), Python data
(`validate()`), JSON text (`pl-amazon check`, `check_text`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from tests.sandbox_fixtures import sandbox  # noqa: F401 - pytest fixture
from tests.test_publish_sandbox import answered, report, subset
from transpiler.amazon.json_text import JsonTextError, read_json
from transpiler.amazon.numbers import MAX_SAFE_INTEGER, NumberTextError, parse_decimal
from transpiler.cli import main
from transpiler.publish.listing import PL_VALUE
from transpiler.sandbox.runner import SandboxHandle
from transpiler.validation import validate, validator_for_product_type

HUGE = "9" * 5000
REFUSED_TEXT = ["1e400", "Infinity", "-Infinity", "NaN", "nan", "inf", HUGE, "1e5", "1E-400", "0x10", "1_000",
                "١٢", "12 000", "1.2.3", "", "+", "."]


@pytest.mark.parametrize("text", REFUSED_TEXT, ids=[t[:10] for t in REFUSED_TEXT])
@pytest.mark.parametrize("integer", [False, True])
def test_text_that_is_not_a_plain_decimal_is_refused(text: str, integer: bool) -> None:
    with pytest.raises(NumberTextError):
        parse_decimal(text, integer=integer)


@pytest.mark.parametrize(("text", "integer", "expected"), [
    ("77", False, 77), (" 959 ", False, 959), ("6.2", False, 6.2), ("6,2", False, 6.2), (".5", False, 0.5),
    ("-0", True, 0), ("12.50", False, 12.5), ("5.0", True, 5), ("123456789012345", False, 123456789012345),
    (str(MAX_SAFE_INTEGER), True, MAX_SAFE_INTEGER), ("1" + "0" * 30, False, 10**30),
    ("100000000.6328125", False, 100000000.6328125),  # 17 digits, exactly a binary64 value
])
def test_plain_decimals_are_read_exactly(text: str, integer: bool, expected: float) -> None:
    value = parse_decimal(text, integer=integer)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("text", "integer"), [
    ("6.5", True),  # not an integer
    (str(MAX_SAFE_INTEGER + 1), True),  # beyond RFC 8259's interoperable integers
    ("0.12345678901234567891", False),  # binary64 would send 0.12345678901234568
    ("12345678901234567890", False),  # binary64 would send 12345678901234567168
    ("1" * 401, False),  # too long to even look at
    ("0." + "0" * 350 + "1", False),  # binary64 would send 0
])
def test_values_binary64_would_change_are_refused(text: str, integer: bool) -> None:
    with pytest.raises(NumberTextError):
        parse_decimal(text, integer=integer)


# -- JSON text ------------------------------------------------------------------------------------

def test_json_reader_reports_each_unreadable_number_with_its_pointer() -> None:
    text = '{"a": [1, NaN, {"b": 1e400}], "c": -Infinity, "d": 1e-400, "e": ' + HUGE + ', "f": 2.5}'
    document = read_json(text)
    found = {bad.pointer: bad.text[:5] for bad in document.bad_numbers}
    assert found == {"/a/1": "NaN", "/a/2/b": "1e400", "/c": "-Infi", "/d": "1e-40", "/e": "99999"}
    assert document.value == {"a": [1, None, {"b": None}], "c": None, "d": None, "e": None, "f": 2.5}
    assert read_json("0e-400").bad_numbers == ()  # a zero is a zero


@pytest.mark.parametrize(("text", "line"), [
    ("[" * 5000 + "]" * 5000, None),  # beyond Python's recursion limit
    ("[" * 65 + "]" * 65, None),  # beyond the bound, within Python's limit
    ('{"a": "\\ud800"}', None),  # a lone surrogate cannot be written as UTF-8
    (b'{"a": "\xff"}', None),
    ('{"a": 1,\n "b": }', 2),
], ids=["deep-5000", "deep-65", "surrogate", "not-utf8", "syntax"])
def test_unreadable_json_is_one_error(text: str | bytes, line: int | None) -> None:
    with pytest.raises(JsonTextError) as caught:
        read_json(text)
    assert caught.value.line == line


def test_nesting_up_to_the_bound_is_read() -> None:
    assert read_json("[" * 64 + "]" * 64).bad_numbers == ()


# -- validate() on Python data ----------------------------------------------------------------------

def _payload() -> dict:
    return json.loads((Path(__file__).parent / "data" / "payloads" / "CELLULAR_PHONE.valid.json").read_text())


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**5000],
                         ids=["inf", "-inf", "nan", "int-of-5001-digits"])
def test_validate_reports_a_non_json_number_once_at_its_place(value: float) -> None:
    payload = _payload()
    payload["list_price"] = [{"value": value, "currency": "EUR", "marketplace_id": "A13V1IB3VIYZZH"}]
    issues = validate("CELLULAR_PHONE", payload)
    [issue] = [i for i in issues if i.path == "/list_price/0/value"]
    assert issue.code == "4000001" and issue.attribute_names == ("list_price",)
    assert "n'est pas un nombre qu'Amazon peut lire" in issue.message


def test_multiple_of_on_huge_numbers_does_not_raise() -> None:
    from transpiler.amazon.keywords import is_multiple

    assert is_multiple(10**400 - 1, 3.0) and not is_multiple(10**400, 3.0)  # exact, as the reference
    assert not is_multiple(float("inf"), 0.01) and not is_multiple(float("nan"), 0.01)


# -- pl-amazon check ------------------------------------------------------------------------------

def _check(tmp_path: Path, text: str | bytes, *extra: str):
    path = tmp_path / "payload.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return CliRunner().invoke(main, ["check", "CELLULAR_PHONE", str(path), *extra])


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", HUGE],
                         ids=["NaN", "Infinity", "-Infinity", "1e400", "5000-digits"])
def test_check_answers_an_issue_for_a_non_json_number(tmp_path: Path, literal: str) -> None:
    payload = _payload()
    payload["number_of_items"][0]["value"] = "@@"
    text = json.dumps({"productType": "CELLULAR_PHONE", "attributes": payload}).replace('"@@"', literal)
    result = _check(tmp_path, text, "--json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["status"] == "INVALID"
    assert [i["path"] for i in document["issues"]] == ["/number_of_items/0/value"]


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, '{"brand": [', b"\xff\xfe\x00", '{"a": "\\udc00"}'],
                         ids=["deep", "truncated", "not-utf8", "surrogate"])
def test_check_exits_2_with_one_line_on_unreadable_json(tmp_path: Path, text: str | bytes) -> None:
    result = _check(tmp_path, text)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error: ")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_check_refuses_what_is_not_a_regular_file_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)  # nobody writes: opening it normally would block for ever
    elif kind == "device":
        path = Path("/dev/zero")  # never ends
    else:
        path = tmp_path
    result = CliRunner().invoke(main, ["check", "CELLULAR_PHONE", str(path)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_check_text_keeps_the_other_issues_of_the_payload() -> None:
    payload = _payload()
    del payload["brand"]
    payload["number_of_items"][0]["value"] = "@@"
    text = json.dumps(payload).replace('"@@"', "NaN")
    paths = {i.path for i in validator_for_product_type("CELLULAR_PHONE").check_text(text)}
    assert paths == {"/brand", "/number_of_items/0/value"}


# -- publish: the run goes on ---------------------------------------------------------------------

BAD_VALUES = {  # SKU suffix -> (field key, text)
    "OVERFLOW": ("list_price_value_with_tax", "1e400"),
    "INFINI": ("display_size", "Infinity"),
    "NAN": ("list_price_value_with_tax", "NaN"),
    "HUGE": ("number_of_items", HUGE),
    "EXPONENT": ("number_of_items", "1e400"),
    "TINY": ("display_size", "1E-400"),
    "GROUPED": ("number_of_items", "1_000"),
}
GOOD = "MDL-S24-256-NOIR"


def bad_number_export(tmp: Path) -> Path:
    """The good S24 item, then one copy per bad value, each with its own SKU."""
    path = subset([GOOD], tmp, "numbers.xml")
    tree = etree.parse(str(path))
    container = tree.getroot().find("Items")
    template = container[0]
    for suffix, (key, text) in BAD_VALUES.items():
        item = etree.fromstring(etree.tostring(template))  # a model with its colour and article
        item.find("Identifier[@key='PARENT_SKU']").text = f"MOD-BAD-{suffix}"
        item.find(".//Identifier[@key='SKU']").text = f"MDL-BAD-{suffix}"
        next(f for f in item.iter("Field") if f.get("key") == key).text = text
        container.append(item)
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    return path


@pytest.mark.parametrize("via", ["listings", "feed"])
def test_bad_numbers_are_issues_and_the_run_goes_on(publish_run, sandbox: SandboxHandle, tmp_path: Path,  # noqa: F811
                                                    via: str) -> None:
    result = publish_run(sandbox, tmp_path, items=bad_number_export(tmp_path), via=via)
    items = report(result)
    assert items[GOOD]["status"] == "ACCEPTED"
    for suffix, (key, _) in BAD_VALUES.items():
        ack = items[f"MDL-BAD-{suffix}"]
        assert ack["status"] == "INVALID" and ack["operation"] is None, suffix
        assert [(i["code"], i["fields"]) for i in ack["issues"]] == [(PL_VALUE, [key])], suffix
    assert result.exit_code == 1 and not result.file_errors
    acks = set(answered(result.acknowledgements_path))
    assert acks == set(items) and len(acks) == len(BAD_VALUES) + 1
    assert {row["sku"] for row in sandbox.state.store.listings("MODEL")} == {GOOD}  # nothing bad was sent


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_the_generated_number_types_refuse_nan_and_infinities(value: float) -> None:
    """Even where no bound or multipleOf would catch them (a number field without limits)."""
    from pydantic import BaseModel, ValidationError

    from generated.models.values import AmazonInteger, AmazonNumber

    class Value(BaseModel):
        number: AmazonNumber | None = None
        integer: AmazonInteger | None = None

    assert Value.model_validate({"number": 2.5, "integer": 3}).number == 2.5
    for name in ("number", "integer"):
        with pytest.raises(ValidationError) as caught:
            Value.model_validate({name: value})
        assert [e["loc"] for e in caught.value.errors()] == [(name,)]
