"""Compiling the real US PRODUCT schema (471 KB) to the attribute model, against `json.loads` of it.

Baseline: `json.loads` of the file's bytes (what reading the schema costs at the least). Measured:
`json.loads` + `compile_product_type`; and the meta-schema check done once per checksum
(`vocabulary.check_schema`: the compiled meta-schema first) beside the reference validator's walk of
the same schema.
"""

from __future__ import annotations

import json

from benchmarks.corpus import us_product_path
from benchmarks.results import Bench
from benchmarks.timing import in_turns
from transpiler.amazon import vocabulary
from transpiler.compiler import compile_product_type

GOAL = 20.0  # json.loads + compile at most this many times json.loads


def run(bench: Bench) -> None:
    raw = us_product_path().read_bytes()
    schema = json.loads(raw)
    times = in_turns({"loads": lambda: json.loads(raw),
                      "compile": lambda: compile_product_type(schema),
                      "both": lambda: compile_product_type(json.loads(raw))}, repeat=15)
    check = in_turns({"check": lambda: vocabulary.check_schema(schema, "US/PRODUCT.json"),
                      "walk": lambda: vocabulary.meta_schema_errors(schema)}, repeat=3)
    kb = len(raw) / 1024
    ms = 1000
    bench.figure(f"compile only, US PRODUCT {kb:.0f} KB", times["compile"] * ms, "ms",
                 baseline=times["loads"] * ms, baseline_name="json.loads")
    both = bench.figure("json.loads + compile", times["both"] * ms, "ms", baseline=times["loads"] * ms,
                        baseline_name="json.loads")
    bench.figure("meta-schema check (once per checksum)", check["check"] * ms, "ms", baseline=check["walk"] * ms,
                 baseline_name="the reference validator's walk (jsonschema)")
    bench.ratio_at_most("compile US PRODUCT", both, GOAL)
