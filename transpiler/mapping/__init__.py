"""The field mapping: the contract between the structure side and the items side.

`types` holds the records (`Mapping`, `FieldMapping`, `AttributeLayout`, `AttributeRules`),
`builder` makes them from the attribute model when `pl-amazon regenerate` runs, `json_codec`
writes and reads `generated/mapping/<TYPE>.json`, `field_codec` turns Product-Live values into
Amazon attributes and back. `identifiers`, `publication` and `keys` are the Product-Live keys both
sides agree on. The publisher and the Product-Live reader and writer import the records and codecs,
never the builder: what they know of a product type is what the mapping file says.
"""
