"""GRANT / REVOKE and SHOW GRANTS (docs: sql-reference/sql/grant-privilege, grant-role, grant-ownership,
revoke-privilege, revoke-role, show-grants).

  GRANT { <privilege> [, ...] | ALL [PRIVILEGES] } ON
        { ACCOUNT | <type> <name> | ALL <types> IN { SCHEMA <s> | DATABASE <d> }
                                  | FUTURE <types> IN { SCHEMA <s> | DATABASE <d> } }
        TO [ROLE] <role> [WITH GRANT OPTION]
  REVOKE [GRANT OPTION FOR] ... FROM [ROLE] <role> [RESTRICT | CASCADE]
  GRANT ROLE <role> TO { ROLE <parent> | USER <user> } ; REVOKE ROLE <role> FROM { ROLE <parent> | USER <user> }
  GRANT DATABASE ROLE <db.r> TO { ROLE <parent> | DATABASE ROLE <db.parent> } ; REVOKE DATABASE ROLE ... FROM ...
  GRANT OWNERSHIP ON { <type> <name> | ALL <types> IN ... | FUTURE <types> IN ... } TO [ROLE] <role>
        [ { REVOKE | COPY } CURRENT GRANTS ]
  SHOW GRANTS [ TO ROLE <r> | TO DATABASE ROLE <db.r> | TO USER <u> | OF ROLE <r> | OF DATABASE ROLE <db.r>
              | ON ACCOUNT | ON <type> <name> ]
  SHOW FUTURE GRANTS { IN SCHEMA <s> | IN DATABASE <d> | TO ROLE <r> | TO DATABASE ROLE <db.r> }

Privileges are checked against the object type's list (privileges.PRIVILEGES); one the type does not have is a
syntax error at that word, as Snowflake's grammar reports it (dbt-snowflake's grant tests expect "unexpected").
ALL expands to every privilege of the type, recorded and shown one by one (Terraform provider
grant_privileges_to_account_role reads `all_privileges` back from the individual rows). Granting needs
OWNERSHIP of the object, the privilege WITH GRANT OPTION, or MANAGE GRANTS; future grants and ON ACCOUNT need
MANAGE GRANTS; granting a role needs its OWNERSHIP or MANAGE GRANTS.

Database roles (docs: grant-privilege, grant-database-role, security-access-control-overview "Database roles"):
privileges go TO DATABASE ROLE only on its own database and the schemas and objects in it (the grammar has no
account objects there); a database role goes to account roles and to database roles of its own database, never
to a user. SHOW output spells such a grantee DATABASE_ROLE; grantee_name is the bare role name in privilege rows
(the Terraform provider's grant_privileges_to_database_role compares it with the role's Name()), and in SHOW
GRANTS OF DATABASE ROLE the `role` column and a database-role grantee are qualified DB.R (pkg/sdk/grants_impl.go
parses them as database object identifiers; Titan's list_database_role_grants splits `role` on the dot).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .auth import ACCOUNT
from .errors import SqlError
from .enforcement import TYPE_WORDS, exists, relation_kind
from .database_roles_statements import existing_database_role
from .privileges import (ACCOUNT_LEVEL, PRIVILEGES, ROLE_GRANTEES, SYSTEM_ACCOUNT_PRIVILEGES, SYSTEM_ROLE_GRANTS,
                         AccessControl, created_on, database_role_key, insufficient, not_authorized)
from .results import Column, Result
from .sqltext import WORD, TokenStream, qualified_sql

if TYPE_CHECKING:
    from .engine import Context, Engine

PLURALS = (("EXTERNAL TABLES", "EXTERNAL_TABLE"), ("FILE FORMATS", "FILE_FORMAT"), ("MATERIALIZED VIEWS", "VIEW"),
           ("SCHEMAS", "SCHEMA"), ("TABLES", "TABLE"), ("VIEWS", "VIEW"), ("STAGES", "STAGE"), ("PIPES", "PIPE"))
GRANT_TYPES = (*TYPE_WORDS, ("ROLE", "ROLE"))
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass
class On:
    """What a GRANT is on: one object, all existing ones of a type in a container, or future ones."""

    kind: str
    parts: tuple[str, ...] = ()
    scope: str | None = None  # None (one object), "ALL" or "FUTURE"
    scope_kind: str = ""  # SCHEMA or DATABASE
    scope_parts: tuple[str, ...] = ()


# -- parsing ---------------------------------------------------------------------------------------

def _privileges(s: TokenStream) -> list[tuple[str, int]] | None:
    """The privilege list (each with its position), or None for ALL [PRIVILEGES]."""
    if s.accept("ALL"):
        s.accept("PRIVILEGES")
        return None
    found = []
    while True:
        start = s.peek()
        words = []
        while (token := s.peek()) is not None and token.kind == WORD and not token.is_word("ON"):
            words.append(s.next().value.upper())
        if not words:
            s.unexpected()
        found.append((" ".join(words), start.start))
        if not s.accept_symbol(","):
            return found


def _type(s: TokenStream, types: tuple[tuple[str, str], ...]) -> str:
    kind = next((k for words, k in types if s.accept(*words.split())), None)
    if kind is None:
        s.unexpected()
    return kind  # type: ignore[return-value]


def _on(ctx: Context, s: TokenStream) -> On:
    s.expect("ON")
    if s.accept("ACCOUNT"):
        return On("ACCOUNT")
    for scope in ("ALL", "FUTURE"):
        if s.accept(scope):
            kind = _type(s, PLURALS)
            s.expect("IN")
            if s.accept("DATABASE"):
                return On(kind, scope=scope, scope_kind="DATABASE", scope_parts=(ctx.database_name(s.qualified_name()),))
            s.expect("SCHEMA")
            return On(kind, scope=scope, scope_kind="SCHEMA", scope_parts=ctx.schema_name(s.qualified_name(), "GRANT"))
    kind = _type(s, GRANT_TYPES)
    parts = s.qualified_name()
    if kind in ("DATABASE", "WAREHOUSE", "INTEGRATION", "USER", "ROLE"):
        return On(kind, (ctx.database_name(parts),))
    if kind == "SCHEMA":
        return On(kind, ctx.schema_name(parts, "GRANT"))
    return On(kind, ctx.object_name(parts, "GRANT"))


def _validate(ctx: Context, kind: str, privileges: list[tuple[str, int]] | None) -> list[str]:
    allowed = PRIVILEGES[kind]
    if privileges is None:
        return list(allowed)
    names = []
    for name, position in privileges:
        if name not in allowed and not (name == "OWNERSHIP" and kind != "ACCOUNT"):
            raise SqlError.syntax(f"unexpected '{ctx.text[position:position + len(name.split()[0])]}'", position)
        names.append(name)
    return names


def _all_privileges(ctx: Context, kind: str, parts: tuple[str, ...]) -> list[str]:
    """What ALL means on one object: the type's privileges; on a stage USAGE if external, READ and WRITE if
    internal (docs: security-access-control-privileges, "Stage privileges")."""
    if kind == "STAGE":
        record = ctx.engine.catalog.get("stages", parts) or {}
        return ["USAGE"] if record.get("url") else ["READ", "WRITE"]
    return list(PRIVILEGES[kind])


# -- whom a grant may be given by ----------------------------------------------------------------

def _objects(ctx: Context, on: On) -> list[tuple[str, tuple[str, ...]]]:
    """The existing objects a GRANT names; a missing one is 002003."""
    access: AccessControl = ctx.engine.access
    roles = access.session_roles(ctx.session)
    if on.scope is None:
        kind = on.kind
        if kind in ("TABLE", "VIEW", "EXTERNAL_TABLE"):
            # ON TABLE also names a view or external table in Snowflake's grammar for SELECT; keep the real type.
            kind = relation_kind(ctx, on.parts) or kind
        if on.kind != "ACCOUNT" and not exists(ctx, kind, on.parts):
            raise not_authorized(on.kind, on.parts)
        if on.kind != "ACCOUNT" and not (access.visible(roles, kind, on.parts) or access.manages_grants(roles)):
            raise not_authorized(on.kind, on.parts)
        return [(kind, on.parts)]
    if not exists(ctx, on.scope_kind, on.scope_parts):
        raise not_authorized(on.scope_kind, on.scope_parts)
    return [(on.kind, parts) for parts in _contained(ctx, on.kind, on.scope_kind, on.scope_parts)]


def _contained(ctx: Context, kind: str, scope_kind: str, scope: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Existing objects of a type in a schema or database (GRANT ... ON ALL)."""
    if kind == "SCHEMA":
        from .database_statements import duck_schemas

        return [(scope[0], s) for s in duck_schemas(ctx, scope[0]) if s != "INFORMATION_SCHEMA"]
    if kind in ("TABLE", "VIEW"):
        source = "duckdb_tables()" if kind == "TABLE" else "duckdb_views()"
        column = "table_name" if kind == "TABLE" else "view_name"
        where = "database_name = ?" + (" AND schema_name = ?" if scope_kind == "SCHEMA" else "")
        rows = ctx.duck(f"SELECT database_name, schema_name, {column} FROM {source} WHERE {where} "
                        "AND NOT internal AND schema_name NOT IN ('information_schema', 'INFORMATION_SCHEMA')",
                        list(scope))
        found = [tuple(r) for r in rows if not str(r[2]).startswith("_")]
        if kind == "TABLE":
            found = [p for p in found if ctx.engine.catalog.get("external_tables", p) is None]
        return sorted(found)  # type: ignore[arg-type]
    section = {"STAGE": "stages", "FILE_FORMAT": "file_formats", "PIPE": "pipes", "EXTERNAL_TABLE": "external_tables"}
    records = ctx.engine.catalog.values(section[kind])
    return sorted(tuple(r["parts"]) for r in records if tuple(r["parts"])[: len(scope)] == scope)


