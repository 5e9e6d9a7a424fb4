"""Rules (规则): the office's published rules as data and what follows from them.

Owns the presets and the active rule document (`policies`), each object's supervision category
(`classification`), the per-stratum quota (`quota`), annual plans and tasks (`plans`) and office-wide
targets (`targets`).

May import: `foundation`.
"""
