"""The one explicit context of a run: settings, where definitions and generated files live, and the
registries of what the run has built (compiled product types, validators, models).

The CLI creates one per command and passes it down; nothing in the package keeps state in module
globals or reads the environment on its own. A registry lives exactly as long as its workspace, so
two workspaces (two tests, two marketplaces) never see each other's product types, and a long
process drops what it compiled by dropping the workspace.

The defaults are the checkout's own folders: `assets/amazon` (product type definitions, as
`pl-amazon pull` writes them) and `generated/` (what `pl-amazon regenerate` writes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from transpiler.config import Settings

#: The checkout: the package's parent folder.
REPO = Path(__file__).resolve().parents[1]
#: Root of the definitions store shipped with the project (`<root>/<marketplace>/<locale>/<TYPE>.json`).
DEFAULT_ASSETS = REPO / "assets" / "amazon"
#: What `pl-amazon regenerate` writes: `productlive/`, `mapping/`, `models/`.
DEFAULT_GENERATED = REPO / "generated"

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Registry(Generic[K, V]):
    """Values built once per key (a product type and the checksum or stamp of its definition)."""

    def __init__(self) -> None:
        self._values: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def put(self, key: K, value: V) -> V:
        """Register a value built elsewhere (e.g. a model generated for a schema given by path)."""
        self._values[key] = value
        return value

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """The value of `key`, built by `build()` the first time it is asked for."""
        if key not in self._values:
            self._values[key] = build()
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)


def model_key(product_type: Any) -> tuple[str, str | None]:
    """The key of a product type's model in `Workspace.models`: its name and schema checksum."""
    return product_type.name, product_type.checksum


@dataclass
class Workspace:
    """Settings + assets root + generated root + what has been built from them.

    `product_types` maps (schema path, checksum, meta-schema checked) to the definition and its
    compiled ProductType (`transpiler.compiler.loading`); `validators` maps (schema path, size,
    mtime) to a ListingValidator (`transpiler.validation`); `models` maps (product type, checksum)
    to its generated root model class.
    """

    settings: Settings
    assets_root: Path
    generated_root: Path
    product_types: Registry[Any, Any] = field(default_factory=Registry)
    validators: Registry[Any, Any] = field(default_factory=Registry)
    models: Registry[Any, Any] = field(default_factory=Registry)

    @classmethod
    def create(cls, settings: Settings | None = None, *, assets_root: Path | str | None = None,
               generated_root: Path | str | None = None) -> Workspace:
        """A workspace for `settings` (default: the built-in ones, France); the assets root is the
        argument, else the `assets` setting (PL_AMAZON_ASSETS), else the checkout's `assets/amazon`."""
        settings = settings or Settings()
        assets = assets_root or settings.assets or DEFAULT_ASSETS
        return cls(settings, Path(assets), Path(generated_root or DEFAULT_GENERATED))

    @property
    def definitions_dir(self) -> Path:
        """The folder of the settings' marketplace and locale in the assets root, or the assets root
        itself when it is already a folder of definitions (as `--assets` may name one)."""
        nested = self.assets_root / self.settings.marketplace_id / self.settings.locale
        return nested if nested.is_dir() or not self.assets_root.is_dir() else self.assets_root

    @property
    def mapping_dir(self) -> Path:
        """The field mappings the publisher reads (`generated/mapping`)."""
        return self.generated_root / "mapping"
