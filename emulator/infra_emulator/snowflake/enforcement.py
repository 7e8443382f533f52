"""Privilege checks on every statement the engine runs, and the ownership each CREATE records.

The engine calls `before(ctx, command, kind)` ahead of a statement and the returned guard's `after(result)`
once it succeeded. What each statement needs (docs: user-guide/security-access-control-privileges, and each
command's "Access control requirements" section):

  CREATE DATABASE/WAREHOUSE/INTEGRATION/USER     CREATE <type> on the account (primary role)
  CREATE SCHEMA                                  USAGE + CREATE SCHEMA on the database (primary role)
  CREATE TABLE/VIEW/STAGE/FILE FORMAT/PIPE/...   USAGE on database and schema + CREATE <type> on the schema
  CREATE OR REPLACE of an existing object        OWNERSHIP of it as well
  DROP, ALTER (rename, most SET), COMMENT ON     OWNERSHIP; ALTER WAREHOUSE SUSPEND/RESUME: OPERATE, SET: MODIFY;
                                                 ALTER PIPE REFRESH: OPERATE; ALTER DATABASE/SCHEMA SET: MODIFY
  DESC <object>, USE DATABASE/SCHEMA             any privilege on it (and USAGE on its containers)
  USE WAREHOUSE                                  USAGE
  SELECT / INSERT / UPDATE / DELETE / MERGE      that privilege on each table, view or external table
  TRUNCATE TABLE                                 TRUNCATE
  COPY INTO t FROM @stage                        INSERT on t; USAGE (external stage) or READ (internal); USAGE on
                                                 the named file format
  LIST @stage / REMOVE @stage                    USAGE (external) or READ / WRITE (internal)
  SHOW <objects>                                 lists only the objects the session's roles hold a privilege on

An object the roles hold no privilege on "does not exist or not authorized" (002003); one they see but may not
use this way is refused with 003001 "Insufficient privileges to operate on <type> '<name>'".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import sqlglot
from sqlglot import exp

from .errors import SqlError
from .privileges import ACCOUNT_LEVEL, SCHEMA_LEVEL, AccessControl, insufficient, not_authorized
from .results import Result
from .sqltext import STRING, TokenStream

if TYPE_CHECKING:
    from .engine import Context

# Statement words naming an object type, longest first.
TYPE_WORDS = (
    ("STORAGE INTEGRATION", "INTEGRATION"), ("EXTERNAL TABLE", "EXTERNAL_TABLE"), ("FILE FORMAT", "FILE_FORMAT"),
    ("MATERIALIZED VIEW", "VIEW"), ("DATABASE", "DATABASE"), ("SCHEMA", "SCHEMA"), ("TABLE", "TABLE"),
    ("VIEW", "VIEW"), ("STAGE", "STAGE"), ("PIPE", "PIPE"), ("WAREHOUSE", "WAREHOUSE"),
    ("INTEGRATION", "INTEGRATION"), ("USER", "USER"),
)
CREATE_MODIFIERS = ("TRANSIENT", "TEMPORARY", "TEMP", "VOLATILE", "LOCAL", "GLOBAL", "SECURE", "RECURSIVE")
CATALOG_SECTIONS = {"DATABASE": "databases", "STAGE": "stages", "FILE_FORMAT": "file_formats", "PIPE": "pipes",
                    "WAREHOUSE": "warehouses", "INTEGRATION": "integrations", "USER": "users",
                    "EXTERNAL_TABLE": "external_tables"}
SHOW_TYPES = {"DATABASES": "DATABASE", "SCHEMAS": "SCHEMA", "TABLES": "TABLE", "EXTERNAL TABLES": "EXTERNAL_TABLE",
              "STAGES": "STAGE", "FILE FORMATS": "FILE_FORMAT", "PIPES": "PIPE", "WAREHOUSES": "WAREHOUSE",
              "INTEGRATIONS": "INTEGRATION", "STORAGE INTEGRATIONS": "INTEGRATION", "USERS": "USER",
              "COLUMNS": "TABLE", "PRIMARY KEYS": "TABLE"}
QUERY_COMMANDS = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE")


class Guard:
    """What to do once the statement succeeded (record an owner, filter SHOW rows...)."""

    def __init__(self, after: Callable[[Result], Result | None] | None = None):
        self._after = after

    def after(self, result: Result) -> Result:
        if self._after is None:
            return result
        return self._after(result) or result


NOTHING = Guard()


@dataclass
class Target:
    """The object a CREATE / ALTER / DROP / DESC / COMMENT ON names."""

    kind: str
    parts: tuple[str, ...]
    replace: bool
    if_not_exists: bool
    stream: TokenStream


def before(ctx: Context, command: str, kind: str) -> Guard:
    access: AccessControl = ctx.engine.access
    if kind in ("DATABASE ROLE", "DATABASE ROLES"):
        return NOTHING  # database_roles_statements checks its own statements (and GRANT DATABASE ROLE is a grant)
    if command in ("CREATE", "DROP", "ALTER", "DESC", "COMMENT"):
        target = _target(ctx, command)
        if target is None:
            return NOTHING
        if command == "CREATE":
            return _create(ctx, access, target)
        return _existing(ctx, access, command, target)
    if command == "SHOW" and kind in SHOW_TYPES:
        return Guard(lambda result: _filter_show(ctx, access, SHOW_TYPES[kind], result))
    roles = access.session_roles(ctx.session)
    if access.owns_everything(roles):
        # The session's roles own every object: only account privileges could be missing, and none is asked below.
        return NOTHING
    if command == "USE":
        _use(ctx, access, roles)
    elif command == "COPY":
        _copy(ctx, access, roles)
    elif command in ("LIST", "REMOVE", "RM", "PUT", "GET"):
        _stage_command(ctx, access, roles, command)
    elif command == "TRUNCATE":
        s = ctx.stream()
        s.expect("TRUNCATE")
        s.accept("TABLE")
        s.if_exists()
        _require_relation(ctx, access, roles, ctx.object_name(s.qualified_name(), "TRUNCATE"), "TRUNCATE")
        _require_warehouse(ctx, access, roles)
    elif command in QUERY_COMMANDS and _query(ctx, access, roles, ctx.text):
        _require_warehouse(ctx, access, roles)
    return NOTHING


# -- naming the target -----------------------------------------------------------------------------

def _target(ctx: Context, command: str) -> Target | None:
    """The statement's object, qualified; None when the statement is not about one we track (or does not parse:
    the handler then reports the error)."""
    s = ctx.stream()
    try:
        s.next()
        if command == "COMMENT":
            s.expect("ON")
        replace = command == "CREATE" and s.accept("OR", "REPLACE")
        while command == "CREATE" and (token := s.peek()) is not None and token.is_word(*CREATE_MODIFIERS):
            s.next()
        kind = next((k for words, k in TYPE_WORDS if s.accept(*words.split())), None)
        if kind is None:
            return None
        if_not_exists = s.if_not_exists()
        s.if_exists()
        if command == "COMMENT":
            s.if_exists()
        parts = _qualify(ctx, kind, s.qualified_name())
    except SqlError:
        return None
    return Target(kind, parts, replace, if_not_exists, s)


def _qualify(ctx: Context, kind: str, parts: tuple[str, ...]) -> tuple[str, ...]:
    if kind in ACCOUNT_LEVEL:
        return (ctx.database_name(parts),)
    if kind == "SCHEMA":
        return ctx.schema_name(parts)
    return ctx.object_name(parts)


def relation_kind(ctx: Context, parts: tuple[str, ...]) -> str | None:
    """TABLE, VIEW or EXTERNAL_TABLE for an existing relation; None when there is none."""
    if ctx.engine.catalog.get("external_tables", parts) is not None:
        return "EXTERNAL_TABLE"
    if ctx.duck("SELECT 1 FROM duckdb_views() WHERE database_name = ? AND schema_name = ? AND view_name = ?",
                list(parts)):
        return "VIEW"
    if ctx.duck("SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
                list(parts)):
        return "TABLE"
    return None


def exists(ctx: Context, kind: str, parts: tuple[str, ...]) -> bool:
    if kind == "EXTERNAL_TABLE":
        return ctx.engine.catalog.get("external_tables", parts) is not None
    if kind in ("TABLE", "VIEW"):
        return relation_kind(ctx, parts) == kind
    if kind == "SCHEMA":
        from .database_statements import schema_exists

        return schema_exists(ctx, *parts)
    if kind == "ROLE":
        return ctx.engine.access.role_exists(parts[0])
    section = CATALOG_SECTIONS.get(kind)
    return section is not None and ctx.engine.catalog.get(section, parts) is not None


# -- CREATE ----------------------------------------------------------------------------------------

def _create(ctx: Context, access: AccessControl, target: Target) -> Guard:
    kind, parts = target.kind, target.parts
    roles = access.primary_roles(ctx.session)
    if kind in ACCOUNT_LEVEL:
        access.require(roles, "ACCOUNT", (), f"CREATE {kind}")
    elif kind == "SCHEMA":
        access.require(roles, "DATABASE", parts[:1], "USAGE")
        access.require(roles, "DATABASE", parts[:1], "CREATE SCHEMA")
    else:
        access.require(roles, "SCHEMA", parts[:2], "USAGE")
        access.require(roles, "SCHEMA", parts[:2], "CREATE " + kind.replace("_", " "))
    existed = exists(ctx, kind, parts)
    if existed and target.replace:
        access.require(access.session_roles(ctx.session), kind, parts, "OWNERSHIP")
    if kind in ("TABLE", "VIEW") and not access.owns_everything(access.session_roles(ctx.session)):
        _query(ctx, access, access.session_roles(ctx.session), ctx.text, skip=parts)
    if existed and not target.replace:
        return NOTHING  # IF NOT EXISTS (nothing changes), or the handler's "already exists"
    keep_grants = "COPY GRANTS" in " ".join(ctx.text.upper().split())

    def created(result: Result) -> None:
        role = ctx.session.role
        if kind == "USER" and existed:
            access.drop_user(parts[0])  # a replaced user starts without the old one's roles
        access.object_created(kind, parts, role, keep_grants=keep_grants)
        if kind == "DATABASE":
            access.object_created("SCHEMA", (parts[0], "PUBLIC"), role)
    return Guard(created)


# -- DROP / ALTER / DESC / COMMENT -----------------------------------------------------------------

def _existing(ctx: Context, access: AccessControl, command: str, target: Target) -> Guard:
    kind, parts = target.kind, target.parts
    if kind in ("TABLE", "VIEW") and command in ("DESC", "COMMENT"):
        kind = relation_kind(ctx, parts) or kind  # DESC TABLE and COMMENT ON TABLE also name views
    if not exists(ctx, kind, parts):
        return NOTHING  # the handler reports it (or IF EXISTS does nothing)
    roles = access.session_roles(ctx.session)
    if command == "DESC" and kind == "USER" and parts[0] == ctx.session.user:
        return NOTHING  # a user describes itself
    if command == "DESC":
        access.require_containers(roles, kind, parts)
        if not access.visible(roles, kind, parts):
            raise not_authorized(kind, parts)
        return NOTHING
    if command in ("DROP", "COMMENT"):
        access.require(roles, kind, parts, "OWNERSHIP")
        if command == "DROP":
            return Guard(lambda result: _dropped(access, kind, parts))
        return NOTHING
    s = target.stream
    action = s.peek().value.upper() if s.peek() is not None else ""
    if kind == "USER" and parts[0] == ctx.session.user and action in ("SET", "UNSET"):
        return NOTHING  # users set their own properties, e.g. rotate RSA_PUBLIC_KEY (docs: alter-user)
    if kind == "WAREHOUSE" and action in ("SUSPEND", "RESUME", "ABORT"):
        access.require(roles, kind, parts, "OPERATE")
    elif kind == "PIPE" and (action == "REFRESH" or s.peek_words("SET", "PIPE_EXECUTION_PAUSED")):
        access.require(roles, kind, parts, "OPERATE")
    elif kind in ("WAREHOUSE", "DATABASE", "SCHEMA") and action in ("SET", "UNSET"):
        access.require(roles, kind, parts, "MODIFY")
    else:
        access.require(roles, kind, parts, "OWNERSHIP")
    if s.accept("RENAME", "TO"):
        new = s.qualified_name()
        new_parts = (*parts[: len(parts) - len(new)], *new) if len(new) < len(parts) else new
        return Guard(lambda result: access.rename_object(kind, parts, tuple(new_parts)))
    return NOTHING


def _dropped(access: AccessControl, kind: str, parts: tuple[str, ...]) -> None:
    if kind == "USER":
        access.drop_user(parts[0])
    else:
        access.forget_object(kind, parts)


# -- USE, COPY, stages -----------------------------------------------------------------------------

def _use(ctx: Context, access: AccessControl, roles: set[str]) -> None:
    s = ctx.stream()
    s.expect("USE")
    if s.accept("WAREHOUSE"):
        name = (s.identifier(),)
        if exists(ctx, "WAREHOUSE", name) and not access.holds(roles, "WAREHOUSE", name, "USAGE"):
            raise SqlError.does_not_exist("Object", name[0])
        return
    if s.peek_words("ROLE") or s.peek_words("SECONDARY"):
        return
    schema = s.accept("SCHEMA")
    s.accept("DATABASE")
    try:
        named = s.qualified_name()
        parts = ctx.schema_name(named) if schema or len(named) == 2 else (ctx.database_name(named),)
    except SqlError:
        return
    kind = "SCHEMA" if len(parts) == 2 else "DATABASE"
    if not exists(ctx, kind, parts):
        return
    visible = access.holds(roles, "DATABASE", parts[:1], "USAGE") and access.visible(roles, kind, parts)
    if kind == "SCHEMA":
        visible = visible and access.holds(roles, "SCHEMA", parts, "USAGE")
    if not visible:
        raise SqlError.does_not_exist("Object", ".".join(parts))


def _require_stage(ctx: Context, access: AccessControl, roles: set[str], parts: tuple[str, ...], internal: str) -> None:
    """USAGE on an external stage; on an internal one READ or WRITE. A table's stage needs the table's OWNERSHIP,
    the user's stage (@~) only being that user."""
    from .implicit_stages import is_implicit

    if is_implicit(parts):
        if len(parts) == 3:
            access.require(roles, "TABLE", (parts[0], parts[1], parts[2][1:]), "OWNERSHIP")
        return
    record = ctx.engine.catalog.get("stages", parts)
    if record is None:
        return
    access.require(roles, "STAGE", parts, "USAGE" if record.get("url") else internal)
    fmt = record.get("file_format") or {}
    if isinstance(fmt, dict) and fmt.get("FORMAT_NAME"):
        _require_file_format(ctx, access, roles, str(fmt["FORMAT_NAME"]), (parts[0], parts[1]))


