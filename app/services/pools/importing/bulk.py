"""Writing many rows at once.

`insert_columns(conn, table, columns)` is an executemany INSERT of values given column by column
(column name → list, all lists the same length); `insert_rows(conn, table, rows)` the same for dicts that
all have the same keys. On SQLite the values are turned into what SQLAlchemy would store with each column
type's own bind processor (`TypeEngine.bind_processor`: JSON lists → text, booleans → 1/0, dates → ISO
text) and handed to the driver in one `exec_driver_sql`: SQLAlchemy's per-row parameter handling costs
more than SQLite's own insert for 50,000 rows. Repeated values (a JSON list, a timestamp) are processed
once. Columns left out get their scalar default, as an `insert()` would. Elsewhere (PostgreSQL) a Core
`insert()`. `staged_insert` prepares the same INSERT without running it (`run` runs it): an import prepares its
rows before it takes the write lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: Table, rows: list[dict]) -> None:
    if rows:
        insert_columns(conn, table, {name: [row[name] for row in rows] for name in rows[0]})


def insert_columns(conn: Connection, table: Table, columns: dict[str, list], constants: dict | None = None) -> None:
    """`constants`: column → one value for every row (a timestamp, the file name)."""
    run(conn, staged_insert(conn, table, columns, constants))


@dataclass
class StagedInsert:
    """An executemany INSERT ready to run: the statement and its rows (SQLite: the SQL text and tuples of values
    as stored; elsewhere: a Core insert and dicts)."""

    statement: object
    rows: list


def staged_insert(
    conn: Connection, table: Table, columns: dict[str, list], constants: dict | None = None
) -> StagedInsert | None:
    """The INSERT of `insert_columns`, prepared (values converted) but not run: a big import prepares it before it
    takes the write lock and only runs it inside (`run`). None when there are no rows."""
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    if not count:
        return None
    constants = constants or {}
    if conn.dialect.name != "sqlite":
        rows = [dict(zip(names, values)) for values in zip(*columns.values())]
        return StagedInsert(table.insert().values(**constants) if constants else table.insert(), rows)
    values = []
    for name in names:
        process = _processor(conn, table, name)
        values.append(columns[name] if process is None else _processed(columns[name], process))
    for name, value in constants.items():
        process = _processor(conn, table, name)
        names.append(name)
        values.append([value if process is None else process(value)] * count)
    for name, value in scalar_defaults(table, columns).items():
        if name not in constants:
            names.append(name)
            values.append([value] * count)
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _name in names)
    return StagedInsert(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', list(zip(*values)))


def run(conn: Connection, staged: StagedInsert | None) -> None:
    if staged is None:
        return
    if isinstance(staged.statement, str):
        conn.exec_driver_sql(staged.statement, staged.rows)
    else:
        conn.execute(staged.statement, staged.rows)


def scalar_defaults(table: Table, given) -> dict:
    """The columns not in `given` that have a scalar default, with that default (what an insert leaves them)."""
    return {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in given and c.default is not None and c.default.is_scalar
    }


def _processor(conn: Connection, table: Table, name: str):
    return table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)


def _processed(values: list, process) -> list:
    done: dict = {}
    out = []
    for value in values:
        key = tuple(value) if isinstance(value, list) else value
        if key not in done:
            done[key] = process(value)
        out.append(done[key])
    return out
