"""Schema -> attribute model. Pure functions: no I/O, no network, no clock."""

from transpiler.compiler.model import Attribute, Kind, Leaf, Option, ProductType
from transpiler.compiler.product_type import compile_definition, compile_product_type
from transpiler.rules.conditions import Condition

__all__ = [
    "Attribute",
    "Condition",
    "Kind",
    "Leaf",
    "Option",
    "ProductType",
    "compile_definition",
    "compile_product_type",
]
