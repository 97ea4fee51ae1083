"""productlive-amazon: compile Amazon product type definitions for Product-Live and publish listings."""

__version__ = "0.1.0"