def _require_file_format(ctx: Context, access: AccessControl, roles: set[str], name: str, base: tuple[str, str]) -> None:
    from .file_formats import lookup

    try:
        record = lookup(ctx, name, base)
    except SqlError:
        return
    access.require(roles, "FILE_FORMAT", tuple(record["parts"]), "USAGE")


def _copy(ctx: Context, access: AccessControl, roles: set[str]) -> None:
    from .copy_statements import parse_copy

    try:
        plan = parse_copy(ctx, ctx.text)
    except SqlError:
        return
    _require_relation(ctx, access, roles, plan.table, "INSERT")
    _require_stage(ctx, access, roles, plan.stage, "READ")
    spec = plan.options.get("FILE_FORMAT")
    if spec:
        name = spec.get("FORMAT_NAME") if isinstance(spec, dict) else spec
        if name:
            _require_file_format(ctx, access, roles, str(name), (plan.table[0], plan.table[1]))
    _require_warehouse(ctx, access, roles)


def _require_warehouse(ctx: Context, access: AccessControl, roles: set[str]) -> None:
    """A statement reading or writing tables runs on the session's warehouse, which the roles must USE. (The
    deployer's sessions, owning everything, may still run without one, as the emulator always allowed.)"""
    warehouse = ctx.session.warehouse
    if warehouse is None or not access.holds(roles, "WAREHOUSE", (warehouse,), "USAGE"):
        raise SqlError.no_warehouse()


