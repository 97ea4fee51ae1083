"""Knowledge of Amazon's formats: the product type meta-schema vocabulary and definition files."""
