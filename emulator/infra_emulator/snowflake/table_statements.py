"""Tables: DuckDB (through fakesnow) holds columns and rows; the catalog what Snowflake reports besides.

Snowflake records but does not enforce primary keys, so they are kept out of DuckDB (which would enforce
them) and in the catalog, with clustering keys, TRANSIENT, and table and column comments. SHOW TABLES and
DESC TABLE combine the two; the column types come from fakesnow's record of the declared types, so a
VARCHAR(100) stays VARCHAR(100).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import TYPE_CHECKING, Any

import duckdb
import sqlglot
from sqlglot import exp

from .catalog import now_iso
from .database_statements import DEFAULT_RETENTION_DAYS, require_schema
from .duck import duck_ident
from .errors import SqlError
from .results import Column, Result
from .show import parse_show
from .sqltext import TokenStream, qualified_sql

if TYPE_CHECKING:
    from .engine import Context, Engine


def _name(identifier: exp.Expression | None) -> str | None:
    """A sqlglot identifier as Snowflake stores it: unquoted upper-cased, quoted as written."""
    if identifier is None:
        return None
    if isinstance(identifier, exp.Identifier):
        return identifier.this if identifier.quoted else identifier.this.upper()
    return identifier.name.upper()


def _identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


# Snowflake types fakesnow stores as another (TIMESTAMP_LTZ as TIMESTAMP_TZ, ARRAY and OBJECT as VARIANT):
# the declared type is recorded so DESC TABLE reports it.
_RECORDED_TYPES = {exp.DataType.Type.TIMESTAMPLTZ: "TIMESTAMP_LTZ", exp.DataType.Type.ARRAY: "ARRAY",
                   exp.DataType.Type.OBJECT: "OBJECT", exp.DataType.Type.GEOGRAPHY: "GEOGRAPHY",
                   exp.DataType.Type.GEOMETRY: "GEOMETRY"}
# Fractional-second precision (0-9, default 9; docs: sql-reference/data-types-datetime) that DuckDB does not keep:
# recorded when declared, so DESC TABLE, SHOW COLUMNS and result scales report TIME(3), not TIME(9).
# TIMESTAMP and DATETIME are TIMESTAMP_NTZ under the default TIMESTAMP_TYPE_MAPPING.
_PRECISION_TYPES = {exp.DataType.Type.TIME: "TIME", exp.DataType.Type.TIMESTAMPNTZ: "TIMESTAMP_NTZ",
                    exp.DataType.Type.TIMESTAMP: "TIMESTAMP_NTZ", exp.DataType.Type.DATETIME: "TIMESTAMP_NTZ",
                    exp.DataType.Type.TIMESTAMPTZ: "TIMESTAMP_TZ"}


def _recorded_type(kind: exp.Expression | None) -> str | None:
    if not isinstance(kind, exp.DataType):
        return None
    if kind.this in _PRECISION_TYPES and kind.expressions:
        return f"{_PRECISION_TYPES[kind.this]}({kind.expressions[0].name})"
    if kind.this not in _RECORDED_TYPES:
        return None
    name = _RECORDED_TYPES[kind.this]
    if name == "TIMESTAMP_LTZ":
        precision = kind.expressions[0].name if kind.expressions else "9"
        return f"TIMESTAMP_LTZ({precision})"
    return name


def _take_column_properties(record: dict[str, Any], column: exp.ColumnDef) -> None:
    """Moves what DuckDB would lose or enforce wrongly from a column definition into the table's record:
    its comment and primary key (kept out of DuckDB), its declared type and default text (kept in DuckDB too)."""
    name = _name(column.this)
    record.setdefault("column_types", {}).pop(name, None)
    record.setdefault("column_defaults", {}).pop(name, None)
    if (declared := _recorded_type(column.args.get("kind"))) is not None:
        record["column_types"][name] = declared
    for constraint in list(column.args.get("constraints") or []):
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.CommentColumnConstraint):
            record["column_comments"][name] = kind.this.name
            constraint.pop()
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            record["primary_key"].append(name)
            constraint.pop()
        elif isinstance(kind, exp.UniqueColumnConstraint):
            constraint.pop()
        elif isinstance(kind, exp.DefaultColumnConstraint):
            # Snowflake shows a default as written (CURRENT_TIMESTAMP(), FALSE); DuckDB rewrites it.
            record["column_defaults"][name] = kind.this.sql(dialect="snowflake")


def table_exists(ctx: Context, database: str, schema: str, name: str) -> bool:
    return ctx.engine.fakesnow.index().has_table(database, schema, name)


def require_table(ctx: Context, parts: tuple[str, str, str]) -> None:
    require_schema(ctx, parts[0], parts[1])
    if not table_exists(ctx, *parts) or ctx.engine.catalog.get("external_tables", parts) is not None:
        raise SqlError.does_not_exist("Table", qualified_sql(parts))


def table_record(ctx: Context, parts: tuple[str, str, str]) -> dict[str, Any]:
    record = ctx.engine.catalog.get("tables", parts)
    if record is not None:
        return record
    return {"name": parts[2], "parts": list(parts), "created_on": None, "comment": "", "cluster_by": [],
            "transient": False, "primary_key": [], "column_comments": {}, "retention_time": DEFAULT_RETENTION_DAYS}


def _forget_table(ctx: Context, parts: tuple[str, str, str]) -> None:
    ctx.engine.catalog.remove("tables", parts)
    ctx.engine.catalog.remove("load_history", parts)
    for table in ("_fs_columns_ext", "_fs_tables_ext"):
        ctx.duck(f"DELETE FROM _fs_global._fs_information_schema.{table} "
                 "WHERE ext_table_catalog = ? AND ext_table_schema = ? AND ext_table_name = ?", list(parts))


# -- CREATE TABLE ---------------------------------------------------------------------------------

def create_table(ctx: Context) -> Result:
    try:
        statement = sqlglot.parse_one(ctx.text, read="snowflake")
    except sqlglot.errors.ParseError as e:
        raise SqlError.syntax(str(e).split("\n")[0]) from None
    if not isinstance(statement, exp.Create) or not isinstance(statement.this, (exp.Schema, exp.Table)):
        return ctx.fakesnow()
    schema_node = statement.this if isinstance(statement.this, exp.Schema) else None
    table = schema_node.this if schema_node is not None else statement.this
    parts = ctx.object_name(tuple(_name(p) for p in (table.args.get("catalog"), table.args.get("db"), table.this)
                                  if p is not None), "CREATE TABLE")
    require_schema(ctx, parts[0], parts[1])
    properties = statement.args.get("properties")
    temporary = bool(properties and properties.find(exp.TemporaryProperty))
    exists = table_exists(ctx, *parts)
    if exists and statement.args.get("exists"):
        return Result.status(f"{parts[2]} already exists, statement succeeded.")
    if exists and not statement.args.get("replace"):
        raise SqlError.already_exists(parts[2])

    record: dict[str, Any] = {
        "name": parts[2], "parts": list(parts), "created_on": now_iso(), "comment": "", "cluster_by": [],
        "transient": False, "primary_key": [], "column_comments": {}, "retention_time": DEFAULT_RETENTION_DAYS,
        "column_types": {}, "column_defaults": {},
    }
    # Take Snowflake-only properties off the statement and into the record.
    if properties is not None:
        for prop in list(properties.expressions):
            if isinstance(prop, exp.TransientProperty):
                record["transient"] = True
            elif isinstance(prop, exp.ClusterProperty):
                record["cluster_by"] = [_cluster_key(p.sql(dialect="snowflake")) for p in prop.expressions]
            elif isinstance(prop, exp.SchemaCommentProperty):
                record["comment"] = prop.this.name
            elif isinstance(prop, exp.TemporaryProperty):
                continue
            elif isinstance(prop, exp.Property) and prop.name.upper() == "DATA_RETENTION_TIME_IN_DAYS":
                record["retention_time"] = int(prop.args["value"].name)
            # Any other property (CHANGE_TRACKING, ENABLE_SCHEMA_EVOLUTION...) has no effect here: dropped too.
            prop.pop()
    if schema_node is not None:
        for column in list(schema_node.expressions):
            if isinstance(column, exp.ColumnDef):
                _take_column_properties(record, column)
            elif isinstance(column, exp.PrimaryKey):
                record["primary_key"] = [_name(e if isinstance(e, exp.Identifier) else e.this) for e in column.expressions]
                column.pop()
            elif isinstance(column, (exp.Constraint, exp.UniqueColumnConstraint, exp.ForeignKey)):
                column.pop()
    # Fully qualified with quoted parts, so the session's current schema does not matter.
    table.set("this", _identifier(parts[2]))
    table.set("db", _identifier(parts[1]))
    table.set("catalog", _identifier(parts[0]))
    if exists:
        _forget_table(ctx, parts)
    before = ctx.engine.fakesnow.index()
    ctx.fakesnow(statement.sql(dialect="snowflake"), ctx.params)
    _primary_key_not_null(ctx, parts, record["primary_key"])
    if not temporary:
        ctx.engine.fakesnow.created(before.with_table(*parts))
        ctx.engine.catalog.put("tables", parts, record)
    return Result.status(f"Table {parts[2]} successfully created.")


def _primary_key_not_null(ctx: Context, parts: tuple[str, str, str], columns: list[str]) -> None:
    """A PRIMARY KEY implies NOT NULL (docs: constraints-overview); DuckDB keeps only that part of the key."""
    target = ".".join(duck_ident(p) for p in parts)
    for column in columns:
        try:
            ctx.duck(f"ALTER TABLE {target} ALTER COLUMN {duck_ident(column)} SET NOT NULL")
        except duckdb.Error:
            raise SqlError("100072", "22000", f"NULL result in a non-nullable column '{column}'") from None


# -- ALTER TABLE ----------------------------------------------------------------------------------

def _columns(ctx: Context, parts: tuple[str, str, str]) -> list[str]:
    rows = ctx.duck("SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                    "AND table_name = ? ORDER BY column_index", list(parts))
    return [r[0] for r in rows]


def alter_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "TABLE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "ALTER TABLE")
    if not table_exists(ctx, *parts):
        if if_exists:
            return Result.status("Statement executed successfully.")
        require_table(ctx, parts)
    target = ".".join(duck_ident(p) for p in parts)
    record = table_record(ctx, parts)
    catalog = ctx.engine.catalog
    done = Result.status("Statement executed successfully.")
    action_text = s.rest()

    if s.accept("SET"):
        for key, value in s.options_until().items():
            if key == "COMMENT":
                record["comment"] = str(value)
            elif key == "DATA_RETENTION_TIME_IN_DAYS":
                record["retention_time"] = int(value)  # type: ignore[arg-type]
        catalog.put("tables", parts, record)
        return done
    if s.accept("UNSET"):
        while not s.at_end():
            key = s.identifier()
            if key == "COMMENT":
                record["comment"] = ""
            elif key == "DATA_RETENTION_TIME_IN_DAYS":
                record["retention_time"] = DEFAULT_RETENTION_DAYS
            s.accept_symbol(",")
        catalog.put("tables", parts, record)
        return done
    if s.accept("CLUSTER", "BY"):
        s.accept("LINEAR")
        record["cluster_by"] = _expression_list(s)
        catalog.put("tables", parts, record)
        return done
    if s.accept("DROP", "CLUSTERING", "KEY") or s.accept("SUSPEND", "RECLUSTER") or s.accept("RESUME", "RECLUSTER"):
        if "CLUSTERING" in action_text.upper():
            record["cluster_by"] = []
            catalog.put("tables", parts, record)
        return done
    if s.accept("ADD"):
        if s.accept("CONSTRAINT"):
            s.identifier()
        if s.accept("PRIMARY", "KEY"):
            record["primary_key"] = _column_list(s)
            _primary_key_not_null(ctx, parts, record["primary_key"])
            catalog.put("tables", parts, record)
            return done
        if s.peek_words("UNIQUE") or s.peek_words("FOREIGN"):
            return done
        return _add_column(ctx, parts, record, action_text)
    if s.accept("DROP", "PRIMARY", "KEY") or s.accept("DROP", "CONSTRAINT"):
        record["primary_key"] = []
        catalog.put("tables", parts, record)
        return done
    if s.peek_words("DROP") and not s.peek_words("DROP", "COLUMN") and s.peek(1) is not None and s.peek(1).is_word(
            "UNIQUE", "FOREIGN"):
        return done
    if s.accept("ALTER") or s.accept("MODIFY"):
        s.accept("COLUMN")
        column = s.identifier()
        if column not in _columns(ctx, parts):
            raise SqlError("000904", "42000", f"SQL compilation error: error line 0 at position -1\ninvalid identifier '{column}'")
        if s.accept("COMMENT"):
            record["column_comments"][column] = s.string()
        elif s.accept("UNSET", "COMMENT"):
            record["column_comments"].pop(column, None)
        elif s.accept("SET", "NOT", "NULL"):
            ctx.duck(f"ALTER TABLE {target} ALTER COLUMN {duck_ident(column)} SET NOT NULL")
        elif s.accept("DROP", "NOT", "NULL"):
            ctx.duck(f"ALTER TABLE {target} ALTER COLUMN {duck_ident(column)} DROP NOT NULL")
        else:
            # SET DATA TYPE and the like: fakesnow records the declared type (VARCHAR lengths) for DESC.
            s.accept("SET", "DATA")
            s.accept("TYPE")
            type_text = s.rest()
            result = ctx.fakesnow()
            record.setdefault("column_types", {}).pop(column, None)
            try:
                declared = _recorded_type(sqlglot.parse_one(f"CAST(NULL AS {type_text})", read="snowflake").to)
            except (sqlglot.errors.ParseError, AttributeError):
                declared = None
            if declared is not None:
                record["column_types"][column] = declared
            catalog.put("tables", parts, record)
            return result
        catalog.put("tables", parts, record)
        return done
    if s.accept("DROP"):
        s.accept("COLUMN")
        dropped = []
        while not s.at_end():
            dropped.append(s.identifier())
            s.accept_symbol(",")
        result = ctx.fakesnow()
        for column in dropped:
            for properties in ("column_comments", "column_types", "column_defaults"):
                record.setdefault(properties, {}).pop(column, None)
            ctx.duck("DELETE FROM _fs_global._fs_information_schema._fs_columns_ext WHERE ext_table_catalog = ? AND "
                     "ext_table_schema = ? AND ext_table_name = ? AND ext_column_name = ?", [*parts, column])
        record["primary_key"] = [c for c in record["primary_key"] if c not in dropped]
        catalog.put("tables", parts, record)
        return result
    if s.accept("RENAME", "COLUMN"):
        old = s.identifier()
        s.expect("TO")
        new = s.identifier()
        ctx.duck(f"ALTER TABLE {target} RENAME COLUMN {duck_ident(old)} TO {duck_ident(new)}")
        ctx.duck("UPDATE _fs_global._fs_information_schema._fs_columns_ext SET ext_column_name = ? WHERE "
                 "ext_table_catalog = ? AND ext_table_schema = ? AND ext_table_name = ? AND ext_column_name = ?",
                 [new, *parts, old])
        for properties in ("column_comments", "column_types", "column_defaults"):
            values = record.setdefault(properties, {})
            if old in values:
                values[new] = values.pop(old)
        record["primary_key"] = [new if c == old else c for c in record["primary_key"]]
        catalog.put("tables", parts, record)
        return done
    if s.accept("RENAME", "TO"):
        new_parts = ctx.object_name(s.qualified_name(), "ALTER TABLE")
        if new_parts[:2] != parts[:2]:
            raise SqlError.unsupported("ALTER TABLE ... RENAME TO another schema")
        if table_exists(ctx, *new_parts):
            raise SqlError.already_exists(new_parts[2])
        ctx.duck(f"ALTER TABLE {target} RENAME TO {duck_ident(new_parts[2])}")
        for table in ("_fs_columns_ext", "_fs_tables_ext"):
            ctx.duck(f"UPDATE _fs_global._fs_information_schema.{table} SET ext_table_name = ? WHERE "
                     "ext_table_catalog = ? AND ext_table_schema = ? AND ext_table_name = ?", [new_parts[2], *parts])
        catalog.remove("tables", parts)
        record["name"], record["parts"] = new_parts[2], list(new_parts)
        catalog.put("tables", new_parts, record)
        history = catalog.remove("load_history", parts)
        if history is not None:
            history["parts"] = list(new_parts)
            catalog.put("load_history", new_parts, history)
        return done
    return ctx.fakesnow()


def _column_list(s: TokenStream) -> list[str]:
    """`(a, "b.c")`: column names, each as stored (a dot inside quotes is part of the name)."""
    s.expect_symbol("(")
    names = []
    while True:
        names.append(s.qualified_name()[-1])
        if s.accept_symbol(")"):
            return names
        s.expect_symbol(",")


def _expression_list(s: TokenStream) -> list[str]:
    """`(expr, expr)` as their texts, for CLUSTER BY."""
    s.expect_symbol("(")
    items, depth, start = [], 0, s.peek().start if s.peek() else 0
    while True:
        token = s.next()
        if token.is_symbol("("):
            depth += 1
        elif token.is_symbol(")") and depth > 0:
            depth -= 1
        elif (token.is_symbol(",") or token.is_symbol(")")) and depth == 0:
            items.append(s.text[start:token.start].strip())
            if token.is_symbol(")"):
                return [_cluster_key(i) for i in items]
            start = s.peek().start if s.peek() else token.end


def _cluster_key(text: str) -> str:
    """A clustering expression as SHOW TABLES shows it: unquoted identifiers upper-cased, quoted ones kept
    quoted, so `CLUSTER BY ("ID")` reads back `LINEAR("ID")` (Terraform provider's tables and materialized
    views integration tests)."""
    try:
        expression = sqlglot.parse_one(text, read="snowflake")
    except sqlglot.errors.ParseError:
        return text.strip()
    for identifier in expression.find_all(exp.Identifier):
        if not identifier.quoted:
            identifier.set("this", identifier.this.upper())
    return expression.sql(dialect="snowflake")


def _refuse_non_constant_default(ctx: Context, parts: tuple[str, str, str], column: exp.ColumnDef) -> None:
    """Snowflake cannot fill a new column of a non-empty table from a non-constant default (CURRENT_TIMESTAMP(),
    a sequence): "Cannot add column … with non-constant default to non-empty table" (docs: ALTER TABLE … ADD
    COLUMN, default restrictions; the error code is not documented, 002263 stands in)."""
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if not isinstance(kind, exp.DefaultColumnConstraint):
            continue
        value = kind.this
        if isinstance(value, exp.Neg):
            value = value.this
        if isinstance(value, (exp.Literal, exp.Boolean, exp.Null)):
            return
        rows = ctx.duck(f"SELECT COUNT(*) FROM {'.'.join(duck_ident(p) for p in parts)}")[0][0]
        if rows:
            raise SqlError("002263", "0A000", f"SQL compilation error:\nCannot add column '{_name(column.this)}' with "
                           f"non-constant default to non-empty table '{qualified_sql(parts)}'.")


def _add_column(ctx: Context, parts: tuple[str, str, str], record: dict[str, Any], action_text: str) -> Result:
    """ADD [COLUMN] [IF NOT EXISTS] name type [constraints]: the COMMENT to the catalog, the rest to fakesnow."""
    try:
        statement = sqlglot.parse_one(ctx.text, read="snowflake")
    except sqlglot.errors.ParseError as e:
        raise SqlError.syntax(str(e).split("\n")[0]) from None
    for column in list(statement.find_all(exp.ColumnDef)):
        _refuse_non_constant_default(ctx, parts, column)
        _take_column_properties(record, column)
    table = statement.find(exp.Table)
    if table is not None:
        table.set("this", _identifier(parts[2]))
        table.set("db", _identifier(parts[1]))
        table.set("catalog", _identifier(parts[0]))
    result = ctx.fakesnow(statement.sql(dialect="snowflake"), ctx.params)
    ctx.engine.catalog.put("tables", parts, record)
    return result


# -- DROP / SHOW / DESC ---------------------------------------------------------------------------

def drop_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "TABLE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "DROP TABLE")
    if not table_exists(ctx, *parts) or ctx.engine.catalog.get("external_tables", parts) is not None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({parts[2]} already dropped).")
        require_table(ctx, parts)
    ctx.duck(f"DROP TABLE {'.'.join(duck_ident(p) for p in parts)}")
    _forget_table(ctx, parts)
    return Result.status(f"{parts[2]} successfully dropped.")


SHOW_TABLES_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("database_name"), Column.text("schema_name"),
    Column.text("kind"), Column.text("comment"), Column.text("cluster_by"), Column.number("rows"),
    Column.number("bytes"), Column.text("owner"), Column.text("retention_time"), Column.text("automatic_clustering"),
    Column.text("change_tracking"), Column.text("search_optimization"), Column.text("search_optimization_progress"),
    Column.text("search_optimization_bytes"), Column.text("is_external"), Column.text("enable_schema_evolution"),
    Column.text("owner_role_type"), Column.text("is_event"), Column.text("budget"), Column.text("is_hybrid"),
    Column.text("is_iceberg"), Column.text("is_dynamic"), Column.text("is_immutable"),
]


def show_tables(ctx: Context) -> Result:
    show = parse_show(ctx, paged=True)
    rows = []
    tables = [t for t in _tables_in_scope(ctx, show) if show.matches_name(t[2])]
    counts = _row_counts(ctx, tables)
    for database, schema, name in tables:
        record = table_record(ctx, (database, schema, name))
        count = counts[(database, schema, name)]
        cluster = record.get("cluster_by") or []
        rows.append({
            "created_on": datetime.datetime.fromisoformat(record["created_on"]) if record.get("created_on")
            else datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc),
            "name": name, "database_name": database, "schema_name": schema,
            "kind": "TRANSIENT" if record.get("transient") else "TABLE",
            "comment": record.get("comment", ""),
            "cluster_by": f"LINEAR({', '.join(cluster)})" if cluster else "",
            "rows": count, "bytes": count * 64 if count else 0, "owner": "ACCOUNTADMIN",
            "retention_time": str(record.get("retention_time", DEFAULT_RETENTION_DAYS)),
            "automatic_clustering": "ON" if cluster else "OFF", "change_tracking": "OFF",
            "search_optimization": "OFF", "search_optimization_progress": None, "search_optimization_bytes": None,
            "is_external": "N", "enable_schema_evolution": "N", "owner_role_type": "ROLE", "is_event": "N",
            "budget": None, "is_hybrid": "N", "is_iceberg": "N", "is_dynamic": "N", "is_immutable": "N",
        })
    return show.limit(Result.of(SHOW_TABLES_COLUMNS, rows))


def _row_counts(ctx: Context, tables: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """Row counts exactly, as Snowflake's metadata keeps them (DuckDB's estimate lags after deletes): a few
    hundred tables per query, as a query per table made SHOW TABLES of a large account slow."""
    counts: dict[tuple[str, str, str], int] = {}
    for start in range(0, len(tables), 200):
        chunk = tables[start:start + 200]
        sql = " UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {'.'.join(duck_ident(p) for p in parts)}"
                                 for i, parts in enumerate(chunk, start))
        for i, count in ctx.duck(sql):
            counts[tables[i]] = count
    return counts


DESC_TABLE_COLUMNS = [
    Column.text("name"), Column.text("type"), Column.text("kind"), Column.text("null?"), Column.text("default"),
    Column.text("primary key"), Column.text("unique key"), Column.text("check"), Column.text("expression"),
    Column.text("comment"), Column.text("policy name"), Column.text("privacy domain"),
]

# fakesnow's view _fs_global._fs_information_schema._fs_columns, the columns used here: Snowflake's type names for
# DuckDB's, with the VARCHAR lengths fakesnow records in _fs_columns_ext. The view reads DuckDB's
# information_schema.columns (itself the view duckdb_columns) and joins duckdb_columns again for comments, each a
# scan of every column of every database; this reads duckdb_columns once, the same way.
_FS_COLUMNS_SQL = """
SELECT database_name AS table_catalog, schema_name AS table_schema, table_name, column_name,
    column_index AS ordinal_position, column_default, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS is_nullable,
    CASE WHEN starts_with(data_type, 'DECIMAL') OR data_type = 'BIGINT' THEN 'NUMBER'
         WHEN data_type = 'VARCHAR' THEN 'TEXT'
         WHEN data_type = 'DOUBLE' THEN 'FLOAT'
         WHEN data_type = 'BLOB' THEN 'BINARY'
         WHEN data_type = 'TIMESTAMP' THEN 'TIMESTAMP_NTZ'
         WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_TZ'
         WHEN data_type = 'JSON' THEN 'VARIANT'
         ELSE data_type END AS data_type,
    ext_character_maximum_length AS character_maximum_length,
    CASE WHEN data_type = 'BIGINT' THEN 38 WHEN data_type = 'DOUBLE' THEN NULL ELSE numeric_precision END AS numeric_precision,
    CASE WHEN data_type = 'DOUBLE' THEN NULL ELSE numeric_scale END AS numeric_scale
