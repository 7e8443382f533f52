"""The SQL engine both front ends share: one statement in, one `Result` out.

Statements are routed by their leading keywords. What fakesnow does right (queries, DML, table columns)
goes to fakesnow over the persistent DuckDB; what it lacks or does differently (account objects,
stages, pipes, COPY from S3, the properties SHOW/DESC report) is handled by the emulator's modules over
its own catalog. All statements run one at a time under one lock, as one warehouse would serialise them.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb
import snowflake.connector.errors
from fakesnow.conn import FakeSnowflakeConnection

from . import enforcement, statements
from .auth import Users
from .s3access import AwsAccess
from .catalog import Catalog
from .duck import PersistentFakeSnow, is_read_only, set_context
from .errors import SqlError
from .external_table_statements import refresh_referenced
from .identifier_function import resolve_identifiers
from .privileges import AccessControl
from .result_types import declared_result_types
from .results import Result, result_from_arrow
from .session_statements import substitute_session_functions
from .sqltext import WORD, TokenStream, tokenize

Handler = Callable[["Context"], Result]

# CURRENT_SESSION() and the connector's sessionId: numbers, unique in the server's run.
_session_ids = itertools.count(int(time.time()) * 1000)


@dataclass
class Session:
    """What a statement runs in: the current database, schema and warehouse, and the user."""

    user: str
    database: str | None = None
    schema: str | None = None
    warehouse: str | None = None
    role: str = "ACCOUNTADMIN"
    fake: FakeSnowflakeConnection | None = None
    # USE SECONDARY ROLES: 'ALL' (a new user's DEFAULT_SECONDARY_ROLES), 'NONE', or a list of roles.
    secondary_roles: str = "ALL"
    id: int = field(default_factory=lambda: next(_session_ids))

    def close(self) -> None:
        if self.fake is not None:
            self.fake.close()
            self.fake = None


class Cancellation:
    """Set by a timeout or a cancel request; a running DuckDB query is interrupted through it."""

    def __init__(self) -> None:
        self.reason: SqlError | None = None
        self._lock = threading.Lock()
        self._interrupt: Callable[[], None] | None = None

    def cancel(self, reason: SqlError) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
            if self._interrupt is not None:
                self._interrupt()

    def running(self, interrupt: Callable[[], None] | None) -> None:
        with self._lock:
            self._interrupt = interrupt

    def check(self) -> None:
        if self.reason is not None:
            raise self.reason


@dataclass
class Context:
    """One statement being executed, with the helpers handlers share."""

    engine: Engine
    session: Session
    text: str
    params: list[Any] | None = None
    cancellation: Cancellation = field(default_factory=Cancellation)

    def stream(self) -> TokenStream:
        return TokenStream(self.text)

    # -- names ---------------------------------------------------------------------------------
    def database_name(self, parts: tuple[str, ...], command: str = "this statement") -> str:
        if len(parts) == 1:
            return parts[0]
        raise SqlError.invalid(f"invalid database name '{'.'.join(parts)}'")

    def schema_name(self, parts: tuple[str, ...], command: str = "this statement") -> tuple[str, str]:
        if len(parts) == 2:
            return parts[0], parts[1]
        if len(parts) == 1:
            if self.session.database is None:
                raise SqlError.no_current("database", command)
            return self.session.database, parts[0]
        raise SqlError.invalid(f"invalid schema name '{'.'.join(parts)}'")

    def object_name(self, parts: tuple[str, ...], command: str = "this statement") -> tuple[str, str, str]:
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        if len(parts) == 2:
            if self.session.database is None:
                raise SqlError.no_current("database", command)
            return self.session.database, parts[0], parts[1]
        if len(parts) == 1:
            if self.session.database is None:
                raise SqlError.no_current("database", command)
            if self.session.schema is None:
                raise SqlError.no_current("schema", command)
            return self.session.database, self.session.schema, parts[0]
        raise SqlError.invalid(f"invalid object name '{'.'.join(parts)}'")

    # -- running SQL -----------------------------------------------------------------------------
    def fakesnow(self, text: str | None = None, params: list[Any] | None = None) -> Result:
        """Runs a statement through fakesnow in this session and returns its result."""
        if text is None:
            text, params = self.text, self.params
        return self.engine.run_fakesnow(self, text, params)

    def duck(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        return self.engine.fakesnow.query(sql, params)


def _statement_kind(tokens: list) -> tuple[str, str]:
    """(command, object kind) from a statement's leading keywords, e.g. ('CREATE', 'STORAGE INTEGRATION')."""
    words = [t.value.upper() if t.kind == WORD else "" for t in tokens[:12]]
    if not words:
        return "", ""
    command = {"DESCRIBE": "DESC", "LS": "LIST"}.get(words[0], words[0])
    rest = words[1:]
    if command == "CREATE":
        if rest[:2] == ["OR", "REPLACE"]:
            rest = rest[2:]
        while rest and rest[0] in ("TRANSIENT", "TEMPORARY", "TEMP", "VOLATILE", "LOCAL", "GLOBAL", "SECURE"):
            rest = rest[1:]
    if command == "SHOW" and rest[:1] == ["TERSE"]:
        rest = rest[1:]
    kinds = (
        "STORAGE INTEGRATIONS", "STORAGE INTEGRATION", "EXTERNAL TABLES", "EXTERNAL TABLE", "FILE FORMATS",
        "FILE FORMAT", "INTEGRATIONS", "INTEGRATION", "DATABASE ROLES", "DATABASE ROLE", "DATABASES", "DATABASE",
        "SCHEMAS", "SCHEMA", "TABLES", "TABLE",
        "STAGES", "STAGE", "WAREHOUSES", "WAREHOUSE", "PIPES", "PIPE", "USERS", "USER", "INTO", "COLUMNS", "PRIMARY KEYS",
        "PARAMETERS", "ROLES", "ROLE", "FUTURE GRANTS", "GRANTS",
    )
    for kind in kinds:
        n = len(kind.split())
        if rest[:n] == kind.split():
            return command, kind
    return command, ""


