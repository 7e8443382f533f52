"""Statement results, and how Snowflake renders them: column types (rowType) and jsonv2 cell text.

Every engine result, whether DuckDB produced it or the emulator's catalog did, is a `Result`; both
front ends (the SQL API and the connector protocol) render it with `cell_text`, so the two agree.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

# Snowflake's logical types as its APIs name them.
FIXED = "fixed"
REAL = "real"
TEXT = "text"
BOOLEAN = "boolean"
DATE = "date"
TIME = "time"
TIMESTAMP_NTZ = "timestamp_ntz"
TIMESTAMP_LTZ = "timestamp_ltz"
TIMESTAMP_TZ = "timestamp_tz"
VARIANT = "variant"
OBJECT = "object"
ARRAY = "array"
BINARY = "binary"

# The two front ends, which write some cells differently (see cell_text).
SQL_API = "sqlapi"
CONNECTOR = "connector"

MAX_TEXT_LENGTH = 16_777_216
MAX_BINARY_LENGTH = 8_388_608


@dataclass(frozen=True)
class Column:
    name: str
    type: str = TEXT
    nullable: bool = True
    precision: int | None = None
    scale: int | None = None
    length: int | None = None

    @classmethod
    def text(cls, name: str, length: int = MAX_TEXT_LENGTH) -> Column:
        return cls(name, TEXT, length=length)

    @classmethod
    def number(cls, name: str, precision: int = 38, scale: int = 0) -> Column:
        return cls(name, FIXED, precision=precision, scale=scale)

    @classmethod
    def timestamp_ltz(cls, name: str) -> Column:
        return cls(name, TIMESTAMP_LTZ, precision=0, scale=3)

    @classmethod
    def boolean(cls, name: str) -> Column:
        return cls(name, BOOLEAN)

    def row_type(self) -> dict[str, Any]:
        """The SQL API's rowType entry for this column."""
        byte_length = None
        length = None
        if self.type == TEXT:
            length = self.length or MAX_TEXT_LENGTH
            byte_length = min(length * 4, MAX_TEXT_LENGTH)
        elif self.type == BINARY:
            length = byte_length = self.length or MAX_BINARY_LENGTH
        return {
            "name": self.name,
            "database": "",
            "schema": "",
            "table": "",
            "nullable": self.nullable,
            "type": self.type,
            "byteLength": byte_length,
            "length": length,
            "precision": self.precision,
            "scale": self.scale,
            "collation": None,
        }


@dataclass
class Result:
    columns: list[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    @classmethod
    def status(cls, message: str) -> Result:
        return cls([Column.text("status")], [(message,)])

    @classmethod
    def of(cls, columns: list[Column], rows: list[dict[str, Any]]) -> Result:
        """Rows given as dicts by column name, in the columns' order."""
        return cls(columns, [tuple(row.get(c.name) for c in columns) for row in rows])

    def text_rows(self, start: int = 0, stop: int | None = None, protocol: str = SQL_API) -> list[list[str | None]]:
        return [[cell_text(c, v, protocol) for c, v in zip(self.columns, row)] for row in self.rows[start:stop]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip((c.name for c in self.columns), row)) for row in self.rows]


# -- DuckDB results --------------------------------------------------------------------------------

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def column_from_duckdb(name: str, duck_type: str) -> Column:
    """A DuckDB result column as Snowflake would type it (fakesnow maps Snowflake's types onto these)."""
    t = duck_type.upper()
    if m := _DECIMAL.match(t):
        return Column.number(name, int(m[1]), int(m[2]))
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return Column.number(name)
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return Column(name, REAL)
    if t == "BOOLEAN":
        return Column(name, BOOLEAN)
    if t == "DATE":
        return Column(name, DATE)
    if t.startswith("TIME") and not t.startswith("TIMESTAMP"):
        return Column(name, TIME, precision=0, scale=9)
    if t == "TIMESTAMP WITH TIME ZONE":
        return Column(name, TIMESTAMP_TZ, precision=0, scale=9)
    if t.startswith("TIMESTAMP"):
        return Column(name, TIMESTAMP_NTZ, precision=0, scale=9)
    if t == "JSON":
        return Column(name, VARIANT)
    if t.endswith("[]"):
        return Column(name, ARRAY)
    if t.startswith("STRUCT") or t.startswith("MAP"):
        return Column(name, OBJECT)
    if t == "BLOB":
        return Column(name, BINARY)
    return Column.text(name)


def result_from_arrow(table: pa.Table, duck_types: list[str]) -> Result:
    columns = [column_from_duckdb(n, t) for n, t in zip(table.column_names, duck_types)]
    values = [c.to_pylist() for c in table.columns]
    return Result(columns, list(zip(*values)) if values else [])


# -- jsonv2 cell text ------------------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _seconds_text(total_micros: int, scale: int, protocol: str) -> str:
    """Signed seconds and their fraction (-0.5 s is "-0.500000000"), cut to the column's scale.

    The SQL API always writes nine fraction digits (docs: developer-guide/sql-api/handling-responses); the
    connector protocol writes exactly `scale` digits, which the drivers rely on: snowflake-connector-python's
    converter.py (get_seconds_microseconds, _TIME_to_python) reads the digits after the point as units of
    10^-scale seconds, so nine digits under a scale-3 column would be read as whole seconds.
    """
    sign = "-" if total_micros < 0 else ""
    seconds, micros = divmod(abs(total_micros), 1_000_000)
    nanos = micros * 1000
    if scale < 9:
        nanos -= nanos % 10 ** (9 - scale)
    if protocol == SQL_API:
        return f"{sign}{seconds}.{nanos:09d}"
    if scale <= 0:
        return f"{sign}{seconds}"
    return f"{sign}{seconds}.{nanos // 10 ** (9 - scale):0{scale}d}"


def _epoch_seconds(value: datetime.datetime, scale: int, protocol: str) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    delta = aware - _EPOCH
    return _seconds_text((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds, scale, protocol)


def _json_text(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, default=str)


def cell_text(column: Column, value: Any, protocol: str = SQL_API) -> str | None:
    """A value as Snowflake writes it in a JSON result: numbers as text, timestamps as epoch seconds.

    The two protocols differ in booleans (the connector protocol's JSON rowsets carry "1"/"0", which
    converter.py's _BOOLEAN_to_python reads) and in the fraction digits of times and timestamps.
    """
    if value is None:
        return None
    kind = column.type
    if type(value) is str and kind not in (VARIANT, OBJECT, ARRAY):
        return value  # most cells (SHOW's names and properties): what str() below would give, sooner
    if isinstance(value, bool):
        if protocol == CONNECTOR:
            return "1" if value else "0"
        return "true" if value else "false"
    if kind in (VARIANT, OBJECT, ARRAY):
        return _json_text(value)
    scale = 9 if column.scale is None else column.scale
    if isinstance(value, datetime.datetime):
        text = _epoch_seconds(value, scale, protocol)
        if kind == TIMESTAMP_TZ:
            offset = value.utcoffset() or datetime.timedelta(0)
            return f"{text} {int(offset.total_seconds() // 60) + 1440}"
        return text
    if isinstance(value, datetime.date):
        return str((value - datetime.date(1970, 1, 1)).days)
    if isinstance(value, datetime.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return _seconds_text(seconds * 1_000_000 + value.microsecond, scale, protocol)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else str(value).upper()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, default=str)
    return str(value)
