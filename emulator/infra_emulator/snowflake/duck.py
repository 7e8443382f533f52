"""The DuckDB side: one persistent fakesnow instance per server, and sessions over it.

fakesnow keeps each Snowflake database in its own DuckDB file when given a db_path, but its `_fs_global`
database (column lengths, table comments, users) lives in memory and would be lost on restart; here it is a
file too, and the database files the catalog knows are attached again at start.
"""

from __future__ import annotations

import os
import re
import string
import threading
import urllib.parse
from typing import Any

import duckdb
from fakesnow import cursor as fakesnow_cursor
from fakesnow import info_schema, macros
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.instance import GLOBAL_DATABASE_NAME, FakeSnow
from fakesnow.transforms import show
from sqlglot import exp

from .sqltext import duck_literal

# DuckDB's own catalogs and fakesnow's helpers: never shown as Snowflake objects.
HIDDEN_DATABASES = ("memory", "system", "temp", GLOBAL_DATABASE_NAME)
HIDDEN_SCHEMAS = ("main", "_fs_information_schema", "information_schema", "pg_catalog")


def duck_ident(name: str) -> str:
    """A DuckDB identifier, always quoted so case and odd characters survive."""
    return '"' + name.replace('"', '""') + '"'


# fakesnow writes database, schema, table and column names into its own DuckDB SQL unquoted (`${catalog}` as an
# identifier and inside '…' literals), so a database named `my db`, `a.b` or `x;y`, or a column named `it's`,
# breaks or changes that SQL. The emulator replaces those builders with ones that quote every name.
_CATALOG = "__infra_catalog_placeholder__"


def _per_database(builder: Any) -> Any:
    def quoted(catalog: str) -> str:
        return builder(_CATALOG).replace(f"'{_CATALOG}'", duck_literal(catalog)).replace(_CATALOG, duck_ident(catalog))
    return quoted


def _insert_table_comment_sql(catalog: str, schema: str, table: str, comment: str) -> str:
    values = ", ".join(duck_literal(v) for v in (catalog, schema, table, comment))
    return (f"INSERT INTO {GLOBAL_DATABASE_NAME}._fs_information_schema._fs_tables_ext VALUES ({values}) "
            "ON CONFLICT (ext_table_catalog, ext_table_schema, ext_table_name) DO UPDATE SET comment = excluded.comment")


def _insert_text_lengths_sql(catalog: str, schema: str, table: str, text_lengths: list[tuple[str, int]]) -> str:
    values = ", ".join(
        f"({', '.join(duck_literal(v) for v in (catalog, schema, table, column))}, {int(size)}, {min(int(size) * 4, 16_777_216)})"
        for column, size in text_lengths
    )
    return (f"INSERT INTO {GLOBAL_DATABASE_NAME}._fs_information_schema._fs_columns_ext VALUES {values} "
            "ON CONFLICT (ext_table_catalog, ext_table_schema, ext_table_name, ext_column_name) DO UPDATE SET "
            "ext_character_maximum_length = excluded.ext_character_maximum_length, "
            "ext_character_octet_length = excluded.ext_character_octet_length")


class _LiteralTemplate(string.Template):
    """fakesnow's status messages (`SELECT 'Table ${name} successfully created.'`) with `'` in a name doubled."""

    def substitute(self, mapping: Any = None, /, **values: Any) -> str:
        values = {k: v.replace("'", "''") if isinstance(v, str) else v for k, v in {**(mapping or {}), **values}.items()}
        return super().substitute(values)


if not getattr(info_schema, "_infra_quoted", False):
    for _name, _template in vars(fakesnow_cursor).copy().items():
        if _name.startswith("SQL_") and isinstance(_template, string.Template):
            setattr(fakesnow_cursor, _name, _LiteralTemplate(_template.template))
    info_schema.per_db_creation_sql = _per_database(info_schema.per_db_creation_sql)
    macros.creation_sql = _per_database(macros.creation_sql)
    info_schema.insert_table_comment_sql = _insert_table_comment_sql
    info_schema.insert_text_lengths_sql = _insert_text_lengths_sql
    info_schema._infra_quoted = True  # type: ignore[attr-defined]


# fakesnow rewrites each statement with a chain of ~75 `transform` calls, and sqlglot's `transform` deep-copies
# the whole tree every time: most of the CPU of a CREATE TABLE went there. Here the tree is copied once and the
# chain rewrites that copy in place. The result is the same: each step's input is a tree the chain then drops
# (only the chain's own calls on the current root skip the copy; any other `transform` copies as before).
_chain = threading.local()
_sqlglot_transform = exp.Expression.transform
_fakesnow_transform = fakesnow_cursor.FakeSnowflakeCursor._transform  # noqa: SLF001


