"""The import of 一单两库 files, as the CLI and the UI call it (a facade over `pools.importing`).

objects | inspectors | experts | items | key-units | cancelled, from Excel/CSV. The work is done in
`app/services/pools/importing/`: `fields` (field specs and header aliases), `values` (reading one cell),
`convert` (the column converter), `layouts` (the published layouts), `region` (本辖区), `mapping`,
`report`, `engine` (one import start to end) and one planner-writer per kind (`objects`, `people`,
`items`, `key_units`, `cancelled`).
"""

from __future__ import annotations

from app.services.pools.importing.convert import convert_value
from app.services.pools.importing.engine import ImportCancelled, import_in_steps, preview_import, run_import
from app.services.pools.importing.fields import (
    DUTY_DRAWABLE,
    EXPERTISE,
    FIELDS,
    GENDERS,
    IGNORE,
    INSPECTOR_FIELDS,
    ITEM_CLASSES,
    ITEM_FIELDS,
    KEY_UNIT_FIELDS,
    KIND_LABELS,
    KINDS,
    OBJECT_FIELDS,
    POLLUTION_TYPES,
    REGION_KEYS,
    SPECIAL_SITUATIONS,
    FieldSpec,
    alias_index,
    fields_for,
    missing_required,
)
from app.services.pools.importing.mapping import known_headers, remember_mapping, remembered_mappings, resolve_columns
from app.services.pools.importing.report import ImportReport, save_report
from app.services.pools.importing.values import (
    check_id_card,
    check_uscc,
    half_width,
    history_text,
    name_text,
    parse_bool,
    parse_date,
    parse_period,
    split_list,
    squash,
)

__all__ = [
    "DUTY_DRAWABLE",
    "EXPERTISE",
    "FIELDS",
    "GENDERS",
    "IGNORE",
    "INSPECTOR_FIELDS",
    "ITEM_CLASSES",
    "ITEM_FIELDS",
    "KEY_UNIT_FIELDS",
    "KIND_LABELS",
    "KINDS",
    "OBJECT_FIELDS",
    "POLLUTION_TYPES",
    "REGION_KEYS",
    "SPECIAL_SITUATIONS",
    "FieldSpec",
    "ImportCancelled",
    "ImportReport",
    "alias_index",
    "check_id_card",
    "check_uscc",
    "convert_value",
    "fields_for",
    "missing_required",
    "half_width",
    "import_in_steps",
    "history_text",
    "known_headers",
    "name_text",
    "parse_bool",
    "parse_date",
    "parse_period",
    "preview_import",
    "remember_mapping",
    "remembered_mappings",
    "resolve_columns",
    "run_import",
    "save_report",
    "split_list",
    "squash",
]