def _may_grant(ctx: Context, kind: str, parts: tuple[str, ...], privileges: list[str]) -> None:
    access: AccessControl = ctx.engine.access
    roles = access.session_roles(ctx.session)
    if access.manages_grants(roles):
        return
    if kind == "ACCOUNT":
        raise insufficient("ACCOUNT", ())
    if access.owns_everything(roles) or access.owner(kind, parts) in roles:
        return
    with_option = {g["privilege"] for g in access.grants_on(kind, parts) if g["role"] in roles and g["grant_option"]}
    if "OWNERSHIP" in privileges or not set(privileges) <= with_option:
        raise insufficient(kind, parts)


def _role(ctx: Context, name: str) -> str:
    if not ctx.engine.access.role_exists(name):
        raise SqlError.does_not_exist("Role", name)
    return name


def _grantee(ctx: Context, s: TokenStream) -> tuple[str, tuple[str, str] | None]:
    """`[ROLE] <role>` or `DATABASE ROLE <db.r>`: the role's key, and the database role's (database, name)."""
    if s.accept("DATABASE", "ROLE"):
        database_role = existing_database_role(ctx, s, "GRANT")
        return database_role_key(*database_role), database_role
    s.accept("ROLE")
    return _role(ctx, s.identifier()), None


def _to_database_role(on: On, names: list[str], database_role: tuple[str, str] | None) -> None:
    """A database role takes privileges on its own database and what is in it, never ownership here.
    (Emulator wording: Snowflake's grammar has no account objects after TO DATABASE ROLE.)"""
    if database_role is None:
        return
    database, name = database_role
    if on.kind == "ACCOUNT" or on.kind in ACCOUNT_LEVEL and on.kind != "DATABASE":
        raise SqlError.unsupported(f"privileges on {'the account' if on.kind == 'ACCOUNT' else on.kind.lower()} "
                                   "granted to a database role")
    if (on.scope_parts if on.scope else on.parts)[0] != database:
        raise SqlError.invalid(f"Database role '{database_role_key(database, name)}' can only be granted privileges "
                               f"on database '{database}' and the objects in it.")
    if "OWNERSHIP" in names:
        raise SqlError.unsupported("OWNERSHIP granted to a database role")


