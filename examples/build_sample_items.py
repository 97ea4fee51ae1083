"""Rebuild examples/items.xml and examples/expected.json: the demo's Product-Live items export.

The export is what Product-Live's `table-export-items` gives for the generated AMAZON_FR table, in
its shape: the table has levels (model ▸ colour ▸ article), so each product is a model item with its
colour item and its article item nested inside, each `<Item created updated>` (`partition` on the
model only), its identifier(s), the classification (model), the status of each conditional
formatting of its level (computed here with the table's own rules, as Product-Live shows it), then
its fields (each on the level the generated mapping gives it); IMAGE values are files on
Product-Live's asset host with their attributes (size, dimensions, hash, original file name).

One model is a variation family: the Galaxy S24 FE in three colours and two capacities (six
articles, published as a parent listing and six children), plus a seventh article repeating a
colour and capacity of the family, refused before sending with a French message.

The values are the valid sample payloads of tests/data/payloads turned into field values through
the generated mapping, then varied into new products (valid EANs), enrichments of ASINs of the
sandbox's catalog, and the refusals a real export can carry: a required value missing, a compound
rule broken (no EAN, no ASIN, no exemption), a value over Amazon's limit, a wrong EAN check digit,
and an Amazon-side conflict (the suggested ASIN belongs to another EAN). `expected.json` says which
final status each SKU must reach in `make demo`.

Run: .venv/bin/python examples/build_sample_items.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from transpiler.mapping import publication
from transpiler.mapping.field_codec import attributes_to_fields
from transpiler.mapping.json_codec import load_mapping
from transpiler.mapping.types import Quantity
from transpiler.productlive.gtin import check_digit
from transpiler.productlive.items import FieldValue, Item, append_field
from transpiler.productlive.readiness import judge
from transpiler.productlive.table_rules import TableRules, read_table
from transpiler.workspace import DEFAULT_GENERATED

HERE = Path(__file__).resolve().parent
PAYLOADS = HERE.parent / "tests" / "data" / "payloads"
#: Product-Live's asset host and the documents folder of the (fictitious) Modelabs account.
ASSETS = "https://asset.prod.product-live.com/file-map-resize/6571c2e0a4b1d2c3e4f5a6b7_documents/redirect/"
#: When the demo items were created in Product-Live, and one item every 37 minutes after that.
CREATED = datetime(2024, 3, 4, 8, 12, 40, tzinfo=UTC)
#: The mapping's level of each field key (EAN is the article's identifier)
LEVELS: dict[str, str] = {}


def ean(body12: str) -> str:
    return body12 + str(check_digit(body12))


def base(product_type: str) -> dict[str, Any]:
    payload = json.loads((PAYLOADS / f"{product_type}.valid.json").read_text(encoding="utf-8"))
    payload.pop("merchant_suggested_asin", None)
    return attributes_to_fields(load_mapping(DEFAULT_GENERATED / "mapping", product_type), payload)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _image(element: etree._Element, key: str, url: str) -> None:
    """An IMAGE value as Product-Live exports it: the file on its asset host, with its attributes.

    The demo's image URLs name the original file; the file hash (and so the asset URL) is derived
    from that name so the export is reproducible.
    """
    name = url.rsplit("/", 1)[-1]
    digest = hashlib.sha256(name.encode()).hexdigest()
    size = 180 + int(digest[:4], 16) % 240
    etree.SubElement(element, "Field", {
        "key": key, "width-px": "2000", "height-px": "2000", "size-kb": str(size), "mime-type": "image/jpeg",
        "file-key": ASSETS + digest, "file-hash": digest, "original-file-name": name, "color-space": "RGB",
        "color-profile": "NONE"}).text = ASSETS + digest


def _fields(element: etree._Element, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is None:
            continue
        if "image_locator" in key:
            _image(element, key, str(value))
        else:
            append_field(element, key, value)


def _level_values(values: dict[str, Any], level: str) -> dict[str, Any]:
    if not LEVELS:
        for product_type in ("CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES"):
            for fm in load_mapping(DEFAULT_GENERATED / "mapping", product_type).fields:
                LEVELS[fm.key] = fm.level or "ARTICLE"
    return {k: v for k, v in values.items() if LEVELS.get(k, "ARTICLE") == level}


def _code(colour: str) -> str:
    """A colour's code in its model: its name in capitals (`Violet Cobalt` -> `VIOLET-COBALT`)."""
    return "-".join(colour.upper().replace("É", "E").replace("È", "E").split())


def _model(parent_sku: str, product_type: str, values: dict[str, Any]) -> etree._Element:
    element = etree.Element("Item", partition="ACTIVE")
    etree.SubElement(element, "Identifier", key="PARENT_SKU").text = parent_sku
    etree.SubElement(element, "Classification", key="AMAZON_PRODUCT_TYPE").text = product_type
    _fields(element, _level_values(values, "MODEL"))
    return element


