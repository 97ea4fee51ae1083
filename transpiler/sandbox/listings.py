"""Listings as Amazon keeps them: submissions judged against the product type, stored per
vendor code and SKU, then processed asynchronously (ASIN attached or created, late issues).

Shared by the Listings Items API and the JSON_LISTINGS_FEED processor so both judge alike.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from transpiler.config import CONTEXT_PROPERTIES
from transpiler.sandbox.catalog import gtin_is_valid, new_asin
from transpiler.sandbox.families import Families, first_value, parentage
from transpiler.sandbox.issues import (
    GTIN_CHECK_DIGIT,
    IMAGE_NOT_HTTPS,
    INVALID_VALUE,
    PATCH_DELETE,
    PATCH_PATH_CODE,
    PATCH_UNKNOWN_SKU,
    TITLE_TOO_LONG,
    make_issue,
    schema_issues,
)
from transpiler.sandbox.notifications import listing_changed
from transpiler.sandbox.product_types import MARKETPLACE_LOCALES, ProductTypeEntry
from transpiler.sandbox.state import SandboxState

PATCH_PATH = re.compile(r"^/attributes/([^/]+)$")
IMAGE_ATTRIBUTES = ("main_product_image_locator", *(f"other_product_image_locator_{n}" for n in range(1, 9)))
TITLE_WARNING_LENGTH = 150


class Submission:
    """The outcome of one PUT / PATCH / DELETE (or feed message), before rendering."""

    def __init__(self, sku: str, status: str, issues: list[dict[str, Any]], asin: str | None, marketplace_id: str):
        self.sku = sku
        self.status = status
        self.issues = issues
        self.asin = asin
        self.marketplace_id = marketplace_id
        self.submission_id = uuid.uuid4().hex

    def response(self, included: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"sku": self.sku, "status": self.status, "submissionId": self.submission_id}
        if "issues" in included:
            body["issues"] = self.issues
        if "identifiers" in included:
            body["identifiers"] = [{"marketplaceId": self.marketplace_id, "asin": self.asin}] if self.asin else []
        return body


class Listings:
    def __init__(self, state: SandboxState):
        self.state = state

    # -- judging ------------------------------------------------------------------------------
    def judge(self, entry: ProductTypeEntry, attributes: dict[str, Any], marketplace_id: str,
              locale: str | None) -> list[dict[str, Any]]:
        """Every issue Amazon raises before accepting these attributes."""
        validator = self.state.product_types.validator(entry)
        errors = validator.iter_errors(attributes)
        issues = schema_issues(errors, attributes, entry.name, locale, marketplace_id)
        expected = MARKETPLACE_LOCALES.get(marketplace_id, entry.locale)
        for name, values in attributes.items():
            for value in values if isinstance(values, list) else []:
                tag = value.get("language_tag") if isinstance(value, dict) else None
                if isinstance(tag, str) and tag != expected:
                    issues.append(make_issue("100720", locale, attributes=[name], detail=tag, expected=expected,
                                             marketplace_id=marketplace_id))
                    break
        for ean in _identifiers(attributes):
            if not gtin_is_valid(ean):
                issues.append(make_issue(GTIN_CHECK_DIGIT, locale,
                                         attributes=["externally_assigned_product_identifier"], detail=ean,
                                         marketplace_id=marketplace_id))
        return issues

    def known_asin(self, attributes: dict[str, Any]) -> str | None:
        """The ASIN a submission attaches to at once (a catalog ASIN or EAN), if any."""
        suggested = first_value(attributes, "merchant_suggested_asin")
        if suggested and self.state.catalog.by_asin(suggested):
            return suggested
        for ean in _identifiers(attributes):
            item = self.state.catalog.by_ean(ean)
            if item:
                return item.asin
        return None

    # -- submissions --------------------------------------------------------------------------
    def judge_listing(self, seller_id: str, sku: str, entry: ProductTypeEntry, attributes: dict[str, Any],
                      marketplace_id: str, locale: str | None, *, preview: bool = False) -> list[dict[str, Any]]:
        """The schema's issues, then (when it passes) the listing's place in its variation family.

        A preview judges the listing alone: its family is judged when it is really submitted (a
        family is previewed before any of it exists)."""
        issues = self.judge(entry, attributes, marketplace_id, locale)
        if not preview and not any(i["severity"] == "ERROR" for i in issues):
            issues.extend(Families(self.state).judge(seller_id, sku, entry, attributes, marketplace_id, locale))
        return issues

    def put(self, seller_id: str, sku: str, marketplace_id: str, entry: ProductTypeEntry, requirements: str,
            attributes: dict[str, Any], *, preview: bool, locale: str | None) -> Submission:
        failed = self._transient("putListingsItem", sku, marketplace_id, locale)
        if failed is not None:
            return failed
        issues = self.judge_listing(seller_id, sku, entry, attributes, marketplace_id, locale, preview=preview)
        asin = self.known_asin(attributes)
        if any(i["severity"] == "ERROR" for i in issues):
            return Submission(sku, "INVALID", issues, None, marketplace_id)
        if preview:
            return Submission(sku, "VALID", issues, asin, marketplace_id)
        now = self.state.clock.now()
        previous = self.state.store.listing(seller_id, sku)
        self.state.store.save_listing({
            "seller_id": seller_id, "sku": sku, "marketplace_id": marketplace_id, "product_type": entry.name,
            "requirements": requirements, "attributes": attributes,
            "asin": asin or (previous or {}).get("asin"), "issues": [], "processed": 0,
            "process_at": now + self.state.settings.listing_processing_delay,
            "created": (previous or {}).get("created", now), "updated": now,
        })
        return Submission(sku, "ACCEPTED", issues, asin or (previous or {}).get("asin"), marketplace_id)

    def patch(self, seller_id: str, sku: str, marketplace_id: str, entry: ProductTypeEntry,
              patches: list[dict[str, Any]], *, preview: bool, locale: str | None) -> Submission:
        failed = self._transient("patchListingsItem", sku, marketplace_id, locale)
        if failed is not None:
            return failed
        listing = self.state.store.listing(seller_id, sku)
        if listing is None:
            issue = make_issue(PATCH_UNKNOWN_SKU, locale, detail=sku, marketplace_id=marketplace_id)
            return Submission(sku, "INVALID", [issue], None, marketplace_id)
        attributes = copy.deepcopy(listing["attributes"])
        issues: list[dict[str, Any]] = []
        for patch in patches:
            issues.extend(self._apply(entry, attributes, patch, locale, marketplace_id))
        if not issues:
            issues = self.judge_listing(seller_id, sku, entry, attributes, marketplace_id, locale, preview=preview)
        if any(i["severity"] == "ERROR" for i in issues):
            return Submission(sku, "INVALID", issues, None, marketplace_id)
        asin = listing.get("asin") or self.known_asin(attributes)
        if preview:
            return Submission(sku, "VALID", issues, asin, marketplace_id)
        now = self.state.clock.now()
        listing.update(attributes=attributes, product_type=entry.name, asin=asin, processed=0, updated=now,
                       process_at=now + self.state.settings.listing_processing_delay)
        self.state.store.save_listing(listing)
        return Submission(sku, "ACCEPTED", issues, asin, marketplace_id)

    def _transient(self, operation: str, sku: str, marketplace_id: str, locale: str | None) -> Submission | None:
        """The `transient` fault: Amazon's internal error inside an HTTP 200 INVALID, nothing saved
        (amzn/selling-partner-api-models#4362, #4603)."""
        faults = self.state.faults
        if not (faults.transient and faults.applies_to(operation) and faults.draw(faults.transient)):
            return None
        return Submission(sku, "INVALID", [make_issue("4000000", locale, marketplace_id=marketplace_id)], None,
                          marketplace_id)

    def _apply(self, entry: ProductTypeEntry, attributes: dict[str, Any], patch: dict[str, Any],
               locale: str | None, marketplace_id: str) -> list[dict[str, Any]]:
        """Apply one JSON Patch operation on a top-level attribute; issues when it cannot be."""
        path = str(patch.get("path", ""))
        match = PATCH_PATH.match(path)
        if not match:
            return [make_issue(PATCH_PATH_CODE, locale, detail=path, marketplace_id=marketplace_id)]
        name = match.group(1).replace("~1", "/").replace("~0", "~")
        op, value = patch.get("op"), patch.get("value")
        if op in {"add", "replace"}:
            if not isinstance(value, list):
                return [make_issue(INVALID_VALUE, locale, attributes=[name], detail="a value array is required",
                                   marketplace_id=marketplace_id)]
            attributes[name] = value
        elif op == "merge":
            if not isinstance(value, list):
                return [make_issue(INVALID_VALUE, locale, attributes=[name], detail="a value array is required",
                                   marketplace_id=marketplace_id)]
            selectors = self._selectors(entry, name)
            current = list(attributes.get(name, []))
            for item in value:
                key = _selector_values(item, selectors)
                for index, existing in enumerate(current):
                    if _selector_values(existing, selectors) == key:
                        current[index] = {**existing, **item} if isinstance(existing, dict) else item
                        break
                else:
                    current.append(item)
            attributes[name] = current
        elif op == "delete":
            if not isinstance(value, list) or not value:
                return [make_issue(PATCH_DELETE, locale, attributes=[name], marketplace_id=marketplace_id)]
            current = list(attributes.get(name, []))
            for item in value:
                given = {k: v for k, v in item.items() if k in self._selectors(entry, name)} if isinstance(
                    item, dict) else {}
                if not given:
                    return [make_issue(PATCH_DELETE, locale, attributes=[name], marketplace_id=marketplace_id)]
                current = [e for e in current
                           if not (isinstance(e, dict) and all(e.get(k) == v for k, v in given.items()))]
            if current:
                attributes[name] = current
            else:
                attributes.pop(name, None)
        return []

    def _selectors(self, entry: ProductTypeEntry, name: str) -> tuple[str, ...]:
        prop = entry.schema.get("properties", {}).get(name, {})
        selectors = prop.get("selectors") if isinstance(prop, dict) else None
        return tuple(selectors) if selectors else CONTEXT_PROPERTIES

    def delete(self, seller_id: str, sku: str, marketplace_id: str) -> Submission:
        self.state.store.delete_listing(seller_id, sku)
        return Submission(sku, "ACCEPTED", [], None, marketplace_id)

    # -- asynchronous processing --------------------------------------------------------------
    def process_due(self) -> int:
        """Process every accepted listing whose delay has passed; returns how many."""
        due = self.state.store.due_listings(self.state.clock.now())
        for listing in due:
            self.process(listing)
        return len(due)

    def process(self, listing: dict[str, Any]) -> None:
        """What Amazon does after ACCEPTED: match or create the ASIN, raise late issues."""
        attributes = listing["attributes"]
        late: list[dict[str, Any]] = []
        catalog, store = self.state.catalog, self.state.store
        suggested = first_value(attributes, "merchant_suggested_asin")
        eans = _identifiers(attributes)
        asin: str | None = None
        if suggested:
            known = catalog.by_asin(suggested) or _created(store, suggested)
            if not known:
                late.append({"code": "8566", "severity": "ERROR", "attributes": ["merchant_suggested_asin"],
                             "values": {"detail": suggested}})
            else:
                clash = next((e for e in eans if (_asin_of(catalog, store, e) or suggested) != suggested), None)
                if clash:
                    late.append({"code": "8541", "severity": "ERROR",
                                 "attributes": ["merchant_suggested_asin", "externally_assigned_product_identifier"],
                                 "values": {"detail": suggested, "expected": f"EAN {clash}"}})
                else:
                    asin = suggested
        elif eans:
            asin = _asin_of(catalog, store, eans[0])
            if asin is None:
                asin = new_asin(eans[0])
                store.remember_asin(eans[0], asin)
        elif (first_value(attributes, "supplier_declared_has_product_identifier_exemption") is True
              or parentage(attributes) == "parent"):
            # a parent is never sold and has no barcode: Amazon gives it its own (parent) ASIN
            asin = listing.get("asin") or new_asin(f"{listing['seller_id']}/{listing['sku']}")
        else:
            asin = listing.get("asin")
        for name in IMAGE_ATTRIBUTES:
            url = first_value(attributes, name, "media_location")
            if isinstance(url, str) and not url.lower().startswith("https://"):
                late.append({"code": IMAGE_NOT_HTTPS, "severity": "WARNING", "attributes": [name],
                             "values": {"detail": url}})
        title = first_value(attributes, "item_name")
        if isinstance(title, str) and len(title) > TITLE_WARNING_LENGTH:
            late.append({"code": TITLE_TOO_LONG, "severity": "WARNING", "attributes": ["item_name"],
                         "values": {"detail": len(title), "expected": TITLE_WARNING_LENGTH}})
        listing.update(asin=asin, issues=late, processed=1, process_at=None)
        store.save_listing(listing)
        listing_changed(self.state, listing, self.status(listing), late)  # LISTINGS_ITEM_*_CHANGE notifications

    # -- reading ------------------------------------------------------------------------------
    def item(self, listing: dict[str, Any], included: list[str], locale: str | None) -> dict[str, Any]:
        """The listing as `getListingsItem` returns it, with the requested `includedData`."""
        marketplace_id = listing["marketplace_id"]
        item: dict[str, Any] = {"sku": listing["sku"]}
        if "summaries" in included:
            summary: dict[str, Any] = {
                "marketplaceId": marketplace_id, "productType": listing["product_type"],
                "status": self.status(listing),
                "createdDate": self.state.clock.iso(listing["created"]),
                "lastUpdatedDate": self.state.clock.iso(listing["updated"]),
            }
            if listing.get("asin"):
                summary["asin"] = listing["asin"]
            title = first_value(listing["attributes"], "item_name")
            if isinstance(title, str):
                summary["itemName"] = title
            image = first_value(listing["attributes"], "main_product_image_locator", "media_location")
            if isinstance(image, str) and image.startswith("https://") and listing["processed"]:
                summary["mainImage"] = {"link": image, "height": 1000, "width": 1000}
            item["summaries"] = [summary]
        if "attributes" in included:
            item["attributes"] = listing["attributes"]
        if "issues" in included:
            item["issues"] = self.issues(listing, locale)
        if "offers" in included:
            item["offers"] = []
        if "fulfillmentAvailability" in included:
            item["fulfillmentAvailability"] = []
        if "procurement" in included:
            item["procurement"] = []
        if "relationships" in included:
            item["relationships"] = [{"marketplaceId": marketplace_id,
                                      "relationships": Families(self.state).relationships(listing)}]
        if "productTypes" in included:
            item["productTypes"] = [{"marketplaceId": marketplace_id, "productType": listing["product_type"]}]
        return item

    def issues(self, listing: dict[str, Any], locale: str | None) -> list[dict[str, Any]]:
        return [make_issue(i["code"], locale, attributes=i.get("attributes", []), severity=i["severity"],
                           marketplace_id=listing["marketplace_id"], **i.get("values", {}))
                for i in listing.get("issues", [])]

    @staticmethod
    def status(listing: dict[str, Any]) -> list[str]:
        """DISCOVERABLE once processed with an ASIN and no error (BUYABLE does not apply to vendors)."""
        if not listing["processed"] or not listing.get("asin"):
            return []
        if any(i["severity"] == "ERROR" for i in listing.get("issues", [])):
            return []
        return ["DISCOVERABLE"]


def _identifiers(attributes: dict[str, Any]) -> list[str]:
    out = []
    for entry in attributes.get("externally_assigned_product_identifier", []) or []:
        if isinstance(entry, dict) and str(entry.get("type", "")).lower() in {"ean", "gtin", "upc"}:
            value = entry.get("value")
            if isinstance(value, str):
                out.append(value)
    return out


def _selector_values(item: Any, selectors: tuple[str, ...]) -> tuple[Any, ...]:
    if not isinstance(item, dict):
        return (repr(item),)
    return tuple(repr(item.get(s)) for s in selectors)


def _asin_of(catalog: Any, store: Any, ean: str) -> str | None:
    item = catalog.by_ean(ean)
    return item.asin if item else store.asin_for_ean(ean)


def _created(store: Any, asin: str) -> bool:
    return store.one("SELECT 1 FROM asins WHERE asin=?", (asin,)) is not None