def _transform_in_place_along_the_chain(self: exp.Expression, fun: Any, *args: Any, copy: bool | None = None,
                                        **kwargs: Any) -> Any:
    along_chain = copy is None and self is getattr(_chain, "root", None)
    result = _sqlglot_transform(self, fun, *args, copy=not along_chain if copy is None else copy, **kwargs)
    if along_chain:
        _chain.root = result
    return result


def _transform_with_one_copy(self: Any, expression: exp.Expression, params: Any) -> exp.Expression:
    _chain.root = expression.copy()
    try:
        return _fakesnow_transform(self, _chain.root, params)
    finally:
        _chain.root = None


if not getattr(fakesnow_cursor, "_infra_one_copy", False):
    exp.Expression.transform = _transform_in_place_along_the_chain  # type: ignore[method-assign]
    fakesnow_cursor.FakeSnowflakeCursor._transform = _transform_with_one_copy  # type: ignore[method-assign]  # noqa: SLF001
    fakesnow_cursor._infra_one_copy = True  # type: ignore[attr-defined]


_LOAD_HISTORY_DELETE = re.compile(r"^DELETE FROM (.+)\._fs_information_schema\._fs_load_history ", re.DOTALL)


class QuotingCursor:
    """A session's DuckDB cursor as fakesnow sees it. fakesnow's CREATE TABLE clears the new table's load
    history with `DELETE FROM {catalog}._fs_information_schema…`, the catalog unquoted; here it is quoted.
    Everything else passes through unchanged."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self._cursor = cursor

    def execute(self, query: Any, parameters: Any = None) -> Any:
        if isinstance(query, str) and (match := _LOAD_HISTORY_DELETE.match(query)) and not match.group(1).startswith('"'):
            query = f"DELETE FROM {duck_ident(match.group(1))}{query[match.end(1):]}"
        return self._cursor.execute(query, parameters) if parameters is not None else self._cursor.execute(query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class PersistentFakeSnow(FakeSnow):
    """fakesnow's instance with every database, `_fs_global` included, in files under `directory`."""

    def __init__(self, directory: str):
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.create_database_on_connect = False
        self.create_schema_on_connect = False
        self.db_path = directory
        self.nop_regexes = None
        self.results_cache: dict[str, tuple] = {}
        self._index: CatalogIndex | None = None
        self._index_lock = threading.Lock()
        self._generation = 0
        self.duck_conn = duckdb.connect(database=":memory:")
        global_file = os.path.join(directory, f"{GLOBAL_DATABASE_NAME}.db")
        self.duck_conn.execute(f"ATTACH IF NOT EXISTS {duck_literal(global_file)} AS {GLOBAL_DATABASE_NAME}")
        self.duck_conn.execute(info_schema.fs_global_creation_sql())
        self.duck_conn.execute(show.fs_global_creation_sql())
        self.duck_conn.execute("SET GLOBAL TimeZone = 'UTC'")
        # fakesnow's helper macros live in each database; statements run with no current database resolve
        # them in DuckDB's default in-memory catalog, so they are there too.
        self.duck_conn.execute(macros.creation_sql("memory"))

    def database_file(self, name: str) -> str:
        """The database's file; the name is percent-encoded so `/`, `..` or NUL cannot leave the directory."""
        return os.path.join(self.directory, urllib.parse.quote(name, safe="") + ".db")

    def index(self) -> CatalogIndex:
        """DuckDB's schemas and tables as of now: listed once, then kept until something may change them.
        duckdb_tables() builds a row per table of every attached database, so a lookup by it cost O(tables),
        and applying N tables, which checks and lists them for every statement, O(N²)."""
        index, generation = self._index, self._generation
        if index is None:
            index = CatalogIndex(
                self.query("SELECT database_name, schema_name FROM duckdb_schemas()"),
                self.query("SELECT database_name, schema_name, table_name, temporary FROM duckdb_tables()"),
            )
            with self._index_lock:
                # Kept only if no change began or ended while it was read (a session may be opened meanwhile).
                if generation == self._generation:
                    self._index = index
        return index

    def catalog_may_have_changed(self) -> None:
        """Called before and after anything that may create, drop or rename a schema or table in DuckDB."""
        with self._index_lock:
            self._index = None
            self._generation += 1

    def created(self, index: CatalogIndex) -> None:
        """After a statement (under the engine's lock) that made exactly one schema or permanent table: `index`
        is the index from before it plus that object, so the next lookup need not list DuckDB's catalog again
        (the read-back after each CREATE would otherwise list it once per object)."""
        with self._index_lock:
            self._index = index
            self._generation += 1

    def attach(self, name: str) -> None:
        """Attaches (creating if new) the file of Snowflake database `name`, with fakesnow's helper views."""
        self.catalog_may_have_changed()
        self.duck_conn.execute(f"ATTACH IF NOT EXISTS {duck_literal(self.database_file(name))} AS {duck_ident(name)}")
        # fakesnow's per-database info schema views and macros; all `IF NOT EXISTS`, so safe to repeat.
        self.duck_conn.execute(info_schema.per_db_creation_sql(name))
        self.duck_conn.execute(macros.creation_sql(name))
        self.catalog_may_have_changed()

    def detach_and_delete(self, name: str) -> None:
        self.catalog_may_have_changed()
        self.duck_conn.execute(f"DETACH DATABASE IF EXISTS {duck_ident(name)}")
        for suffix in ("", ".wal"):
            path = self.database_file(name) + suffix
            if os.path.exists(path):
                os.remove(path)
        # fakesnow's global records about the database's tables go with it.
        for table in ("_fs_columns_ext", "_fs_tables_ext"):
            self.duck_conn.execute(
                f"DELETE FROM {GLOBAL_DATABASE_NAME}._fs_information_schema.{table} WHERE ext_table_catalog = ?", [name]
            )
        self.catalog_may_have_changed()

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        """A query on a fresh cursor, so no session's current schema or result is disturbed."""
        if is_read_only(sql):
            with self.duck_conn.cursor() as cur:
                return cur.execute(sql, params or []).fetchall()
        self.catalog_may_have_changed()
        try:
            with self.duck_conn.cursor() as cur:
                return cur.execute(sql, params or []).fetchall()
        finally:
            self.catalog_may_have_changed()

    def session(self, database: str | None, schema: str | None) -> FakeSnowflakeConnection:
        conn = FakeSnowflakeConnection(
            QuotingCursor(self.duck_conn.cursor()),  # type: ignore[arg-type]
            {},  # a results cache per session, dropped with it
            create_database=False,
            create_schema=False,
            db_path=self.directory,
        )
        set_context(conn, database, schema)
        return conn

    def close(self) -> None:
        self.duck_conn.close()


