"""The status Product-Live shows for an item: the table's own rules applied to the item's values.

`judge(item, table)` reads the conditional formatting of a table structure (`table_rules.read_table`)
and returns, as Product-Live computes it, the status of the indicator (the broken status with the
lowest Priority number, else the default status) and every rule that put it there, in French.
`pl-amazon readiness ITEMS.xml` prints it per item. It judges the XML Product-Live imports, not the
attribute model, so a rule missing from the table is missing here too.

A multi-level table has one indicator per level: each item of a multi-level export is judged with
its level's indicator (found from its identifier), on its own values, as Product-Live does;
`judge_listing` judges one listing's values (a flat item, or an article with its model's and
colour's values) with every level's indicator, the worst status winning.

How each control and condition operator is read (where Product-Live's documentation is silent, the
reading chosen is written here and in docs/productlive.md):

- a value is "empty" when the item has no non-blank value for the key; `IN` holds when some value of
  the key is in the list (a multiple select: some selected option), `NOT_IN` when the key has values
  and none is in the list; `EQUALS use="SUFFIX_KEY"` compares the unit key of a NUMBER;
- numeric operators and bound rules compare the number (`,` or `.` as decimal separator) and do not
  apply to empty values; length rules count characters;
- `Rule-Required-If-Another-Field-Has-Options`: the other field has one of the options;
  `Rule-Is-Leaf`: the category exists and has no child category; `Rule-Barcode type="EAN13"`: 13
  digits with a valid GS1 check digit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from transpiler.mapping.identifiers import SKU
from transpiler.productlive.gtin import check_digit
from transpiler.productlive.items import Item, read_items
from transpiler.productlive.table_rules import Condition, Control, Indicator, TableRules, Target

#: The readiness indicator of the generated table.
READINESS = "AMAZON_READINESS"


@dataclass(frozen=True)
class Finding:
    """One broken rule: the key it is on and what is wrong, in French."""

    key: str
    message: str
    rule: str  # the rule element (`Rule-Required`, `Rule-Condition`…)


@dataclass
class Verdict:
    """The status of one item for one indicator, and the rules of that status it breaks."""

    sku: str | None
    category: str | None
    status: str
    title: str
    color: str
    findings: list[Finding] = field(default_factory=list)
    exported: str | None = None  # the status the export carries, when it has one

    def as_json(self) -> dict[str, object]:
        return {"sku": self.sku, "productType": self.category, "status": self.status, "title": self.title,
                "exportedStatus": self.exported,
                "findings": [{"key": f.key, "message": f.message, "rule": f.rule} for f in self.findings]}


class ItemValues:
    """The values of one item by key, as the rules see them."""

    def __init__(self, item: Item):
        self.item = item

    def texts(self, key: str) -> list[str]:
        if key in self.item.identifiers:
            value = self.item.identifiers[key].strip()
            return [value] if value else []
        if key in self.item.classifications:
            value = self.item.classifications[key].strip()
            return [value] if value else []
        return [e.value.strip() for e in self.item.fields.get(key, ())
                if not e.delete and e.value is not None and e.value.strip()]

    def suffixes(self, key: str) -> list[str]:
        return [e.suffix or "" for e in self.item.fields.get(key, ())
                if not e.delete and e.value is not None and e.value.strip()]


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


_COMPARE = {
    "GREATER_THAN": lambda a, b: a > b, "GREATER_THAN_OR_EQUAL": lambda a, b: a >= b,
    "LESS_THAN": lambda a, b: a < b, "LESS_THAN_OR_EQUAL": lambda a, b: a <= b,
}


def holds(condition: Condition, values: ItemValues) -> bool:
    """Whether one `<Condition>` holds for the item."""
    texts = values.texts(condition.source)
    op = condition.operator
    if op == "EMPTY":
        return not texts
    if op == "NOT_EMPTY":
        return bool(texts)
    if op == "IN":
        return any(t in condition.values for t in texts)
    if op == "NOT_IN":
        return bool(texts) and not any(t in condition.values for t in texts)
    if op == "EQUALS":
        if condition.use in ("SUFFIX_KEY", "SUFFIX"):
            return any(s in condition.values for s in values.suffixes(condition.source))
        return any(t in condition.values for t in texts)
    if op in ("CONTAINS", "STARTS_WITH", "ENDS_WITH"):
        test = {"CONTAINS": str.__contains__, "STARTS_WITH": str.startswith, "ENDS_WITH": str.endswith}[op]
        return any(test(t, v) for t in texts for v in condition.values)
    if op in _COMPARE and condition.values:
        bound = _number(condition.values[0])
        numbers = [n for t in texts if (n := _number(t)) is not None]
        return bound is not None and any(_COMPARE[op](n, bound) for n in numbers)
    return False


def group_holds(groups: Iterable[Iterable[Condition]], values: ItemValues) -> bool:
    """Conditions of a group all hold (AND); the rule holds when some group does (OR)."""
    return any(all(holds(c, values) for c in group) for group in groups)


def _ean13_ok(text: str) -> bool:
    return len(text) == 13 and text.isascii() and text.isdigit() and int(text[-1]) == check_digit(text[:-1])


class _Judge:
    def __init__(self, table: TableRules, item: Item, category: str | None, classification: str | None):
        self.table = table
        self.values = ItemValues(item)
        self.category = category
        self.classification = classification

    def q(self, key: str) -> str:
        return f"« {self.table.title(key)} »"

    def options(self, key: str, options: Iterable[str]) -> str:
        info = self.table.fields.get(key)
        titles = [f"« {info.options.get(o, o) if info else o} »" for o in options]
        return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} ou {titles[-1]}"

    def broken(self, target: Target, control: Control) -> str | None:
        """The French message of a broken control, None when it holds."""
        key = target.key
        texts = self.values.texts(key)
        tag = control.tag
        if tag == "Rule-Condition":
            if not group_holds(control.groups, self.values):
                return None
            return control.title or f"{self.q(key)} : règle non respectée."
        if tag == "Rule-Required":
            return None if texts else f"{self.q(key)} est obligatoire."
        if tag == "Rule-Required-If-Another-Field-Is-Not-Empty":
            other = control.attr("field") or ""
            if not texts and self.values.texts(other):
                return f"{self.q(key)} est obligatoire quand {self.q(other)} est renseigné."
            return None
        if tag == "Rule-Required-If-Another-Field-Has-Options":
            other = control.attr("field") or ""
            if not texts and any(t in control.options for t in self.values.texts(other)):
                allowed = self.options(other, control.options)
                return f"{self.q(key)} est obligatoire quand {self.q(other)} vaut {allowed}."
            return None
        if tag == "Rule-Is-Leaf":
            if texts and not self.table.is_leaf(key, texts[0]):
                return f"{self.q(key)} doit être une catégorie finale (« {texts[0]} » n'en est pas une)."
            return None
        if not texts:
            return None  # the other rules judge a value, not its absence
        return self._value_rule(key, control, texts)

    def _value_rule(self, key: str, control: Control, texts: list[str]) -> str | None:
        tag = control.tag
        if tag == "Rule-Barcode":
            bad = [t for t in texts if not _ean13_ok(t)] if control.attr("type") == "EAN13" else []
            return f"{self.q(key)} : « {bad[0]} » n'est pas un EAN-13 valide (13 chiffres, clé de contrôle)." if bad \
                else None
        if tag in ("Rule-Max-Length", "Rule-Min-Length"):
            limit = int(control.attr("max") or control.attr("min") or 0)
            for t in texts:
                if tag == "Rule-Max-Length" and len(t) > limit:
                    return f"{self.q(key)} : {len(t)} caractères, {limit} au plus."
                if tag == "Rule-Min-Length" and len(t) < limit:
                    return f"{self.q(key)} : {len(t)} caractère(s), {limit} au moins."
            return None
        if tag == "Rule-Regex":
            pattern = control.attr("regex") or ""
            try:
                bad = [t for t in texts if not re.search(pattern, t)]
            except re.error:
                return None
            return f"{self.q(key)} : « {bad[0]} » n'a pas le format attendu." if bad else None
        bounds = {"Rule-Greater-Than": ("LESS_THAN_OR_EQUAL", "supérieur à"),
                  "Rule-Greater-Than-Or-Equal": ("LESS_THAN", "au moins égal à"),
                  "Rule-Less-Than": ("GREATER_THAN_OR_EQUAL", "inférieur à"),
                  "Rule-Less-Than-Or-Equal": ("GREATER_THAN", "au plus égal à")}
        if tag in bounds:
            failing, words = bounds[tag]
            value = control.attr("value") or "0"
            if holds(Condition(key, failing, (value,)), self.values):
                return f"{self.q(key)} doit être {words} {value}."
            return None
        if tag == "Rule-Decimal-Places":
            limit = int(control.attr("precision") or 0)
            for t in texts:
                number = _number(t)
                if number is not None and -number.normalize().as_tuple().exponent > limit:
                    return (f"{self.q(key)} : « {t} » a trop de décimales ({limit} au plus)." if limit
                            else f"{self.q(key)} doit être un nombre entier (« {t} »).")
            return None
        if tag in ("Rule-Max-Values", "Rule-Min-Values"):
            limit = int(control.attr("max") or control.attr("min") or 0)
            if (tag == "Rule-Max-Values" and len(texts) > limit) or (tag == "Rule-Min-Values" and len(texts) < limit):
                word = "au plus" if tag == "Rule-Max-Values" else "au moins"
                return f"{self.q(key)} : {len(texts)} valeur(s), {limit} {word}."
            return None
        return None  # image and attachment rules need the files themselves

    def targets(self, status_targets: list[Target], specific: dict[str, list[Target]]) -> list[Target]:
        return [*status_targets, *specific.get(self.category or "", [])]


def judge(item: Item, table: TableRules, indicator: str = READINESS,
          classification: str | None = None) -> Verdict:
    """The status `indicator` shows for `item` and the broken rules of that status."""
    cf: Indicator | None = table.indicator(indicator)
    if cf is None:
        raise KeyError(indicator)
    classification = classification or next(iter(table.classifications), None)
    category = item.classifications.get(classification or "") or None
    j = _Judge(table, item, category, classification)
    for status in cf.statuses:
        findings = []
        for target in j.targets(status.common, status.specific):
            for control in target.controls:
                message = j.broken(target, control)
                if message:
                    findings.append(Finding(target.key, message, control.tag))
        if findings:
            return Verdict(_name(item), category, status.key, status.title, status.color, findings,
                           item.statuses.get(indicator))
    key, title, color = cf.default
    return Verdict(_name(item), category, key, title, color, [], item.statuses.get(indicator))


def _name(item: Item) -> str | None:
    """The SKU, else the item's own identifier (a model's PARENT_SKU, a colour's code)."""
    return item.identifier(SKU) or next((v.strip() for v in item.identifiers.values() if v and v.strip()), None)


