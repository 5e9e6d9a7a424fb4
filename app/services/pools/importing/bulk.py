"""Writing many rows at once.

`insert_columns(conn, table, columns)` is an executemany INSERT of values given column by column
(column name → list, all lists the same length); `insert_rows(conn, table, rows)` the same for dicts that
all have the same keys. On SQLite the values are turned into what SQLAlchemy would store with each column
type's own bind processor (`TypeEngine.bind_processor`: JSON lists → text, booleans → 1/0, dates → ISO
text) and handed to the driver in one `exec_driver_sql`: SQLAlchemy's per-row parameter handling costs
more than SQLite's own insert for 50,000 rows. Repeated values (a JSON list, a timestamp) are processed
once. Columns left out get their scalar default, as an `insert()` would. Elsewhere (PostgreSQL) a Core
`insert()`.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: Table, rows: list[dict]) -> None:
    if rows:
        insert_columns(conn, table, {name: [row[name] for row in rows] for name in rows[0]})


def insert_columns(conn: Connection, table: Table, columns: dict[str, list]) -> None:
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    if not count:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(names, values)) for values in zip(*columns.values())])
        return
    values = []
    for name in names:
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        values.append(columns[name] if process is None else _processed(columns[name], process))
    for column in table.columns:
        if column.name not in columns and column.default is not None and column.default.is_scalar:
            names.append(column.name)
            values.append([column.default.arg] * count)
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _name in names)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', list(zip(*values)))


def _processed(values: list, process) -> list:
    done: dict = {}
    out = []
    for value in values:
        key = tuple(value) if isinstance(value, list) else value
        if key not in done:
            done[key] = process(value)
        out.append(done[key])
    return out
