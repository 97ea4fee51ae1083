"""The items XML reader (hardened, streaming) and the acknowledgement writer."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from transpiler.mapping import publication
from transpiler.productlive.acknowledgement import Acknowledgement, Issue, Status
from transpiler.productlive.acknowledgements import write_acknowledgements
from transpiler.productlive.items import ItemsFileError, Limits, read_items

REPO = Path(__file__).resolve().parents[1]


def _xml(items: str, root: str = '<Table key="AMAZON_FR">') -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{root}<Items>{items}</Items></Table>'.encode()


def test_reads_identifiers_classification_values_suffixes_and_deletes() -> None:
    data = _xml(
        '<Item partition="ACTIVE"><Identifier key="SKU">A-1</Identifier><Identifier key="EAN">123</Identifier>'
        '<Classification key="AMAZON_PRODUCT_TYPE">HEADPHONES</Classification>'
        '<Field key="item_name">Casque &amp; étui</Field><Field key="noise_control">a</Field>'
        '<Field key="noise_control">b</Field><Field key="item_weight" suffix="grams">250</Field>'
        '<Field key="color" delete="true"/></Item>'
        '<Item><Identifier key="SKU">A-2</Identifier></Item>'
    )
    first, second = list(read_items(io.BytesIO(data)))
    assert first.identifier("SKU") == "A-1" and first.identifier("EAN") == "123"
    assert first.partition == "ACTIVE" and first.classifications == {"AMAZON_PRODUCT_TYPE": "HEADPHONES"}
    assert first.first("item_name") == "Casque & étui"
    assert [v.value for v in first.fields["noise_control"]] == ["a", "b"]
    assert first.fields["item_weight"][0].suffix == "grams"
    assert first.fields["color"][0].delete is True and first.first("color") is None
    assert second.index == 2 and second.identifier("SKU") == "A-2" and not second.problems


def test_the_example_export_reads_completely() -> None:
    items = list(read_items(REPO / "examples" / "items.xml"))
    assert len(items) >= 20
    assert {i.classifications["AMAZON_PRODUCT_TYPE"] for i in items} >= {"CELLULAR_PHONE", "CELLULAR_PHONE_CASE",
                                                                          "HEADPHONES"}


def test_billion_laughs_is_refused_at_once() -> None:
    entities = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 12))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE Table [<!ENTITY l0 "lol">{entities}]>'
            '<Table key="T"><Items><Item><Identifier key="SKU">&l11;</Identifier></Item></Items></Table>').encode()
    started = time.monotonic()
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(io.BytesIO(bomb)))
    assert "DTD" in caught.value.message
    assert time.monotonic() - started < 2


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    data = (f'<?xml version="1.0"?><!DOCTYPE Table [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<Table key="T"><Items><Item><Identifier key="SKU">&x;</Identifier></Item></Items></Table>').encode()
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(io.BytesIO(data)))
    assert "TOP-SECRET" not in str(caught.value)


def test_malformed_xml_keeps_the_items_read_before_the_break(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(_xml('<Item><Identifier key="SKU">OK-1</Identifier></Item>\n'
                          '<Item><Identifier key="SKU">OK-2</Identifier></Item>\n'
                          '<Item><Identifier key="SKU">BROKEN</Identifier><Field key="x">a < b</Field></Item>'))
    seen = []
    with pytest.raises(ItemsFileError) as caught:
        for item in read_items(path):
            seen.append(item.identifier("SKU"))
    assert seen == ["OK-1", "OK-2"]
    assert caught.value.path == str(path) and caught.value.line is not None
    assert "malformed XML" in caught.value.message


@pytest.mark.parametrize("document, message", [
    (b"", "malformed XML"),
    (b'<?xml version="1.0"?><Items/>', "expected <Table>"),
    (b'<?xml version="1.0"?><Table><Items/></Table>', "no key"),
])
def test_file_level_errors_say_what_is_wrong(document: bytes, message: str) -> None:
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(io.BytesIO(document)))
    assert message in caught.value.message


def test_item_level_problems_do_not_stop_the_next_items() -> None:
    data = _xml(
        '<Item><Identifier key="SKU">LONG</Identifier><Field key="item_name">' + "x" * 50 + "</Field></Item>"
        '<Item><Identifier key="SKU">BAD</Identifier><Field key="a">1</Field>' + '<Field key="b">2</Field>' * 3
        + '</Item><Item><Identifier key="SKU">FINE</Identifier><Field key="item_name">ok</Field></Item>'
    )
    items = list(read_items(io.BytesIO(data), Limits(max_value_chars=20, max_values_per_item=3)))
    assert [i.identifier("SKU") for i in items] == ["LONG", "BAD", "FINE"]
    assert items[0].problems and items[0].problems[0].field_key == "item_name"
    assert "item_name" not in items[0].fields
    assert items[1].problems and not items[2].problems


def test_nested_items_are_the_next_levels_of_a_multi_level_table() -> None:
    """Product-Live nests the items of the next level inside their parent, without partition."""
    data = _xml(
        '<Item partition="ACTIVE"><Identifier key="PARENT_SKU">GS24</Identifier><Field key="brand">Samsung</Field>'
        '<Item created="2026-01-02T10:00:00.000Z"><Identifier key="COLOR_CODE">NOIR</Identifier>'
        '<Field key="color">Noir</Field>'
        '<Item><Identifier key="SKU">GS24-NOIR-128</Identifier><Field key="memory_storage_capacity">128</Field></Item>'
        '<Item><Identifier key="SKU">GS24-NOIR-256</Identifier></Item>'
        '</Item>'
        '<Item><Identifier key="COLOR_CODE">VIOLET</Identifier>'
        '<Item><Identifier key="SKU">GS24-VIOLET-256</Identifier></Item></Item>'
        '</Item>'
        '<Item><Identifier key="SKU">LONE</Identifier></Item>'
    )
    model, lone = list(read_items(io.BytesIO(data)))
    assert (model.level, model.partition, model.index, model.fields["brand"][0].value) == (1, "ACTIVE", 1, "Samsung")
    assert [c.identifier("COLOR_CODE") for c in model.children] == ["NOIR", "VIOLET"]
    noir = model.children[0]
    assert noir.level == 2 and noir.partition is None and noir.fields["color"][0].value == "Noir"
    assert [(a.identifier("SKU"), a.level, a.index) for a in noir.children] == [
        ("GS24-NOIR-128", 3, 3), ("GS24-NOIR-256", 3, 4)]
    assert noir.children[0].fields["memory_storage_capacity"][0].value == "128"
    assert [i.identifier("SKU") for i in model.descendants() if i.identifier("SKU")] == [
        "GS24-NOIR-128", "GS24-NOIR-256", "GS24-VIOLET-256"]
    assert (lone.index, lone.children, lone.problems) == (7, [], [])


def test_nesting_is_bounded() -> None:
    deep = '<Item><Identifier key="K">L1</Identifier><Item><Identifier key="K">L2</Identifier><Item>' \
           '<Identifier key="K">L3</Identifier></Item></Item></Item>'
    (item,) = list(read_items(io.BytesIO(_xml(deep)), Limits(max_levels=2)))
    assert item.children[0].children[0].problems and "niveau 3" in item.children[0].children[0].problems[0].message
    wide = '<Item><Identifier key="K">M</Identifier>' + '<Item><Identifier key="K">A</Identifier></Item>' * 5 \
           + '</Item><Item><Identifier key="K">NEXT</Identifier></Item>'
    model, following = list(read_items(io.BytesIO(_xml(wide)), Limits(max_family_items=3)))
    assert len(model.children) == 3 and "5 articles imbriqués" in model.problems[0].message
    assert following.identifier("K") == "NEXT" and not following.problems


def test_too_many_items_is_a_file_error() -> None:
    data = _xml("".join(f'<Item><Identifier key="SKU">S{i}</Identifier></Item>' for i in range(5)))
    with pytest.raises(ItemsFileError):
        list(read_items(io.BytesIO(data), Limits(max_items=3)))


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(_xml('<Item><Identifier key="SKU">S</Identifier></Item>'))
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(path, Limits(max_file_bytes=10)))
    assert "limit" in caught.value.message


def _acks() -> list[Acknowledgement]:
    issue = Issue("90220", "ERROR", "« item_name » est obligatoire\x01", ("item_name",), ("item_name",))
    return [
        Acknowledgement(1, "SKU-A", Status.ACCEPTED, "HEADPHONES", "create", "PUT", "sub-1", "B0TEST0001",
                        published_at="2024-05-01T10:00:00.000Z"),
        Acknowledgement(2, "SKU-B", Status.INVALID, "HEADPHONES", "create", issues=(issue,)),
        Acknowledgement(3, None, Status.INVALID),  # no SKU: cannot be imported into Product-Live
    ]


def test_acknowledgement_xml_fills_the_publication_fields() -> None:
    sink = io.BytesIO()
    assert write_acknowledgements(sink, _acks()) == 2
    sink.seek(0)
    first, second = list(read_items(sink))
    assert first.identifier("SKU") == "SKU-A"
    assert first.first(publication.STATUS) == "ACCEPTED"
    assert first.first(publication.ASIN) == "B0TEST0001"
    assert first.first(publication.SUBMISSION_ID) == "sub-1"
    assert first.first(publication.MODE) == "create"
    assert first.first(publication.PUBLISHED_AT) == "2024-05-01T10:00:00.000Z"
    assert first.fields[publication.ISSUES][0].delete is True  # an old issue list is cleared
    assert second.first(publication.STATUS) == "INVALID"
    assert second.fields[publication.SUBMISSION_ID][0].delete is True
    assert publication.ASIN not in second.fields  # an ASIN already known is never cleared
    text = second.first(publication.ISSUES)
    assert text.startswith("[ERREUR 90220] item_name :") and "\x01" not in text


def test_acknowledgement_keys_are_fields_of_the_generated_table() -> None:
    table = (REPO / "generated" / "productlive" / "AMAZON_FR.xml").read_text(encoding="utf-8")
    for key in publication.KEYS:
        assert f'<Field key="{key}"' in table


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_a_file_that_is_not_regular_is_refused_at_once(tmp_path: Path, special: str) -> None:
    import os
    import threading

    if special == "fifo":
        path = tmp_path / "items.fifo"
        os.mkfifo(path)
        # opening a FIFO for reading waits for a writer: one opens it once
        holder = threading.Thread(target=lambda: open(path, "wb").close(), daemon=True)
        holder.start()
    elif special == "folder":
        path = tmp_path
    else:
        path = Path(special)
    started = time.monotonic()
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(path))
    assert time.monotonic() - started < 5
    assert caught.value.path == str(path)


@pytest.mark.parametrize("prolog", [
    '<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE Table>',
    '<?xml version="1.0"?><?pi something?><!DOCTYPE Table SYSTEM "http://example.invalid/x.dtd">',
])
def test_a_doctype_anywhere_in_the_prolog_is_refused_with_its_line(prolog: str) -> None:
    data = (prolog + '<Table key="T"><Items><Item><Identifier key="SKU">A</Identifier></Item></Items></Table>').encode()
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(io.BytesIO(data)))
    assert "DTD" in caught.value.message
    assert caught.value.line == prolog.count("\n") + 1


def test_a_doctype_in_a_utf16_file_is_refused() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Table [<!ENTITY a "b">]><Table key="T"><Items/></Table>'
    with pytest.raises(ItemsFileError) as caught:
        list(read_items(io.BytesIO(text.encode("utf-16"))))
    assert "DTD" in caught.value.message


def test_an_undefined_entity_is_a_file_error_with_its_line() -> None:
    data = _xml('<Item><Identifier key="SKU">A</Identifier></Item>\n'
                '<Item><Identifier key="SKU">B &nbsp; C</Identifier></Item>')
    seen = []
    with pytest.raises(ItemsFileError) as caught:
        for item in read_items(io.BytesIO(data)):
            seen.append(item.identifier("SKU"))
    assert seen == ["A"]
    assert caught.value.line == 3


def test_items_are_yielded_before_a_break_in_any_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from transpiler.productlive import items as items_module

    body = "".join(f'<Item><Identifier key="SKU">OK-{i}</Identifier></Item>\n' for i in range(50))
    data = _xml(body + '<Item><Identifier key="SKU">BAD</Identifier><Field key="x">a < b</Field></Item>')
    for size in (1, 7, 4096, 1 << 20):
        monkeypatch.setattr(items_module, "CHUNK_BYTES", size)
        seen = []
        with pytest.raises(ItemsFileError):
            for item in read_items(io.BytesIO(data)):
                seen.append(item.identifier("SKU"))
        assert seen == [f"OK-{i}" for i in range(50)], size


def test_elements_other_than_items_are_freed_as_they_are_read() -> None:
    import tracemalloc

    filler = "".join(f'<Note n="{i}">{"z" * 2000}</Note>' for i in range(20_000))  # ~40 MB of text
    data = _xml(filler + '<Item><Identifier key="SKU">LAST</Identifier></Item>')
    tracemalloc.start()
    try:
        items = list(read_items(io.BytesIO(data)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [i.identifier("SKU") for i in items] == ["LAST"]
    assert peak < 8 * 1024 * 1024  # the input itself is held by the test, not counted here
