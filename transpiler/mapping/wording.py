"""Amazon's rules said in French with the words of the Product-Live table: field titles, option titles.

Used where Modelabs staff read a rule: the readiness rules of the table (`Rule-Condition` titles)
and the acknowledgement of a refused item. A path is named by the title of the field that holds
it (`battery.weight` -> « Poids de la batterie »); a value by its option title (`lithium_ion` ->
« Lithium-ion »). Nothing here shows a JSON pointer, a schema keyword or raw JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from transpiler.json_equality import json_in
from transpiler.mapping.identifiers import IDENTITY_ATTRIBUTES
from transpiler.mapping.types import FieldMapping, Mapping, item_path
from transpiler.rules.conditions import (
    AllOf,
    AllowValues,
    AnyOf,
    Condition,
    Effect,
    Forbid,
    Limit,
    Not,
    Predicate,
    Present,
    Refuse,
    Require,
    RequireContains,
    RequireOneOf,
    ValueIn,
    effect_paths,
)

MAX_TITLE = 255
_SLOT_SUFFIX = re.compile(r"\s+(\d+|\([^()]*\))$")


def quote(text: str) -> str:
    return f"« {text} »"


def fields_at(mapping: Mapping, path: str) -> list[FieldMapping]:
    """The fields holding the value at `path` or below it (all slots)."""
    attribute, _, rel = path.partition(".")
    out = []
    for f in mapping.fields:
        if f.attribute != attribute:
            continue
        own = item_path(f.path)
        unit = item_path(f.unit_path) if f.unit_path else None
        if not rel or own == rel or own.startswith(rel + ".") or unit == rel:
            out.append(f)
    return out


def path_title(mapping: Mapping | None, path: str) -> str:
    """The French name of an Amazon path: its field's title, or what its fields have in common."""
    if mapping is None:
        return path
    fields = fields_at(mapping, path)
    if not fields:
        rules = mapping.rules(path.split(".")[0])
        return rules.title or path
    if len(fields) == 1:
        return fields[0].title
    bases = {_SLOT_SUFFIX.sub("", f.title) for f in fields}
    if len(bases) == 1:
        return bases.pop()
    rules = mapping.rules(path.split(".")[0])
    if rules.title:  # several fields hold the attribute's values (EAN, GTIN, UPC…): its own name
        return rules.title
    return " / ".join(sorted(bases, key=[_SLOT_SUFFIX.sub("", f.title) for f in fields].index))


def value_title(mapping: Mapping | None, path: str, value: Any) -> str:
    """The option (or unit) title of an Amazon value at `path`, else the value as text."""
    if mapping is not None:
        rel = path.partition(".")[2]
        for f in fields_at(mapping, path):
            unit = bool(f.unit_path and item_path(f.unit_path) == rel)
            for choice in f.suffixes if unit else f.options:
                if json_in(choice.value, [value]):
                    return choice.title
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _values(mapping: Mapping | None, path: str, values: Sequence[Any], joiner: str = "ou") -> str:
    shown = values if len(values) <= 4 else values[:3]
    titles = [quote(value_title(mapping, path, v)) for v in shown]
    if len(values) > len(shown):
        titles.append(f"{len(values) - len(shown)} autres valeurs")
    if len(titles) == 1:
        return titles[0]
    return f"{', '.join(titles[:-1])} {joiner} {titles[-1]}"


def _names(mapping: Mapping | None, paths: Sequence[str], joiner: str) -> str:
    titles = list(dict.fromkeys(quote(path_title(mapping, p)) for p in paths))
    if len(titles) == 1:
        return titles[0]
    return f"{', '.join(titles[:-1])} {joiner} {titles[-1]}"


def predicate_fr(predicate: Predicate | None, mapping: Mapping | None, scope: str = "") -> str:
    """A predicate in French (`« Composition des cellules » vaut « Lithium-ion »`)."""
    if predicate is None:
        return "toujours"
    if isinstance(predicate, Present):
        return f"{quote(path_title(mapping, _abs(predicate.path, scope)))} est renseigné"
    if isinstance(predicate, ValueIn):
        path = _abs(predicate.path, scope)
        return f"{quote(path_title(mapping, path))} vaut {_values(mapping, path, predicate.values)}"
    if isinstance(predicate, Not):
        inner = predicate.operand
        if isinstance(inner, Present):
            return f"{quote(path_title(mapping, _abs(inner.path, scope)))} est vide"
        if isinstance(inner, ValueIn):
            path = _abs(inner.path, scope)
            return f"{quote(path_title(mapping, path))} ne vaut pas {_values(mapping, path, inner.values)}"
        return f"il est faux que {predicate_fr(inner, mapping, scope)}"
    word = " et " if isinstance(predicate, AllOf) else " ou "
    parts = [predicate_fr(p, mapping, scope) for p in predicate.operands]
    wrapped = [f"({t})" if isinstance(p, (AllOf, AnyOf)) else t for t, p in zip(parts, predicate.operands,
                                                                                 strict=True)]
    return word.join(wrapped)


