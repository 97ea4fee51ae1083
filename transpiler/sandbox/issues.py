"""Amazon-shaped listing issues, in English or French (`issueLocale`).

Schema errors from the sandbox's own validator become issues the way Amazon words them: 90220
when a required attribute is missing, 90000900 when an attribute is not part of the product
type, 8105 when a value is invalid. Codes Amazon raises after acceptance (catalog conflicts) are
produced by transpiler.sandbox.listings.

A code is either Amazon's own, used for the same meaning (`SOURCES` says where Amazon uses it), or
clearly the sandbox's own: `SANDBOX_…`, for checks Amazon documents no code for. No Amazon code is
borrowed with another meaning. The codes are listed in docs/sandbox.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

MISSING = "MISSING_ATTRIBUTE"
INVALID = "INVALID_ATTRIBUTE"

#: the sandbox's own codes (Amazon documents none for these checks)
TOO_MANY_VALUES = "SANDBOX_TOO_MANY_VALUES"
NOT_ALLOWED = "SANDBOX_NOT_ALLOWED"
UNKNOWN_PRODUCT_TYPE = "SANDBOX_UNKNOWN_PRODUCT_TYPE"
PATCH_PATH_CODE = "SANDBOX_PATCH_PATH"
PATCH_DELETE = "SANDBOX_PATCH_DELETE"
PATCH_UNKNOWN_SKU = "SANDBOX_PATCH_UNKNOWN_SKU"
GTIN_CHECK_DIGIT = "SANDBOX_GTIN_CHECK_DIGIT"
IMAGE_NOT_HTTPS = "SANDBOX_IMAGE_NOT_HTTPS"
TITLE_TOO_LONG = "SANDBOX_TITLE_TOO_LONG"
OFFER_ONLY = "SANDBOX_OFFER_ONLY"
INVALID_VALUE = "8105"

#: where Amazon uses each of its codes the sandbox answers, with the same meaning
SOURCES: dict[str, str] = {
    "4000000": "amzn/selling-partner-api-models#4362, #4603 (internal error, please try again)",
    "90220": "listingsItems_2021-08-01 model example; JSON_LISTINGS_FEED report example (required, not supplied)",
    "90000900": "listingsItems_2021-08-01 model example ('fake_attribute': the attributes are invalid)",
    "8105": "amzn/selling-partner-api-docs#3753 (the data provided for an attribute is invalid)",
    "99022": "JSON_LISTINGS_FEED processing report example (not enough values)",
    "100720": "amzn/selling-partner-api-models#5010 (invalid language data)",
    "8541": "amzn/selling-partner-api-docs#3753, amzn/selling-partner-api-models#4969 (conflicts with the catalog)",
    "8566": "amzn/selling-partner-api-models#2711 (matches no ASIN, not eligible for ASIN creation)",
    "8007": "Amazon's variation error codes (unrecognised parent SKU), see transpiler/sandbox/families.py",
    "8016": "Amazon's variation error codes (insufficient variation data), see transpiler/sandbox/families.py",
    "8019": "Amazon's variation error codes (parent and child share the SKU), see transpiler/sandbox/families.py",
}

#: code -> (English template, French template, category)
MESSAGES: dict[str, tuple[str, str, str]] = {
    # Amazon's transient internal error (amzn/selling-partner-api-models#4362, #4603): no category
    "4000000": ("An internal error has occurred. Please try again.",
                "Une erreur interne s'est produite. Veuillez réessayer.", ""),
    "90220": ("'{attribute}' is required but not supplied.",
              "'{attribute}' est obligatoire mais n'a pas été fourni.", MISSING),
    "90000900": ("The attribute '{attribute}' is not part of the product type '{product_type}'.",
                 "L'attribut '{attribute}' ne fait pas partie du type de produit '{product_type}'.", INVALID),
    INVALID_VALUE: ("The data you provided for '{attribute}' is invalid: {detail}",
                    "La donnée fournie pour '{attribute}' n'est pas valide : {detail}", INVALID),
    "99022": ("'{attribute}' has too few values: {detail}",
              "'{attribute}' n'a pas assez de valeurs : {detail}", INVALID),
    TOO_MANY_VALUES: ("'{attribute}' has too many values: {detail}",
              "'{attribute}' a trop de valeurs : {detail}", INVALID),
    NOT_ALLOWED: ("'{attribute}' is not allowed with the values provided for this listing.",
              "'{attribute}' n'est pas autorisé avec les valeurs fournies pour cette annonce.", INVALID),
    "100720": ("Invalid language data: '{attribute}' uses language_tag '{detail}' on a marketplace that expects "
               "'{expected}'.",
               "Données de langue non valides : '{attribute}' utilise le language_tag '{detail}' alors que la place "
               "de marché attend '{expected}'.", INVALID),
    UNKNOWN_PRODUCT_TYPE: ("The product type '{product_type}' is not valid for marketplace {marketplace}.",
                "Le type de produit '{product_type}' n'est pas valide pour la place de marché {marketplace}.",
                INVALID),
    PATCH_PATH_CODE: ("The patch path '{detail}' is not valid: only top-level attributes ('/attributes/<name>') can be "
                "patched.",
                "Le chemin de patch '{detail}' n'est pas valide : seuls les attributs de premier niveau "
                "('/attributes/<nom>') peuvent être modifiés.", INVALID),
    PATCH_DELETE: ("A 'delete' patch for '{attribute}' must give the selector values of the instances to delete.",
                "Un patch 'delete' sur '{attribute}' doit indiquer les valeurs des sélecteurs des instances à "
                "supprimer.", INVALID),
    PATCH_UNKNOWN_SKU: ("The SKU '{detail}' does not exist: create it with a full listing (PUT) before patching it.",
                "Le SKU '{detail}' n'existe pas : créez-le avec une annonce complète (PUT) avant de le modifier.",
                INVALID),
    GTIN_CHECK_DIGIT: ("The EAN/GTIN '{detail}' has an invalid check digit.",
                "L'EAN/GTIN '{detail}' a une clé de contrôle non valide.", INVALID),
    "8541": ("The listing data provided is different from what is already in the Amazon catalog: the ASIN "
             "'{detail}' given in merchant_suggested_asin does not match the product identifier supplied "
             "({expected}).",
             "Les données de l'annonce diffèrent du catalogue Amazon : l'ASIN '{detail}' indiqué dans "
             "merchant_suggested_asin ne correspond pas à l'identifiant produit fourni ({expected}).", INVALID),
    "8566": ("SKU does not match any ASIN: the ASIN '{detail}' in merchant_suggested_asin does not exist in the "
             "Amazon catalog.",
             "Le SKU ne correspond à aucun ASIN : l'ASIN '{detail}' de merchant_suggested_asin n'existe pas dans le "
             "catalogue Amazon.", INVALID),
    "8007": ("We cannot recognize the parent SKU '{detail}' of this child: {expected}.",
             "Le SKU parent '{detail}' de cet enfant n'est pas reconnu : {expected}.", INVALID),
    "8016": ("The product data is insufficient to create the variation relationship with the parent '{detail}': "
             "{expected}.",
             "Les données ne permettent pas de créer la relation de variation avec le parent '{detail}' : "
             "{expected}.", INVALID),
    "8019": ("The parent and the child have the same SKU '{detail}'.",
             "Le parent et l'enfant ont le même SKU '{detail}'.", INVALID),
    IMAGE_NOT_HTTPS: ("The image '{detail}' of '{attribute}' could not be downloaded: images must be served over "
                      "https.",
              "L'image '{detail}' de '{attribute}' n'a pas pu être téléchargée : les images doivent être servies en "
              "https.", "INVALID_IMAGE"),
    TITLE_TOO_LONG: ("The title is {detail} characters long; titles over {expected} characters are truncated on the "
              "detail page.",
              "Le titre fait {detail} caractères ; au-delà de {expected} caractères il est tronqué sur la page "
              "produit.", INVALID),
    OFFER_ONLY: ("Invalid 'requirements': LISTING_OFFER_ONLY is not available to vendors.",
                 "'requirements' non valide : LISTING_OFFER_ONLY n'est pas disponible pour les fournisseurs.",
                 INVALID),
}


def french(locale: str | None) -> bool:
    return bool(locale) and str(locale).lower().startswith("fr")


def make_issue(code: str, locale: str | None, *, attributes: Iterable[str] = (), severity: str = "ERROR",
               marketplace_id: str | None = None, label: str | None = None, **values: Any) -> dict[str, Any]:
    """One `Issue` of the Listings Items model, its message in the requested locale.

    `label` names the place in the message when it is finer than the attribute (`item_name.value`).
    """
    english, francais, category = MESSAGES[code]
    names = list(dict.fromkeys(attributes))
    fill = {"attribute": label or ", ".join(names) or "-", "product_type": "", "detail": "", "expected": "",
            "marketplace": marketplace_id or "", **{k: str(v) for k, v in values.items()}}
    issue: dict[str, Any] = {
        "code": code,
        "message": (francais if french(locale) else english).format(**fill),
        "severity": severity,
        "categories": [category] if category else [],
    }
    if names:
        issue["attributeNames"] = names
    if marketplace_id:
        issue["marketplaceIds"] = [marketplace_id]
    return issue


def schema_issues(errors: Iterable[ValidationError], attributes: dict[str, Any], product_type: str,
                  locale: str | None, marketplace_id: str) -> list[dict[str, Any]]:
    """Issues for the validator's errors, one per problem, deduplicated, in a stable order."""
    issues: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for error in errors:
        for issue in _issues_for(_leaf(error), attributes, product_type, locale, marketplace_id):
            key = (issue["code"], ",".join(issue.get("attributeNames", [])), issue["message"])
            if key not in seen:
                seen.add(key)
                issues.append(issue)
    return issues