# -- GRANT / REVOKE ------------------------------------------------------------------------------

def grant(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("GRANT")
    if s.accept("ROLE"):
        return _role_grant(ctx, s, grant=True)
    if s.accept("DATABASE", "ROLE"):
        return _database_role_grant(ctx, s, grant=True)
    if s.peek_words("OWNERSHIP", "ON"):
        s.expect("OWNERSHIP")
        return _ownership(ctx, s)
    privileges = _privileges(s)
    on = _on(ctx, s)
    s.expect("TO")
    role, database_role = _grantee(ctx, s)
    grant_option = s.accept("WITH", "GRANT", "OPTION")
    if not s.at_end():
        s.unexpected()
    names = _validate(ctx, on.kind, privileges)
    _to_database_role(on, names, database_role)
    access: AccessControl = ctx.engine.access
    granted_by = ctx.session.role
    if on.scope == "FUTURE":
        if not access.manages_grants(access.session_roles(ctx.session)):
            raise insufficient(on.scope_kind, on.scope_parts)
        if not exists(ctx, on.scope_kind, on.scope_parts):
            raise not_authorized(on.scope_kind, on.scope_parts)
        for name in names:
            access.add_future_grant({"role": role, "privilege": name, "kind": on.kind, "scope_kind": on.scope_kind,
                                     "scope_parts": list(on.scope_parts), "grant_option": grant_option,
                                     "granted_by": granted_by, "created_on": _now()})
        return Result.status("Statement executed successfully.")
    for kind, parts in _objects(ctx, on):
        allowed = _all_privileges(ctx, kind, parts) if privileges is None else names
        _may_grant(ctx, kind, parts, allowed)
        for name in allowed:
            if name == "OWNERSHIP":
                access.set_owner(kind, parts, role, granted_by)
            else:
                access.add_grant(role, name, kind, parts, grant_option, granted_by)
    return Result.status("Statement executed successfully.")


def revoke(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("REVOKE")
    if s.accept("ROLE"):
        return _role_grant(ctx, s, grant=False)
    if s.accept("DATABASE", "ROLE"):
        return _database_role_grant(ctx, s, grant=False)
    option_only = s.accept("GRANT", "OPTION", "FOR")
    privileges = _privileges(s)
    on = _on(ctx, s)
    s.expect("FROM")
    role, database_role = _grantee(ctx, s)
    s.accept("RESTRICT") or s.accept("CASCADE")
    if not s.at_end():
        s.unexpected()
    names = _validate(ctx, on.kind, privileges)
    _to_database_role(on, names, database_role)
    access: AccessControl = ctx.engine.access
    if on.scope == "FUTURE":
        if not access.manages_grants(access.session_roles(ctx.session)):
            raise insufficient(on.scope_kind, on.scope_parts)
        for name in names:
            access.remove_future_grant({"role": role, "privilege": name, "kind": on.kind, "scope_kind": on.scope_kind,
                                        "scope_parts": list(on.scope_parts)})
        return Result.status("Statement executed successfully.")
    for kind, parts in _objects(ctx, on):
        allowed = _all_privileges(ctx, kind, parts) if privileges is None else names
        _may_grant(ctx, kind, parts, [n for n in allowed if n != "OWNERSHIP"])
        for name in allowed:
            existing = ctx.engine.catalog.get("grants", (role, name, kind, *parts))
            if existing is None:
                continue  # revoking what was never granted succeeds, as in Snowflake
            if option_only:
                access.add_grant(role, name, kind, parts, False, existing["granted_by"])
                existing = ctx.engine.catalog.get("grants", (role, name, kind, *parts))
                existing["grant_option"] = False
                ctx.engine.catalog.put("grants", (role, name, kind, *parts), existing)
            else:
                access.remove_grant(role, name, kind, parts)
    return Result.status("Statement executed successfully.")


def _role_grant(ctx: Context, s: TokenStream, grant: bool) -> Result:
    access: AccessControl = ctx.engine.access
    role = _role(ctx, s.identifier())
    s.expect("TO" if grant else "FROM")
    if s.accept("USER"):
        grantee_type, grantee = "USER", s.identifier()
        if ctx.engine.users.get(grantee) is None:
            raise SqlError.does_not_exist("User", grantee)
    else:
        s.accept("ROLE")
        grantee_type, grantee = "ROLE", _role(ctx, s.identifier())
    if not s.at_end():
        s.unexpected()
    return _change_role_grant(ctx, ("ROLE", (role,)), grantee_type, grantee, grant)


def _database_role_grant(ctx: Context, s: TokenStream, grant: bool) -> Result:
    """GRANT DATABASE ROLE db.r TO { ROLE r | DATABASE ROLE db.r2 } (docs: grant-database-role: "in the same
    database"; database roles "cannot be granted directly to users", so TO USER is outside the grammar)."""
    command = "GRANT DATABASE ROLE" if grant else "REVOKE DATABASE ROLE"
    database, name = existing_database_role(ctx, s, command)
    s.expect("TO" if grant else "FROM")
    if s.accept("DATABASE", "ROLE"):
        parent = existing_database_role(ctx, s, command)
        if parent[0] != database:
            # Emulator wording for what the docs forbid.
            raise SqlError.invalid(f"Database role '{database_role_key(database, name)}' can only be granted to "
                                   f"account roles and to database roles of database '{database}'.")
        grantee_type, grantee = "DATABASE_ROLE", database_role_key(*parent)
    else:
        s.expect("ROLE")
        grantee_type, grantee = "ROLE", _role(ctx, s.identifier())
    if not s.at_end():
        s.unexpected()
    return _change_role_grant(ctx, ("DATABASE_ROLE", (database, name)), grantee_type, grantee, grant)


def _change_role_grant(ctx: Context, granted: tuple[str, tuple[str, ...]], grantee_type: str, grantee: str,
                       grant: bool) -> Result:
    """Grants or revokes a role (ROLE, (r,)) or database role (DATABASE_ROLE, (db, r)): the session must own it
    or hold MANAGE GRANTS, and the grant may not close a cycle."""
    access: AccessControl = ctx.engine.access
    kind, parts = granted
    role = parts[0] if kind == "ROLE" else database_role_key(*parts)
    roles = access.session_roles(ctx.session)
    if not (access.manages_grants(roles) or access.owner(kind, parts) in roles):
        raise insufficient(kind, parts)
    if grantee_type in ROLE_GRANTEES and grantee != "PUBLIC" and grantee in access.inherited([role]):
        word = "role" if kind == "ROLE" else "database role"
        grantee_word = "role" if grantee_type == "ROLE" else "database role"
        raise SqlError("003013", "42601", f"SQL compilation error:\nGranting {word} '{role}' to {grantee_word} "
                       f"'{grantee}' would create a cycle in the role hierarchy.")
    if grant:
        access.grant_role(role, grantee_type, grantee, ctx.session.role)
    else:
        access.revoke_role(role, grantee_type, grantee)
    return Result.status("Statement executed successfully.")


def _ownership(ctx: Context, s: TokenStream) -> Result:
    """GRANT OWNERSHIP: the new owner; the object's grants are kept (COPY), dropped (REVOKE), or, with neither,
    the transfer is refused while grants exist (docs: grant-ownership, "Usage notes")."""
    access: AccessControl = ctx.engine.access
    on = _on(ctx, s)
    s.expect("TO")
    if s.peek_words("DATABASE", "ROLE"):
        raise SqlError.unsupported("OWNERSHIP granted to a database role")  # not emulated: database roles own nothing
    s.accept("ROLE")
    role = _role(ctx, s.identifier())
    mode = "COPY" if s.accept("COPY", "CURRENT", "GRANTS") else "REVOKE" if s.accept("REVOKE", "CURRENT", "GRANTS") \
        else None
    if not s.at_end():
        s.unexpected()
    if on.scope == "FUTURE":
        if not access.manages_grants(access.session_roles(ctx.session)):
            raise insufficient(on.scope_kind, on.scope_parts)
        access.add_future_grant({"role": role, "privilege": "OWNERSHIP", "kind": on.kind, "scope_kind": on.scope_kind,
                                 "scope_parts": list(on.scope_parts), "grant_option": False,
                                 "granted_by": ctx.session.role, "created_on": _now()})
        return Result.status("Statement executed successfully.")
    for kind, parts in _objects(ctx, on):
        _may_grant(ctx, kind, parts, ["OWNERSHIP"])
        if access.owner(kind, parts) == role:
            continue  # a move to the owning role is never blocked and changes nothing
        grants = sorted(access.grants_on(kind, parts), key=lambda g: (g["role"], g["privilege"]))
        if grants and mode is None:
            first = grants[0]
            raise SqlError("003036", "23001", f"SQL execution error: Dependent grant of privilege "
                           f"'{first['privilege']}' on securable '{qualified_sql(parts)}' to role '{first['role']}' "
                           "exists.  It must be revoked first.  More than one dependent grant may exist: use 'SHOW "
                           "GRANTS' command to view them.  To revoke all dependent grants while transferring object "
                           "ownership, use convenience command 'GRANT OWNERSHIP ON <target_objects> TO "
                           "<target_role> REVOKE CURRENT GRANTS'.")
        for record in grants:
            access.remove_grant(record["role"], record["privilege"], kind, parts)
            if mode == "COPY":
                # Kept, and recorded from now on as granted by the new owner.
                access.add_grant(record["role"], record["privilege"], kind, parts, record["grant_option"], role)
        access.set_owner(kind, parts, role, ctx.session.role)
    return Result.status("Statement executed successfully.")


def _now() -> str:
    from .catalog import now_iso

    return now_iso()


# -- SHOW GRANTS ---------------------------------------------------------------------------------

GRANT_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("privilege"), Column.text("granted_on"), Column.text("name"),
    Column.text("granted_to"), Column.text("grantee_name"), Column.text("grant_option"), Column.text("granted_by"),
]
ROLE_GRANT_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("role"), Column.text("granted_to"), Column.text("grantee_name"),
    Column.text("granted_by"),
]
FUTURE_GRANT_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("privilege"), Column.text("grant_on"), Column.text("name"),
    Column.text("grant_to"), Column.text("grantee_name"), Column.text("grant_option"),
]


