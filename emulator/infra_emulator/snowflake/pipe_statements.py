"""Pipes: CREATE / ALTER / DROP / SHOW / DESC PIPE (fakesnow has none).

  CREATE [OR REPLACE] PIPE [IF NOT EXISTS] p [AUTO_INGEST = TRUE|FALSE] [COMMENT = '...'] AS COPY INTO ...
  ALTER PIPE p SET COMMENT = '...' | SET PIPE_EXECUTION_PAUSED = TRUE|FALSE | UNSET COMMENT | REFRESH

The COPY is checked at creation (table, stage, format must exist). An auto-ingest pipe on an S3 stage
reports the account's SQS queue as its notification_channel. Files are loaded when ALTER PIPE ... REFRESH
runs the pipe's COPY (Snowpipe's default ON_ERROR = SKIP_FILE); S3 event notifications are not consumed.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .catalog import now_iso
from .copy_statements import LOAD_FAILED, parse_copy, run_copy
from .database_statements import require_schema
from .errors import SqlError
from .notifications import ensure_queue
from .results import Column, Result
from .show import parse_show
from .sqltext import qualified_sql
from .stage_statements import stage_record
from .table_statements import require_table

if TYPE_CHECKING:
    from .engine import Context, Engine


def _in_schema(ctx: Context, schema: tuple[str, str]) -> tuple[str | None, str | None]:
    """Makes the pipe's schema current (its COPY's names resolve there); returns the previous context."""
    previous = (ctx.session.database, ctx.session.schema)
    ctx.session.database, ctx.session.schema = schema
    return previous


def create_pipe(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.expect("PIPE")
    if_not_exists = s.if_not_exists()
    parts = ctx.object_name(s.qualified_name(), "CREATE PIPE")
    options = s.options_until("AS")
    s.expect("AS")
    definition = s.rest()
    require_schema(ctx, parts[0], parts[1])
    catalog = ctx.engine.catalog
    if catalog.get("pipes", parts) is not None:
        if if_not_exists:
            return Result.status(f"{parts[2]} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(parts[2])
    if not definition.upper().startswith("COPY"):
        raise SqlError.syntax("a pipe's definition must be a COPY INTO statement")
    previous = _in_schema(ctx, (parts[0], parts[1]))
    try:
        plan = parse_copy(ctx, definition)
        require_table(ctx, plan.table)
        stage = stage_record(ctx, plan.stage)
    finally:
        ctx.session.database, ctx.session.schema = previous
    auto_ingest = bool(options.get("AUTO_INGEST", False))
    if auto_ingest and not stage["url"]:
        raise SqlError("091093", "22000", "Pipe Notifications bind failure \"Cannot create a pipe with AUTO_INGEST on "
                       "an internal stage.\"")
    channel = ensure_queue(ctx.engine) if auto_ingest else None
    catalog.put("pipes", parts, {
        "name": parts[2], "parts": list(parts), "created_on": now_iso(), "definition": definition,
        "auto_ingest": auto_ingest, "notification_channel": channel, "comment": str(options.get("COMMENT", "")),
        "pattern": plan.options.get("PATTERN"), "integration": options.get("INTEGRATION"),
        "error_integration": options.get("ERROR_INTEGRATION"), "paused": False,
    })
    return Result.status(f"Pipe {parts[2]} successfully created.")


def _pipe(ctx: Context, parts: tuple[str, str, str]) -> dict[str, Any]:
    record = ctx.engine.catalog.get("pipes", parts)
    if record is None:
        raise SqlError.does_not_exist("Pipe", qualified_sql(parts))
    return record


def alter_pipe(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "PIPE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "ALTER PIPE")
    catalog = ctx.engine.catalog
    if catalog.get("pipes", parts) is None and if_exists:
        return Result.status("Statement executed successfully.")
    record = _pipe(ctx, parts)
    if s.accept("SET"):
        for key, value in s.options_until().items():
            if key == "COMMENT":
                record["comment"] = str(value)
            elif key == "PIPE_EXECUTION_PAUSED":
                record["paused"] = value is True or str(value).upper() == "TRUE"
            else:
                raise SqlError.invalid(f"invalid property '{key}' for 'PIPE'")
    elif s.accept("UNSET"):
        while not s.at_end():
            key = s.identifier()
            if key == "COMMENT":
                record["comment"] = ""
            elif key == "PIPE_EXECUTION_PAUSED":
                record["paused"] = False
            s.accept_symbol(",")
    elif s.accept("REFRESH"):
        return _refresh(ctx, record)
    else:
        s.unexpected()
    catalog.put("pipes", parts, record)
    return Result.status("Statement executed successfully.")


def _refresh(ctx: Context, record: dict[str, Any]) -> Result:
    """Runs the pipe's COPY over the stage's files not loaded yet, as a notification-less Snowpipe would."""
    if record.get("paused"):
        raise SqlError("091097", "22000", f"Pipe {record['name']} is paused; unpause it to refresh.")
    previous = _in_schema(ctx, (record["parts"][0], record["parts"][1]))
    try:
        plan = parse_copy(ctx, record["definition"])
        plan.options.setdefault("ON_ERROR", "SKIP_FILE")
        result = run_copy(ctx, plan)
    finally:
        ctx.session.database, ctx.session.schema = previous
    columns = [Column.text("File"), Column.text("Status")]
    if [c.name for c in result.columns] == ["status"]:
        return Result(columns, [])
    return Result(columns, [(row["file"], "SENT" if row["status"] != LOAD_FAILED else "FAILED")
                            for row in result.dicts()])


def drop_pipe(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "PIPE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "DROP PIPE")
    if ctx.engine.catalog.remove("pipes", parts) is None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({parts[2]} already dropped).")
        raise SqlError.does_not_exist("Pipe", qualified_sql(parts))
    return Result.status(f"{parts[2]} successfully dropped.")


SHOW_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("database_name"), Column.text("schema_name"),
    Column.text("definition"), Column.text("owner"), Column.text("notification_channel"), Column.text("comment"),
    Column.text("integration"), Column.text("pattern"), Column.text("error_integration"),
    Column.text("owner_role_type"), Column.text("invalid_reason"), Column.text("kind"), Column.text("budget"),
]


def _row(ctx: Context, r: dict[str, Any]) -> dict[str, Any]:
    database, schema, name = r["parts"]
    channel = r.get("notification_channel")
    if channel:
        # The local AWS may have restarted (and lost the queue) since the pipe was made.
        channel = ensure_queue(ctx.engine, required=False)
    return {
        "created_on": datetime.datetime.fromisoformat(r["created_on"]), "name": name, "database_name": database,
        "schema_name": schema, "definition": r["definition"], "owner": "ACCOUNTADMIN", "notification_channel": channel,
        "comment": r.get("comment", ""), "integration": r.get("integration"), "pattern": r.get("pattern"),
        "error_integration": r.get("error_integration"), "owner_role_type": "ROLE", "invalid_reason": None,
        "kind": "STAGE", "budget": None,
    }


def show_pipes(ctx: Context) -> Result:
    show = parse_show(ctx)
    rows = [_row(ctx, r) for r in sorted(ctx.engine.catalog.values("pipes"), key=lambda r: r["parts"])
            if show.in_scope(r["parts"][0], r["parts"][1]) and show.matches_name(r["parts"][2])]
    return show.limit(Result.of(SHOW_COLUMNS, rows))


def describe_pipe(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("PIPE")
    parts = ctx.object_name(s.qualified_name(), "DESCRIBE PIPE")
    return Result.of(SHOW_COLUMNS, [_row(ctx, _pipe(ctx, parts))])


def register(engine: Engine) -> None:
    engine.route("CREATE", "PIPE", create_pipe)
    engine.route("ALTER", "PIPE", alter_pipe)
    engine.route("DROP", "PIPE", drop_pipe)
    engine.route("SHOW", "PIPES", show_pipes)
    engine.route("DESC", "PIPE", describe_pipe)