def _stage_command(ctx: Context, access: AccessControl, roles: set[str], command: str) -> None:
    """LIST / REMOVE / PUT / GET: the stage is the first reference in the statement (PUT names the file first)."""
    from .implicit_stages import parse_stage_reference

    s = ctx.stream()
    while (token := s.peek()) is not None and not (token.is_symbol("@") or token.kind == STRING
                                                   and token.value.startswith("@")):
        s.next()
    try:
        stage, _ = parse_stage_reference(ctx, s)
    except SqlError:
        return
    _require_stage(ctx, access, roles, stage, "READ" if command in ("LIST", "LS", "GET") else "WRITE")


def check_transfer(ctx: Context) -> None:
    """PUT (WRITE on the stage) and GET (READ), which the connector runs beside the engine's statements."""
    access: AccessControl = ctx.engine.access
    roles = access.session_roles(ctx.session)
    if not access.owns_everything(roles):
        _stage_command(ctx, access, roles, ctx.text.lstrip()[:3].upper())


# -- queries and DML -------------------------------------------------------------------------------

def _require_relation(ctx: Context, access: AccessControl, roles: set[str], parts: tuple[str, ...],
                      privilege: str) -> None:
    kind = relation_kind(ctx, parts)
    if kind is None:
        return  # the statement itself reports the missing table
    access.require(roles, kind, parts, privilege)