FROM duckdb_columns
LEFT JOIN _fs_global._fs_information_schema._fs_columns_ext
    ON ext_table_catalog = database_name AND ext_table_schema = schema_name AND ext_table_name = table_name
    AND ext_column_name = column_name
WHERE schema_name != '_fs_information_schema'
"""

# fakesnow's record of each column's Snowflake type (with VARCHAR lengths), spelled as DESC TABLE spells it.
_COLUMN_TYPES_SQL = f"""
SELECT table_catalog, table_schema, table_name, column_name,
    CASE WHEN data_type = 'NUMBER' THEN 'NUMBER(' || numeric_precision || ',' || numeric_scale || ')'
         WHEN data_type = 'TEXT' THEN 'VARCHAR(' || coalesce(character_maximum_length, 16777216) || ')'
         WHEN data_type = 'TIMESTAMP_NTZ' THEN 'TIMESTAMP_NTZ(9)'
         WHEN data_type = 'TIMESTAMP_TZ' THEN 'TIMESTAMP_TZ(9)'
         WHEN data_type = 'TIME' THEN 'TIME(9)'
         WHEN data_type = 'BINARY' THEN 'BINARY(8388608)'
         ELSE data_type END,
    is_nullable, column_default
FROM ({_FS_COLUMNS_SQL})
WHERE {{scope}}
ORDER BY table_catalog, table_schema, table_name, ordinal_position
"""


def _column_types(ctx: Context, database: str | None = None, schema: str | None = None,
                  table: str | None = None) -> dict[tuple[str, str, str], list[tuple]]:
    """Each table's (name, type, nullable, default) rows in ordinal order, for every table in one database,
    schema or table (or the account) at once: one query, however many tables (a query per table made SHOW
    COLUMNS for 1,000 tables take seconds)."""
    conditions, params = ["TRUE"], []
    for column, value in (("table_catalog", database), ("table_schema", schema), ("table_name", table)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    columns: dict[tuple[str, str, str], list[tuple]] = {}
    for catalog, schema_name, table_name, *row in ctx.duck(_COLUMN_TYPES_SQL.format(scope=" AND ".join(conditions)), params):
        columns.setdefault((catalog, schema_name, table_name), []).append(tuple(row))
    return columns


def describe_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("TABLE")
    parts = ctx.object_name(s.qualified_name(), "DESCRIBE TABLE")
    require_table(ctx, parts)
    record = table_record(ctx, parts)
    rows = []
    for name, type_text, nullable, default in _column_types(ctx, *parts).get(parts, []):
        declared_default = record.get("column_defaults", {}).get(name)
        rows.append({
            "name": name, "type": record.get("column_types", {}).get(name) or _snowflake_type(type_text),
            "kind": "COLUMN", "null?": "Y" if nullable == "YES" else "N",
            "default": declared_default if declared_default is not None else _default_text(default),
            "primary key": "Y" if name in record.get("primary_key", []) else "N", "unique key": "N",
            "check": None, "expression": None, "comment": record.get("column_comments", {}).get(name),
            "policy name": None, "privacy domain": None,
        })
    return Result.of(DESC_TABLE_COLUMNS, rows)


def _snowflake_type(text: str) -> str:
    upper = text.upper()
    return {"JSON": "VARIANT", "BOOLEAN": "BOOLEAN", "DATE": "DATE", "FLOAT": "FLOAT", "DOUBLE": "FLOAT",
            "INTEGER[]": "ARRAY", "VARCHAR[]": "ARRAY"}.get(upper, upper)


def _default_text(default: str | None) -> str | None:
    """DuckDB keeps defaults as SQL text: CAST('x' AS VARCHAR) reads back as Snowflake's 'x'."""
    if default is None:
        return None
    text = str(default)
    if text.upper().startswith("CAST(") and " AS " in text.upper():
        inner = text[5:text.upper().rfind(" AS ")]
        return inner
    return text


