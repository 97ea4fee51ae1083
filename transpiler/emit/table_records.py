"""The Product-Live table structure as plain records, one per element of Product-Live's table XML.

`transpiler.emit.structure.build_table` fills them from the field mappings; the jinja2 template
`templates/productlive/table.xml.j2` renders them without deciding anything. Levels are data: every
field, identifier, conditional formatting and screen names the level it belongs to, so a table with
several levels (model, article) is the same records with more than one `Level`.

Conditions (in `Rule-Condition` readiness rules and in formulas) are groups of atoms: the atoms of
a group must all hold (AND) and the condition holds when at least one group does (OR), as
Product-Live's rules engine reads `<Conditions><Condition-Group>…`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Level:
    key: str
    index: int
    title: str


@dataclass(frozen=True)
class Partition:
    key: str
    title: str
    position: int


@dataclass(frozen=True)
class Identifier:
    key: str
    title: str
    index: int
    level: str
    description: str | None = None


@dataclass(frozen=True)
class Option:
    """An option of a select field (`color` is one of Product-Live's colours, or None)."""

    key: str
    title: str
    color: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Suffix:
    """A unit of a NUMBER field: key = Amazon's unit, short French title, the long name as description."""

    key: str
    title: str
    default: bool = False
    description: str | None = None


@dataclass
class TableField:
    key: str
    type: str
    title: str
    description: str | None
    section: str
    level: str
    metadata: list[tuple[str, str]] = field(default_factory=list)
    precision: int | None = None
    suffixes: list[Suffix] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    read_only: bool = False  # written by the publisher, never typed in


@dataclass(frozen=True)
class Atom:
    """One `<Condition source operator [use]>` with its `<Value>`s."""

    source: str
    operator: str  # EMPTY | NOT_EMPTY | IN | NOT_IN | EQUALS | LESS_THAN | GREATER_THAN | ...
    values: tuple[str, ...] = ()
    use: str | None = None  # EQUALS only: VALUE | SUFFIX | SUFFIX_KEY


Group = tuple[Atom, ...]


@dataclass(frozen=True)
class Rule:
    """One control element: `<{element} {attrs}>` with optional `<Option key>` children."""

    element: str
    attrs: tuple[tuple[str, str], ...] = ()
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionRule:
    """`<Rule-Condition key>`: the status applies when `groups` hold; `title` says why, in French."""

    key: str
    title: str
    groups: tuple[Group, ...]
    element: str = "Rule-Condition"


Control = Rule | ConditionRule


@dataclass(frozen=True)
class RuleTarget:
    """The controls on one identifier, classification or field (`element` is the tag name)."""

    element: str  # Identifier | Classification | Field
    key: str
    controls: tuple[Control, ...]


@dataclass
class Status:
    key: str
    title: str
    color: str
    priority: int
    description: str | None = None
    common: list[RuleTarget] = field(default_factory=list)
    specific: list[tuple[str, list[RuleTarget]]] = field(default_factory=list)  # category -> targets


@dataclass
class ConditionalFormatting:
    key: str
    level: str
    title: str
    description: str
    default_status: tuple[str, str, str]  # key, title, color
    statuses: list[Status]


@dataclass(frozen=True)
class FormulaRule:
    """`<Rule priority>`: when `groups` hold, the action applies (`SET_TEXT` template or option keys)."""

    priority: int
    groups: tuple[Group, ...]
    action: str  # SET_TEXT | SET_SELECTABLE_OPTIONS
    template: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Formula:
    element: str  # Identifier | Classification | Field
    key: str
    rules: tuple[FormulaRule, ...]


@dataclass(frozen=True)
class Column:
    element: str  # Column-Identifier | Column-Classification | Column-Conditional-Formatting | Column-Field
    key: str
    width: str
    fixed: bool = False
    read_only: bool = False


@dataclass(frozen=True)
class ScreenSection:
    key: str
    position: int
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Screen:
    key: str
    level: str
    title: str
    position: int
    description: str
    common: tuple[ScreenSection, ...]
    specific: tuple[tuple[str, tuple[ScreenSection, ...]], ...] = ()  # category -> sections


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str | None = None


@dataclass
class Table:
    """Everything `table.xml.j2` renders, in Product-Live's export order."""

    key: str
    title: str
    description: str
    levels: list[Level]
    partitions: list[Partition]
    identifiers: list[Identifier]
    classification: tuple[str, str]  # key, title
    categories: list[tuple[str, str]]  # key, title
    fields: list[TableField]
    matrix_common: list[str]
    matrix_specific: list[tuple[str, list[str]]]  # category -> field keys
    formulas: list[Formula]
    conditional_formattings: list[ConditionalFormatting]
    sections: list[Section]
    screens: list[Screen]
