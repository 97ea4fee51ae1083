"""Where a run finds its inputs and keeps what it builds: the one explicit context passed down.

The defaults are the checkout's own folders: `assets/amazon` (product type definitions, as
`pl-amazon pull` writes them) and `generated/` (what `pl-amazon regenerate` writes).
"""

from __future__ import annotations

from pathlib import Path

#: The checkout: the package's parent folder.
REPO = Path(__file__).resolve().parents[1]
#: Root of the definitions store shipped with the project (`<root>/<marketplace>/<locale>/<TYPE>.json`).
DEFAULT_ASSETS = REPO / "assets" / "amazon"
#: What `pl-amazon regenerate` writes: `productlive/`, `mapping/`, `models/`.
DEFAULT_GENERATED = REPO / "generated"