def effect_fr(effect: Effect, mapping: Mapping | None, scope: str = "") -> str:
    """What an effect asks, in French (`« Poids de la batterie » est obligatoire`)."""
    if isinstance(effect, Require):
        paths = [_abs(p, scope) for p in effect.paths]
        names = _names(mapping, paths, "et")
        return f"{names} {'sont obligatoires' if ' et ' in names else 'est obligatoire'}"
    if isinstance(effect, RequireOneOf):
        names = _names(mapping, [_abs(p, scope) for p in effect.paths], "ou")
        return f"renseignez au moins l'un de ces champs : {names}"
    if isinstance(effect, Forbid):
        names = _names(mapping, [_abs(p, scope) for p in effect.paths], "et")
        return f"{names} {'doivent rester vides' if ' et ' in names else 'doit rester vide'}"
    if isinstance(effect, AllowValues):
        path = _abs(effect.path, scope)
        name = quote(path_title(mapping, path))
        if effect.exclude:
            return f"{name} ne peut pas valoir {_values(mapping, path, effect.values)}"
        return f"{name} ne peut valoir que {_values(mapping, path, effect.values)}"
    if isinstance(effect, RequireContains):
        path = _abs(effect.path, scope)
        return f"{quote(path_title(mapping, path))} doit comprendre {_values(mapping, path, effect.values)}"
    if isinstance(effect, Refuse):
        at = _abs(effect.at, scope) if effect.at else scope
        return f"ceci est interdit : {predicate_fr(effect.predicate, mapping, at)}"
    if isinstance(effect, Limit):
        return limits_fr(quote(path_title(mapping, _abs(effect.path, scope))), effect.constraints.as_dict())
    raise TypeError(effect)


def limits_fr(name: str, limits: dict[str, Any]) -> str:
    """Value limits in French (`« Nom » : 200 caractères au plus`)."""
    words = {
        "max_items": "{} valeur(s) au plus", "min_items": "{} valeur(s) au moins",
        "max_length": "{} caractères au plus", "min_length": "{} caractère(s) au moins",
        "maximum": "{} au plus", "minimum": "{} au moins",
        "exclusive_maximum": "moins de {}", "exclusive_minimum": "plus de {}",
    }
    parts = [words[k].format(_number(v)) for k, v in limits.items() if k in words]
    return f"{name} : {', '.join(parts)}" if parts else f"{name} : valeur hors des limites d'Amazon"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def condition_fr(condition: Condition, mapping: Mapping | None, effect: Effect | None = None,
                 otherwise: bool = False, per_item: bool = False, limit: int | None = MAX_TITLE) -> str:
    """One French sentence for a rule, or for one of its effects: `Quand …, … est obligatoire.`

    Without `effect`, the whole rule (with its "sinon" branch). `per_item`: the sentence is about one
    item of a repeated attribute (`mapping` holds that item's fields only), so it does not start with
    "Pour chaque". Clipped to `limit` characters (a Product-Live title) unless `limit` is None.
    """
    scope = condition.scope
    if not condition.expressible:
        names = ", ".join(quote(path_title(mapping, n)) for n in condition.attributes) or "l'annonce"
        return clip(f"Règle d'Amazon non respectée sur {names}.", limit)
    effects = (effect,) if effect is not None else (condition.otherwise if otherwise else condition.then)
    asks = " ; ".join(effect_fr(e, mapping, scope) for e in effects) or "rien"
    if condition.when is None:
        text = asks[0].upper() + asks[1:]
    else:
        when = predicate_fr(condition.when, mapping, scope)
        if otherwise:
            when = f"il est faux que {when}" if " et " in when or " ou " in when else _negate(when)
        text = f"Quand {when} : {asks}"
        if effect is None and not otherwise and condition.otherwise:
            text += " ; sinon : " + " ; ".join(effect_fr(e, mapping, scope) for e in condition.otherwise)
    if scope and not per_item:
        text = f"Pour chaque {quote(path_title(mapping, scope))}, {text[0].lower()}{text[1:]}"
    return clip(text + ".", limit)


IDENTITY_FR = ("Produit sans identifiant : renseignez l'EAN, un ASIN suggéré ou déclarez le produit exempté "
               "d'identifiant")


def identity_fr(condition: Condition, effect: Effect | None = None) -> str | None:
    """The identifier rule of a new product (an EAN, or an ASIN, or the exemption) in plain words,
    None for any other rule."""
    effects = (effect,) if effect is not None else condition.then
    asked = {p.split(".")[0] for e in effects for p in effect_paths(e)}
    tested = set(condition.attributes)
    if not effects or not all(isinstance(e, Require) for e in effects) or not asked <= IDENTITY_ATTRIBUTES \
            or len(tested & IDENTITY_ATTRIBUTES) < 2:
        return None
    if tested - IDENTITY_ATTRIBUTES == {"parentage_level"}:
        return IDENTITY_FR + " (un produit parent de variations en est dispensé)."
    return IDENTITY_FR + "." if tested <= IDENTITY_ATTRIBUTES else None


def _negate(sentence: str) -> str:
    for positive, negative in ((" est renseigné", " est vide"), (" vaut ", " ne vaut pas ")):
        if positive in sentence:
            return sentence.replace(positive, negative, 1)
    return f"il est faux que {sentence}"


def _abs(path: str, scope: str) -> str:
    return f"{scope}.{path}" if scope else path


_QUOTED_PATH = re.compile(r"« ([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*) »")


def titled(message: str, mapping: Mapping | None) -> str:
    """`message` with each quoted Amazon path (`« battery.weight »`) replaced by its field's title."""
    if mapping is None:
        return message

    def title(match: re.Match[str]) -> str:
        path = match.group(1)
        known = fields_at(mapping, path) or mapping.rules(path.split(".")[0]).title
        return quote(path_title(mapping, path)) if known else match.group(0)

    return _QUOTED_PATH.sub(title, message)


def clip(text: str, limit: int | None = MAX_TITLE) -> str:
    """Product-Live titles hold 255 characters: longer sentences end with `…` (no limit: None)."""
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"
