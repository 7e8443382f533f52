"""The protocol snowflake-connector-python speaks, over the same Engine as the SQL API.

fakesnow's own server (fakesnow/server.py) implements this protocol on a fakesnow instance of its own;
this one follows its wire format but runs every statement through the Engine, so a connector client sees
the same databases, rows and the emulator's own objects (integrations, warehouses, pipes...) too.

  POST /session/v1/login-request   password (any) or key-pair JWT (checked like the SQL API's)
  POST /queries/v1/query-request   one statement; results as JSON rowsets; PUT and GET (stage_transfer.py)
  POST /session, /session/heartbeat, /queries/v1/abort-request, GET /monitoring/queries/{id}
"""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import threading
import uuid
from typing import Any

from fakesnow.converter import from_binding
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import enforcement, stage_transfer
from .auth import ACCOUNT, AuthError, UserDisabled
from .engine import Context, Engine, Session
from .errors import SqlError
from .results import CONNECTOR, Result
from .sqltext import tokenize

log = logging.getLogger("infra_emulator.snowflake")

SERVER_VERSION = "9.0.0"
# Snowflake's statement type ids, which the connector reads to tell DML (row counts) from queries.
STATEMENT_TYPES = {"SELECT": 0x1000, "INSERT": 0x3000 + 0x100, "UPDATE": 0x3000 + 0x200, "DELETE": 0x3000 + 0x300,
                   "MERGE": 0x3000 + 0x400, "COPY": 0x3000 + 0x500}
DDL_TYPE = 0x6000


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _failure(code: str, message: str, sqlstate: str | None = None, status: int = 200) -> Response:
    data = {"errorCode": code, "sqlState": sqlstate} if sqlstate else None
    return _json({"data": data, "code": code, "message": message, "success": False}, status)


def _statement_type(text: str) -> int:
    tokens = tokenize(text)
    first = tokens[0].value.upper() if tokens else ""
    if first in ("SELECT", "WITH", "SHOW", "DESC", "DESCRIBE", "LIST", "LS", "VALUES"):
        return STATEMENT_TYPES["SELECT"]
    return STATEMENT_TYPES.get(first, DDL_TYPE)


