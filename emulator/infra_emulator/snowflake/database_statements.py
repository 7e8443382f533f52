"""Databases and schemas: DuckDB holds them (a file per database, DuckDB schemas), the catalog their properties.

fakesnow cannot ALTER or DROP a database, keeps no comments, retention or TRANSIENT, and its SHOW lists
DuckDB's own schemas; so these statements are the emulator's, with DuckDB doing the storage.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .catalog import now_iso
from .duck import HIDDEN_SCHEMAS, duck_ident
from .errors import SqlError
from .results import Column, Result
from .show import parse_show
from .sqltext import qualified_sql

if TYPE_CHECKING:
    from .engine import Context, Engine

DEFAULT_RETENTION_DAYS = 1
INFORMATION_SCHEMA = "INFORMATION_SCHEMA"
INFORMATION_SCHEMA_COMMENT = "Views describing the contents of schemas in this database"


def _timestamp(record: dict[str, Any] | None) -> datetime.datetime:
    if record and record.get("created_on"):
        return datetime.datetime.fromisoformat(record["created_on"])
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def database_exists(ctx: Context, name: str) -> bool:
    return ctx.engine.catalog.get("databases", (name,)) is not None


def require_database(ctx: Context, name: str) -> None:
    if not database_exists(ctx, name):
        raise SqlError.does_not_exist("Database", name)


def duck_schemas(ctx: Context, database: str) -> list[str]:
    return [name for name in ctx.engine.fakesnow.index().schemas_of(database) if name not in HIDDEN_SCHEMAS]


def schema_exists(ctx: Context, database: str, schema: str) -> bool:
    return database_exists(ctx, database) and schema in duck_schemas(ctx, database)


def require_schema(ctx: Context, database: str, schema: str) -> None:
    require_database(ctx, database)
    if schema not in duck_schemas(ctx, database):
        raise SqlError.does_not_exist("Schema", qualified_sql((database, schema)))


def _leading(s: Any) -> tuple[bool, bool]:
    """Consumes CREATE [OR REPLACE] [TRANSIENT]; returns (or_replace, transient)."""
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    transient = s.accept("TRANSIENT")
    return replace, transient


def _retention(options: dict[str, Any], default: int | None) -> int | None:
    value = options.get("DATA_RETENTION_TIME_IN_DAYS", default)
    return None if value is None else int(value)


# -- databases ------------------------------------------------------------------------------------

def create_database(ctx: Context) -> Result:
    s = ctx.stream()
    replace, transient = _leading(s)
    s.expect("DATABASE")
    if_not_exists = s.if_not_exists()
    name = ctx.database_name(s.qualified_name(), "CREATE DATABASE")
    if s.peek_words("CLONE") or s.peek_words("FROM"):
        raise SqlError.unsupported("CREATE DATABASE ... CLONE/FROM SHARE")
    options = s.options_until("WITH TAG")
    engine = ctx.engine
    if database_exists(ctx, name):
        if if_not_exists:
            return Result.status(f"{name} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(name)
        _drop_database(ctx, name)
    engine.fakesnow.attach(name)
    ctx.duck(f"CREATE SCHEMA IF NOT EXISTS {duck_ident(name)}.PUBLIC")
    engine.catalog.put("databases", (name,), {
        "name": name,
        "parts": [name],
        "created_on": now_iso(),
        "comment": str(options.get("COMMENT", "")),
        "retention_time": _retention(options, DEFAULT_RETENTION_DAYS),
        "transient": transient,
    })
    # Like Snowflake, the new database (and its PUBLIC schema) becomes current.
    ctx.session.database, ctx.session.schema = name, "PUBLIC"
    return Result.status(f"Database {name} successfully created.")


def _drop_database(ctx: Context, name: str) -> None:
    engine = ctx.engine
    engine.fakesnow.detach_and_delete(name)
    engine.catalog.remove_under((name,))
    engine.catalog.remove("databases", (name,))
    if ctx.session.database == name:
        ctx.session.database = ctx.session.schema = None


def drop_database(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "DATABASE")
    if_exists = s.if_exists()
    name = ctx.database_name(s.qualified_name(), "DROP DATABASE")
    if not database_exists(ctx, name):
        if if_exists:
            return Result.status("Drop statement executed successfully (" + name + " already dropped).")
        raise SqlError.does_not_exist("Database", name)
    _drop_database(ctx, name)
    return Result.status(f"{name} successfully dropped.")


def _set_unset(s: Any, record: dict[str, Any], retention_key: str = "retention_time") -> None:
    """SET k = v ... / UNSET k, ... on a database's or schema's record."""
    if s.accept("SET"):
        for key, value in s.options_until().items():
            if key == "COMMENT":
                record["comment"] = str(value)
            elif key == "DATA_RETENTION_TIME_IN_DAYS":
                record[retention_key] = int(value)  # type: ignore[arg-type]
            else:
                record.setdefault("parameters", {})[key] = value
    elif s.accept("UNSET"):
        while not s.at_end():
            key = s.identifier()
            if key == "COMMENT":
                record["comment"] = ""
            elif key == "DATA_RETENTION_TIME_IN_DAYS":
                record[retention_key] = DEFAULT_RETENTION_DAYS
            else:
                record.get("parameters", {}).pop(key, None)
            s.accept_symbol(",")
    else:
        s.unexpected()


def alter_database(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "DATABASE")
    if_exists = s.if_exists()
    name = ctx.database_name(s.qualified_name(), "ALTER DATABASE")
    record = ctx.engine.catalog.get("databases", (name,))
    if record is None:
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise SqlError.does_not_exist("Database", name)
    if s.peek_words("RENAME") or s.peek_words("SWAP"):
        raise SqlError.unsupported("ALTER DATABASE ... RENAME/SWAP")
    _set_unset(s, record)
    ctx.engine.catalog.put("databases", (name,), record)
    return Result.status("Statement executed successfully.")


SHOW_DATABASES_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("is_default"), Column.text("is_current"),
    Column.text("origin"), Column.text("owner"), Column.text("comment"), Column.text("options"),
    Column.text("retention_time"), Column.text("kind"), Column.text("budget"), Column.text("owner_role_type"),
    Column.text("object_visibility"),
]


def show_databases(ctx: Context) -> Result:
    show = parse_show(ctx, scoped=False, paged=True)
    rows = []
    for record in sorted(ctx.engine.catalog.values("databases"), key=lambda r: r["name"]):
        if not show.matches_name(record["name"]):
            continue
        rows.append({
            "created_on": _timestamp(record),
            "name": record["name"],
            "is_default": "N",
            "is_current": "Y" if ctx.session.database == record["name"] else "N",
            "origin": "",
            "owner": "ACCOUNTADMIN",
            "comment": record.get("comment", ""),
            "options": "TRANSIENT" if record.get("transient") else "",
            "retention_time": str(record.get("retention_time", DEFAULT_RETENTION_DAYS)),
            "kind": "STANDARD",
            "budget": None,
            "owner_role_type": "ROLE",
            "object_visibility": None,
        })
    return show.limit(Result.of(SHOW_DATABASES_COLUMNS, rows))


def describe_database(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("DATABASE")
    name = ctx.database_name(s.qualified_name(), "DESCRIBE DATABASE")
    require_database(ctx, name)
    columns = [Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("kind")]
    rows = [{"created_on": _timestamp(ctx.engine.catalog.get("schemas", (name, schema))), "name": schema,
             "kind": "SCHEMA"} for schema in [INFORMATION_SCHEMA, *duck_schemas(ctx, name)]]
    return Result.of(columns, rows)


# -- schemas --------------------------------------------------------------------------------------

def create_schema(ctx: Context) -> Result:
    s = ctx.stream()
    replace, transient = _leading(s)
    s.expect("SCHEMA")
    if_not_exists = s.if_not_exists()
    database, name = ctx.schema_name(s.qualified_name(), "CREATE SCHEMA")
    if s.peek_words("CLONE"):
        raise SqlError.unsupported("CREATE SCHEMA ... CLONE")
    managed = s.accept("WITH", "MANAGED", "ACCESS")
    options = s.options_until("WITH TAG")
    require_database(ctx, database)
    if name == INFORMATION_SCHEMA:
        raise SqlError.already_exists(qualified_sql((database, name)))
    if name in duck_schemas(ctx, database):
        if if_not_exists:
            return Result.status(f"{name} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(qualified_sql((database, name)))
        _drop_schema(ctx, database, name)
    before = ctx.engine.fakesnow.index()
    ctx.duck(f"CREATE SCHEMA {duck_ident(database)}.{duck_ident(name)}")
    ctx.engine.fakesnow.created(before.with_schema(database, name))
    db_record = ctx.engine.catalog.get("databases", (database,)) or {}
    transient = transient or bool(db_record.get("transient"))
    ctx.engine.catalog.put("schemas", (database, name), {
        "name": name,
        "parts": [database, name],
        "created_on": now_iso(),
        "comment": str(options.get("COMMENT", "")),
        "retention_time": _retention(options, db_record.get("retention_time", DEFAULT_RETENTION_DAYS)),
        "transient": transient,
        "managed_access": managed,
    })
    ctx.session.database, ctx.session.schema = database, name
    return Result.status(f"Schema {name} successfully created.")


def _drop_schema(ctx: Context, database: str, name: str) -> None:
    ctx.duck(f"DROP SCHEMA {duck_ident(database)}.{duck_ident(name)} CASCADE")
    for table in ("_fs_columns_ext", "_fs_tables_ext"):
        ctx.duck(f"DELETE FROM _fs_global._fs_information_schema.{table} WHERE ext_table_catalog = ? AND ext_table_schema = ?",
                 [database, name])
    ctx.engine.catalog.remove_under((database, name))
    ctx.engine.catalog.remove("schemas", (database, name))
    if (ctx.session.database, ctx.session.schema) == (database, name):
        ctx.session.schema = None


def drop_schema(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "SCHEMA")
    if_exists = s.if_exists()
    database, name = ctx.schema_name(s.qualified_name(), "DROP SCHEMA")
    if not schema_exists(ctx, database, name):
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({name} already dropped).")
        raise SqlError.does_not_exist("Schema", qualified_sql((database, name)))
    _drop_schema(ctx, database, name)
    return Result.status(f"{name} successfully dropped.")


def _schema_record(ctx: Context, database: str, name: str) -> dict[str, Any]:
    """The schema's record; schemas made before the emulator recorded them get default properties."""
    record = ctx.engine.catalog.get("schemas", (database, name))
    if record is not None:
        return record
    db_record = ctx.engine.catalog.get("databases", (database,)) or {}
    return {"name": name, "parts": [database, name], "created_on": db_record.get("created_on"), "comment": "",
            "retention_time": db_record.get("retention_time", DEFAULT_RETENTION_DAYS),
            "transient": bool(db_record.get("transient")), "managed_access": False}