def _object_name(kind: str, parts: tuple[str, ...]) -> str:
    return ACCOUNT if kind == "ACCOUNT" else qualified_sql(parts)


def _privilege_rows(access: AccessControl, role: str | None = None,
                    on: tuple[str, tuple[str, ...]] | None = None) -> list[dict[str, Any]]:
    """Privilege rows (OWNERSHIP included) held by `role`, or on the object `on`."""
    rows = []
    database_roles = access.database_roles()

    def add(when: datetime.datetime, privilege: str, kind: str, parts: tuple[str, ...], grantee: str,
            option: bool, by: str) -> None:
        if role is not None and grantee != role or on is not None and (kind, parts) != on:
            return
        granted_to, grantee_name = _grantee_columns(database_roles, grantee)
        rows.append({"created_on": when, "privilege": privilege, "granted_on": kind, "name": _object_name(kind, parts),
                     "granted_to": granted_to, "grantee_name": grantee_name,
                     "grant_option": "true" if option else "false", "granted_by": by})

    for system_role, privileges in SYSTEM_ACCOUNT_PRIVILEGES.items():
        for privilege in privileges:
            add(EPOCH, privilege, "ACCOUNT", (), system_role, system_role == "ACCOUNTADMIN", "")
    for child, parent in SYSTEM_ROLE_GRANTS:
        add(EPOCH, "USAGE", "ROLE", (child,), parent, False, "")
    for record in access.role_grant_records():
        if record["grantee_type"] in ROLE_GRANTEES:
            # A database role held by a role shows as USAGE on DATABASE_ROLE DB.R (Terraform provider grants.go
            # reads granted_on with "_" as " ": ObjectTypeDatabaseRole).
            granted = ("DATABASE_ROLE", database_roles[record["role"]]) if record["role"] in database_roles \
                else ("ROLE", (record["role"],))
            add(created_on(record), "USAGE", *granted, record["grantee"], False, record["granted_by"])
    for record in access.grant_records():
        add(created_on(record), record["privilege"], record["kind"], tuple(record["parts"]), record["role"],
            record["grant_option"], record["granted_by"])
    for record in access.catalog.values("owners"):
        add(created_on(record), "OWNERSHIP", record["kind"], tuple(record["parts"]), record["owner"], True,
            record.get("granted_by") or record["owner"])
    if on is not None and on[0] != "ACCOUNT" and access.catalog.get("owners", (on[0], *on[1])) is None \
            and access.owner(*on):
        add(EPOCH, "OWNERSHIP", on[0], on[1], access.owner(*on), True, access.owner(*on))
    rows.sort(key=lambda r: (r["created_on"], r["granted_on"], r["name"], r["privilege"]))
    return rows


