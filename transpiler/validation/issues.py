"""Issues shaped like Amazon's listing issues, with messages in French for Modelabs staff.

Amazon answers a submission with `issues[]` of `{code, message, severity, attributeNames,
categories}`. Validation before sending reports the same shape so the publisher and the
acknowledgement writer treat local and remote issues alike. Codes follow Amazon's: 90220 for a
missing attribute, 90000900 for an attribute the product type does not know, 99022 for too few
values, 4000001 for any other invalid value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transpiler.mapping.wording import condition_fr
from transpiler.rules.conditions import Condition

MISSING_ATTRIBUTE = "MISSING_ATTRIBUTE"
INVALID_ATTRIBUTE = "INVALID_ATTRIBUTE"

CODE_MISSING = "90220"
CODE_UNKNOWN_ATTRIBUTE = "90000900"
CODE_TOO_FEW_VALUES = "99022"
CODE_INVALID = "4000001"


@dataclass(frozen=True)
class Issue:
    """One problem of a listing. `path` is the JSON pointer in the `attributes` payload ("" = root).

    `message` says what is wrong, in French, naming Amazon paths; `rule` is the schema rule broken,
    when the problem comes from one (a conditional requirement, a value a rule forbids), so that
    whoever shows the issue can say the rule in words (`text`, or with Product-Live's field titles
    `transpiler.mapping.wording.condition_fr`).
    """

    code: str
    message: str
    attribute_names: tuple[str, ...]
    categories: tuple[str, ...]
    severity: str = "ERROR"
    path: str = ""
    rule: Condition | None = field(default=None, compare=False)
    #: the schema keyword the value breaks, named as JSON Schema and Amazon's vocabulary name it
    #: (`required`, `enum`, `maxUtf8ByteLength`…): with the attribute, what tells two issues apart
    keyword: str = ""

    @property
    def attribute(self) -> str:
        """The top-level attribute concerned ("" for a rule about the whole listing)."""
        return self.attribute_names[0] if self.attribute_names else ""

    @property
    def text(self) -> str:
        """The message and, when a rule was broken, the rule in words (Amazon's paths and values)."""
        if self.rule is None:
            return self.message
        return f"{self.message} Règle d'Amazon : {condition_fr(self.rule, None, limit=None)}"

    def as_amazon(self) -> dict[str, Any]:
        """The issue as Amazon writes it in a listings response (camelCase keys)."""
        return {
            "code": self.code,
            "message": self.text,
            "severity": self.severity,
            "attributeNames": list(self.attribute_names),
            "categories": list(self.categories),
        }

    def as_json(self) -> dict[str, Any]:
        """Amazon's shape plus the JSON pointer of the offending value and the keyword it breaks."""
        return {**self.as_amazon(), "path": self.path, "keyword": self.keyword}


def pointer(parts: tuple[Any, ...] | list[Any]) -> str:
    """JSON pointer of a location given as path segments."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def dotted(parts: tuple[Any, ...] | list[Any]) -> str:
    """`battery/0/weight/0/value` -> `battery.weight.value` (the attribute path, indices dropped)."""
    return ".".join(str(p) for p in parts if not isinstance(p, int))


def missing(parts: tuple[Any, ...], name: str) -> Issue:
    path = dotted((*parts, name))
    return Issue(
        CODE_MISSING,
        f"« {path} » est obligatoire mais n'a pas été fourni.",
        (path.split(".")[0],),
        (MISSING_ATTRIBUTE,),
        path=pointer((*parts, name)),
        keyword="required",
    )


def unknown(parts: tuple[Any, ...], name: str, product_type: str) -> Issue:
    if parts:
        return invalid((*parts, name), f"« {dotted((*parts, name))} » n'est pas une propriété connue ici.",
                       keyword="additionalProperties")
    return Issue(
        CODE_UNKNOWN_ATTRIBUTE,
        f"L'attribut « {name} » n'existe pas pour le type de produit {product_type}.",
        (name,),
        (INVALID_ATTRIBUTE,),
        path=pointer((name,)),
        keyword="additionalProperties",
    )


def invalid(parts: tuple[Any, ...], message: str, code: str = CODE_INVALID, keyword: str = "") -> Issue:
    names = (str(parts[0]),) if parts else ()
    return Issue(code, message, names, (INVALID_ATTRIBUTE,), path=pointer(parts), keyword=keyword)


def not_a_number(parts: tuple[Any, ...], text: str) -> Issue:
    """A number Amazon cannot read: `NaN`, `Infinity`, beyond binary64's range, or too long."""
    path = dotted(parts) or "attributes"
    return invalid(parts, f"La valeur {text} de « {path} » n'est pas un nombre qu'Amazon peut lire (NaN, Infinity, "
                          "ou hors de la plage des nombres binary64).", keyword="type")


def not_an_object(what: str) -> Issue:
    """The payload (or an attribute) does not have the shape Amazon expects at all."""
    return Issue(CODE_INVALID, what, (), (INVALID_ATTRIBUTE,), keyword="type")


def sort_key(issue: Issue) -> tuple[str, str, str]:
    return issue.path, issue.code, issue.message