class Engine:
    def __init__(self, directory: str, aws: AwsAccess):
        self.directory = directory
        self.aws = aws
        os.makedirs(directory, exist_ok=True)
        self.catalog = Catalog(os.path.join(directory, "catalog.json"))
        self.users = Users(self.catalog)
        self.access = AccessControl(self.catalog)
        self.users.ensure_default_user(directory)
        self.fakesnow = PersistentFakeSnow(os.path.join(directory, "duckdb"))
        for name in sorted(self.catalog.data["databases"]):
            self.fakesnow.attach(self.catalog.data["databases"][name]["name"])
        self.lock = threading.RLock()
        # Rows one SHOW may answer (Snowflake's 10,000); lowered over /_infra/limits to test paging cheaply.
        self.show_row_ceiling = 10_000
        self.routes: dict[tuple[str, str], Handler] = {}
        statements.register(self)

    def close(self) -> None:
        self.catalog.close()
        self.fakesnow.close()

    def route(self, command: str, kind: str, handler: Handler) -> None:
        self.routes[(command, kind)] = handler

    def new_session(self, user: str, database: str | None = None, schema: str | None = None,
                    warehouse: str | None = None, role: str | None = None) -> Session:
        """A session in the requested context. As in Snowflake, a database or schema that does not exist
        leaves the session without a current one (statements needing it fail with 090105/090106)."""
        session = Session(user=user, role=self.access.login_role(user, role))
        roles = self.access.session_roles(session)
        # A warehouse or database the session's roles may not use is not made current, as in Snowflake.
        if warehouse and self.catalog.get("warehouses", (warehouse,)) is not None \
                and self.access.holds(roles, "WAREHOUSE", (warehouse,), "USAGE"):
            session.warehouse = warehouse
        if database and self.catalog.get("databases", (database,)) is not None \
                and self.access.holds(roles, "DATABASE", (database,), "USAGE"):
            session.database = database
            wanted = schema or "PUBLIC"
            session.schema = wanted if wanted in self.fakesnow.index().schemas_of(database) else None
        return session

    def execute(self, session: Session, text: str, params: list[Any] | None = None,
                cancellation: Cancellation | None = None) -> Result:
        """Runs one statement in the session, serialised with every other statement."""
        text, params = resolve_identifiers(text, params)
        context = Context(self, session, text, params, cancellation or Cancellation())
        with self.lock:
            context.cancellation.check()
            command, kind = _statement_kind(tokenize(text))
            handler = self.routes.get((command, kind)) or self.routes.get((command, ""))
            guard = enforcement.before(context, command, kind)
            if handler is not None:
                return guard.after(handler(context))
            # A query over an external table sees the stage's files as they are now.
            refresh_referenced(context)
            return guard.after(declared_result_types(context, context.text, context.fakesnow()))

    def fake_session(self, session: Session) -> FakeSnowflakeConnection:
        if session.fake is None:
            session.fake = self.fakesnow.session(None, None)
        set_context(session.fake, session.database, session.schema)
        return session.fake

    def run_fakesnow(self, context: Context, text: str, params: list[Any] | None) -> Result:
        text = substitute_session_functions(text, context.session, self.access)
        fake = self.fake_session(context.session)
        cursor = fake.cursor()
        duck = fake._duck_conn  # noqa: SLF001 - the session's DuckDB connection, interrupted on cancel
        context.cancellation.running(duck.interrupt)
        changes = not is_read_only(text)
        if changes:
            self.fakesnow.catalog_may_have_changed()
        try:
            cursor.execute(text, binding_params=params)
        except snowflake.connector.errors.Error as e:
            context.cancellation.check()
            code = f"{e.errno:06d}" if e.errno else "002003"
            if code in ("001003", "009999") and _is_command(text):
                # fakesnow passed a Snowflake command it does not know (CREATE ROLE, GRANT...) on to DuckDB.
                raise SqlError.unsupported(_command_words(text)) from None
            raise _snowflake_error(code, e.sqlstate or "42000", _fakesnow_message(e)) from None
        except duckdb.InterruptException:
            context.cancellation.check()
            raise SqlError.canceled() from None
        except duckdb.Error as e:
            context.cancellation.check()
            raise _snowflake_error("100038", "22018", str(e).split("\n")[0]) from None
        finally:
            context.cancellation.running(None)
            if changes:
                self.fakesnow.catalog_may_have_changed()
        # fakesnow may have switched database/schema (USE, CREATE SCHEMA): keep the session in step.
        context.session.database = fake.database
        context.session.schema = fake.schema
        table = cursor._arrow_table  # noqa: SLF001
        if table is None:
            return Result.status("Statement executed successfully.")
        types = [str(d[1]) for d in (duck.description or [])]
        if len(types) != table.num_columns:
            types = ["VARCHAR"] * table.num_columns
        return result_from_arrow(table, types)