def _grantee_columns(database_roles: dict[str, tuple[str, str]], grantee: str) -> tuple[str, str]:
    """granted_to and grantee_name of a privilege held by an account role or a database role (the bare name)."""
    if grantee in database_roles:
        return "DATABASE_ROLE", database_roles[grantee][1]
    return "ROLE", grantee


def _role_rows(access: AccessControl, role: str | None = None, user: str | None = None) -> list[dict[str, Any]]:
    rows = []
    records = [*({"role": c, "grantee_type": "ROLE", "grantee": p, "granted_by": "", "created_on": None}
                 for c, p in SYSTEM_ROLE_GRANTS), *access.role_grant_records()]
    if user == "DEPLOYER" or role == "ACCOUNTADMIN":
        records.append({"role": "ACCOUNTADMIN", "grantee_type": "USER", "grantee": "DEPLOYER", "granted_by": "",
                        "created_on": None})
    for record in records:
        if role is not None and record["role"] != role:
            continue
        if user is not None and (record["grantee_type"] != "USER" or record["grantee"] != user):
            continue
        rows.append({"created_on": created_on(record), "role": record["role"], "granted_to": record["grantee_type"],
                     "grantee_name": record["grantee"], "granted_by": record["granted_by"]})
    return rows


def _future_rows(access: AccessControl, role: str | None = None,
                 scope: tuple[str, tuple[str, ...]] | None = None) -> list[dict[str, Any]]:
    rows = []
    database_roles = access.database_roles()
    for record in access.catalog.values("future_grants"):
        if role is not None and record["role"] != role:
            continue
        if scope is not None and (record["scope_kind"], tuple(record["scope_parts"])) != scope:
            continue
        grant_to, grantee_name = _grantee_columns(database_roles, record["role"])
        rows.append({"created_on": created_on(record), "privilege": record["privilege"], "grant_on": record["kind"],
                     "name": f"{qualified_sql(record['scope_parts'])}.<{record['kind']}>", "grant_to": grant_to,
                     "grantee_name": grantee_name, "grant_option": "true" if record["grant_option"] else "false"})
    rows.sort(key=lambda r: (r["name"], r["privilege"], r["grantee_name"]))
    return rows


