"""Result columns typed as the table declared them, where DuckDB keeps another type or precision.

fakesnow stores TIMESTAMP_LTZ as DuckDB's TIMESTAMPTZ (which reads back as TIMESTAMP_TZ) and OBJECT and
ARRAY as JSON (which reads back as VARIANT); the table's record keeps the declared type (table_statements.py).
Snowflake types a selected table column by its declared type (docs: sql-reference/data-types-datetime,
data-types-semistructured), and the connector's converters pick the Python type by it, so a query that reads
columns of one table straight through (`SELECT *`, `SELECT a, b AS c`) gets them back; a column computed
from them (an expression, a join) keeps DuckDB's type.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from .errors import SqlError
from .results import ARRAY, OBJECT, TIME, TIMESTAMP_LTZ, TIMESTAMP_NTZ, TIMESTAMP_TZ, VARIANT, Result

if TYPE_CHECKING:
    from .engine import Context

# (DuckDB's reading, declared type prefix) -> the type Snowflake reports.
_REFINED = {(TIMESTAMP_TZ, "TIMESTAMP_LTZ"): TIMESTAMP_LTZ, (VARIANT, "ARRAY"): ARRAY, (VARIANT, "OBJECT"): OBJECT}
# Types with a fractional-second precision, which DuckDB reads back as scale 9 whatever the declaration.
_FRACTIONAL = (TIME, TIMESTAMP_NTZ, TIMESTAMP_LTZ, TIMESTAMP_TZ)
_PRECISION = re.compile(r"^(?:TIME|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)\((\d)\)$")


def _name(identifier: exp.Identifier | None) -> str | None:
    if identifier is None or not identifier.name:
        return None
    return identifier.name if identifier.quoted else identifier.name.upper()


def _source_columns(select: exp.Select, result: Result) -> dict[int, str] | None:
    """Result column index -> the table column it reads as is."""
    expressions = select.expressions
    if len(expressions) == 1 and isinstance(expressions[0], exp.Star):
        return {i: c.name for i, c in enumerate(result.columns)}
    if any(isinstance(e, exp.Star) for e in expressions) or len(expressions) != len(result.columns):
        return None
    sources = {}
    for i, expression in enumerate(expressions):
        inner = expression.this if isinstance(expression, exp.Alias) else expression
        if isinstance(inner, exp.Column) and isinstance(inner.this, exp.Identifier):
            sources[i] = _name(inner.this)
    return sources  # type: ignore[return-value]


def declared_result_types(ctx: Context, text: str, result: Result) -> Result:
    if not any(c.type in (VARIANT, *_FRACTIONAL) for c in result.columns):
        return result
    try:
        select = sqlglot.parse_one(text, read="snowflake")
    except sqlglot.errors.ParseError:
        return result
    source = select.args.get("from_") if isinstance(select, exp.Select) else None
    if source is None or select.args.get("joins"):
        return result
    table = source.this
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        return result
    names = tuple(n for n in (_name(table.args.get("catalog")), _name(table.args.get("db")), _name(table.this)) if n)
    try:
        parts = ctx.object_name(names)
    except SqlError:  # no current database: fakesnow has answered already, keep its types
        return result
    record = ctx.engine.catalog.get("tables", parts) or {}
    declared = record.get("column_types") or {}
    sources = _source_columns(select, result) if declared else None
    if not sources:
        return result
    columns = list(result.columns)
    for i, source in sources.items():
        kind = str(declared.get(source, ""))
        for (stored, prefix), snowflake_type in _REFINED.items():
            if columns[i].type == stored and kind.startswith(prefix):
                columns[i] = dataclasses.replace(columns[i], type=snowflake_type)
        if columns[i].type in _FRACTIONAL and (precision := _PRECISION.match(kind)):
            # The value's fraction is cut to the scale when rendered (results.cell_text), as Snowflake stores it.
            columns[i] = dataclasses.replace(columns[i], scale=int(precision[1]))
    return Result(columns, result.rows)
