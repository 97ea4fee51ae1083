"""The French a catalogue manager reads in the table: titles, help texts and units.

Amazon's French titles and descriptions are kept, with the corrections a Product-Live grid needs:

- one title per field: image locators are "Image principale", "Image secondaire 3"…, attributes
  Amazon numbers itself (`other_product_image_locator_3`) get their number, and the slots of a
  numbered attribute say which value they hold;
- help texts true to each field: a numbered field holds one value (no "un modèle par ligne"), only
  the first material is the main one; an IMAGE field takes a file, not a URL;
- Modelabs is a vendor, a *fournisseur* on Amazon, never a *vendeur*;
- short unit titles in the grid ("Go", "mAh", "cm"), Amazon's long name as the unit's description;
- default units that fit the product: inches for screens, mAh for battery capacity, Wh for lithium
  energy, grams for the weight of small electronics (kilograms otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Short French unit symbols by Amazon unit value (the grid shows them beside each number).
UNIT_TITLES = {
    "GB": "Go", "gigabytes": "Go", "MB": "Mo", "megabytes": "Mo", "TB": "To", "terabytes": "To",
    "KB": "Ko", "kilobytes": "Ko",
    "milliamp_hours": "mAh", "amp_hours": "Ah", "watt_hours": "Wh", "kilowatt_hours": "kWh", "joules": "J",
    "watts": "W", "kilowatts": "kW", "volts": "V", "hertz": "Hz", "kilohertz": "kHz", "megahertz": "MHz",
    "gigahertz": "GHz", "milliamps": "mA", "amps": "A", "decibels": "dB", "ohms": "Ω",
    "grams": "g", "kilograms": "kg", "milligrams": "mg", "ounces": "oz", "pounds": "lb", "tons": "t",
    "millimeters": "mm", "centimeters": "cm", "meters": "m", "kilometers": "km", "inches": "pouces",
    "feet": "pieds", "yards": "yards", "miles": "miles",
    "milliliters": "ml", "centiliters": "cl", "liters": "l", "cubic_centimeters": "cm³", "fluid_ounces": "fl oz",
    "seconds": "s", "minutes": "min", "hours": "h", "days": "jours", "weeks": "semaines", "months": "mois",
    "years": "ans", "degrees_celsius": "°C", "degrees_fahrenheit": "°F", "percent": "%",
}

#: Product types whose items weigh grams rather than kilograms (phones and their accessories).
SMALL_ITEM_TYPES = frozenset({"CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES", "SCREEN_PROTECTOR",
                              "PORTABLE_POWER_BANK", "ELECTRONIC_CABLE", "CHARGING_ADAPTER", "SMARTWATCH"})

#: Preferred default units by what the number measures (path pattern -> units, first present wins).
_PREFERRED: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"(^|\.)(display|screen)[^.]*\.size|screen_size"), ("inches", "centimeters")),
    (re.compile(r"battery\.capacity|battery_capacity"), ("milliamp_hours", "watt_hours")),
    (re.compile(r"energy_content"), ("watt_hours", "kilowatt_hours", "joules")),
    (re.compile(r"(memory|storage|ram)"), ("GB", "gigabytes")),
)

#: Metric first, then the rest; the first one present in a unit list is the default.
METRIC_UNITS = (
    "centimeters", "millimeters", "meters", "kilograms", "grams", "milligrams", "liters", "milliliters",
    "GB", "gigabytes", "MB", "TB", "milliamp_hours", "watt_hours", "watts", "volts", "hertz", "hours",
    "minutes", "seconds", "degrees_celsius", "inches",
)

_IMAGE_TITLES = (
    (re.compile(r"^main_product_image_locator$"), "Image principale"),
    (re.compile(r"^other_product_image_locator_(\d+)$"), "Image secondaire {}"),
    (re.compile(r"^swatch_product_image_locator$"), "Image échantillon (sélecteur de variations)"),
)
_VENDEUR = ((re.compile(r"\bvendeurs\b"), "fournisseurs"), (re.compile(r"\bvendeur\b"), "fournisseur"),
            (re.compile(r"\bVendeurs\b"), "Fournisseurs"), (re.compile(r"\bVendeur\b"), "Fournisseur"))
_PER_LINE = re.compile(r",?\s*\(?\b(un|une)\s+(\w+\s+)?par ligne\)?", re.IGNORECASE)
_URL_OF = re.compile(r"^URL (de l'|d'une |du |de la |des )", re.IGNORECASE)


def unit_title(unit: str, label: str | None) -> str:
    """The short French title of a unit (`GB` -> "Go"), else Amazon's label."""
    return UNIT_TITLES.get(unit) or label or unit


def default_unit(product_type: str, path: str, units: Sequence[str]) -> str | None:
    """The unit a value of `path` most likely has for this product type (None without units)."""
    if not units:
        return None
    if "weight" in path:
        preferred: tuple[str, ...] = ("grams", "kilograms") if product_type in SMALL_ITEM_TYPES \
            else ("kilograms", "grams")
        found = [u for u in preferred if u in units]
        if found:
            return found[0]
    for pattern, wanted in _PREFERRED:
        if pattern.search(path):
            found = [u for u in wanted if u in units]
            if found:
                return found[0]
    for unit in METRIC_UNITS:
        if unit in units:
            return unit
    return units[0]


def fournisseur(text: str) -> str:
    """Modelabs sells to Amazon as a vendor: a *fournisseur*, not a *vendeur*."""
    for pattern, replacement in _VENDEUR:
        text = pattern.sub(replacement, text)
    return text


def attribute_title(name: str, title: str, is_image: bool) -> str:
    """The title of an attribute's field: image locators by role and number, others as Amazon says."""
    if is_image:
        for pattern, wording in _IMAGE_TITLES:
            match = pattern.match(name)
            if match:
                return wording.format(*match.groups())
        stripped = _URL_OF.sub("", title)
        if stripped != title:
            return stripped[0].upper() + stripped[1:]
    return fournisseur(title)


def image_description(description: str | None) -> str:
    """An IMAGE field takes a file in Product-Live; Amazon receives its address."""
    text = description or ""
    stripped = _URL_OF.sub("", text)
    if stripped != text:
        text = stripped[0].upper() + stripped[1:]
    note = "Déposez le fichier image : Product-Live transmet son adresse à Amazon."
    return f"{text} {note}".strip()


def numbered_description(description: str | None, index: int, slots: int) -> str | None:
    """The help text of slot `index` (1-based) of a numbered attribute: one value per field."""
    if description is None:
        return None
    head, newline, rest = description.partition("\n")
    head = _PER_LINE.sub("", head).strip()
    if index > 1:
        head = re.sub(r"\bprincipale?s?\b", "supplémentaire", head)
    where = f"Valeur {index} sur {slots} au plus : une seule valeur dans ce champ."
    head = f"{head}. {where}" if head and not head.endswith(".") else f"{head} {where}".strip()
    return head + newline + rest
