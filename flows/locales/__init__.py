"""Message catalogs, one module per language (Odia is `or_`: `or` is a Python keyword)."""
