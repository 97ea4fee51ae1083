"""What to do about the errors vendors meet most, in English (logs, the CLI) and French (acknowledgements).

Two pitfalls come back in Amazon's issue threads:

- a 403 on the Feeds API (or the Listings Items / Product Type Definitions APIs) although the token
  is fresh: the app lacks the Product Listing role (amzn/selling-partner-api-docs#2427);
- 400 "Invalid 'sellerId' and 'marketplaceId' combination provided.": the request names the vendor
  by its selling partner id (`amzn1.vg…`) instead of its vendor code (amzn/selling-partner-api-docs
  #2107, amzn/selling-partner-api-models#2309).
"""

from __future__ import annotations

from dataclasses import dataclass

from transpiler.amazon.roles import PRODUCT_LISTING_OPERATIONS
from transpiler.errors import AmazonError

SELLER_COMBINATION = "invalid 'sellerid' and 'marketplaceid' combination"


@dataclass(frozen=True)
class Hint:
    english: str
    french: str


ROLE = Hint(
    "a 403 here usually means the app lacks the Product Listing role: add it to the app in the developer "
    "profile, then have the vendor authorize the app again",
    "l'application n'a probablement pas le rôle « Product Listing » : ajoutez-le à l'application dans le profil "
    "développeur de Vendor Central, puis faites de nouveau autoriser l'application",
)
VENDOR_CODE = Hint(
    "the sellerId must be the vendor code shown in Vendor Central (letters and digits, e.g. ABCDE), not the "
    "amzn1.vg… selling partner id: set PL_AMAZON_SELLER_ID (or --partner) to the vendor code",
    "l'identifiant vendeur doit être le code fournisseur affiché dans Vendor Central (lettres et chiffres, par "
    "ex. ABCDE), et non l'identifiant de compte « amzn1.vg… »",
)


def hint_for(status: int, operation: str | None, messages: list[str]) -> Hint | None:
    """The hint for an error answer, if it is one of the known pitfalls."""
    if status == 403 and operation in PRODUCT_LISTING_OPERATIONS:
        return ROLE
    if status == 400 and any(SELLER_COMBINATION in m.lower() for m in messages):
        return VENDOR_CODE
    return None


def hint(exc: AmazonError) -> Hint | None:
    """The hint for an AmazonError, if any."""
    return hint_for(exc.status, exc.operation, [str(e.get("message", "")) for e in exc.errors])


def looks_like_selling_partner_id(seller_id: str) -> bool:
    """True for an `amzn1.…` selling partner id given where a vendor code is expected."""
    return seller_id.strip().lower().startswith("amzn1.")
