"""The import engine's parts (the public face is `app.services.pools.importer`).

fields (field specs, aliases) → values (one cell's text) → convert (a column) → layouts (what the public
sources publish) / region (本辖区) / mapping (which column is which field) → engine (one import) → one
planner-writer per kind: objects, people (inspectors and experts), items, key_units, cancelled.
"""
