"""`validate()` on the real US PRODUCT schema, beside plain jsonschema and jsonschema-rs alone.

Payloads: a seeded mix of the largest schema at hand, half valid (built from the attribute model),
half made invalid by one mutation (an attribute dropped or an item repeated), as in the previous
figures of this benchmark. On one core, in this process:

- baseline 1, plain jsonschema: the reference validator (`transpiler.amazon.vocabulary.validator_for`,
  Draft 2019-09 with Amazon's vocabulary) listing every error of each payload;
- baseline 2, jsonschema-rs alone: the raw schema compiled with Amazon's keywords
  (`transpiler.validation.keywords.compiled_validator`), listing every error — what a user would
  build with the fastest validator available, without French issues or the model;
- measured: `ListingValidator.check`, what `validate()` runs for each payload, French issues
  included; and `ListingValidator.parse` (the typed model too) for comparison.

Verdicts and the sets of (attribute, keyword) issues must equal the reference's on every payload
(the differential tests guard the same on more payloads); a difference breaks the benchmark.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from benchmarks.corpus import us_product_path
from benchmarks.results import Bench
from benchmarks.timing import in_turns
from tests.differential_cases import pairs, reference_places
from transpiler.amazon.vocabulary import validator_for
from transpiler.emit.models import build_model
from transpiler.validation.examples import valid_listing
from transpiler.validation.keywords import compiled_validator
from transpiler.validation.validate import ListingValidator, validator_for_product_type
from transpiler.workspace import Workspace

RATE_GOAL = 2500.0
RATIO_GOAL = 20.0
PAYLOADS = 200


def payloads(validator: ListingValidator, rng: random.Random, count: int = PAYLOADS) -> list[dict[str, Any]]:
    """`count` payloads: half valid, half with one mutation each (seeded)."""
    def problems(payload: dict[str, Any]) -> Any:
        for error in validator.structural.iter_errors(payload):
            yield tuple(error.instance_path), error.kind.property if error.kind.name == "required" else None

    valid: list[dict[str, Any]] = []
    while len(valid) < count // 2:
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
            broken[name] = [*broken[name], copy.deepcopy(broken[name][0])]
        invalid.append(broken)
    return valid + invalid


def run(bench: Bench) -> None:
    path = us_product_path()
    # US PRODUCT has no module in generated/models: its model is generated in memory, once
    validator = validator_for_product_type(path, workspace=Workspace.create(), generate_model=build_model)
    reference = validator_for(validator.schema)
    alone = compiled_validator(validator.schema)
    mix = payloads(validator, random.Random("bench_validate"))
    differ = 0
    for payload in mix:
        ours = validator.check(payload)
        expected = reference_places(reference.iter_errors(payload))
        if (not ours) != (not expected) or {(i.attribute, i.keyword) for i in ours} != pairs(expected):
            differ += 1
    times = in_turns({
        "jsonschema": lambda: [list(reference.iter_errors(p)) for p in mix],
        "jsonschema-rs": lambda: [list(alone.iter_errors(p)) for p in mix],
        "check": lambda: [validator.check(p) for p in mix],
        "parse": lambda: [validator.parse(p) for p in mix],
    }, repeat=5)
    n = len(mix)
    rate = {name: n / seconds for name, seconds in times.items()}
    bench.figure("jsonschema-rs alone, every error listed", rate["jsonschema-rs"], "payloads/s",
                 baseline=rate["jsonschema"], baseline_name="jsonschema")
    ours = bench.figure("validate(), US PRODUCT mix, one core", rate["check"], "payloads/s",
                        baseline=rate["jsonschema"], baseline_name="jsonschema")
    bench.figure("validate() beside jsonschema-rs alone", rate["check"], "payloads/s",
                 baseline=rate["jsonschema-rs"], baseline_name="jsonschema-rs alone")
    bench.figure("parse() (typed model too)", rate["parse"], "payloads/s", baseline=rate["jsonschema"],
                 baseline_name="jsonschema")
    bench.at_least("validate() payloads/s", ours, RATE_GOAL)
    bench.ratio_at_least("validate() vs jsonschema", ours, RATIO_GOAL)
    same = bench.figure(f"payloads whose verdict or issue set differs from the reference (of {n})", differ,
                        "payloads")
    bench.holds("validate() verdicts and issue sets = reference", same, differ == 0, "0 payloads")
    if differ:
        raise AssertionError(f"validate() differs from the reference validator on {differ} of {n} payloads")
