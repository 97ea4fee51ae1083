"""The "Publication Amazon" section: fields the publisher writes back into Product-Live.

The publisher imports these constants to build its acknowledgement items XML; the table emitter
declares the same fields, so both always agree on keys and option keys.
"""

from __future__ import annotations

SECTION_KEY = "amazon_publication"
SECTION_TITLE = "Publication Amazon"

STATUS = "amazon_status"
SUBMISSION_ID = "amazon_submission_id"
ASIN = "amazon_asin"
ISSUES = "amazon_issues"
PUBLISHED_AT = "amazon_published_at"
MODE = "amazon_publication_mode"
LISTING_STATUS = "amazon_listing_status"
RESULT = "amazon_result"
NOTE = "amazon_publication_note"
PRODUCT_PAGE = "amazon_product_page"

#: The product page of an ASIN on the marketplace of the table (Amazon France).
PRODUCT_PAGE_URL = "https://www.amazon.fr/dp/{asin}"

#: Status option keys (Amazon's submission statuses plus NOT_SENT) with their French titles.
STATUS_OPTIONS: tuple[tuple[str, str], ...] = (
    ("ACCEPTED", "Acceptée"),
    ("VALID", "Valide (non envoyée)"),
    ("INVALID", "Refusée"),
    ("ERROR", "Erreur"),
    ("NOT_SENT", "Non envoyée"),
)

#: Amazon's verdict on the listing, as the "Statut Amazon" indicator shows it (option key, French title).
RESULT_ACCEPTED, RESULT_PENDING, RESULT_REFUSED, RESULT_PROBLEM = "ACCEPTED", "PENDING", "REFUSED", "PROBLEM"
RESULT_OPTIONS: tuple[tuple[str, str], ...] = (
    (RESULT_ACCEPTED, "Accepté"),
    (RESULT_PENDING, "En attente"),
    (RESULT_REFUSED, "Refusé"),
    (RESULT_PROBLEM, "Problème après publication"),
)

#: Colours of the status options in Product-Live's grid (Product-Live's colour names).
OPTION_COLORS: dict[str, str] = {
    "ACCEPTED": "GREEN",
    "VALID": "BLUE",
    "INVALID": "RED",
    "ERROR": "ORANGE",
    "NOT_SENT": "NONE",
    "DISCOVERABLE": "GREEN",
    "BUYABLE": "GREEN",
    RESULT_PENDING: "YELLOW",
    RESULT_REFUSED: "RED",
    RESULT_PROBLEM: "ORANGE",
}

#: Amazon's listing status once processed (ItemSummaryByMarketplace.status; BUYABLE does not apply to vendors)
LISTING_STATUS_OPTIONS: tuple[tuple[str, str], ...] = (
    ("DISCOVERABLE", "Visible sur Amazon"),
    ("BUYABLE", "Achetable"),
)

MODE_CREATE = "create"
MODE_ENRICH = "enrich"
MODE_OPTIONS: tuple[tuple[str, str], ...] = (
    (MODE_CREATE, "Création (fiche complète)"),
    (MODE_ENRICH, "Enrichissement d'un ASIN existant"),
)

#: (key, Product-Live type, French title, French description, options)
FIELDS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (MODE, "SINGLE-SELECT", "Mode de publication",
     "Création d'une fiche complète ou enrichissement d'un produit déjà présent sur Amazon.", MODE_OPTIONS),
    (RESULT, "SINGLE-SELECT", "Verdict d'Amazon",
     "Ce qu'Amazon a répondu pour ce SKU : accepté, en attente de traitement, refusé, ou problème signalé après "
     "publication. Inchangé quand rien n'a été envoyé.", RESULT_OPTIONS),
    (STATUS, "SINGLE-SELECT", "Résultat de la soumission",
     "Résultat de la dernière publication : acceptée, refusée (par Amazon ou avant l'envoi), erreur d'envoi, non "
     "envoyée.", STATUS_OPTIONS),
    (LISTING_STATUS, "MULTIPLE-SELECT", "État de l'annonce sur Amazon",
     "Après traitement par Amazon : visible (et achetable) ; vide tant que l'annonce n'est pas visible.",
     LISTING_STATUS_OPTIONS),
    (SUBMISSION_ID, "SINGLE-LINE-TEXT", "Identifiant de soumission Amazon",
     "Identifiant renvoyé par Amazon pour la dernière soumission.", ()),
    (ASIN, "SINGLE-LINE-TEXT", "ASIN", "Identifiant Amazon du produit (ASIN), tel qu'Amazon l'a renvoyé pour ce "
                                        "SKU.", ()),
    (PRODUCT_PAGE, "SINGLE-LINE-TEXT", "Page produit sur amazon.fr",
     "Lien vers la page du produit sur amazon.fr, dès que l'ASIN est connu.", ()),
    (ISSUES, "LONG-TEXT", "Problèmes signalés",
     "Problèmes de la dernière publication, un par ligne, avec le champ concerné : ceux d'Amazon (son message), "
     "ceux trouvés avant l'envoi. Vide quand il n'y en a aucun.", ()),
    (NOTE, "LONG-TEXT", "Détail de la publication",
     "Ce que la publication a fait : attributs modifiés, produit inchangé non renvoyé, traitement en cours…", ()),
    (PUBLISHED_AT, "DATE-TIME", "Date de publication", "Date et heure de la dernière soumission à Amazon.", ()),
)

#: The same fields on the model level of a multi-level table, for the family's parent listing: a
#: field belongs to one level, so the parent's answer has keys of its own (`amazon_parent_status`).
PARENT_PREFIX = "amazon_parent_"


def parent_key(key: str) -> str:
    """The model-level key of a publication field (`amazon_status` -> `amazon_parent_status`)."""
    return PARENT_PREFIX + key.removeprefix("amazon_")


PARENT_FIELDS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = tuple(
    (parent_key(key), ftype, f"{title} (parent)", f"{description} Pour l'annonce parent de la famille.", options)
    for key, ftype, title, description, options in FIELDS
)

KEYS: tuple[str, ...] = tuple(f[0] for f in FIELDS)
PARENT_KEYS: tuple[str, ...] = tuple(f[0] for f in PARENT_FIELDS)