def _leaf(error: ValidationError) -> ValidationError:
    """The most telling error inside anyOf/oneOf branches."""
    while error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    return error


def _issues_for(error: ValidationError, attributes: dict[str, Any], product_type: str, locale: str | None,
                marketplace_id: str) -> list[dict[str, Any]]:
    path = list(error.absolute_path)
    top = str(path[0]) if path else None
    common = {"marketplace_id": marketplace_id, "product_type": product_type}
    kind = error.validator
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]
        if top is None:
            return [make_issue("90220", locale, attributes=[name], **common) for name in missing]
        where = ".".join(str(p) for p in path if not isinstance(p, int))
        return [make_issue("90220", locale, attributes=[top], label=f"{where}.{name}", **common) for name in missing]
    if kind == "additionalProperties":
        instance = error.instance if isinstance(error.instance, dict) else {}
        allowed = set(error.schema.get("properties", {}))
        extra = [name for name in instance if name not in allowed]
        if top is None:
            return [make_issue("90000900", locale, attributes=[name], **common) for name in extra]
        where = ".".join(str(p) for p in path if not isinstance(p, int))
        return [make_issue(INVALID_VALUE, locale, attributes=[top], detail=f"'{name}' is not allowed in '{where}'",
                           **common) for name in extra]
    if top is None:
        if kind == "not":
            names = _required_names(error.validator_value) or ["-"]
            return [make_issue(NOT_ALLOWED, locale, attributes=[n], **common) for n in names if n in attributes]
        return [make_issue(INVALID_VALUE, locale, detail=error.message, **common)]
    if kind == "not":
        names = _required_names(error.validator_value)
        where = ".".join(str(p) for p in path if not isinstance(p, int))
        label = f"{where}.{names[0]}" if names else where
        return [make_issue(NOT_ALLOWED, locale, attributes=[top], label=label, **common)]
    if kind in {"minItems", "minUniqueItems"}:
        return [make_issue("99022", locale, attributes=[top], detail=error.message, **common)]
    if kind in {"maxItems", "maxUniqueItems"}:
        return [make_issue(TOO_MANY_VALUES, locale, attributes=[top], detail=error.message, **common)]
    return [make_issue(INVALID_VALUE, locale, attributes=[top], detail=_detail(error, locale), **common)]


