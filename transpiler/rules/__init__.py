"""Amazon's rules as data and their evaluation, light enough for generated models to import.

`constraints` and `conditions` hold the records, `paths` the one walker over dotted attribute
paths, `evaluate` checks a listing against a condition, `describe` words one in English, `listing`
is the rule set a generated model enforces beyond its types (`ListingRules`). Amazon's own keywords
are implemented in `transpiler.amazon.keywords` and JSON equality in `transpiler.json_equality`.
"""
