"""CREATE / ALTER / DROP / SHOW DATABASE ROLES (docs: sql-reference/sql/create-database-role, alter-database-role,
drop-database-role, show-database-roles; Terraform provider pkg/sdk/database_role.go for the statements it sends
and the SHOW columns it reads).

  CREATE [OR REPLACE] DATABASE ROLE [IF NOT EXISTS] [<db>.]<name> [COMMENT = '<text>']
        needs OWNERSHIP of the database or CREATE DATABASE ROLE on it (primary role, which then owns the role)
  ALTER DATABASE ROLE [IF EXISTS] [<db>.]<name> { SET COMMENT = '<text>' | UNSET COMMENT | RENAME TO [<db>.]<new> }
        needs OWNERSHIP of the database role; a rename stays in its database
  DROP DATABASE ROLE [IF EXISTS] [<db>.]<name>       needs OWNERSHIP
  SHOW DATABASE ROLES [LIKE '<pattern>'] IN DATABASE <db> [LIMIT <n> [FROM '<name>']]
        needs USAGE on the database (002003 when it is missing or unseen)

A name without its database names one in the session's current database (docs: "If the identifier is not fully
qualified ... the command looks for the database role in the current database for the session"); a session
without one gets 090105.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .errors import SqlError
from .privileges import AccessControl, database_role_key, not_authorized
from .results import Column, Result
from .roles_statements import comment_option
from .show import ShowFilter, read_limit
from .sqltext import TokenStream, like_to_regex, qualified_sql

if TYPE_CHECKING:
    from .engine import Context, Engine

OK = "Statement executed successfully."


def database_role_name(ctx: Context, parts: tuple[str, ...], command: str) -> tuple[str, str]:
    """(database, name) of a database role named `[db.]name`: resolved as a schema name is."""
    if len(parts) > 2:
        raise SqlError.invalid(f"invalid database role name '{'.'.join(parts)}'")
    return ctx.schema_name(parts, command)


def missing_database_role(database: str, name: str) -> SqlError:
    return SqlError.does_not_exist("Database role", qualified_sql((database, name)))


def existing_database_role(ctx: Context, s: TokenStream, command: str) -> tuple[str, str]:
    """The database role the statement names next; 002003 when there is none (or its database is missing)."""
    database, name = database_role_name(ctx, s.qualified_name(), command)
    if ctx.engine.access.database_role(database, name) is None:
        raise missing_database_role(database, name)
    return database, name


def _require_database(ctx: Context, database: str) -> None:
    if ctx.engine.catalog.get("databases", (database,)) is None:
        raise not_authorized("DATABASE", (database,))


def create_database_role(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.expect("DATABASE", "ROLE")
    if_not_exists = s.if_not_exists()
    database, name = database_role_name(ctx, s.qualified_name(), "CREATE DATABASE ROLE")
    comment = comment_option(s)
    _require_database(ctx, database)
    access.require(access.primary_roles(ctx.session), "DATABASE", (database,), "CREATE DATABASE ROLE")
    if access.database_role(database, name) is not None:
        if if_not_exists and not replace:
            return Result.status(f"{name} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(name)
        access.require(access.session_roles(ctx.session), "DATABASE_ROLE", (database, name), "OWNERSHIP")
        access.drop_database_role(database, name)
    elif access.role_exists(database_role_key(database, name)):
        raise SqlError.already_exists(name)  # an account role is literally named DB.R: grants could not tell them apart
    access.create_database_role(database, name, comment or "", ctx.session.role)
    return Result.status(f"Database role {name} successfully created.")


def _owned(ctx: Context, s: TokenStream, command: str, if_exists: bool) -> tuple[str, str] | None:
    """The named database role, refused unless the session's roles own it; None for IF EXISTS on a missing one."""
    access: AccessControl = ctx.engine.access
    database, name = database_role_name(ctx, s.qualified_name(), command)
    if access.database_role(database, name) is None:
        if if_exists:
            return None
        raise missing_database_role(database, name)
    access.require(access.session_roles(ctx.session), "DATABASE_ROLE", (database, name), "OWNERSHIP")
    return database, name