# -- SHOW COLUMNS / SHOW PRIMARY KEYS: every table's columns and keys in one statement ----------------------

SHOW_COLUMNS_COLUMNS = [
    Column.text("table_name"), Column.text("schema_name"), Column.text("column_name"), Column.text("data_type"),
    Column.text("null?"), Column.text("default"), Column.text("kind"), Column.text("expression"), Column.text("comment"),
    Column.text("database_name"), Column.text("autoincrement"), Column.text("schema_evolution_record"),
]

SHOW_PRIMARY_KEYS_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("database_name"), Column.text("schema_name"), Column.text("table_name"),
    Column.text("column_name"), Column.number("key_sequence"), Column.text("constraint_name"), Column.text("rely"),
    Column.text("comment"),
]


def _data_type_json(type_text: str, nullable: bool) -> str:
    """SHOW COLUMNS spells types as JSON, e.g. {"type":"FIXED","precision":38,"scale":0,"nullable":true}."""
    match = re.match(r"^([A-Z_]+)(?:\((\d+)(?:,(\d+))?\))?$", type_text.upper().replace(" ", ""))
    base, first, second = (match.group(1), match.group(2), match.group(3)) if match else (type_text.upper(), None, None)
    if base == "NUMBER":
        doc = {"type": "FIXED", "precision": int(first or 38), "scale": int(second or 0)}
    elif base == "VARCHAR":
        length = int(first or 16777216)
        doc = {"type": "TEXT", "length": length, "byteLength": min(length * 4, 16777216), "fixed": False}
    elif base == "FLOAT":
        doc = {"type": "REAL"}
    elif base in ("TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIME"):
        doc = {"type": base, "precision": 0, "scale": int(first or 9)}
    elif base == "BINARY":
        doc = {"type": "BINARY", "length": int(first or 8388608), "byteLength": int(first or 8388608), "fixed": False}
    else:
        doc = {"type": base}
    doc["nullable"] = nullable
    return json.dumps(doc, separators=(",", ":"))