class ConnectorApi:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self.sessions: dict[str, Session] = {}
        self.url_map = Map(
            [
                Rule("/session/v1/login-request", methods=["POST"], endpoint="login"),
                Rule("/session", methods=["POST"], endpoint="session"),
                Rule("/session/heartbeat", methods=["POST"], endpoint="session"),
                Rule("/session/token-request", methods=["POST"], endpoint="session"),
                Rule("/queries/v1/query-request", methods=["POST"], endpoint="query"),
                Rule("/queries/v1/abort-request", methods=["POST"], endpoint="abort"),
                Rule("/monitoring/queries/<query_id>", methods=["GET"], endpoint="monitoring"),
                Rule("/telemetry/send", methods=["POST"], endpoint="telemetry"),
            ]
        )

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **args)
        except HTTPException as e:
            response = _json({"success": False, "message": e.description}, e.code or 500)
        return response(environ, start_response)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        raw = request.get_data()
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        return json.loads(raw or b"{}")

    def _session(self, request: Request) -> tuple[str, Session] | None:
        # The connector sends `Authorization: Snowflake Token="<token>"`.
        header = request.headers.get("Authorization", "")
        token = header.split('Token="', 1)[1].rstrip('"') if 'Token="' in header else ""
        with self._lock:
            session = self.sessions.get(token)
        return (token, session) if session else None

    # -- sessions ------------------------------------------------------------------------------
    def on_login(self, request: Request) -> Response:
        data = self._body(request).get("data", {})
        user = str(data.get("LOGIN_NAME", "")).upper()
        if str(data.get("AUTHENTICATOR", "")).upper() == "SNOWFLAKE_JWT":
            try:
                user = self.engine.users.verify(str(data.get("TOKEN", ""))).user
            except AuthError as e:
                return _failure(e.code, e.message)
        elif self.engine.users.get(user) is None:
            # Passwords are not checked (any will do), but the user must exist.
            return _failure("390100", "Incorrect username or password was specified.")
        elif self.engine.users.get(user).get("disabled"):
            return _failure(UserDisabled.code, UserDisabled.message)
        args = request.args
        if (role := _name(args.get("roleName"))) and role not in self.engine.access.available_roles(user):
            # Snowflake refuses a login asking for a role the user was not granted.
            return _failure("390189", f"Role '{role}' specified in the connect string does not exist or not "
                                      "authorized. Contact your local system administrator, or attempt to login "
                                      "with another role, e.g. PUBLIC.")
        session = self.engine.new_session(
            user,
            database=_name(args.get("databaseName")),
            schema=_name(args.get("schemaName")),
            # Without a warehouse in the connect string, the user's DEFAULT_WAREHOUSE, as the SQL API does.
            warehouse=_name(args.get("warehouse")) or (self.engine.users.get(user) or {}).get("default_warehouse"),
            role=_name(args.get("roleName")),
        )
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.sessions[token] = session
        return _json(
            {
                "data": {
                    "token": token,
                    "masterToken": secrets.token_urlsafe(32),
                    "validityInSeconds": 3600,
                    "masterValidityInSeconds": 14400,
                    "serverVersion": SERVER_VERSION,
                    "parameters": [
                        {"name": "AUTOCOMMIT", "value": True},
                        {"name": "TIMEZONE", "value": "Etc/UTC"},
                        {"name": "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY", "value": 3600},
                        # Keep array bindings inline rather than staged through PUT.
                        {"name": "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD", "value": 0},
                    ],
                    "sessionInfo": {
                        "databaseName": session.database,
                        "schemaName": session.schema,
                        "warehouseName": session.warehouse,
                        "roleName": session.role,
                    },
                    "sessionId": session.id,
                    "accountName": ACCOUNT,
                },
                "success": True,
            }
        )

    def on_session(self, request: Request) -> Response:
        found = self._session(request)
        if found is None:
            return _failure("390104", "User must login again to access the service.", status=401)
        token, session = found
        if request.args.get("delete"):
            with self._lock:
                self.sessions.pop(token, None)
            with self.engine.lock:
                session.close()
        return _json({"data": None, "code": None, "message": None, "success": True})

    def on_abort(self, request: Request) -> Response:
        return _json({"data": None, "success": True})

    def on_telemetry(self, request: Request) -> Response:
        return _json({"data": None, "success": True})

    def on_monitoring(self, request: Request, query_id: str) -> Response:
        return _json({"data": {"queries": [{"id": query_id, "status": "SUCCESS"}]}, "success": True})

    # -- queries -------------------------------------------------------------------------------
    def on_query(self, request: Request) -> Response:
        found = self._session(request)
        if found is None:
            return _failure("390104", "User must login again to access the service.", status=401)
        _, session = found
        body = self._body(request)
        text = body.get("sqlText", "")
        params = None
        if bindings := body.get("bindings"):
            params = [_binding(bindings[k]) for k in sorted(bindings, key=int)]
        query_id = str(uuid.uuid4())
        if stage_transfer.is_transfer(text):
            try:
                return _json({"data": {**self._transfer(session, text), "queryId": query_id}, "success": True})
            except SqlError as e:
                return _failure(e.code, e.message, e.sqlstate)
        try:
            result = self._execute(session, text, params, bool(body.get("describeOnly")))
        except SqlError as e:
            return _json(
                {
                    "data": {"errorCode": e.code, "sqlState": e.sqlstate, "queryId": query_id},
                    "code": e.code,
                    "message": e.message,
                    "success": False,
                }
            )
        except Exception:
            log.exception("connector statement failed unexpectedly")
            return _failure("000603", "Processing aborted due to an internal error of the emulator.", "XX000")
        rows = result.text_rows(protocol=CONNECTOR)
        return _json(
            {
                "data": {
                    "parameters": [{"name": "TIMEZONE", "value": "Etc/UTC"}],
                    "rowtype": [c.row_type() for c in result.columns],
                    "rowset": rows,
                    "total": len(rows),
                    "returned": len(rows),
                    "queryId": query_id,
                    "queryResultFormat": "json",
                    "statementTypeId": _statement_type(text),
                    "finalDatabaseName": session.database,
                    "finalSchemaName": session.schema,
                    "finalWarehouseName": session.warehouse,
                    "finalRoleName": session.role,
                },
                "success": True,
            }
        )

    def _transfer(self, session: Session, text: str) -> dict[str, Any]:
        """PUT or GET: where the driver copies the files from and to (stage_transfer.py)."""
        with self.engine.lock:
            context = Context(self.engine, session, text)
            enforcement.check_transfer(context)
            put = text.lstrip()[:3].upper() == "PUT"
            return stage_transfer.put(context) if put else stage_transfer.get(context)

    def _execute(self, session: Session, text: str, params: list[Any] | None, describe_only: bool) -> Result:
        if describe_only and _statement_type(text) != STATEMENT_TYPES["SELECT"]:
            # Describing a DML/DDL statement (the connector does so before batch inserts): no need to run it.
            return Result([])
        result = self.engine.execute(session, text, params)
        return Result(result.columns, []) if describe_only else result


def _binding(binding: dict[str, Any]) -> Any:
    """The connector's bindings carry epoch-based values for dates and times; fakesnow decodes them."""
    if binding.get("value") is None:
        return None
    return from_binding(binding)


def _name(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return value[1:-1]
    return value.upper()