def alter_database_role(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    s = ctx.stream()
    s.expect("ALTER", "DATABASE", "ROLE")
    target = _owned(ctx, s, "ALTER DATABASE ROLE", s.if_exists())
    if target is None:
        return Result.status(OK)
    database, name = target
    record = access.database_role(database, name)
    if s.accept("SET"):
        comment = comment_option(s)
        record["comment"] = comment if comment is not None else record.get("comment", "")
        access.catalog.put("database_roles", (database, name), record)
    elif s.accept("UNSET"):
        s.expect("COMMENT")
        record["comment"] = ""
        access.catalog.put("database_roles", (database, name), record)
    elif s.accept("RENAME", "TO"):
        new_database, new_name = database_role_name(ctx, s.qualified_name(), "ALTER DATABASE ROLE")
        if new_database != database:
            # Emulator wording (the Terraform provider refuses the same client-side: sdk.ErrDifferentDatabase).
            raise SqlError.invalid(f"Database role '{qualified_sql((database, name))}' cannot be renamed into "
                                   f"another database ('{new_database}').")
        if access.database_role(database, new_name) is not None:
            raise SqlError.already_exists(new_name)
        access.rename_database_role(database, name, database, new_name)
    else:
        s.unexpected()
    if not s.at_end():
        s.unexpected()
    return Result.status(OK)


def drop_database_role(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "DATABASE", "ROLE")
    if_exists = s.if_exists()
    target = _owned(ctx, s, "DROP DATABASE ROLE", if_exists)
    if not s.at_end():
        s.unexpected()
    if target is None:
        return Result.status(OK)
    ctx.engine.access.drop_database_role(*target)
    return Result.status(f"{target[1]} successfully dropped.")


# The columns the Terraform provider decodes (pkg/sdk/database_role.go, databaseRoleDBRow), in that order.
SHOW_DATABASE_ROLE_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("is_default"), Column.text("is_current"),
    Column.text("is_inherited"), Column.number("granted_to_roles"), Column.number("granted_to_database_roles"),
    Column.number("granted_database_roles"), Column.text("owner"), Column.text("comment"),
    Column.text("owner_role_type"),
]


def show_database_roles(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    s = ctx.stream()
    s.expect("SHOW", "DATABASE", "ROLES")
    show = ShowFilter(ceiling=ctx.engine.show_row_ceiling)
    if s.accept("LIKE"):
        show.like = like_to_regex(s.string())
    s.expect("IN", "DATABASE")
    database = ctx.database_name(s.qualified_name())
    read_limit(s, show)  # the Terraform provider's showDatabaseRoleOptions sends LIMIT after IN DATABASE
    if not s.at_end():
        s.unexpected()
    _require_database(ctx, database)
    in_session = access.session_roles(ctx.session)
    if not access.holds(in_session, "DATABASE", (database,), "USAGE"):
        raise not_authorized("DATABASE", (database,))
    grants = access.role_grant_records()
    rows = []
    for record in access.database_roles_in(database):
        key = database_role_key(database, record["name"])
        if not show.matches_name(record["name"]):
            continue
        rows.append({
            "created_on": datetime.datetime.fromisoformat(record["created_on"]),
            "name": record["name"],
            "is_default": "N",
            "is_current": "N",  # never a session's role
            "is_inherited": "Y" if key in in_session else "N",
            "granted_to_roles": _count(grants, role=key, grantee_type="ROLE"),
            "granted_to_database_roles": _count(grants, role=key, grantee_type="DATABASE_ROLE"),
            "granted_database_roles": _count(grants, grantee=key, grantee_type="DATABASE_ROLE"),
            "owner": access.owner("DATABASE_ROLE", (database, record["name"])),
            "comment": record.get("comment") or "",
            "owner_role_type": "ROLE",  # ownership is granted to account roles only here
        })
    return show.limit(Result.of(SHOW_DATABASE_ROLE_COLUMNS, rows))


def _count(grants: list[dict[str, Any]], grantee_type: str, role: str | None = None, grantee: str | None = None) -> int:
    return sum(1 for g in grants if g["grantee_type"] == grantee_type and (role is None or g["role"] == role)
               and (grantee is None or g["grantee"] == grantee))


def register(engine: Engine) -> None:
    engine.route("CREATE", "DATABASE ROLE", create_database_role)
    engine.route("ALTER", "DATABASE ROLE", alter_database_role)
    engine.route("DROP", "DATABASE ROLE", drop_database_role)
    engine.route("SHOW", "DATABASE ROLES", show_database_roles)
