"""Output of `pl-amazon regenerate` (committed; never edited by hand)."""
