"""Which column is which field: explicit mapping > remembered `ColumnMapping` > built-in aliases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.pools import ColumnMapping
from app.services.foundation import permissions
from app.services.foundation.errors import UserError
from app.services.pools import reader as tabular
from app.services.pools.importing.fields import IGNORE, alias_index, fields_for
from app.services.pools.importing.layouts import EXTRA_HEADERS


def remembered_mappings(session: Session, kind: str) -> dict[str, str]:
    rows = session.execute(select(ColumnMapping.header, ColumnMapping.field).where(ColumnMapping.kind == kind)).all()
    return {tabular.header_key(h): f for h, f in rows}


def remember_mapping(session: Session, kind: str, header: str, field_key: str) -> None:
    """Remember that `header` means `field_key` (or IGNORE) for later imports of this kind."""
    permissions.require(session, "pools.import")
    valid = {s.key for s in fields_for(kind)} | {IGNORE}
    if field_key not in valid:
        raise UserError(f"字段“{field_key}”不存在。")
    key = tabular.header_key(header)
    for row in session.scalars(select(ColumnMapping).where(ColumnMapping.kind == kind)):
        if tabular.header_key(row.header) == key:
            row.field = field_key
            session.flush()
            return
    session.add(ColumnMapping(kind=kind, header=header, field=field_key))
    session.flush()


def resolve_columns(
    session: Session | None, kind: str, headers: list[str], mapping: dict[str, str] | None = None
) -> dict[int, str]:
    """column index → field key. Explicit `mapping` (header → field or IGNORE) wins, then remembered."""
    aliases = alias_index(kind)
    remembered = remembered_mappings(session, kind) if session is not None else {}
    explicit = {tabular.header_key(h): f for h, f in (mapping or {}).items()}
    out: dict[int, str] = {}
    taken: set[str] = set()
    for i, h in enumerate(headers):
        k = tabular.header_key(h)
        f = explicit.get(k) or remembered.get(k) or aliases.get(k)
        if f is None or f == IGNORE or f in taken:
            continue
        out[i] = f
        taken.add(f)
    return out


def known_headers(session: Session | None, kind: str) -> list[str]:
    """Every header the reader should recognise when it looks for the header row of this kind's file
    (also those of the published layouts it must recognise to refuse or to read, e.g. √ columns)."""
    hs = [h for s in fields_for(kind) for h in (s.label, *s.aliases)]
    hs.extend(EXTRA_HEADERS)
    if session is not None:
        hs.extend(session.scalars(select(ColumnMapping.header).where(ColumnMapping.kind == kind)))
    return hs
