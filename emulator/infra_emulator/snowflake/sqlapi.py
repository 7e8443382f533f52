"""Snowflake's SQL API v2 over HTTP, plus the emulator's /_infra admin endpoints.

  POST /api/v2/statements[?requestId=&retry=true&async=true&nullable=false]   submit
  GET  /api/v2/statements/{handle}[?partition=N]                               status / result / a partition
  POST /api/v2/statements/{handle}/cancel                                      cancel
  GET  /_infra/health   GET|POST /_infra/faults   GET /_infra/requests   POST /_infra/requests/reset

Statements run on the shared Engine; results are rendered as Snowflake's jsonv2 (every cell a string or null)
and cut into partitions of PARTITION_ROWS rows: partition 0 rides in the submit/status answer, the others are
fetched with ?partition=N and carry only `data`.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import threading
import time
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .auth import AuthError
from .engine import Engine
from .errors import SqlError
from .faults import ERROR_BODIES, Faults
from .results import Column, Result
from .sqltext import SYMBOL, split_statements, tokenize
from .statement_store import StatementRecord, StatementStore

log = logging.getLogger("infra_emulator.snowflake")

PARTITION_ROWS = 1000
# Snowflake answers a synchronous request within 45 seconds, or with 202 and a handle to poll.
SYNC_WAIT_SECONDS = 45
SUCCESS_CODE = "090001"
ASYNC_CODE = "333334"
MULTIPLE_SUCCESS = "Multiple statements executed successfully."


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


def _binding_value(binding: dict[str, Any]) -> Any:
    """A SQL API binding as a Python value; date and time kinds stay text for DuckDB to cast."""
    kind = str(binding.get("type", "TEXT")).upper()
    value = binding.get("value")
    if value is None:
        return None
    if kind == "FIXED":
        text = str(value)
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if kind == "REAL":
        return float(value)
    if kind == "BOOLEAN":
        return str(value).lower() in ("true", "1")
    return str(value)


def _bindings(body: dict[str, Any]) -> list[Any] | None:
    bindings = body.get("bindings")
    if not bindings:
        return None
    if not isinstance(bindings, dict) or not all(str(k).isdigit() for k in bindings):
        raise SqlError("002049", "22000", "Bindings must be an object keyed by position: {\"1\": {...}}.")
    return [_binding_value(bindings[k]) for k in sorted(bindings, key=int)]


def _placeholder_count(text: str) -> int:
    return sum(1 for t in tokenize(text) if t.kind == SYMBOL and t.value == "?")


class SqlApi:
    """The WSGI application."""

    def __init__(self, engine: Engine, faults: Faults):
        self.engine = engine
        self.faults = faults
        self.store = StatementStore()
        self.ready = threading.Event()
        self.url_map = Map(
            [
                Rule("/api/v2/statements", methods=["POST"], endpoint="submit"),
                Rule("/api/v2/statements/<handle>", methods=["GET"], endpoint="status"),
                Rule("/api/v2/statements/<handle>/cancel", methods=["POST"], endpoint="cancel"),
                Rule("/_infra/health", methods=["GET"], endpoint="health"),
                Rule("/_infra/faults", methods=["GET", "POST"], endpoint="faults"),
                Rule("/_infra/requests", methods=["GET"], endpoint="requests"),
                Rule("/_infra/requests/reset", methods=["POST"], endpoint="requests_reset"),
                Rule("/_infra/limits", methods=["GET", "POST"], endpoint="limits"),
            ]
        )

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        if not request.path.startswith("/_infra/"):
            self.faults.count_request()
            delay, error = self.faults.draw()
            if delay:
                time.sleep(delay)
            if error == "drop":
                return self._drop(environ, start_response)
            if error:
                return json_response(ERROR_BODIES[error], int(error))(environ, start_response)
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **args)
        except HTTPException as e:
            response = json_response({"code": str(e.code), "message": e.description}, e.code or 500)
        except AuthError as e:
            response = json_response({"code": e.code, "message": e.message}, 401)
        return response(environ, start_response)

    @staticmethod
    def _drop(environ: dict, start_response: Any) -> Any:
        """Closes the client's connection without answering (the `drop` fault)."""
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # The server's attempt to answer on the closed socket is then dropped quietly.
        start_response("500 Dropped", [("Content-Length", "0")])
        return []

    # -- admin ---------------------------------------------------------------------------------
    def on_health(self, request: Request) -> Response:
        return json_response({"ok": True}) if self.ready.is_set() else json_response({"ok": False}, 503)

    def on_faults(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = json.loads(request.get_data() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("send a JSON object")
                self.faults.update(changes)
            except (ValueError, TypeError) as e:
                return json_response({"error": str(e)}, 400)
        return json_response(self.faults.settings.as_json())

    def on_limits(self, request: Request) -> Response:
        """The account's limits: `show_row_ceiling` (10,000 in Snowflake) may be lowered to test paging."""
        if request.method == "POST":
            try:
                changes = json.loads(request.get_data() or b"{}")
                ceiling = int(changes.get("show_row_ceiling", self.engine.show_row_ceiling))
                if ceiling < 1:
                    raise ValueError("show_row_ceiling must be at least 1")
                self.engine.show_row_ceiling = ceiling
            except (ValueError, TypeError, AttributeError) as e:
                return json_response({"error": str(e)}, 400)
        return json_response({"show_row_ceiling": self.engine.show_row_ceiling})

    def on_requests(self, request: Request) -> Response:
        return json_response(self.faults.counts())

    def on_requests_reset(self, request: Request) -> Response:
        self.faults.reset_counts()
        return json_response(self.faults.counts())

    # -- the SQL API ---------------------------------------------------------------------------
    def _principal(self, request: Request) -> Any:
        header = request.headers.get("Authorization", "")
        token_type = request.headers.get("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT")
        if not header.startswith("Bearer ") or token_type.upper() != "KEYPAIR_JWT":
            raise AuthError()
        return self.engine.users.verify(header[len("Bearer ") :].strip())

    def on_submit(self, request: Request) -> Response:
        principal = self._principal(request)
        raw = request.get_data()
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        try:
            body = json.loads(raw)
        except ValueError:
            return json_response({"code": "391902", "message": "The request body is not valid JSON."}, 400)
        if not isinstance(body, dict) or not isinstance(body.get("statement"), str):
            return json_response({"code": "391902", "message": "The request body must have a 'statement' string."}, 400)

        request_id = request.args.get("requestId")
        if request_id and _truthy(request.args.get("retry")):
            previous = self.store.for_request(request_id)
            if previous is not None:
                # A retried request returns what the first one started; nothing runs again.
                return self._answer(previous, wait=not _truthy(request.args.get("async")))

        record = self.store.new()
        record.nullable = request.args.get("nullable", "true").lower() != "false"
        record.request_id = request_id
        if request_id:
            self.store.remember_request(request_id, record.handle)
        worker = threading.Thread(target=self._run, args=(record, principal.user, body), daemon=True,
                                  name=f"statement-{record.handle[:8]}")
        worker.start()
        if _truthy(request.args.get("async")):
            # Always the handle, even when the statement is already done: the client polls for the result.
            return self._in_progress(record)
        return self._answer(record, wait=True)

    def on_status(self, request: Request, handle: str) -> Response:
        self._principal(request)
        record = self.store.get(handle)
        if record is None:
            return self._not_found(handle)
        partition = request.args.get("partition")
        if partition is not None and record.done.is_set() and record.result is not None:
            try:
                index = int(partition)
            except ValueError:
                return json_response({"code": "391903", "message": f"Invalid partition '{partition}'."}, 400)
            if index != 0:
                return self._partition(record, index)
        return self._answer(record, wait=False)

    def on_cancel(self, request: Request, handle: str) -> Response:
        self._principal(request)
        record = self.store.get(handle)
        if record is None:
            return self._not_found(handle)
        if not record.done.is_set():
            record.cancellation.cancel(SqlError.canceled())
            for child in record.child_handles or []:
                if (c := self.store.get(child)) is not None:
                    c.cancellation.cancel(SqlError.canceled())
        return json_response(
            {
                "code": "000604",
                "sqlState": "57014",
                "message": "SQL execution canceled",
                "statementHandle": handle,
                "statementStatusUrl": self._status_url(handle),
            }
        )

    # -- execution -----------------------------------------------------------------------------
    def _run(self, record: StatementRecord, user: str, body: dict[str, Any]) -> None:
        try:
            # Case-sensitive like the other context fields; a role the user lacks is refused (390189).
            role = self.engine.access.login_role(user, _context_name(body.get("role")))
        except SqlError as e:
            record.finish(error=e)
            return
        # Without a warehouse in the request, the user's DEFAULT_WAREHOUSE, as a session would get.
        warehouse = _context_name(body.get("warehouse")) or (self.engine.users.get(user) or {}).get("default_warehouse")
        session = self.engine.new_session(
            user,
            database=_context_name(body.get("database")),
            schema=_context_name(body.get("schema")),
            warehouse=warehouse,
            role=role,
        )
        timer = None
        timeout = int(body.get("timeout") or 0)
        if timeout > 0:
            timer = threading.Timer(timeout, record.cancellation.cancel, [SqlError.timeout(timeout)])
            timer.daemon = True
            timer.start()
        try:
            params = _bindings(body)
            texts = split_statements(body["statement"])
            parameters = body.get("parameters") or {}
            desired = int(parameters.get("MULTI_STATEMENT_COUNT", parameters.get("multi_statement_count", 1)))
            if not texts:
                raise SqlError("000900", "42000", "Empty SQL statement.")
            if desired != 0 and len(texts) != desired:
                raise SqlError.statement_count(len(texts), desired)
            if len(texts) == 1 and desired == 1:
                self.faults.count_statements(1)
                record.finish(result=self.engine.execute(session, texts[0], params, record.cancellation))
                return
            if session.warehouse is None:
                # "Executing multiple statements in a single query requires that a valid warehouse is
                # available in a session" (SQL API guide, submitting multiple statements).
                raise SqlError.no_warehouse()
            self._run_multiple(record, session, texts, params)
        except SqlError as e:
            record.finish(error=e)
        except Exception:
            log.exception("statement %s failed unexpectedly", record.handle)
            record.finish(error=SqlError("000603", "XX000", "Processing aborted due to an internal error of the emulator."))
        finally:
            if timer is not None:
                timer.cancel()
            session.close()

    def _run_multiple(self, record: StatementRecord, session: Any, texts: list[str], params: list[Any] | None) -> None:
        record.child_handles = []
        remaining = list(params or [])
        for text in texts:
            count = _placeholder_count(text)
            own, remaining = remaining[:count], remaining[count:]
            child = self.store.new()
            child.cancellation = record.cancellation
            record.child_handles.append(child.handle)
            self.faults.count_statements(1)
            try:
                child.finish(result=self.engine.execute(session, text, own or None, record.cancellation))
            except SqlError as e:
                child.finish(error=e)
                raise
        record.finish(result=Result([Column.text("multiple statement execution")], [(MULTIPLE_SUCCESS,)]))

    # -- answers -------------------------------------------------------------------------------
    def _status_url(self, handle: str) -> str:
        return f"/api/v2/statements/{handle}"

    def _not_found(self, handle: str) -> Response:
        return json_response(
            {"code": "000709", "sqlState": "02000", "message": f"Statement {handle} not found.", "statementHandle": handle},
            404,
        )

    def _answer(self, record: StatementRecord, wait: bool) -> Response:
        if wait:
            record.done.wait(SYNC_WAIT_SECONDS)
        if not record.done.is_set():
            return self._in_progress(record)
        if record.error is not None:
            body = {
                **record.error.as_json(),
                "statementHandle": record.handle,
                "createdOn": record.created_on,
                "statementStatusUrl": self._status_url(record.handle),
            }
            return json_response(body, 408 if record.error.code == "000630" else 422)
        return json_response(self._result_set(record))

    def _in_progress(self, record: StatementRecord) -> Response:
        return json_response(
            {
                "code": ASYNC_CODE,
                "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring "
                "and management.",
                "statementHandle": record.handle,
                "statementStatusUrl": self._status_url(record.handle),
            },
            202,
        )

    def _rows(self, record: StatementRecord, start: int, stop: int) -> list[list[str | None]]:
        assert record.result is not None
        rows = record.result.text_rows(start, stop)
        if not record.nullable:
            rows = [["null" if v is None else v for v in row] for row in rows]
        return rows

    def _result_set(self, record: StatementRecord) -> dict[str, Any]:
        result = record.result
        assert result is not None
        total = len(result.rows)
        partitions = []
        for start in range(0, max(total, 1), PARTITION_ROWS):
            rows = self._rows(record, start, start + PARTITION_ROWS)
            partitions.append({"rowCount": len(rows), "uncompressedSize": len(json.dumps(rows))})
        body: dict[str, Any] = {
            "resultSetMetaData": {
                "numRows": total,
                "format": "jsonv2",
                "partitionInfo": partitions,
                "rowType": [c.row_type() for c in result.columns],
            },
            "data": self._rows(record, 0, PARTITION_ROWS),
            "code": SUCCESS_CODE,
            "statementStatusUrl": self._status_url(record.handle),
            "requestId": record.request_id or record.handle,
            "sqlState": "00000",
            "statementHandle": record.handle,
            "message": "Statement executed successfully.",
            "createdOn": record.created_on,
        }
        if record.child_handles is not None:
            body["statementHandles"] = list(record.child_handles)
        return body

    def _partition(self, record: StatementRecord, index: int) -> Response:
        assert record.result is not None
        start = index * PARTITION_ROWS
        if index < 0 or start >= len(record.result.rows):
            return json_response({"code": "391903", "message": f"Partition {index} does not exist."}, 400)
        return json_response({"data": self._rows(record, start, start + PARTITION_ROWS)})


def _context_name(value: Any) -> str | None:
    """A database/schema/warehouse name from the request body. These fields are case-sensitive and must match
    the name as SHOW reports it (SQL API guide, submitting requests): taken exactly as sent, never upper-cased,
    so `"warehouse": "loader_wh"` does not find LOADER_WH (and `"\"X\""`, quotes included, finds nothing)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value
