"""The draw (随机抽取): the pure algorithm, the draw state machine on the database, its documents.

`algorithm` is standard library only and is the single source of `resources/verifier/ssj_verify.py`.
`draws` freezes the pool, draws, replaces, confirms and voids, and keeps the draw hash chain.
`documents` renders the 抽取前公示单 and 抽取记录 PDFs.

May import: `foundation`, `pools`, `rules`.
"""
