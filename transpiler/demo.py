"""`make demo`: the main job on the embedded defaults.

At this stage: compile every sample definition in assets/ and print its attribute model.
"""

from __future__ import annotations

import sys

from transpiler.compiler.loading import load_all
from transpiler.compiler.table import render_table


def run_demo() -> int:
    """Returns the process exit code."""
    product_types = load_all()
    if not product_types:
        print("no product type definitions found in assets/", file=sys.stderr)
        return 1
    for product_type in product_types:
        render_table(product_type, sys.stdout)
        print()
    return 0
