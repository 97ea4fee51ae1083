"""The keys every item of the generated table carries, and the Amazon attributes that identify a product.

Product-Live items are identified by their SKU (the seller SKU on Amazon), may carry an EAN
identifier, and are classified by product type. The table emitter declares these keys and the
publisher reads them: both take them from here.
"""

from __future__ import annotations

#: Identifier of every item: the seller SKU of the listing.
SKU = "SKU"
#: Identifier holding the EAN (the `ean` slot of `externally_assigned_product_identifier`).
EAN = "EAN"
#: Identifier of a model (first level of a multi-level table): the SKU of the family's parent listing.
PARENT_SKU = "PARENT_SKU"
#: Identifier of a colour (middle level, when the themes need one): the colour's code in the model.
COLOR_CODE = "COLOR_CODE"
#: Classification whose category key names the Amazon product type.
CLASSIFICATION_KEY = "AMAZON_PRODUCT_TYPE"

#: The Amazon attribute behind the EAN identifier.
EXTERNAL_IDENTIFIER = "externally_assigned_product_identifier"
#: Attributes that say which catalog product a listing is: chosen when the listing is created (by
#: EAN, by ASIN, or by declaring the product exempt from identifiers), never patched afterwards.
IDENTITY_ATTRIBUTES = frozenset({
    "merchant_suggested_asin",
    EXTERNAL_IDENTIFIER,
    "supplier_declared_has_product_identifier_exemption",
})
