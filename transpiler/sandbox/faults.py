"""Fault injection: what can go wrong between a client and Amazon, on demand.

A spec is a comma-separated list of `name=value` (the `--faults` option), or the same names in a
dict (the admin endpoint): `429`, `500`, `503`, `drop`, `lost` and `expire` are probabilities per
SP-API call (`drop` cuts the connection before the call is carried out, `lost` after: the work is
done and the answer never arrives); `transient` is the probability that a listing submission (put,
patch, feed message) is answered INVALID with Amazon's transient internal error `4000000` ("…Please
try again."), inside an HTTP 200; `latency` adds seconds to each call; `corrupt_schema` is the
probability that a schema download is damaged (its checksum no longer matches); `seed` makes the
draws reproducible;
`operations` limits the faults to some operation ids (`+`-separated in a spec string).
Example: `--faults "429=0.2,latency=0.05,seed=7"`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any

_PROBABILITIES = {"429": "p429", "500": "p500", "503": "p503", "drop": "drop", "lost": "lost", "expire": "expire",
                  "corrupt_schema": "corrupt_schema", "transient": "transient"}


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message names the bad part."""


@dataclass
class Faults:
    """Probabilities and delays of injected faults (all zero: a well-behaved Amazon)."""

    p429: float = 0.0
    p500: float = 0.0
    p503: float = 0.0
    drop: float = 0.0
    lost: float = 0.0
    expire: float = 0.0
    corrupt_schema: float = 0.0
    transient: float = 0.0
    latency: float = 0.0
    seed: int | None = None
    operations: tuple[str, ...] = ()
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return any((self.p429, self.p500, self.p503, self.drop, self.lost, self.expire, self.corrupt_schema,
                    self.transient, self.latency))

    def applies_to(self, operation: str) -> bool:
        return not self.operations or operation in self.operations

    def draw(self, probability: float) -> bool:
        """True with the given probability (from the seeded generator)."""
        return probability > 0 and self._random.random() < probability

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, attr) for name, attr in _PROBABILITIES.items()}
        out["latency"] = self.latency
        out["seed"] = self.seed
        out["operations"] = list(self.operations)
        return out


def parse_faults(spec: str | dict[str, Any] | Faults | None) -> Faults:
    """Faults from a spec string, a dict or None (no faults). Raises FaultSpecError."""
    if spec is None or spec == "":
        return Faults()
    if isinstance(spec, Faults):
        return spec
    items: dict[str, Any]
    if isinstance(spec, str):
        items = {}
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            if not sep:
                raise FaultSpecError(f"fault {part!r} needs a value (name=value)")
            items[name.strip()] = value.strip()
    elif isinstance(spec, dict):
        items = dict(spec)
    else:
        raise FaultSpecError(f"a fault spec is a string or an object, not {type(spec).__name__}")
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Faults)}
    for name, raw in items.items():
        name = str(name)
        if name in _PROBABILITIES:
            values[_PROBABILITIES[name]] = _number(name, raw, probability=True)
        elif name == "latency":
            values["latency"] = _number(name, raw, probability=False)
        elif name == "seed":
            values["seed"] = None if raw is None else int(_number(name, raw, probability=False))
        elif name == "operations":
            ops = raw.split("+") if isinstance(raw, str) else list(raw or [])
            values["operations"] = tuple(str(op).strip() for op in ops if str(op).strip())
        elif name in known and name in {"p429", "p500", "p503"}:
            values[name] = _number(name, raw, probability=True)
        else:
            names = ", ".join([*_PROBABILITIES, "latency", "seed", "operations"])
            raise FaultSpecError(f"unknown fault {name!r} (known: {names})")
    return Faults(**values)


def _number(name: str, raw: Any, *, probability: bool) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise FaultSpecError(f"fault {name!r}: {raw!r} is not a number") from None
    if value < 0 or (probability and value > 1):
        bound = "between 0 and 1" if probability else "zero or more"
        raise FaultSpecError(f"fault {name!r}: {value} must be {bound}")
    return value
