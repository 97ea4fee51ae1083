"""Validation of Amazon listing attributes before they are sent: one entry point, `validate`."""

from transpiler.validation.issues import Issue
from transpiler.validation.validate import ListingValidator, validate, validator_for_product_type

__all__ = ["Issue", "ListingValidator", "validate", "validator_for_product_type"]
