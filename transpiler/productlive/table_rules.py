"""A Product-Live table structure XML read back for what it says about items: fields, categories,
the matrix and the conditional formattings with their rules.

This is the items side's view of the table: `transpiler.productlive.readiness` judges items with it
exactly as Product-Live would, from the XML Product-Live imports (`generated/productlive/AMAZON_FR.xml`
or a `table-export-schema` file), never from the attribute model. Reading is hardened like the
items reader: no DTD, no network, libxml2's size guards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from transpiler.errors import PlAmazonError


class TableFileError(PlAmazonError):
    """The table structure file cannot be read."""


@dataclass(frozen=True)
class Condition:
    """`<Condition source operator [use]>` and its values."""

    source: str
    operator: str
    values: tuple[str, ...] = ()
    use: str | None = None


@dataclass(frozen=True)
class Control:
    """One rule element on a target: its tag, attributes, `<Option>` keys, and for `Rule-Condition`
    its groups (AND inside a group, OR between groups) and French title."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    options: tuple[str, ...] = ()
    groups: tuple[tuple[Condition, ...], ...] = ()
    title: str | None = None

    def attr(self, name: str) -> str | None:
        return dict(self.attrs).get(name)


@dataclass(frozen=True)
class Target:
    element: str  # Identifier | Classification | Field
    key: str
    controls: tuple[Control, ...]


@dataclass
class StatusRules:
    key: str
    title: str
    color: str
    priority: int
    common: list[Target] = field(default_factory=list)
    specific: dict[str, list[Target]] = field(default_factory=dict)  # category -> targets


@dataclass
class Indicator:
    """A conditional formatting: its default status and its statuses by priority (1 wins)."""

    key: str
    title: str
    default: tuple[str, str, str]  # key, title, color
    statuses: list[StatusRules]
    level: str = ""  # the level whose items it judges


@dataclass(frozen=True)
class FieldInfo:
    key: str
    type: str
    title: str
    options: dict[str, str]  # key -> title
    suffixes: dict[str, str]


@dataclass
class TableRules:
    key: str
    fields: dict[str, FieldInfo]
    identifiers: dict[str, str]  # key -> title
    classifications: dict[str, str]  # key -> title
    categories: dict[str, dict[str, tuple[str, str | None]]]  # classification -> category -> (title, parent)
    indicators: list[Indicator]
    identifier_levels: dict[str, str] = field(default_factory=dict)  # identifier key -> level key

    def title(self, key: str) -> str:
        """The French title of a field, identifier or classification key (the key when unknown)."""
        if key in self.fields:
            return self.fields[key].title
        return self.identifiers.get(key) or self.classifications.get(key) or key

    def is_leaf(self, classification: str, category: str) -> bool:
        categories = self.categories.get(classification, {})
        return category in categories and not any(parent == category for _, parent in categories.values())

    def indicator(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators if i.key == key), None)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def _title(element: etree._Element) -> str:
    local = element.find("Title-Local[@lang='fra']")
    text = local.text if local is not None and local.text else element.findtext("Title")
    return (text or element.get("key") or "").strip()


def _conditions(element: etree._Element | None) -> tuple[tuple[Condition, ...], ...]:
    if element is None:
        return ()
    return tuple(
        tuple(Condition(c.get("source", ""), c.get("operator", ""), tuple((v.text or "") for v in c.iterfind("Value")),
                        c.get("use")) for c in group.iterfind("Condition"))
        for group in element.iterfind("Condition-Group")
    )


def _controls(target: etree._Element) -> tuple[Control, ...]:
    out = []
    for rule in target:
        if not isinstance(rule.tag, str) or not rule.tag.startswith("Rule-"):
            continue
        if rule.tag == "Rule-Condition":
            out.append(Control(rule.tag, (("key", rule.get("key", "")),), groups=_conditions(rule.find("Conditions")),
                               title=_title(rule)))
        else:
            out.append(Control(rule.tag, tuple(sorted(rule.attrib.items())),
                               tuple(o.get("key", "") for o in rule.iterfind("Option"))))
    return tuple(out)


def _targets(parent: etree._Element) -> list[Target]:
    return [Target(t.tag, t.get("key", ""), _controls(t)) for t in parent
            if isinstance(t.tag, str) and t.tag in ("Identifier", "Classification", "Field")]


def read_table(path: str | Path) -> TableRules:
    """The rules of a table structure file. Raises TableFileError (one line) when it is unusable."""
    try:
        root = etree.parse(str(path), _parser()).getroot()
    except OSError as exc:
        raise TableFileError(f"{path}: cannot read the table structure: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise TableFileError(f"{path}: malformed table structure XML: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise TableFileError(f"{path}: a DTD (<!DOCTYPE>) is not allowed in a table structure")
    schema = root.find("Schema")
    if root.tag != "Table" or schema is None:
        raise TableFileError(f"{path}: not a Product-Live table structure (<Table><Schema>… expected)")
    fields = {}
    for f in schema.iterfind("Fields/Field"):
        fields[f.get("key", "")] = FieldInfo(
            f.get("key", ""), f.get("type", ""), _title(f),
            {o.get("key", ""): _title(o) for o in f.iterfind("Options/Option")},
            {s.get("key", ""): _title(s) for s in f.iterfind("Suffixes/Suffix")},
        )
    categories: dict[str, dict[str, tuple[str, str | None]]] = {}
    classifications = {}
    for c in schema.iterfind("Classifications/Classification"):
        classifications[c.get("key", "")] = _title(c)
        categories[c.get("key", "")] = {cat.get("key", ""): (_title(cat), cat.get("parent"))
                                        for cat in c.iterfind("Categories/Category")}
    indicators = []
    for cf in schema.iterfind("Conditional-Formattings/Conditional-Formatting"):
        default = cf.find("Default-Status")
        statuses = []
        for s in cf.iterfind("Statuses/Status"):
            status = StatusRules(s.get("key", ""), _title(s), s.findtext("Color") or "NONE",
                                 int(s.findtext("Priority") or 0))
            rules = s.find("Rules")
            if rules is not None:
                for common in rules.iterfind("Common"):
                    status.common.extend(_targets(common))
                for specific in rules.iterfind("Specific"):
                    status.specific.setdefault(specific.get("category", ""), []).extend(_targets(specific))
            statuses.append(status)
        statuses.sort(key=lambda st: st.priority)
        indicators.append(Indicator(
            cf.get("key", ""), _title(cf),
            (default.get("key", ""), _title(default), default.findtext("Color") or "NONE") if default is not None
            else ("", "", "NONE"),
            statuses, cf.get("level", "")))
    return TableRules(
        key=root.get("key", ""),
        fields=fields,
        identifiers={i.get("key", ""): _title(i) for i in schema.iterfind("Identifiers/Identifier")},
        identifier_levels={i.get("key", ""): i.get("level", "") for i in schema.iterfind("Identifiers/Identifier")},
        classifications=classifications,
        categories=categories,
        indicators=indicators,
    )
