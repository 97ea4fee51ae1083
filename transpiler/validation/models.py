"""The generated model a validator uses: looked up, never generated here.

A product type's model comes from the `generated.models` package that `make regenerate` writes,
and is kept in the workspace's model registry. A model generated from another version of the
definition (different schema checksum), or none at all, is an error that says what to run:
validating against a stale model would give wrong verdicts, and generating code behind the
caller's back would hide a forgotten `make regenerate`. A tool that validates a schema given by
path (`pl-amazon check FILE`, tests on the real corpus) passes a generator explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generated.models import MODULES, module_for
from transpiler.compiler.model import ProductType
from transpiler.errors import PlAmazonError
from transpiler.workspace import Workspace, model_key


class StaleModelError(PlAmazonError):
    """The generated model of a product type is missing or was generated from another definition."""

    def __init__(self, product_type: str, message: str):
        self.product_type = product_type
        super().__init__(f"{product_type}: {message}: run `make regenerate` (pl-amazon regenerate)")


#: Generates a product type's root model class (`transpiler.emit.models.build_model`).
ModelGenerator = Callable[[ProductType], Any]


def model_for(product_type: ProductType, *, workspace: Workspace, generate: ModelGenerator | None = None) -> Any:
    """The root model class of a product type (see the module docstring).

    Raises StaleModelError when generated/models has no module made from this definition, unless
    `generate` is given: then the model it generates is used (and kept in the workspace).
    """

    def find() -> Any:
        try:
            return _generated_model(product_type)
        except StaleModelError:
            if generate is None:
                raise
            return generate(product_type)

    return workspace.models.get_or_build(model_key(product_type), find)


def _generated_model(product_type: ProductType) -> Any:
    if product_type.name not in MODULES:
        raise StaleModelError(product_type.name, "no generated model for this product type")
    module = module_for(product_type.name)
    generated_from = getattr(module, "SCHEMA_CHECKSUM", None)
    if generated_from != product_type.checksum:
        raise StaleModelError(
            product_type.name,
            f"the generated model was made from schema checksum {generated_from}, the definition has "
            f"{product_type.checksum}",
        )
    return module.MODEL