#: validator keyword -> (English, French) description of the broken rule
_DETAILS: dict[str, tuple[str, str]] = {
    "maxLength": ("longer than {v} characters", "plus de {v} caractères"),
    "minLength": ("shorter than {v} characters", "moins de {v} caractères"),
    "maxUtf8ByteLength": ("longer than {v} bytes in UTF-8", "plus de {v} octets en UTF-8"),
    "minUtf8ByteLength": ("shorter than {v} bytes in UTF-8", "moins de {v} octets en UTF-8"),
    "enum": ("not one of the allowed values ({v})", "ne fait pas partie des valeurs autorisées ({v})"),
    "const": ("must be {v}", "doit valoir {v}"),
    "type": ("expected a value of type {v}", "une valeur de type {v} est attendue"),
    "pattern": ("does not match the expected format", "ne respecte pas le format attendu"),
    "maximum": ("above the maximum of {v}", "supérieure au maximum de {v}"),
    "minimum": ("below the minimum of {v}", "inférieure au minimum de {v}"),
    "exclusiveMaximum": ("must be below {v}", "doit être inférieure à {v}"),
    "exclusiveMinimum": ("must be above {v}", "doit être supérieure à {v}"),
    "format": ("is not a valid {v}", "n'est pas un {v} valide"),
}


def _detail(error: ValidationError, locale: str | None) -> str:
    """What rule the value breaks, short and in the issue's language (the value itself, shortened)."""
    value = error.instance
    shown = repr(value) if not isinstance(value, str) else f"'{value[:60]}…'" if len(value) > 60 else f"'{value}'"
    template = _DETAILS.get(str(error.validator))
    if template is None:
        return error.message if len(error.message) <= 160 else error.message[:160] + "…"
    rule = error.validator_value
    if isinstance(rule, list):
        rule = ", ".join(map(str, rule[:8])) + (", …" if len(rule) > 8 else "")
    text = template[1 if french(locale) else 0].format(v=rule)
    return f"{shown} : {text}" if french(locale) else f"{shown}: {text}"


def _required_names(schema: Any) -> list[str]:
    if isinstance(schema, dict) and isinstance(schema.get("required"), list):
        return [str(n) for n in schema["required"]]
    return []