def alter_schema(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "SCHEMA")
    if_exists = s.if_exists()
    database, name = ctx.schema_name(s.qualified_name(), "ALTER SCHEMA")
    if not schema_exists(ctx, database, name):
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise SqlError.does_not_exist("Schema", qualified_sql((database, name)))
    record = _schema_record(ctx, database, name)
    if s.accept("ENABLE", "MANAGED", "ACCESS"):
        record["managed_access"] = True
    elif s.accept("DISABLE", "MANAGED", "ACCESS"):
        record["managed_access"] = False
    elif s.peek_words("RENAME") or s.peek_words("SWAP"):
        raise SqlError.unsupported("ALTER SCHEMA ... RENAME/SWAP")
    else:
        _set_unset(s, record)
    ctx.engine.catalog.put("schemas", (database, name), record)
    return Result.status("Statement executed successfully.")


SHOW_SCHEMAS_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("is_default"), Column.text("is_current"),
    Column.text("database_name"), Column.text("owner"), Column.text("comment"), Column.text("options"),
    Column.text("retention_time"), Column.text("owner_role_type"), Column.text("budget"),
]


def show_schemas(ctx: Context) -> Result:
    show = parse_show(ctx, paged=True)
    rows = []
    for db_record in sorted(ctx.engine.catalog.values("databases"), key=lambda r: r["name"]):
        database = db_record["name"]
        if not show.in_scope(database):
            continue
        for name in sorted([INFORMATION_SCHEMA, *duck_schemas(ctx, database)]):
            if not show.matches_name(name):
                continue
            record = _schema_record(ctx, database, name)
            options = [o for o, on in (("TRANSIENT", record.get("transient")),
                                       ("MANAGED ACCESS", record.get("managed_access"))) if on]
            is_info = name == INFORMATION_SCHEMA
            rows.append({
                "created_on": _timestamp(record),
                "name": name,
                "is_default": "N",
                "is_current": "Y" if (ctx.session.database, ctx.session.schema) == (database, name) else "N",
                "database_name": database,
                "owner": "" if is_info else "ACCOUNTADMIN",
                "comment": INFORMATION_SCHEMA_COMMENT if is_info else record.get("comment", ""),
                "options": ", ".join(options),
                "retention_time": str(record.get("retention_time", DEFAULT_RETENTION_DAYS)),
                "owner_role_type": "" if is_info else "ROLE",
                "budget": None,
            })
    return show.limit(Result.of(SHOW_SCHEMAS_COLUMNS, rows))


def describe_schema(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("SCHEMA")
    database, name = ctx.schema_name(s.qualified_name(), "DESCRIBE SCHEMA")
    require_schema(ctx, database, name)
    tables = ctx.duck("SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                      "ORDER BY table_name", [database, name])
    columns = [Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("kind")]
    rows = [{"created_on": _timestamp(ctx.engine.catalog.get("tables", (database, name, t)))
             , "name": t, "kind": "TABLE"} for (t,) in tables]
    return Result.of(columns, rows)


def register(engine: Engine) -> None:
    engine.route("CREATE", "DATABASE", create_database)
    engine.route("ALTER", "DATABASE", alter_database)
    engine.route("DROP", "DATABASE", drop_database)
    engine.route("SHOW", "DATABASES", show_databases)
    engine.route("DESC", "DATABASE", describe_database)
    engine.route("CREATE", "SCHEMA", create_schema)
    engine.route("ALTER", "SCHEMA", alter_schema)
    engine.route("DROP", "SCHEMA", drop_schema)
    engine.route("SHOW", "SCHEMAS", show_schemas)
    engine.route("DESC", "SCHEMA", describe_schema)