def judge_listing(item: Item, table: TableRules, classification: str | None = None) -> Verdict:
    """The status of one listing's values under every indicator of the table: the worst wins (lowest
    Priority), with the rules broken at that status in each indicator."""
    readiness = _readiness(table)
    if len(readiness) == 1:
        return judge(item, table, readiness[0].key, classification)
    broken: list[tuple[int, Verdict]] = []
    last: Verdict | None = None
    for cf in readiness:
        verdict = judge(item, table, cf.key, classification)
        last = verdict
        if verdict.status != cf.default[0]:
            priority = next((s.priority for s in cf.statuses if s.key == verdict.status), 0)
            broken.append((priority, verdict))
    if not broken:
        assert last is not None
        return last
    worst = min(p for p, _ in broken)
    chosen = [v for p, v in broken if p == worst]
    chosen[0].findings = [f for v in chosen for f in v.findings]
    assert last is not None
    chosen[0].exported = last.exported  # the listing's own indicator (the article's) as exported
    return chosen[0]


def judge_file(items: str | Path, table: TableRules, indicator: str | None = None) -> Iterator[Verdict]:
    """The verdict of every item of an items export, nested items included, in file order (streamed).

    With `indicator`, every item is judged with that indicator. Otherwise each item of a multi-level
    export is judged with its level's indicator (a model with the model's), and a flat item with
    every level's (`judge_listing`). Raises ItemsFileError when the file breaks (items before the
    break have been judged).
    """
    for item in read_items(items):
        if indicator is not None:
            yield judge(item, table, indicator)
            yield from (judge(child, table, indicator) for child in item.descendants())
            continue
        if not item.children:
            yield judge_listing(item, table)
            continue
        for one in (item, *item.descendants()):
            levels = {table.identifier_levels.get(key) for key in one.identifiers}
            cf = next((i for i in _readiness(table) if i.level in levels), None)
            yield judge(one, table, cf.key) if cf is not None else judge_listing(one, table)


def _readiness(table: TableRules) -> list[Indicator]:
    """The table's readiness indicators, one per level (`AMAZON_READINESS`, `AMAZON_READINESS_MODEL`…)."""
    found = [i for i in table.indicators if i.key == READINESS or i.key.startswith(READINESS + "_")]
    return found or list(table.indicators[:1])
