"""CREATE / ALTER / DROP / SHOW ROLES (docs: sql-reference/sql/create-role, alter-role, drop-role, show-roles).

  CREATE [OR REPLACE] ROLE [IF NOT EXISTS] <name> [COMMENT = '<text>']     needs CREATE ROLE on the account
  ALTER ROLE [IF EXISTS] <name> SET COMMENT = '<text>' | UNSET COMMENT | RENAME TO <new>   needs OWNERSHIP
  DROP ROLE [IF EXISTS] <name>      needs OWNERSHIP; what the role owned passes to the dropping role
  SHOW ROLES [LIKE '<pattern>']     every role of the account

The creating session's primary role owns the new role (it is not granted to it: GRANT ROLE does that).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .catalog import now_iso
from .errors import SqlError
from .privileges import SYSTEM_ROLE_COMMENTS, SYSTEM_ROLES, AccessControl, insufficient
from .results import Column, Result
from .show import ShowFilter, read_limit
from .sqltext import like_to_regex

if TYPE_CHECKING:
    from .engine import Context, Engine

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def comment_option(s: Any) -> str | None:
    """The statement's remaining options: COMMENT = '…' alone."""
    options = s.options_until()
    unknown = set(options) - {"COMMENT"}
    if unknown:
        raise SqlError.syntax(f"unexpected '{sorted(unknown)[0]}'")
    return str(options["COMMENT"]) if "COMMENT" in options else None


def create_role(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.expect("ROLE")
    if_not_exists = s.if_not_exists()
    name = s.identifier()
    comment = comment_option(s)
    access.require(access.primary_roles(ctx.session), "ACCOUNT", (), "CREATE ROLE")
    if name in access.database_roles():
        raise SqlError.already_exists(name)  # grants name database roles DB.R: an account role may not share it
    if access.role_exists(name):
        if if_not_exists and not replace:
            return Result.status(f"{name} already exists, statement succeeded.")
        if not replace or name in SYSTEM_ROLES:
            raise SqlError.already_exists(name)
        access.require(access.session_roles(ctx.session), "ROLE", (name,), "OWNERSHIP")
        access.drop_role(name, ctx.session.role)
    ctx.engine.catalog.put("roles", (name,), {"name": name, "comment": comment or "", "created_on": now_iso()})
    access.set_owner("ROLE", (name,), ctx.session.role, ctx.session.role)
    return Result.status(f"Role {name} successfully created.")


def _owned_role(ctx: Context, name: str, if_exists: bool) -> bool:
    """Whether the role exists; refused unless the session owns it."""
    access: AccessControl = ctx.engine.access
    if not access.role_exists(name):
        if if_exists:
            return False
        raise SqlError.does_not_exist("Role", name)
    if name in SYSTEM_ROLES:
        raise insufficient("ROLE", (name,))
    access.require(access.session_roles(ctx.session), "ROLE", (name,), "OWNERSHIP")
    return True


def alter_role(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    catalog = ctx.engine.catalog
    s = ctx.stream()
    s.expect("ALTER", "ROLE")
    if_exists = s.if_exists()
    name = s.identifier()
    if not _owned_role(ctx, name, if_exists):
        return Result.status("Statement executed successfully.")
    record = catalog.get("roles", (name,))
    if s.accept("SET"):
        comment = comment_option(s)
        record["comment"] = comment if comment is not None else record.get("comment", "")
        catalog.put("roles", (name,), record)
    elif s.accept("UNSET"):
        s.expect("COMMENT")
        record["comment"] = ""
        catalog.put("roles", (name,), record)
    elif s.accept("RENAME", "TO"):
        new_name = s.identifier()
        if access.role_exists(new_name):
            raise SqlError.already_exists(new_name)
        _rename(access, name, new_name)
    else:
        s.unexpected()
    return Result.status("Statement executed successfully.")


def _rename(access: AccessControl, old: str, new: str) -> None:
    """Every record naming the role follows it."""
    record = access.catalog.remove("roles", (old,))
    record["name"] = new
    access.catalog.put("roles", (new,), record)
    access.rename_object("ROLE", (old,), (new,))
    access.rename_role(old, new)


def drop_role(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "ROLE")
    if_exists = s.if_exists()
    name = s.identifier()
    if _owned_role(ctx, name, if_exists):
        ctx.engine.access.drop_role(name, ctx.session.role)
    return Result.status(f"{name} successfully dropped.")


SHOW_ROLE_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("is_default"), Column.text("is_current"),
    Column.text("is_inherited"), Column.number("assigned_to_users"), Column.number("granted_to_roles"),
    Column.number("granted_roles"), Column.text("owner"), Column.text("comment"),
]


def show_roles(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    show = _show_filter(ctx)
    records = {name: {"name": name, "comment": SYSTEM_ROLE_COMMENTS[name], "created_on": None}
               for name in SYSTEM_ROLES}
    records.update({r["name"]: r for r in access.role_records()})
    grants = access.role_grant_records()
    in_session = access.session_roles(ctx.session)
    default_role = (ctx.engine.users.get(ctx.session.user) or {}).get("default_role")
    rows = []
    for name, record in sorted(records.items()):
        if not show.matches_name(name):
            continue
        rows.append({
            "created_on": datetime.datetime.fromisoformat(record["created_on"]) if record["created_on"] else EPOCH,
            "name": name,
            "is_default": "Y" if name == default_role else "N",
            "is_current": "Y" if name == ctx.session.role else "N",
            "is_inherited": "Y" if name in in_session and name != ctx.session.role else "N",
            "assigned_to_users": sum(1 for g in grants if g["role"] == name and g["grantee_type"] == "USER"),
            "granted_to_roles": sum(1 for g in grants if g["role"] == name and g["grantee_type"] == "ROLE"),
            "granted_roles": len(access.granted_to_role(name) - set(access.database_roles())),
            "owner": access.owner("ROLE", (name,)),
            "comment": record.get("comment") or "",
        })
    return show.limit(Result.of(SHOW_ROLE_COLUMNS, rows))


def _show_filter(ctx: Context) -> ShowFilter:
    """SHOW ROLES [LIKE '<pattern>'] [IN ACCOUNT] [STARTS WITH '<prefix>'] [LIMIT <n> [FROM '<name>']] (Titan's
    data_provider lists roles with IN ACCOUNT)."""
    s = ctx.stream()
    s.expect("SHOW", "ROLES")
    show = ShowFilter(ceiling=ctx.engine.show_row_ceiling)
    if s.accept("LIKE"):
        show.like = like_to_regex(s.string())
    s.accept("IN", "ACCOUNT")
    if s.accept("STARTS", "WITH"):
        show.starts_with = s.string()
    read_limit(s, show)
    if not s.at_end():
        s.unexpected()
    return show


def register(engine: Engine) -> None:
    engine.route("CREATE", "ROLE", create_role)
    engine.route("ALTER", "ROLE", alter_role)
    engine.route("DROP", "ROLE", drop_role)
    engine.route("SHOW", "ROLES", show_roles)
