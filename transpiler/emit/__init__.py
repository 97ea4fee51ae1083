"""Emitters: attribute model -> Product-Live table XML, field mapping, generated models.

`regenerate.py` orchestrates them (`pl-amazon regenerate`); each emitter is pure apart from
writing its own files under `generated/`.
"""
