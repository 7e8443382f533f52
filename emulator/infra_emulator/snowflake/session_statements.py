"""USE DATABASE / SCHEMA / WAREHOUSE / ROLE, and the session functions fakesnow cannot know."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import SqlError
from .results import Result
from .sqltext import SYMBOL, WORD, quote_literal, tokenize

from .auth import ACCOUNT
from .database_statements import schema_exists

if TYPE_CHECKING:
    from .engine import Context, Engine, Session


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
        ctx.session.role = s.identifier()
    elif s.accept("SECONDARY", "ROLES"):
        s.rest()
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


def substitute_session_functions(text: str, session: Session) -> str:
    """CURRENT_USER() and its kin as literals: DuckDB knows nothing of Snowflake's session."""
    values = {
        "CURRENT_USER": session.user,
        "CURRENT_DATABASE": session.database,
        "CURRENT_SCHEMA": session.schema,
        "CURRENT_ROLE": session.role,
        "CURRENT_WAREHOUSE": session.warehouse,
        "CURRENT_ACCOUNT": ACCOUNT,
        "CURRENT_ACCOUNT_NAME": ACCOUNT,
        "CURRENT_REGION": "AWS_US_EAST_1",
    }
    tokens = tokenize(text)
    out, last = [], 0
    for i, token in enumerate(tokens[:-2]):
        if (token.kind == WORD and token.value.upper() in values and tokens[i + 1].kind == SYMBOL
                and tokens[i + 1].value == "(" and tokens[i + 2].kind == SYMBOL and tokens[i + 2].value == ")"):
            value = values[token.value.upper()]
            out.append(text[last : token.start])
            out.append("NULL" if value is None else quote_literal(value))
            last = tokens[i + 2].end
    out.append(text[last:])
    return "".join(out)


def register(engine: Engine) -> None:
    engine.route("USE", "", use)