def _colour(model: etree._Element, values: dict[str, Any]) -> etree._Element:
    code = _code(str(values.get("color") or "sans couleur"))
    for existing in model.iterfind("Item"):
        if existing.findtext("Identifier[@key='COLOR_CODE']") == code:
            return existing
    element = etree.SubElement(model, "Item")
    etree.SubElement(element, "Identifier", key="COLOR_CODE").text = code
    _fields(element, _level_values(values, "COLOR"))
    return element


def _article(colour: etree._Element, sku: str, values: dict[str, Any], ean_value: str | None) -> None:
    element = etree.SubElement(colour, "Item")
    etree.SubElement(element, "Identifier", key="SKU").text = sku
    if ean_value:
        etree.SubElement(element, "Identifier", key="EAN").text = ean_value
    _fields(element, {k: v for k, v in _level_values(values, "ARTICLE").items() if k != "EAN"})


def item(sku: str, product_type: str, values: dict[str, Any], *, identifiers: dict[str, str] | None = None,
         extra: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> etree._Element:
    """A product without variants: a model (identifier `MOD-<sku>`) with one colour and one article."""
    values = {k: v for k, v in {**values, **(extra or {})}.items() if k not in drop}
    barcode = (identifiers or {}).get("EAN", values.get("EAN"))
    model = _model("MOD-" + sku.removeprefix("MDL-"), product_type, values)
    _article(_colour(model, values), sku, values, barcode)
    return model


def family(parent_sku: str, product_type: str, values: dict[str, Any], theme: str,
           articles: list[tuple[str, str, dict[str, Any]]]) -> etree._Element:
    """A variation family: the model (the parent listing) with its colours and articles (the children).

    `articles`: (SKU, EAN, the values that are the article's own: its colour, capacity, price...).
    """
    shared = {**values, "variation_theme_name": theme}
    model = _model(parent_sku, product_type, shared)
    for sku, barcode, own in articles:
        article_values = {**values, **own}
        _article(_colour(model, article_values), sku, article_values, barcode)
    return model


def _as_item(element: etree._Element) -> Item:
    item_ = Item(index=0, line=None)
    for child in element:
        key = child.get("key", "")
        if child.tag == "Identifier":
            item_.identifiers[key] = child.text or ""
        elif child.tag == "Classification":
            item_.classifications[key] = child.text or ""
        elif child.tag == "Field":
            item_.fields.setdefault(key, []).append(FieldValue(child.text, child.get("suffix")))
    return item_


def export(elements: list[etree._Element], table: TableRules) -> None:
    """Give each item what Product-Live's export adds: created / updated, its level's indicators' statuses."""
    levels = table.identifier_levels
    n = 0
    for top in elements:
        for element in top.iter("Item"):
            created = CREATED + timedelta(minutes=37 * n)
            element.set("created", _stamp(created))
            element.set("updated", _stamp(created + timedelta(days=9, hours=n % 5, minutes=11 * n % 60)))
            n += 1
            judged = _as_item(element)
            level = next(levels[i.get("key")] for i in element.iterfind("Identifier") if i.get("key") in levels)
            heads = [c for c in element if c.tag in ("Identifier", "Classification")]
            position = list(element).index(heads[-1]) + 1
            for offset, indicator in enumerate(i for i in table.indicators if i.level == level):
                status = etree.Element("Conditional-Formatting", key=indicator.key)
                status.text = judge(judged, table, indicator.key).status
                element.insert(position + offset, status)


def build() -> tuple[list[etree._Element], dict[str, str]]:
    phone, case, headphones = base("CELLULAR_PHONE"), base("CELLULAR_PHONE_CASE"), base("HEADPHONES")
    items: list[etree._Element] = []
    expected: dict[str, str] = {}

    def add(status: str, element: etree._Element) -> None:
        items.append(element)
        expected[element.findtext(".//Identifier[@key='SKU']")] = status

    # -- CELLULAR_PHONE: new products (EAN), enrichments of catalog ASINs, invalid ones
    add("ACCEPTED", item("MDL-S24-256-NOIR", "CELLULAR_PHONE", phone))
    add("ACCEPTED", item("MDL-S24-256-VIOLET", "CELLULAR_PHONE", phone, identifiers={"EAN": ean("880609529970")},
                         extra={"item_name": "Samsung Galaxy S24, Smartphone Android 5G, 256 Go, 8 Go de RAM, Violet "
                                             "Cobalt", "color": "Violet Cobalt",
                                "color_standardized_values": "Violet"}))
    add("ACCEPTED", item("MDL-S24-512-NOIR", "CELLULAR_PHONE", phone, identifiers={"EAN": ean("880609529971")},
                         extra={"item_name": "Samsung Galaxy S24, Smartphone Android 5G, 512 Go, 8 Go de RAM, Noir "
                                             "Onyx", "memory_storage_capacity": Quantity("512", "GB")}))
    add("ACCEPTED", item("MDL-S24-128-GRIS", "CELLULAR_PHONE", phone, identifiers={"EAN": ean("880609529972")},
                         extra={"item_name": "Samsung Galaxy S24, Smartphone Android 5G, 128 Go, 8 Go de RAM, Gris "
                                             "Marbre", "memory_storage_capacity": Quantity("128", "GB"),
                                "color": "Gris Marbre", "color_standardized_values": "Gris"}))
    add("ACCEPTED", item("MDL-A55-128-BLEU", "CELLULAR_PHONE", phone, identifiers={"EAN": "8806095301129"},
                         extra={"merchant_suggested_asin": "B0CSB7QJ2K",
                                "item_name": "Samsung Galaxy A55 5G, 128 Go, 8 Go de RAM, Bleu Marine",
                                "model_name": "Galaxy A55", "model_number": "SM-A556BZKAEUB"}))
    # published before: Amazon's ASIN and verdict are in the publication fields
    add("ACCEPTED", item("MDL-S24U-512-TITANE", "CELLULAR_PHONE", phone, identifiers={"EAN": ""},
                         extra={publication.RESULT: publication.RESULT_ACCEPTED, publication.STATUS: "ACCEPTED",
                                publication.ASIN: "B0CSB9KD4P",
                                publication.PRODUCT_PAGE: publication.PRODUCT_PAGE_URL.format(asin="B0CSB9KD4P"),
                                "item_name": "Samsung Galaxy S24 Ultra, 512 Go, 12 Go de RAM, Titane Gris",
                                "model_name": "Galaxy S24 Ultra"}, drop=("EAN",)))
    add("ACCEPTED", item("MDL-XPERIA10V-NOIR", "CELLULAR_PHONE", phone, identifiers={"EAN": "4548736192218"},
                         extra={"merchant_suggested_asin": "B0C1SXR7WM", "brand": "Sony",
                                "item_name": "Sony Xperia 10 V, 128 Go, 6 Go de RAM, Noir",
                                "model_name": "Xperia 10 V", "model_number": "XQDC54C0B.EUK"}))
    # accepted, then refused while Amazon processes it: the ASIN belongs to another EAN (late issue 8541)
    add("INVALID", item("MDL-LEGION-Y70-GRIS", "CELLULAR_PHONE", phone, identifiers={"EAN": "8806095302454"},
                        extra={"merchant_suggested_asin": "B0CM7HJ3TQ", "brand": "Lenovo",
                               "item_name": "Lenovo Legion Y70, 256 Go, 12 Go de RAM, Gris",
                               "model_name": "Legion Y70", "model_number": "PB1J0001FR"}))
    # refused: a wrong EAN check digit (typed in); a required value missing (no title)
    add("INVALID", item("MDL-S24-BAD-EAN", "CELLULAR_PHONE", phone, identifiers={"EAN": "8806095299687"}))
    add("INVALID", item("MDL-S24-SANS-TITRE", "CELLULAR_PHONE", phone, identifiers={"EAN": ean("880609529973")},
                        drop=("item_name",)))

    # -- a variation family: the Galaxy S24 FE in three colours and two capacities (a parent, six children), and
    # a seventh article that repeats one of them: refused before sending (same colour and capacity as another)
    fe = {**phone, "item_name": "Samsung Galaxy S24 FE, Smartphone Android 5G, 8 Go de RAM",
          "model_name": "Galaxy S24 FE", "model_number": "SM-S721B"}
    articles: list[tuple[str, str, dict[str, Any]]] = []
    colours = (("Graphite", "Gris", "graphite"), ("Menthe", "Vert", "menthe"), ("Bleu", "Bleu", "bleu"))
    for colour, standard, slug in colours:
        for capacity, price in ((128, "699"), (256, "759")):
            own = {"color": colour, "color_standardized_values": standard,
                   "memory_storage_capacity": Quantity(str(capacity), "GB"), "list_price_value_with_tax": price,
                   "main_product_image_locator_media_location":
                       f"https://www.modelabs.fr/medias/produits/sm-s721b-{slug}-main.jpg"}
            articles.append((f"MDL-S24FE-{capacity}-{_code(colour)}", ean(f"8806095440{len(articles):02d}"), own))
    twin = dict(articles[-1][2])  # the 256 Go Bleu again
    articles.append(("MDL-S24FE-256-BLEU-BIS", ean("880609544099"), twin))
    items.append(family("MDL-S24FE", "CELLULAR_PHONE", fe, "COLOR/MEMORY_STORAGE_CAPACITY", articles))
    expected["MDL-S24FE"] = "ACCEPTED"
    for sku, _, _ in articles:
        expected[sku] = "INVALID" if sku.endswith("-BIS") else "ACCEPTED"

    # -- CELLULAR_PHONE_CASE
    add("ACCEPTED", item("MDL-COQUE-S24-NOIR", "CELLULAR_PHONE_CASE", case))
    add("ACCEPTED", item("MDL-COQUE-S24-LAVANDE", "CELLULAR_PHONE_CASE", case,
                         identifiers={"EAN": ean("880609542700")},
                         extra={"item_name": "Samsung Silicone Case pour Galaxy S24, coque en silicone, Lavande",
                                "color": "Lavande", "color_standardized_values": "Violet"}))
    add("ACCEPTED", item("MDL-COQUE-S24-VERT", "CELLULAR_PHONE_CASE", case,
                         identifiers={"EAN": ean("880609542701")},
                         extra={"item_name": "Samsung Silicone Case pour Galaxy S24, coque en silicone, Vert",
                                "color": "Vert", "color_standardized_values": "Vert"}))
    add("ACCEPTED", item("MDL-ETUI-S24-WALLET", "CELLULAR_PHONE_CASE", case, identifiers={"EAN": "8806095427102"},
                         extra={"merchant_suggested_asin": "B0CSC2MF8V",
                                "item_name": "Samsung Smart View Wallet Case pour Galaxy S24, Noir",
                                "form_factor": "flip_cover"}))
    # refused: a compound rule broken, the first rule of a new product (no EAN, no ASIN, not exempt)
    add("INVALID", item("MDL-COQUE-S24-SANS-ID", "CELLULAR_PHONE_CASE", case, identifiers={"EAN": ""},
                        extra={"item_name": "Samsung Silicone Case pour Galaxy S24, coque en silicone, Jaune",
                               "color": "Jaune", "color_standardized_values": "Jaune"}, drop=("EAN",)))

    # -- HEADPHONES
    add("ACCEPTED", item("MDL-WH1000XM5-NOIR", "HEADPHONES", headphones, identifiers={"EAN": "4548736132610"},
                         extra={"merchant_suggested_asin": "B09Y2MYL5C"}))
    add("ACCEPTED", item("MDL-WH1000XM5-ARGENT", "HEADPHONES", headphones, identifiers={"EAN": ean("454873613270")},
                         extra={"item_name": "Sony WH-1000XM5 Casque sans fil à réduction de bruit, Bluetooth, Argent",
                                "color": "Argent", "color_standardized_values": "Argent"}))
    add("ACCEPTED", item("MDL-WH1000XM5-BLEU", "HEADPHONES", headphones, identifiers={"EAN": ean("454873613271")},
                         extra={"item_name": "Sony WH-1000XM5 Casque sans fil à réduction de bruit, Bluetooth, Bleu "
                                             "Nuit", "color": "Bleu Nuit", "color_standardized_values": "Bleu"}))
    # accepted with a warning raised while Amazon processes it: a title over 150 characters
    add("ACCEPTED", item("MDL-WH1000XM5-SABLE", "HEADPHONES", headphones, identifiers={"EAN": ean("454873613272")},
                         extra={"item_name": "Sony WH-1000XM5 Casque sans fil à réduction de bruit, Bluetooth, Sable, "
                                             "autonomie 30 heures, charge rapide, microphones pour appels, pliable "
                                             "avec étui de transport",
                                "color": "Sable", "color_standardized_values": "Beige"}))
    # refused: a value over Amazon's limit (a title of more than 200 characters)
    add("INVALID", item("MDL-WF1000XM5-NOIR", "HEADPHONES", headphones, identifiers={"EAN": "4548736144125"},
                        extra={"merchant_suggested_asin": "B0BX4PRN6D",
                               "item_name": "Sony WF-1000XM5 Écouteurs sans fil à réduction de bruit, Bluetooth, Noir, "
                                            "jusqu'à 24 heures d'autonomie avec le boîtier de charge, résistants aux "
                                            "éclaboussures IPX4, microphones pour des appels clairs, son haute "
                                            "résolution"}))
    return items, expected


def main(out: Path = HERE) -> None:
    """Write items.xml and expected.json into `out` (this folder unless a folder is given)."""
    items, expected = build()
    export(items, read_table(DEFAULT_GENERATED / "productlive" / "AMAZON_FR.xml"))
    table = etree.Element("Table", key="AMAZON_FR")
    container = etree.SubElement(table, "Items")
    container.extend(items)
    etree.indent(table, space="  ")
    (out / "items.xml").write_bytes(etree.tostring(table, xml_declaration=True, encoding="utf-8") + b"\n")
    (out / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(items)} items written to {out / 'items.xml'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
