"""File format options: Snowflake's defaults per type, and resolving a stage's or COPY's format.

A format is a dict of upper-case option names: {"TYPE": "CSV", "SKIP_HEADER": 1, ...}. Only options the
user set are stored; `effective` fills in Snowflake's defaults, which SHOW/DESC report and readers use.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .errors import SqlError

if TYPE_CHECKING:
    from .engine import Context

TYPES = ("CSV", "JSON", "PARQUET", "AVRO", "ORC", "XML")

# Snowflake's defaults, in the order SHOW FILE FORMATS' format_options lists them.
DEFAULTS: dict[str, dict[str, Any]] = {
    "CSV": {
        "RECORD_DELIMITER": "\n", "FIELD_DELIMITER": ",", "FILE_EXTENSION": None, "SKIP_HEADER": 0,
        "PARSE_HEADER": False, "DATE_FORMAT": "AUTO", "TIME_FORMAT": "AUTO", "TIMESTAMP_FORMAT": "AUTO",
        "BINARY_FORMAT": "HEX", "ESCAPE": "NONE", "ESCAPE_UNENCLOSED_FIELD": "\\", "TRIM_SPACE": False,
        "FIELD_OPTIONALLY_ENCLOSED_BY": "NONE", "NULL_IF": ["\\N"], "COMPRESSION": "AUTO",
        "ERROR_ON_COLUMN_COUNT_MISMATCH": True, "VALIDATE_UTF8": True, "SKIP_BLANK_LINES": False,
        "REPLACE_INVALID_CHARACTERS": False, "EMPTY_FIELD_AS_NULL": True, "SKIP_BYTE_ORDER_MARK": True,
        "ENCODING": "UTF8",
    },
    "JSON": {
        "FILE_EXTENSION": None, "DATE_FORMAT": "AUTO", "TIME_FORMAT": "AUTO", "TIMESTAMP_FORMAT": "AUTO",
        "BINARY_FORMAT": "HEX", "TRIM_SPACE": False, "NULL_IF": [], "COMPRESSION": "AUTO", "ENABLE_OCTAL": False,
        "ALLOW_DUPLICATE": False, "STRIP_OUTER_ARRAY": False, "STRIP_NULL_VALUES": False,
        "IGNORE_UTF8_ERRORS": False, "REPLACE_INVALID_CHARACTERS": False, "SKIP_BYTE_ORDER_MARK": True,
    },
    "PARQUET": {
        "COMPRESSION": "AUTO", "BINARY_AS_TEXT": True, "USE_LOGICAL_TYPE": True, "TRIM_SPACE": False,
        "USE_VECTORIZED_SCANNER": False, "REPLACE_INVALID_CHARACTERS": False, "NULL_IF": [],
    },
    "AVRO": {"COMPRESSION": "AUTO", "TRIM_SPACE": False, "REPLACE_INVALID_CHARACTERS": False, "NULL_IF": []},
    "ORC": {"TRIM_SPACE": False, "REPLACE_INVALID_CHARACTERS": False, "NULL_IF": []},
    "XML": {"COMPRESSION": "AUTO", "IGNORE_UTF8_ERRORS": False, "PRESERVE_SPACE": False, "STRIP_OUTER_ELEMENT": False,
            "DISABLE_SNOWFLAKE_DATA": False, "DISABLE_AUTO_CONVERT": False, "REPLACE_INVALID_CHARACTERS": False,
            "SKIP_BYTE_ORDER_MARK": True},
}

LIST_OPTIONS = ("NULL_IF",)
BOOLEAN_OPTIONS = {k for d in DEFAULTS.values() for k, v in d.items() if isinstance(v, bool)}
INTEGER_OPTIONS = {"SKIP_HEADER"}


def normalize_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validates and types options given in SQL (TYPE first, upper-cased enumerations)."""
    out: dict[str, Any] = {}
    format_type = str(options.get("TYPE", "CSV")).upper()
    if format_type not in TYPES:
        raise SqlError.invalid(f"invalid value [{options.get('TYPE')}] for parameter 'TYPE'")
    out["TYPE"] = format_type
    known = DEFAULTS[format_type]
    for key, value in options.items():
        if key in ("TYPE", "FORMAT_NAME"):
            continue
        if key not in known:
            raise SqlError.invalid(f"invalid property '{key}' for file format of type {format_type}")
        if key in LIST_OPTIONS:
            out[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
        elif key in BOOLEAN_OPTIONS:
            out[key] = value if isinstance(value, bool) else str(value).upper() == "TRUE"
        elif key in INTEGER_OPTIONS:
            out[key] = int(value)  # type: ignore[arg-type]
        elif key in ("COMPRESSION", "BINARY_FORMAT", "ENCODING") and isinstance(value, str):
            out[key] = value.upper()
        else:
            out[key] = value
    return out


def effective(options: dict[str, Any]) -> dict[str, Any]:
    """The options with Snowflake's defaults for the type filled in; TYPE first."""
    format_type = options.get("TYPE", "CSV")
    merged = {"TYPE": format_type, **copy.deepcopy(DEFAULTS[format_type])}
    merged.update({k: v for k, v in options.items() if k != "TYPE"})
    return merged


def property_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, list):
        return "List"
    return "String"


def property_text(value: Any) -> str:
    """An option value as DESC reports it: lists in brackets, booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if value is None:
        return ""
    return str(value)


def resolve(ctx: Context, spec: dict[str, Any] | None, base: tuple[str, str] | None,
            fallback: dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective options of a FILE_FORMAT = (...) clause: a named format (looked up relative to `base`,
    the schema of the stage or statement) or inline options; with no clause, `fallback` or CSV defaults."""
    if not spec:
        return effective(fallback) if fallback else effective({"TYPE": "CSV"})
    if "FORMAT_NAME" in spec:
        record = lookup(ctx, str(spec["FORMAT_NAME"]), base)
        return effective(record["options"])
    return effective(normalize_options(spec))


def lookup(ctx: Context, name: str, base: tuple[str, str] | None) -> dict[str, Any]:
    from .sqltext import TokenStream

    parts = TokenStream(name).qualified_name()
    if len(parts) == 1 and base is not None:
        full = (base[0], base[1], parts[0])
    elif len(parts) == 2 and base is not None:
        full = (base[0], parts[0], parts[1])
    else:
        full = ctx.object_name(parts, "COPY")
    record = ctx.engine.catalog.get("file_formats", full)
    if record is None:
        raise SqlError.does_not_exist("File format", ".".join(full))
    return record