_READ_ONLY = re.compile(r"\s*(SELECT|SHOW|DESC|DESCRIBE|LIST|LS)\b", re.IGNORECASE)


def is_read_only(sql: str) -> bool:
    """A statement that cannot change DuckDB's schemas or tables (a query; SHOW, DESC or LIST)."""
    return bool(_READ_ONLY.match(sql))


class CatalogIndex:
    """DuckDB's schemas and tables at one moment, for lookups that cost nothing."""

    def __init__(self, schemas: list[tuple], tables: list[tuple]):
        self._rows = (list(schemas), list(tables))
        self.schemas: dict[str, list[str]] = {}
        for database, schema in sorted(schemas):
            self.schemas.setdefault(database, []).append(schema)
        self.tables = {(d, s, t) for d, s, t, _ in tables}
        # Permanent tables in name order, as SHOW lists them.
        self.permanent = sorted((d, s, t) for d, s, t, temporary in tables if not temporary)

    def schemas_of(self, database: str) -> list[str]:
        return self.schemas.get(database, [])

    def has_table(self, database: str, schema: str, name: str) -> bool:
        return (database, schema, name) in self.tables

    def with_schema(self, database: str, schema: str) -> CatalogIndex:
        schemas, tables = self._rows
        return CatalogIndex(list({*schemas, (database, schema)}), tables)

    def with_table(self, database: str, schema: str, name: str) -> CatalogIndex:
        schemas, tables = self._rows
        return CatalogIndex(schemas, [t for t in tables if tuple(t[:3]) != (database, schema, name)]
                            + [(database, schema, name, False)])


def set_context(conn: FakeSnowflakeConnection, database: str | None, schema: str | None) -> None:
    """Points a fakesnow session at a database and schema (either may be None), as USE would."""
    conn.database = database
    conn._schema = schema  # noqa: SLF001 - fakesnow keeps the current schema here
    conn.database_set = database is not None
    conn.schema_set = database is not None and schema is not None
    duck = conn._duck_conn  # noqa: SLF001
    if database is not None:
        target = f"{duck_ident(database)}.{duck_ident(schema)}" if schema else f"{duck_ident(database)}.main"
        try:
            duck.execute(f"SET schema = {duck_literal(target)}")
        except duckdb.Error:
            # The schema is gone (dropped meanwhile): unqualified names then fail as in Snowflake.
            conn.schema_set = False
