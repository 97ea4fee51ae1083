"""Rebuild examples/items.xml and examples/expected.json: the demo's Product-Live items export.

The export is what Product-Live's `table-export-items` would give for the generated AMAZON_FR
table: the valid sample payloads of tests/data/payloads turned into field values through the
generated mapping, then varied into new products (valid EANs), enrichments of ASINs of the
sandbox's catalog, and a few deliberately broken items. `expected.json` says which final status
each SKU must reach in `make demo`.

Run: .venv/bin/python examples/build_sample_items.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

from transpiler.mapping import publication
from transpiler.mapping.field_codec import attributes_to_fields
from transpiler.mapping.json_codec import load_mapping
from transpiler.mapping.types import Quantity
from transpiler.productlive.gtin import check_digit
from transpiler.workspace import DEFAULT_GENERATED

HERE = Path(__file__).resolve().parent
PAYLOADS = HERE.parent / "tests" / "data" / "payloads"


def ean(body12: str) -> str:
    return body12 + str(check_digit(body12))


def base(product_type: str) -> dict[str, Any]:
    payload = json.loads((PAYLOADS / f"{product_type}.valid.json").read_text(encoding="utf-8"))
    payload.pop("merchant_suggested_asin", None)
    return attributes_to_fields(load_mapping(DEFAULT_GENERATED / "mapping", product_type), payload)


def item(sku: str, product_type: str, values: dict[str, Any], *, identifiers: dict[str, str] | None = None,
         extra: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> etree._Element:
    element = etree.Element("Item", partition="ACTIVE")
    etree.SubElement(element, "Identifier", key="SKU").text = sku
    values = {**values, **(extra or {})}
    for key in ("EAN",):
        value = (identifiers or {}).get(key, values.pop(key, None))
        values.pop(key, None)
        if value:
            etree.SubElement(element, "Identifier", key=key).text = value
    etree.SubElement(element, "Classification", key="AMAZON_PRODUCT_TYPE").text = product_type
    for key, value in values.items():
        if key in drop or value is None:
            continue
        if isinstance(value, Quantity):
            etree.SubElement(element, "Field", key=key, suffix=value.suffix).text = value.amount
        elif isinstance(value, list):
            for entry in value:
                etree.SubElement(element, "Field", key=key).text = entry
        else:
            etree.SubElement(element, "Field", key=key).text = str(value)
    return element


def build() -> tuple[list[etree._Element], dict[str, str]]:
    phone, case, headphones = base("CELLULAR_PHONE"), base("CELLULAR_PHONE_CASE"), base("HEADPHONES")
    items: list[etree._Element] = []
    expected: dict[str, str] = {}

    def add(status: str, element: etree._Element) -> None:
        items.append(element)
        expected[element.findtext("Identifier[@key='SKU']")] = status

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
    add("ACCEPTED", item("MDL-S24U-512-TITANE", "CELLULAR_PHONE", phone, identifiers={"EAN": ""},
                         extra={publication.ASIN: "B0CSB9KD4P",
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
    # deliberately invalid: wrong EAN check digit; no title (required)
    add("INVALID", item("MDL-S24-BAD-EAN", "CELLULAR_PHONE", phone, identifiers={"EAN": "8806095299687"}))
    add("INVALID", item("MDL-S24-SANS-TITRE", "CELLULAR_PHONE", phone, identifiers={"EAN": ean("880609529973")},
                        drop=("item_name",)))

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
    # deliberately invalid: a weight that is not a number
    add("INVALID", item("MDL-COQUE-S24-POIDS", "CELLULAR_PHONE_CASE", case, identifiers={"EAN": ean("880609542702")},
                        extra={"item_weight": Quantity("léger", "grams")}))

    # -- HEADPHONES
    add("ACCEPTED", item("MDL-WH1000XM5-NOIR", "HEADPHONES", headphones, identifiers={"EAN": "4548736132610"},
                         extra={"merchant_suggested_asin": "B09Y2MYL5C"}))
    add("ACCEPTED", item("MDL-WH1000XM5-ARGENT", "HEADPHONES", headphones, identifiers={"EAN": ean("454873613270")},
                         extra={"item_name": "Sony WH-1000XM5 Casque sans fil à réduction de bruit, Bluetooth, Argent",
                                "color": "Argent", "color_standardized_values": "Argent"}))
    add("ACCEPTED", item("MDL-WH1000XM5-BLEU", "HEADPHONES", headphones, identifiers={"EAN": ean("454873613271")},
                         extra={"item_name": "Sony WH-1000XM5 Casque sans fil à réduction de bruit, Bluetooth, Bleu "
                                             "Nuit", "color": "Bleu Nuit", "color_standardized_values": "Bleu"}))
    # accepted with a warning raised during processing: an image served over http
    add("ACCEPTED", item("MDL-WH1000XM5-SABLE", "HEADPHONES", headphones, identifiers={"EAN": ean("454873613272")},
                         extra={"item_name": "Sony WH-1000XM5 Casque sans fil à réduction de bruit, Bluetooth, Sable",
                                "color": "Sable", "color_standardized_values": "Beige",
                                "other_product_image_locator_1_media_location":
                                    "http://www.modelabs.fr/medias/produits/wh-1000xm5-sable.jpg"}))
    # deliberately invalid: a field the table does not have; a product type the table does not have
    add("INVALID", item("MDL-WF1000XM5-NOIR", "HEADPHONES", headphones, identifiers={"EAN": "4548736144125"},
                        extra={"merchant_suggested_asin": "B0BX4PRN6D", "couleur_principale": "noir"}))
    add("INVALID", item("MDL-TAB-S9-GRIS", "TABLET", phone, identifiers={"EAN": ean("880609530000")}))
    return items, expected


def main() -> None:
    items, expected = build()
    table = etree.Element("Table", key="AMAZON_FR")
    container = etree.SubElement(table, "Items")
    container.extend(items)
    etree.indent(table, space="  ")
    (HERE / "items.xml").write_bytes(etree.tostring(table, xml_declaration=True, encoding="utf-8") + b"\n")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(items)} items written to {HERE / 'items.xml'}")


if __name__ == "__main__":
    main()
