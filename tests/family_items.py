"""Multi-level Product-Live exports of a phone family, built from the sample payload for the tests.

A model (PARENT_SKU, the shared fields and the theme), optionally colours (COLOR_CODE, the colour and
its images) and articles (SKU, EAN, capacity, price), nested as Product-Live exports them; each field
on the level the generated mapping gives it (`FieldMapping.level`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

from transpiler.mapping.field_codec import attributes_to_fields
from transpiler.mapping.json_codec import load_mapping
from transpiler.mapping.types import Quantity
from transpiler.productlive.gtin import check_digit
from transpiler.productlive.items import append_field
from transpiler.workspace import DEFAULT_GENERATED

PAYLOADS = Path(__file__).parent / "data" / "payloads"
THEME = "COLOR/MEMORY_STORAGE_CAPACITY"
MODEL_TITLE = "Samsung Galaxy S24 5G, Smartphone Android, 8 Go de RAM"


def ean(body12: str) -> str:
    return body12 + str(check_digit(body12))


def phone_fields() -> dict[str, Any]:
    payload = json.loads((PAYLOADS / "CELLULAR_PHONE.valid.json").read_text(encoding="utf-8"))
    return attributes_to_fields(load_mapping(DEFAULT_GENERATED / "mapping", "CELLULAR_PHONE"), payload)


def levels() -> dict[str, str]:
    """The level of each field key of the phone mapping (EAN: the article's identifier)."""
    mapping = load_mapping(DEFAULT_GENERATED / "mapping", "CELLULAR_PHONE")
    return {f.key: f.level or "ARTICLE" for f in mapping.fields}


def _fields(element: etree._Element, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is not None:
            append_field(element, key, value)


def article(sku: str, color: str, capacity: int, barcode: str, **extra: Any) -> dict[str, Any]:
    return {"SKU": sku, "color": color, "capacity": capacity, "EAN": barcode, **extra}


def model_item(parent_sku: str, articles: list[dict[str, Any]], *, theme: str | None = THEME,
               colours: bool = False, model_extra: dict[str, Any] | None = None,
               drop: tuple[str, ...] = ()) -> etree._Element:
    """One model with its articles (grouped by colour under colour items when `colours`)."""
    base = phone_fields()
    level = levels()
    shared = {k: v for k, v in base.items() if level.get(k) == "MODEL" and k not in drop}
    model = etree.Element("Item", partition="ACTIVE")
    etree.SubElement(model, "Identifier", key="PARENT_SKU").text = parent_sku
    etree.SubElement(model, "Classification", key="AMAZON_PRODUCT_TYPE").text = "CELLULAR_PHONE"
    _fields(model, {**shared, "item_name": MODEL_TITLE, "variation_theme_name": theme, **(model_extra or {})})
    groups: dict[str, etree._Element] = {}
    for spec in articles:
        colour_values = {k: v for k, v in base.items() if level.get(k) == "COLOR"}
        colour_values.update({"color": spec["color"], "color_standardized_values": spec.get("family", "Noir"),
                              "main_product_image_locator_media_location":
                                  f"https://www.modelabs.fr/medias/gs24-{spec['color'][:4].lower()}.jpg"})
        own = {k: v for k, v in base.items() if level.get(k) == "ARTICLE" and k != "EAN"}
        own.update({"memory_storage_capacity": Quantity(str(spec["capacity"]), "GB"),
                    "list_price_value_with_tax": spec.get("price", "899")})
        own.update({k: v for k, v in spec.items() if k not in ("SKU", "EAN", "color", "capacity", "family", "price")})
        if colours:
            holder = groups.get(spec["color"])
            if holder is None:
                holder = groups[spec["color"]] = etree.SubElement(model, "Item")
                etree.SubElement(holder, "Identifier", key="COLOR_CODE").text = spec["color"].upper().replace(" ", "-")
                _fields(holder, colour_values)
        else:
            holder = model
            own.update(colour_values)
        element = etree.SubElement(holder, "Item")
        etree.SubElement(element, "Identifier", key="SKU").text = spec["SKU"]
        if spec.get("EAN"):
            etree.SubElement(element, "Identifier", key="EAN").text = spec["EAN"]
        _fields(element, own)
    return model


def export(path: Path, *models: etree._Element, extra: list[etree._Element] = ()) -> Path:
    table = etree.Element("Table", key="AMAZON_FR")
    items = etree.SubElement(table, "Items")
    for model in (*models, *extra):
        items.append(model)
    etree.indent(table)
    path.write_bytes(etree.tostring(table, xml_declaration=True, encoding="utf-8"))
    return path