def _identifier(node: Any) -> str | None:
    if not isinstance(node, exp.Identifier):
        return None
    return node.this if node.quoted else node.this.upper()


def _query(ctx: Context, access: AccessControl, roles: set[str], text: str, skip: tuple[str, ...] | None = None) -> bool:
    """SELECT on every relation read; INSERT / UPDATE / DELETE on the one written. Whether any relation is used."""
    try:
        tree = sqlglot.parse_one(text, read="snowflake")
    except Exception:  # noqa: BLE001 - what sqlglot cannot parse fakesnow cannot run either
        return False
    if tree is None:
        return False
    used = False
    written: dict[int, list[str]] = {}
    target = tree.args.get("this")
    target_table = target.find(exp.Table) if isinstance(target, exp.Expression) else None
    if target_table is not None:
        if isinstance(tree, exp.Insert):
            written[id(target_table)] = ["INSERT"]
        elif isinstance(tree, exp.Update):
            written[id(target_table)] = ["UPDATE"]
        elif isinstance(tree, exp.Delete):
            written[id(target_table)] = ["DELETE"]
        elif isinstance(tree, exp.Merge):
            words = " ".join(ctx.text.upper().split())
            written[id(target_table)] = [p for p in ("INSERT", "UPDATE", "DELETE") if f"THEN {p}" in words]
    ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = _identifier(table.args.get("this"))
        if name is None or name.startswith("@"):
            continue
        names = [n for n in (_identifier(table.args.get("catalog")), _identifier(table.args.get("db"))) if n]
        if not names and name.upper() in ctes:
            continue
        try:
            parts = ctx.object_name((*names, name), "this statement")
        except SqlError:
            continue
        if parts == skip or parts[1] == "INFORMATION_SCHEMA":
            continue
        for privilege in written.get(id(table), ["SELECT"]):
            _require_relation(ctx, access, roles, parts, privilege)
            used = True
    return used


