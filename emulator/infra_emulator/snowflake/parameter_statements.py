"""SHOW PARAMETERS, with Snowflake's columns and the parameters infra's kinds touch.

  SHOW PARAMETERS [LIKE '<pattern>']
       [{IN | FOR} {SESSION | ACCOUNT | USER [<name>] | {DATABASE | SCHEMA | WAREHOUSE} [<name>] | TABLE <name>}]

Columns `key, value, default, level, description, type` (docs: sql-reference/sql/show-parameters; the
Terraform provider's pkg/sdk/parameters.go reads the same six). `level` names where the value is set:
empty for Snowflake's default, else ACCOUNT, DATABASE, SCHEMA, TABLE, WAREHOUSE or SESSION. Objects
inherit (table from schema from database from account, docs: sql-reference/parameters "Parameter
hierarchy"); the emulator keeps the effective DATA_RETENTION_TIME_IN_DAYS per object, so an object's
value counts as set on it when it differs from its parent's. Without IN, the session's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .database_statements import DEFAULT_RETENTION_DAYS, require_database, require_schema
from .errors import SqlError
from .results import Column, Result
from .sqltext import like_to_regex
from .table_statements import require_table, table_record

if TYPE_CHECKING:
    from .engine import Context, Engine

ACCOUNT, SESSION, DATABASE, SCHEMA, TABLE, WAREHOUSE = "ACCOUNT", "SESSION", "DATABASE", "SCHEMA", "TABLE", "WAREHOUSE"


@dataclass(frozen=True)
class Parameter:
    key: str
    type: str  # NUMBER, BOOLEAN or STRING, as SHOW PARAMETERS writes it
    default: str
    description: str
    objects: tuple[str, ...]  # the levels it can be set on (and shown for)


# Descriptions follow docs: sql-reference/parameters.
PARAMETERS = [
    Parameter("AUTOCOMMIT", "BOOLEAN", "true",
              "The autocommit property determines whether is statement should to be implicitly wrapped within a "
              "transaction or not.", (ACCOUNT, SESSION)),
    Parameter("DATA_RETENTION_TIME_IN_DAYS", "NUMBER", str(DEFAULT_RETENTION_DAYS),
              "number of days to retain the old version of deleted/updated data", (ACCOUNT, DATABASE, SCHEMA, TABLE)),
    Parameter("DEFAULT_DDL_COLLATION", "STRING", "",
              "Collation that is used for all the new columns created by the DDL statements (if not specified)",
              (ACCOUNT, SESSION, DATABASE, SCHEMA, TABLE)),
    Parameter("MAX_CONCURRENCY_LEVEL", "NUMBER", "8",
              "Maximum concurrency level used for a warehouse.", (ACCOUNT, WAREHOUSE)),
    Parameter("MAX_DATA_EXTENSION_TIME_IN_DAYS", "NUMBER", "14",
              "Maximum number of days to extend data retention beyond the retention period to prevent a stream "
              "becoming stale.", (ACCOUNT, DATABASE, SCHEMA, TABLE)),
    Parameter("PIPE_EXECUTION_PAUSED", "BOOLEAN", "false",
              "Pause the execution of the pipes.", (ACCOUNT, SCHEMA)),
    Parameter("QUERY_TAG", "STRING", "",
              "String (up to 4096 characters) used to tag statements executed by the session", (ACCOUNT, SESSION)),
    Parameter("QUOTED_IDENTIFIERS_IGNORE_CASE", "BOOLEAN", "false",
              "If true, the case of quoted identifiers is ignored", (ACCOUNT, SESSION, DATABASE, SCHEMA, TABLE)),
    Parameter("STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "NUMBER", "0",
              "Timeout in seconds for queued statements: statements will automatically be canceled if they are "
              "queued on a warehouse for longer than this amount of time; disabled if set to zero.",
              (ACCOUNT, SESSION, WAREHOUSE)),
    Parameter("STATEMENT_TIMEOUT_IN_SECONDS", "NUMBER", "172800",
              "Timeout in seconds for statements: statements will automatically be canceled if they run for "
              "longer; if set to zero, max value (604800) is enforced.", (ACCOUNT, SESSION, WAREHOUSE)),
    Parameter("TIMESTAMP_TYPE_MAPPING", "STRING", "TIMESTAMP_NTZ",
              "If TIMESTAMP type is used, what specific TIMESTAMP* type it should map to: TIMESTAMP_LTZ (default), "
              "TIMESTAMP_NTZ or TIMESTAMP_TZ", (ACCOUNT, SESSION)),
    # The emulator's sessions run in UTC (its connector login says TIMEZONE = Etc/UTC): set on the account.
    Parameter("TIMEZONE", "STRING", "America/Los_Angeles", "time zone", (ACCOUNT, SESSION)),
]
ACCOUNT_VALUES = {"TIMEZONE": "Etc/UTC"}

SHOW_PARAMETERS_COLUMNS = [Column.text("key"), Column.text("value"), Column.text("default"), Column.text("level"),
                           Column.text("description"), Column.text("type")]


def _retention(ctx: Context, level: str, parts: tuple[str, ...]) -> tuple[str, str]:
    """(value, level) of DATA_RETENTION_TIME_IN_DAYS for an object, from its own and its parents' records."""
    catalog = ctx.engine.catalog
    chain: list[tuple[str, int]] = [("", DEFAULT_RETENTION_DAYS)]
    database = catalog.get("databases", parts[:1]) or {}
    chain.append((DATABASE, int(database.get("retention_time", DEFAULT_RETENTION_DAYS))))
    if level in (SCHEMA, TABLE):
        schema = catalog.get("schemas", parts[:2]) or {}
        chain.append((SCHEMA, int(schema.get("retention_time", chain[-1][1]))))
    if level == TABLE:
        table = table_record(ctx, parts)  # type: ignore[arg-type]
        chain.append((TABLE, int(table.get("retention_time", chain[-1][1]))))
    where = ""
    for (_, parent), (name, value) in zip(chain, chain[1:]):
        if value != parent:
            where = name
    return str(chain[-1][1]), where


