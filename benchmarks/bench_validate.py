"""validate() throughput on payloads of the real US PRODUCT schema, against plain jsonschema.

Baseline: jsonschema's Draft201909Validator with Amazon's vocabulary
(`transpiler.amazon.vocabulary.validator_for`) listing every error of each payload. Measured:
`ListingValidator.check` (jsonschema-rs + Amazon keywords, and the generated pydantic model with
its rule validators) on the same payloads, half valid, half invalid by mutation. Verdicts must be
identical. Also: `regenerate` time for the models emitter, cold (forced) and warm (cache hit).
"""

from __future__ import annotations

import copy
import os
import random
import tempfile
import time
from pathlib import Path

from benchmarks.timing import best_of
from transpiler.amazon.vocabulary import validator_for
from transpiler.emit.models import build_model
from transpiler.validation.examples import valid_listing
from transpiler.validation.validate import validator_for_product_type
from transpiler.workspace import Workspace

GOAL = 5.0
PAYLOADS = 200


def _schema_path() -> Path:
    shared = Path(os.environ.get("PL_AMAZON_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    return shared / "amazon" / "product-types" / "US" / "PRODUCT.json"


def _payloads(validator, rng: random.Random) -> list[dict]:
    def problems(payload):
        for error in validator.structural.iter_errors(payload):
            yield tuple(error.instance_path), error.kind.property if error.kind.name == "required" else None

    valid = []
    while len(valid) < PAYLOADS // 2:
        payload = valid_listing(validator.product_type, rng, problems, presence=0.6)
        if payload is not None:
            valid.append(payload)
    invalid = []
    for payload in valid:
        broken = copy.deepcopy(payload)
        name = rng.choice(sorted(broken))
        if rng.random() < 0.5:
            del broken[name]
        else:
            broken[name] = broken[name] + [copy.deepcopy(broken[name][0])]
        invalid.append(broken)
    return valid + invalid


def _regenerate_times() -> tuple[float, float]:
    from transpiler.emit.regenerate import EMITTERS, regenerate

    spec = [s for s in EMITTERS if s.name == "models"]
    with tempfile.TemporaryDirectory() as tmp:
        out, cache = Path(tmp) / "generated", Path(tmp) / "cache"
        started = time.perf_counter()
        regenerate(out_dir=out, cache_dir=cache, emitters=spec, force=True)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        result = regenerate(out_dir=out, cache_dir=cache, emitters=spec)
        warm = time.perf_counter() - started
        assert all(r.skipped for r in result.runs)
    return cold, warm


def run() -> list[str]:
    path = _schema_path()
    started = time.perf_counter()
    # US PRODUCT has no module in generated/models: its model is generated in memory
    validator = validator_for_product_type(path, workspace=Workspace.create(), generate_model=build_model)
    first = time.perf_counter() - started
    reference = validator_for(validator.schema)
    payloads = _payloads(validator, random.Random("bench_validate"))
    ours = [not validator.check(p) for p in payloads]
    theirs = [reference.is_valid(p) for p in payloads]
    if ours != theirs:
        raise AssertionError(f"verdicts differ on {sum(a != b for a, b in zip(ours, theirs, strict=True))} payloads")
    base = best_of(lambda: [list(reference.iter_errors(p)) for p in payloads], repeat=3)
    fast = best_of(lambda: [validator.check(p) for p in payloads], repeat=5)
    valid = payloads[: PAYLOADS // 2]
    base_valid = best_of(lambda: [list(reference.iter_errors(p)) for p in valid], repeat=3)
    fast_valid = best_of(lambda: [validator.check(p) for p in valid], repeat=5)
    ratio = base / fast
    cold, warm = _regenerate_times()
    n = len(payloads)
    return [
        f"payloads: {n} of US PRODUCT ({sum(theirs)} valid), identical verdicts: yes",
        f"jsonschema Draft201909Validator + vocabulary (baseline): {n / base:,.0f} payloads/s",
        f"validate(): {n / fast:,.0f} payloads/s ({ratio:.1f}x baseline; goal >= {GOAL:.0f}x: "
        f"{'met' if ratio >= GOAL else 'NOT met'})",
        f"valid payloads only: baseline {len(valid) / base_valid:,.0f}/s, validate() {len(valid) / fast_valid:,.0f}/s "
        f"({base_valid / fast_valid:.1f}x)",
        f"first validator for US PRODUCT (compile schema + build model in memory): {first:.2f} s",
        f"regenerate models (3 sample types): cold {cold:.2f} s, warm {warm * 1000:.1f} ms",
    ]