# Statements whose parse failure means "the emulator does not know this command", not a typo in a query.
_COMMANDS = ("CREATE", "ALTER", "DROP", "SHOW", "DESC", "DESCRIBE", "GRANT", "REVOKE", "UNDROP", "USE", "CALL",
             "EXECUTE", "PUT", "GET", "REMOVE", "RM", "COMMENT")


def _command_words(text: str) -> str:
    words = [t.value.upper() for t in tokenize(text)[:4] if t.kind == WORD]
    return " ".join(words[:3])


def _is_command(text: str) -> bool:
    tokens = tokenize(text)
    return bool(tokens) and tokens[0].kind == WORD and tokens[0].value.upper() in _COMMANDS


_MISSING = (
    (re.compile(r'Catalog "([^"]+)" does not exist'), "Database"),
    (re.compile(r'Schema with name "?([^"\s]+)"? does not exist'), "Schema"),
    (re.compile(r'Table with name "?([^"\s!]+)"? does not exist'), "Table"),
    (re.compile(r'Table "([^"]+)" does not exist'), "Table"),
)


def _snowflake_error(code: str, sqlstate: str, message: str) -> SqlError:
    """DuckDB's wording of a missing object, as Snowflake's 002003 'does not exist or not authorized'."""
    for pattern, kind in _MISSING:
        if m := pattern.search(message):
            return SqlError.does_not_exist(kind, m.group(1))
    return SqlError(code, sqlstate, message)


def _fakesnow_message(error: snowflake.connector.errors.Error) -> str:
    message = getattr(error, "raw_msg", None) or error.msg or str(error)
    # fakesnow says "Catalog Error: Table with name X does not exist!"; Snowflake words it its own way.
    if "does not exist" in message and "Catalog Error" in message:
        return "SQL compilation error:\n" + message.split("Catalog Error: ", 1)[1].split("\n")[0]
    return message