# -- SHOW ------------------------------------------------------------------------------------------

def _filter_show(ctx: Context, access: AccessControl, kind: str, result: Result) -> Result:
    """Only the rows of objects the session may see; `owner` as recorded."""
    roles = access.session_roles(ctx.session)
    names = [c.name for c in result.columns]
    if "name" not in names and "table_name" not in names:
        return result
    name_at = names.index("table_name") if "table_name" in names else names.index("name")
    db_at = names.index("database_name") if "database_name" in names else None
    schema_at = names.index("schema_name") if "schema_name" in names else None
    owner_at = names.index("owner") if "owner" in names else None
    see_all = access.owns_everything(roles) or (kind == "USER" and access.manages_grants(roles))
    rows = []
    for row in result.rows:
        parts = tuple(str(row[i]) for i in (db_at, schema_at, name_at) if i is not None)
        if not see_all:
            try:
                access.require_containers(roles, kind, parts)
            except SqlError:
                continue
            kinds = ("TABLE", "VIEW", "EXTERNAL_TABLE") if kind == "TABLE" else (kind,)
            if not any(access.visible(roles, k, parts) for k in kinds):
                continue
        if owner_at is not None and row[owner_at]:
            row = (*row[:owner_at], access.owner(kind, parts), *row[owner_at + 1:])
        rows.append(row)
    result.rows = rows
    return result


__all__ = ["before", "insufficient", "exists"]
