"""USE DATABASE / SCHEMA / WAREHOUSE / ROLE / SECONDARY ROLES, and the session functions fakesnow cannot know.

Roles: USE ROLE and USE SECONDARY ROLES accept the roles granted to the user and those under them in the
hierarchy (privileges.py), as Snowflake refuses a role the user was not granted.
Context functions (docs: sql-reference/functions-context) are replaced by literals before fakesnow sees
the statement: CURRENT_ACCOUNT() (the account locator) and CURRENT_ACCOUNT_NAME() are LOCAL,
CURRENT_ORGANIZATION_NAME() is LOCAL_ORG, CURRENT_REGION() AWS_US_EAST_1 (the local AWS's region),
CURRENT_AVAILABLE_ROLES() a JSON array text, CURRENT_SECONDARY_ROLES() {"roles": ..., "value": ...}
(docs: functions/current_secondary_roles), CURRENT_SESSION() the session's number as text;
IS_ROLE_IN_SESSION('R') and IS_DATABASE_ROLE_IN_SESSION('R') follow the session's roles.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .errors import SqlError
from .results import Result
from .sqltext import STRING, WORD, quote_literal, tokenize

from .auth import ACCOUNT
from .database_statements import schema_exists
from .privileges import database_role_key

if TYPE_CHECKING:
    from .engine import Context, Engine, Session
    from .privileges import AccessControl


def use(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("USE")
    engine = ctx.engine
    if s.accept("WAREHOUSE"):
        name = s.identifier()
        if engine.catalog.get("warehouses", (name,)) is None:
            raise SqlError.does_not_exist("Object", name)
        ctx.session.warehouse = name
    elif s.accept("ROLE"):
        # A database role (DB.R) is never a session's role (docs: security-access-control-overview, "Database
        # roles"): available_roles has none, so USE ROLE DB.R "does not exist or not authorized" as any role not held.
        role = ".".join(s.qualified_name())
        if role not in engine.access.available_roles(ctx.session.user):
            raise SqlError.does_not_exist("Role", role)
        ctx.session.role = role
    elif s.accept("SECONDARY", "ROLES") or s.accept("SECONDARY", "ROLE"):
        ctx.session.secondary_roles = _secondary_roles(s, engine.access.available_roles(ctx.session.user))
    elif s.accept("SCHEMA"):
        database, schema = ctx.schema_name(s.qualified_name(), "USE")
        if not schema_exists(ctx, database, schema):
            raise SqlError.does_not_exist("Object", f"{database}.{schema}")
        ctx.session.database, ctx.session.schema = database, schema
    else:
        s.accept("DATABASE")
        parts = s.qualified_name()
        if len(parts) == 2:
            database, schema = parts
            if not schema_exists(ctx, database, schema):
                raise SqlError.does_not_exist("Object", f"{database}.{schema}")
            ctx.session.database, ctx.session.schema = database, schema
        else:
            database = ctx.database_name(parts, "USE")
            if engine.catalog.get("databases", (database,)) is None:
                raise SqlError.does_not_exist("Object", database)
            ctx.session.database = database
            # Snowflake makes PUBLIC current when the database has one.
            ctx.session.schema = "PUBLIC" if schema_exists(ctx, database, "PUBLIC") else None
    return Result.status("Statement executed successfully.")


ORGANIZATION = "LOCAL_ORG"
REGION = "AWS_US_EAST_1"
def _secondary_roles(s: Any, available: list[str]) -> str:
    if s.accept("ALL"):
        return "ALL"
    if s.accept("NONE"):
        return "NONE"
    roles = []
    while not s.at_end():
        role = s.identifier()
        if role not in available:
            raise SqlError.does_not_exist("Role", role)
        roles.append(role)
        s.accept_symbol(",")
    if not roles:
        s.unexpected()
    return ",".join(roles)


def _session_values(session: Session, access: AccessControl) -> dict[str, str | None]:
    secondary_value = "" if session.secondary_roles == "NONE" else session.secondary_roles
    return {
        "CURRENT_USER": session.user,
        "CURRENT_DATABASE": session.database,
        "CURRENT_SCHEMA": session.schema,
        "CURRENT_ROLE": session.role,
        "CURRENT_WAREHOUSE": session.warehouse,
        "CURRENT_ACCOUNT": ACCOUNT,
        "CURRENT_ACCOUNT_NAME": ACCOUNT,
        "CURRENT_ORGANIZATION_NAME": ORGANIZATION,
        "CURRENT_REGION": REGION,
        "CURRENT_SESSION": str(session.id),
        "CURRENT_AVAILABLE_ROLES": json.dumps(access.available_roles(session.user), separators=(",", ":")),
        "CURRENT_SECONDARY_ROLES": json.dumps({"roles": ",".join(access.secondary_roles(session)),
                                               "value": secondary_value}, separators=(",", ":")),
    }


def _role_in_session(function: str, role: str, session: Session, access: AccessControl) -> bool:
    """IS_ROLE_IN_SESSION('R') asks of account roles; IS_DATABASE_ROLE_IN_SESSION('R') of the session database's
    database role R, a qualified name answering FALSE (docs: functions/is_database_role_in_session)."""
    if function == "IS_ROLE_IN_SESSION":
        return role not in access.database_roles() and role in access.session_roles(session)
    if session.database is None or "." in role:
        return False
    return database_role_key(session.database, role) in access.session_roles(session)


def substitute_session_functions(text: str, session: Session, access: AccessControl) -> str:
    """CURRENT_USER() and its kin, and IS_ROLE_IN_SESSION('R'), as literals: DuckDB knows nothing of the session."""
    values = _session_values(session, access)
    tokens = tokenize(text)
    out, last = [], 0
    i = 0
    while i < len(tokens) - 2:
        token = tokens[i]
        name = token.value.upper() if token.kind == WORD else ""
        if not tokens[i + 1].is_symbol("("):
            i += 1
            continue
        if name in values and tokens[i + 2].is_symbol(")"):
            value = values[name]
            literal = "NULL" if value is None else quote_literal(value)
            end = i + 2
        elif (name in ("IS_ROLE_IN_SESSION", "IS_DATABASE_ROLE_IN_SESSION") and i + 3 < len(tokens)
              and tokens[i + 2].kind == STRING and tokens[i + 3].is_symbol(")")):
            # The argument is a role name as a string: upper-case unless it is quoted inside the string.
            argument = tokens[i + 2].value
            role = argument[1:-1] if argument.startswith('"') and argument.endswith('"') else argument.upper()
            literal = "TRUE" if _role_in_session(name, role, session, access) else "FALSE"
            end = i + 3
        else:
            i += 1
            continue
        out.append(text[last:token.start])
        out.append(literal)
        last = tokens[end].end
        i = end + 1
    out.append(text[last:])
    return "".join(out)


def register(engine: Engine) -> None:
    engine.route("USE", "", use)