def _target(ctx: Context) -> tuple[str, tuple[str, ...], Any]:
    """(object level, its name parts, the LIKE pattern) from SHOW PARAMETERS' clauses."""
    s = ctx.stream()
    s.expect("SHOW", "PARAMETERS")
    like = None
    if s.accept("LIKE"):
        like = like_to_regex(s.string())
    level, parts = SESSION, ()
    if s.accept("IN") or s.accept("FOR"):
        if s.accept("ACCOUNT"):
            level = ACCOUNT
        elif s.accept("SESSION"):
            level = SESSION
        elif s.accept("USER"):
            level = SESSION
            if not s.at_end():
                user = s.identifier()
                if ctx.engine.users.get(user) is None:
                    raise SqlError.does_not_exist("User", user)
        elif s.accept("DATABASE"):
            level = DATABASE
            parts = (ctx.database_name(s.qualified_name(), "SHOW PARAMETERS"),) if not s.at_end() else (
                _current(ctx.session.database, "database"),)
            require_database(ctx, parts[0])
        elif s.accept("SCHEMA"):
            level = SCHEMA
            if s.at_end():
                parts = (_current(ctx.session.database, "database"), _current(ctx.session.schema, "schema"))
            else:
                parts = ctx.schema_name(s.qualified_name(), "SHOW PARAMETERS")
            require_schema(ctx, *parts)
        elif s.accept("WAREHOUSE"):
            level = WAREHOUSE
            name = s.identifier() if not s.at_end() else _current(ctx.session.warehouse, "warehouse")
            if ctx.engine.catalog.get("warehouses", (name,)) is None:
                raise SqlError.does_not_exist("Warehouse", name)
            parts = (name,)
        elif s.accept("TABLE"):
            level = TABLE
            parts = ctx.object_name(s.qualified_name(), "SHOW PARAMETERS")
            require_table(ctx, parts)  # type: ignore[arg-type]
        else:
            s.unexpected()
    if not s.at_end():
        s.unexpected()
    return level, parts, like


def _current(value: str | None, what: str) -> str:
    if value is None:
        if what == "warehouse":
            raise SqlError("000606", "57P03", "No active warehouse selected in the current session. "
                                              "Select an active warehouse with the 'use warehouse' command.")
        raise SqlError.no_current(what, "SHOW PARAMETERS")
    return value


def show_parameters(ctx: Context) -> Result:
    level, parts, like = _target(ctx)
    rows = []
    for parameter in PARAMETERS:
        if level not in parameter.objects or (like is not None and not like.match(parameter.key)):
            continue
        value, where = parameter.default, ""
        if parameter.key in ACCOUNT_VALUES:
            value, where = ACCOUNT_VALUES[parameter.key], ACCOUNT
        if parameter.key == "DATA_RETENTION_TIME_IN_DAYS" and level in (DATABASE, SCHEMA, TABLE):
            value, where = _retention(ctx, level, parts)
        rows.append((parameter.key, value, parameter.default, where, parameter.description, parameter.type))
    return Result(SHOW_PARAMETERS_COLUMNS, rows)


def register(engine: Engine) -> None:
    engine.route("SHOW", "PARAMETERS", show_parameters)
