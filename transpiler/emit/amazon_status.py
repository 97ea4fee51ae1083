"""The "Statut Amazon" indicator and the link to the product page: Amazon's answer, in the grid.

The publisher writes Amazon's verdict on each SKU into `amazon_result` (accepted, pending, refused,
problem after publication; see `transpiler.productlive.acknowledgements`). A conditional
formatting on it gives each item a coloured status in the fixed columns of every screen, and one
that export requests can filter on (`<Filter-Conditional-Formatting key="AMAZON_STATUS">`: "every
item Amazon refused"). A `SET_TEXT` formula builds the amazon.fr link from the ASIN Amazon gave.
"""

from __future__ import annotations

from transpiler.emit.table_records import (
    Atom,
    ConditionalFormatting,
    ConditionRule,
    Formula,
    FormulaRule,
    RuleTarget,
    Status,
)
from transpiler.mapping import publication

KEY = "AMAZON_STATUS"
NOT_PUBLISHED = "NOT_PUBLISHED"

#: (option of amazon_result, colour, what the status means), by priority: the first that holds wins.
_STATUSES = (
    (publication.RESULT_REFUSED, "RED", "Amazon a refusé la dernière soumission : voir « Problèmes signalés »."),
    (publication.RESULT_PROBLEM, "ORANGE",
     "Amazon a accepté puis signalé un problème en traitant l'annonce : voir « Problèmes signalés »."),
    (publication.RESULT_PENDING, "YELLOW", "Acceptée, en cours de traitement par Amazon (ASIN pas encore connu)."),
    (publication.RESULT_ACCEPTED, "GREEN", "Acceptée et traitée par Amazon : le produit a son ASIN."),
)


def _key(key: str, parent: bool) -> str:
    return publication.parent_key(key) if parent else key


def conditional_formatting(level: str, *, parent: bool = False) -> ConditionalFormatting:
    """"Statut Amazon": one status per verdict of `amazon_result`, "Non publié" when it is empty.

    `parent`: the model's indicator, on the parent listing's verdict (`amazon_parent_result`)."""
    titles = dict(publication.RESULT_OPTIONS)
    result = _key(publication.RESULT, parent)
    statuses = []
    for priority, (option, color, description) in enumerate(_STATUSES, start=1):
        rule = ConditionRule(f"amazon-{option.lower()}", titles[option], ((Atom(result, "IN", (option,)),),))
        statuses.append(Status(option, titles[option], color, priority, description,
                               common=[RuleTarget("Field", result, (rule,))]))
    which = "de l'annonce parent (le modèle)" if parent else "pour ce SKU"
    return ConditionalFormatting(
        f"{KEY}_MODEL" if parent else KEY, level, "Statut Amazon (parent)" if parent else "Statut Amazon",
        f"Réponse d'Amazon {which}, écrite par la publication : refusé, problème après publication, en attente, "
        "accepté ; « Non publié » tant qu'Amazon n'a rien répondu.",
        (NOT_PUBLISHED, "Non publié", "NONE"), statuses)


def product_page_formula(*, parent: bool = False) -> Formula:
    """The amazon.fr product page of the ASIN Amazon gave back (empty while there is none)."""
    asin = _key(publication.ASIN, parent)
    template = publication.PRODUCT_PAGE_URL.replace("{asin}", '{{source("' + asin + '")}}')
    return Formula("Field", _key(publication.PRODUCT_PAGE, parent), (
        FormulaRule(1, ((Atom(asin, "NOT_EMPTY"),),), "SET_TEXT", template=template),))
