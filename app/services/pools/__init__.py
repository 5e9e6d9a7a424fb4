"""一单两库 (pools): the inspection-item list and the object / inspector / expert pools.

Owns reading spreadsheets (`reader`), importing them (`importer`), and maintaining the pools (`pools`:
filter, edit, tags, status, history, exports and templates).

May import: `foundation`, `rules` (classification columns of `objects list`).
"""
