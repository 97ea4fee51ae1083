"""Compiling the real US PRODUCT schema (471 KB) to the attribute model, against json.loads."""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks.timing import best_of
from transpiler.amazon import vocabulary
from transpiler.compiler import compile_product_type

GOAL = 20.0


def _schema_path() -> Path:
    shared = Path(os.environ.get("PL_AMAZON_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    return shared / "amazon" / "product-types" / "US" / "PRODUCT.json"


def run() -> list[str]:
    path = _schema_path()
    raw = path.read_bytes()
    schema = json.loads(raw)
    loads = best_of(lambda: json.loads(raw), repeat=20)
    compile_ = best_of(lambda: compile_product_type(schema), repeat=20)
    load_and_compile = best_of(lambda: compile_product_type(json.loads(raw)), repeat=20)
    check = best_of(lambda: vocabulary.meta_schema_errors(schema), repeat=3)
    ratio = load_and_compile / loads
    return [
        f"json.loads (baseline): {loads * 1000:.2f} ms for {len(raw) / 1024:.0f} KB",
        f"compile only: {compile_ * 1000:.2f} ms ({compile_ / loads:.1f}x json.loads)",
        f"json.loads + compile: {load_and_compile * 1000:.2f} ms ({ratio:.1f}x json.loads; goal <= {GOAL:.0f}x: "
        f"{'met' if ratio <= GOAL else 'NOT met'})",
        f"meta-schema check (once per checksum): {check * 1000:.0f} ms ({check / loads:.0f}x json.loads)",
    ]