def _shown_role(ctx: Context, s: TokenStream) -> str:
    """The role of SHOW [FUTURE] GRANTS TO { ROLE r | DATABASE ROLE db.r }: one the session holds or owns, or any
    with MANAGE GRANTS."""
    access: AccessControl = ctx.engine.access
    if s.accept("DATABASE", "ROLE"):
        kind, parts = "DATABASE_ROLE", existing_database_role(ctx, s, "SHOW GRANTS")
        role = database_role_key(*parts)
    else:
        s.expect("ROLE")
        role = _role(ctx, s.identifier())
        kind, parts = "ROLE", (role,)
    roles = access.session_roles(ctx.session)
    if role not in roles and access.owner(kind, parts) not in roles and not access.manages_grants(roles):
        raise insufficient(kind, parts)
    return role


def show_grants(ctx: Context) -> Result:
    access: AccessControl = ctx.engine.access
    s = ctx.stream()
    s.expect("SHOW")
    if s.accept("FUTURE", "GRANTS"):
        if s.accept("TO"):
            return Result.of(FUTURE_GRANT_COLUMNS, _future_rows(access, role=_shown_role(ctx, s)))
        s.expect("IN")
        if s.accept("DATABASE"):
            scope: tuple[str, tuple[str, ...]] = ("DATABASE", (ctx.database_name(s.qualified_name()),))
        else:
            s.expect("SCHEMA")
            scope = ("SCHEMA", ctx.schema_name(s.qualified_name(), "SHOW"))
        if not exists(ctx, *scope):
            raise not_authorized(*scope)
        return Result.of(FUTURE_GRANT_COLUMNS, _future_rows(access, scope=scope))
    s.expect("GRANTS")
    if s.peek_words("TO", "ROLE") or s.peek_words("TO", "DATABASE", "ROLE"):
        s.expect("TO")
        return Result.of(GRANT_COLUMNS, _privilege_rows(access, role=_shown_role(ctx, s)))
    if s.accept("OF", "ROLE"):
        role = _role(ctx, s.identifier())
        return Result.of(ROLE_GRANT_COLUMNS, _role_rows(access, role=role))
    if s.accept("OF", "DATABASE", "ROLE"):
        role = database_role_key(*existing_database_role(ctx, s, "SHOW GRANTS"))
        return Result.of(ROLE_GRANT_COLUMNS, _role_rows(access, role=role))
    if s.at_end() or s.accept("TO", "USER"):
        user = ctx.session.user if s.at_end() else s.identifier()
        if ctx.engine.users.get(user) is None:
            raise SqlError.does_not_exist("User", user)
        return Result.of(ROLE_GRANT_COLUMNS, _role_rows(access, user=user))
    on = _on(ctx, s)
    if on.scope is not None:
        s.unexpected()
    kind, parts = _objects(ctx, on)[0] if on.kind != "ACCOUNT" else ("ACCOUNT", ())
    return Result.of(GRANT_COLUMNS, _privilege_rows(access, on=(kind, parts)))


def register(engine: Engine) -> None:
    engine.route("GRANT", "", grant)
    engine.route("REVOKE", "", revoke)
    engine.route("SHOW", "GRANTS", show_grants)
    engine.route("SHOW", "FUTURE GRANTS", show_grants)