def _tables_in_scope(ctx: Context, show) -> list[tuple[str, str, str]]:
    """The account's tables (not external tables) within the SHOW's IN scope, in name order."""
    databases = {r["name"] for r in ctx.engine.catalog.values("databases")}
    external = {tuple(r["parts"]) for r in ctx.engine.catalog.values("external_tables")}
    return [t for t in ctx.engine.fakesnow.index().permanent
            if t[0] in databases and t[1] not in ("_fs_information_schema", "information_schema", "main")
            and show.in_scope(*t) and t not in external]


def show_columns(ctx: Context) -> Result:
    show = parse_show(ctx)
    rows = []
    column_types = _column_types(ctx, show.database, show.schema, show.table)
    for parts in _tables_in_scope(ctx, show):
        record = table_record(ctx, parts)
        for name, type_text, nullable, default in column_types.get(parts, []):
            if not show.matches_name(name):
                continue
            declared_default = record.get("column_defaults", {}).get(name)
            snowflake_type = record.get("column_types", {}).get(name) or _snowflake_type(type_text)
            rows.append({
                "table_name": parts[2], "schema_name": parts[1], "column_name": name,
                "data_type": _data_type_json(snowflake_type, nullable == "YES"),
                "null?": "true" if nullable == "YES" else "false",
                "default": (declared_default if declared_default is not None else _default_text(default)) or "",
                "kind": "COLUMN", "expression": "", "comment": record.get("column_comments", {}).get(name) or "",
                "database_name": parts[0], "autoincrement": "", "schema_evolution_record": None,
            })
    return show.limit(Result.of(SHOW_COLUMNS_COLUMNS, rows))


def show_primary_keys(ctx: Context) -> Result:
    show = parse_show(ctx)
    rows = []
    for parts in _tables_in_scope(ctx, show):
        record = table_record(ctx, parts)
        for position, column in enumerate(record.get("primary_key", []), start=1):
            rows.append({
                "created_on": datetime.datetime.fromisoformat(record["created_on"]) if record.get("created_on")
                else datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc),
                "database_name": parts[0], "schema_name": parts[1], "table_name": parts[2], "column_name": column,
                "key_sequence": position, "constraint_name": f"SYS_CONSTRAINT_{parts[2]}_PK", "rely": "false", "comment": None,
            })
    return show.limit(Result.of(SHOW_PRIMARY_KEYS_COLUMNS, rows))


def register(engine: Engine) -> None:
    engine.route("SHOW", "COLUMNS", show_columns)
    engine.route("SHOW", "PRIMARY KEYS", show_primary_keys)
    engine.route("CREATE", "TABLE", create_table)
    engine.route("ALTER", "TABLE", alter_table)
    engine.route("DROP", "TABLE", drop_table)
    engine.route("SHOW", "TABLES", show_tables)
    engine.route("DESC", "TABLE", describe_table)
