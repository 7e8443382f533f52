"""External tables over staged files (fakesnow has none).

  CREATE [OR REPLACE] EXTERNAL TABLE [IF NOT EXISTS] t (col type AS (value:"field"::type), ...)
      LOCATION = @stage[/path] [PATTERN = '...'] [AUTO_REFRESH = TRUE|FALSE] [REFRESH_ON_CREATE = TRUE|FALSE]
      FILE_FORMAT = (FORMAT_NAME = '...' | TYPE = ...) [COMMENT = '...']
  ALTER EXTERNAL TABLE t REFRESH | SET COMMENT = '...' | SET AUTO_REFRESH = ... ; DROP ; SHOW ; DESC

The table is kept in DuckDB as the VALUE of each staged record (VARIANT) plus the virtual columns, computed
by fakesnow from their Snowflake expressions. It is refreshed from the stage (through the integration and
its trust checks) at creation, on ALTER ... REFRESH, and, with AUTO_REFRESH, before any statement that
names it when the stage's files changed, so a SELECT sees the files as they are.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from . import file_formats
from .catalog import now_iso
from .database_statements import require_schema
from .duck import duck_ident
from .errors import SqlError
from .file_readers import FileError, read_records
from .notifications import ensure_queue
from .results import Column, Result
from .show import parse_show
from .sqltext import QUOTED, WORD, TokenStream, qualified_sql, tokenize
from .stage_files import open_location, parse_stage_reference, select_files
from .table_statements import DESC_TABLE_COLUMNS, table_exists

if TYPE_CHECKING:
    from .engine import Context, Engine

SOURCE = "_INFRA_EXTERNAL_SOURCE"


def _parse_columns(s: TokenStream) -> list[dict[str, str]]:
    s.expect_symbol("(")
    columns = []
    while True:
        name = s.identifier()
        type_start = s.offset()
        while not s.peek_words("AS"):
            s.next()
        type_text = s.text[type_start : s.offset()].strip().upper()
        s.expect("AS")
        expression_start, depth = s.offset(), 0
        while True:
            token = s.peek()
            if token is None:
                s.unexpected()
            if depth == 0 and (token.is_symbol(",") or token.is_symbol(")")):
                break
            if token.is_symbol("("):
                depth += 1
            elif token.is_symbol(")"):
                depth -= 1
            s.next()
        expression = s.text[expression_start : s.offset()].strip()
        if expression.startswith("(") and expression.endswith(")"):
            expression = expression[1:-1].strip()
        columns.append({"name": name, "type": type_text, "expression": expression})
        if s.accept_symbol(")"):
            return columns
        s.expect_symbol(",")


# CREATE EXTERNAL TABLE's clauses in the documented order (docs: sql-reference/sql/create-external-table):
# a clause written before one the grammar puts ahead of it is a syntax error here.
CLAUSE_ORDER = ("PARTITION BY", "LOCATION", "REFRESH_ON_CREATE", "AUTO_REFRESH", "PATTERN", "FILE_FORMAT",
                "AWS_SNS_TOPIC", "COPY GRANTS", "COMMENT")


def _check_clause_order(seen: list[str], position: int) -> None:
    ranks = [CLAUSE_ORDER.index(k) for k in seen if k in CLAUSE_ORDER]
    if len(ranks) >= 2 and ranks[-1] < ranks[-2]:
        raise SqlError.syntax(f"unexpected '{seen[-1]}': CREATE EXTERNAL TABLE takes "
                              f"{' … '.join(CLAUSE_ORDER)} in that order", position)


def create_external_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.expect("EXTERNAL", "TABLE")
    if_not_exists = s.if_not_exists()
    parts = ctx.object_name(s.qualified_name(), "CREATE EXTERNAL TABLE")
    columns = _parse_columns(s) if s.peek() is not None and s.peek().is_symbol("(") else []
    options: dict[str, Any] = {}
    location: tuple[tuple[str, str, str], str] | None = None
    seen: list[str] = []
    while not s.at_end():
        token = s.peek()
        if s.accept("LOCATION"):
            s.accept_symbol("=")
            location = parse_stage_reference(ctx, s)
            seen.append("LOCATION")
        elif s.accept("PARTITION", "BY"):
            s.name_list()
            seen.append("PARTITION BY")
        elif s.accept("WITH"):
            continue
        else:
            key, value = s.option()
            options[key] = value
            seen.append(key)
        _check_clause_order(seen, token.start if token is not None else 0)
    if location is None:
        raise SqlError.syntax("LOCATION = @stage is required")
    require_schema(ctx, parts[0], parts[1])
    catalog = ctx.engine.catalog
    if catalog.get("external_tables", parts) is not None or table_exists(ctx, *parts):
        if if_not_exists:
            return Result.status(f"{parts[2]} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(parts[2])
    spec = options.get("FILE_FORMAT")
    if spec is None:
        raise SqlError.syntax("FILE_FORMAT is required")
    spec = spec if isinstance(spec, dict) else {"FORMAT_NAME": spec}
    file_formats.resolve(ctx, spec, (parts[0], parts[1]))  # the format must exist
    stage_parts, path = location
    stage = ctx.engine.catalog.get("stages", stage_parts)
    if stage is None:
        raise SqlError.does_not_exist("Stage", qualified_sql(stage_parts))
    auto_refresh = options.get("AUTO_REFRESH", True) is True or str(options.get("AUTO_REFRESH")).upper() == "TRUE"
    record = {
        "name": parts[2], "parts": list(parts), "created_on": now_iso(), "columns": columns,
        "stage": list(stage_parts), "path": path, "pattern": options.get("PATTERN"), "auto_refresh": auto_refresh,
        "file_format": spec, "comment": str(options.get("COMMENT", "")), "files": {}, "last_refreshed_on": None,
        "notification_channel": ensure_queue(ctx.engine) if auto_refresh and stage["url"] else None,
    }
    refresh_on_create = options.get("REFRESH_ON_CREATE", True)
    _materialize(ctx, record, load=refresh_on_create is True or str(refresh_on_create).upper() == "TRUE")
    catalog.put("external_tables", parts, record)
    return Result.status(f"Table {parts[2]} successfully created.")


def _materialize(ctx: Context, record: dict[str, Any], load: bool = True) -> bool:
    """(Re)builds the DuckDB table from the stage's files; False when nothing changed since the last time."""
    parts = tuple(record["parts"])
    files = []
    if load:
        location = open_location(ctx, tuple(record["stage"]), record["path"])  # type: ignore[arg-type]
        files = select_files(location.list_files(), record["path"], None, record.get("pattern"))
        signature = {f.name: f.md5 for f in files}
        if signature == record.get("files") and table_exists(ctx, *parts):
            return False
        record["files"] = signature
    fmt = file_formats.resolve(ctx, record["file_format"], (parts[0], parts[1]))
    values, names, numbers = [], [], []
    for file in files:
        try:
            records = read_records(file.read(), file.relative, fmt)
        except FileError as e:
            raise SqlError("100069", "22000", f"{e.message}\n  File '{file.relative}'") from None
        for number, rec in enumerate(records, start=1):
            value = rec.value
            if fmt["TYPE"] == "CSV":
                value = {f"c{i + 1}": v for i, v in enumerate(value)}
            values.append(json.dumps(value))
            names.append(file.relative)
            numbers.append(number)
    fake = ctx.engine.fake_session(ctx.session)
    duck = fake._duck_conn  # noqa: SLF001 - the view must be on the connection fakesnow runs on
    duck.register(f"{SOURCE}_RAW", pa.table({"v": pa.array(values, pa.string()), "f": pa.array(names, pa.string()),
                                             "n": pa.array(numbers, pa.int64())}))
    try:
        duck.execute(f'CREATE OR REPLACE TEMP VIEW {SOURCE} AS SELECT CAST(v AS JSON) AS "VALUE", f AS '
                     f'"METADATA$FILENAME", n AS "METADATA$FILE_ROW_NUMBER" FROM {SOURCE}_RAW')
        virtual = "".join(f", CAST(({c['expression']}) AS {c['type']}) AS {duck_ident(c['name'])}"
                          for c in record["columns"])
        target = ".".join(duck_ident(p) for p in parts)
        saved = (ctx.session.database, ctx.session.schema)
        ctx.session.database, ctx.session.schema = parts[0], parts[1]
        try:
            ctx.fakesnow(f'CREATE OR REPLACE TABLE {target} AS SELECT "VALUE"{virtual}, "METADATA$FILENAME", '
                         f'"METADATA$FILE_ROW_NUMBER" FROM {SOURCE}', None)
        finally:
            ctx.session.database, ctx.session.schema = saved
    finally:
        duck.execute(f"DROP VIEW IF EXISTS {SOURCE}")
        duck.unregister(f"{SOURCE}_RAW")
    record["last_refreshed_on"] = now_iso()
    return True


def refresh_referenced(ctx: Context) -> None:
    """Before a statement naming an AUTO_REFRESH external table: reload it if its stage's files changed."""
    tables = ctx.engine.catalog.values("external_tables")
    if not tables:
        return
    names = {t.value.upper() if t.kind == WORD else t.value for t in tokenize(ctx.text) if t.kind in (WORD, QUOTED)}
    for record in tables:
        if record.get("auto_refresh") and record["name"] in names:
            if _materialize(ctx, record):
                ctx.engine.catalog.put("external_tables", tuple(record["parts"]), record)


def _external(ctx: Context, parts: tuple[str, str, str]) -> dict[str, Any]:
    record = ctx.engine.catalog.get("external_tables", parts)
    if record is None:
        raise SqlError.does_not_exist("Table", qualified_sql(parts))
    return record


def alter_external_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "EXTERNAL", "TABLE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "ALTER EXTERNAL TABLE")
    catalog = ctx.engine.catalog
    if catalog.get("external_tables", parts) is None and if_exists:
        return Result.status("Statement executed successfully.")
    record = _external(ctx, parts)
    if s.accept("REFRESH"):
        before = dict(record.get("files") or {})
        _materialize(ctx, record)
        catalog.put("external_tables", parts, record)
        after = record["files"]
        changes = [(name, "REGISTERED_NEW" if name not in before else "REGISTERED_UPDATE", "File registered successfully.")
                   for name in sorted(after) if before.get(name) != after[name]]
        changes += [(name, "UNREGISTERED", "File unregistered successfully.") for name in sorted(before)
                    if name not in after]
        return Result([Column.text("file"), Column.text("status"), Column.text("description")], changes)
    # ALTER EXTERNAL TABLE sets only AUTO_REFRESH (and tags); a comment goes through COMMENT ON
    # (docs: sql-reference/sql/alter-external-table; the Terraform provider replaces the table instead).
    if s.accept("SET"):
        for key, value in s.options_until().items():
            if key == "AUTO_REFRESH":
                record["auto_refresh"] = value is True or str(value).upper() == "TRUE"
            else:
                raise SqlError.syntax(f"unexpected '{key}'")
    else:
        s.unexpected()
    catalog.put("external_tables", parts, record)
    return Result.status("Statement executed successfully.")


def drop_external_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "EXTERNAL", "TABLE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "DROP EXTERNAL TABLE")
    if ctx.engine.catalog.remove("external_tables", parts) is None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({parts[2]} already dropped).")
        raise SqlError.does_not_exist("Table", qualified_sql(parts))
    if table_exists(ctx, *parts):
        ctx.duck(f"DROP TABLE {'.'.join(duck_ident(p) for p in parts)}")
    return Result.status(f"{parts[2]} successfully dropped.")


SHOW_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("database_name"), Column.text("schema_name"),
    Column.text("invalid"), Column.text("invalid_reason"), Column.text("owner"), Column.text("comment"),
    Column.text("stage"), Column.text("location"), Column.text("file_format_name"), Column.text("file_format_type"),
    Column.text("cloud"), Column.text("region"), Column.text("notification_channel"),
    Column.timestamp_ltz("last_refreshed_on"), Column.text("table_format"), Column.text("last_refresh_details"),
    Column.text("owner_role_type"),
]


def show_external_tables(ctx: Context) -> Result:
    show = parse_show(ctx, paged=True)
    rows = []
    for r in sorted(ctx.engine.catalog.values("external_tables"), key=lambda r: r["parts"]):
        database, schema, name = r["parts"]
        if not show.in_scope(database, schema) or not show.matches_name(name):
            continue
        stage = ctx.engine.catalog.get("stages", tuple(r["stage"])) or {"url": ""}
        spec = r["file_format"]
        fmt = file_formats.resolve(ctx, spec, (database, schema)) if spec else {"TYPE": "CSV"}
        channel = ensure_queue(ctx.engine, required=False) if r.get("notification_channel") else None
        rows.append({
            "created_on": datetime.datetime.fromisoformat(r["created_on"]), "name": name, "database_name": database,
            "schema_name": schema, "invalid": "false", "invalid_reason": None, "owner": "ACCOUNTADMIN",
            "comment": r.get("comment", ""), "stage": qualified_sql(r["stage"]),
            "location": (stage["url"] or f"@{qualified_sql(r['stage'])}/") + r["path"],
            "file_format_name": spec.get("FORMAT_NAME", ""), "file_format_type": fmt["TYPE"],
            "cloud": "AWS" if stage["url"] else None, "region": ctx.engine.aws.region if stage["url"] else None,
            "notification_channel": channel,
            "last_refreshed_on": datetime.datetime.fromisoformat(r["last_refreshed_on"]) if r.get("last_refreshed_on")
            else None,
            "table_format": "NOT_SPECIFIED", "last_refresh_details": None, "owner_role_type": "ROLE",
        })
    return show.limit(Result.of(SHOW_COLUMNS, rows))


def describe_external_table(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("EXTERNAL", "TABLE")
    parts = ctx.object_name(s.qualified_name(), "DESCRIBE EXTERNAL TABLE")
    record = _external(ctx, parts)
    blank = {"default": None, "primary key": "N", "unique key": "N", "check": None, "comment": None,
             "policy name": None, "privacy domain": None}
    rows = [{"name": "VALUE", "type": "VARIANT", "kind": "COLUMN", "null?": "Y", "expression": None, **blank,
             "comment": "The value of this row"}]
    rows += [{"name": c["name"], "type": c["type"], "kind": "VIRTUAL", "null?": "Y",
              "expression": _shown_expression(c["expression"], c["type"]), **blank} for c in record["columns"]]
    return Result.of(DESC_TABLE_COLUMNS, rows)


_PATH_EXPRESSION = re.compile(r'^\s*VALUE\s*:\s*((?:"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)(?:\s*[:.]\s*(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_]*))*)'
                              r'\s*::\s*(.+?)\s*$', re.IGNORECASE)


def _shown_expression(expression: str, type_text: str) -> str:
    """A virtual column's expression as DESC shows it: Snowflake keeps not the text written but its own
    rewriting, `value:"a":"b"::VARCHAR` as `CAST(GET(GET(VALUE, 'a'), 'b') AS VARCHAR(16777216))`-style forms."""
    match = _PATH_EXPRESSION.match(expression)
    if match is None:
        return expression
    shown = "VALUE"
    for field in re.findall(r'"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*)', match.group(1)):
        name = (field[0] or field[1]).replace("'", "\\'")
        shown = f"GET({shown}, '{name}')"
    return f"CAST({shown} AS {type_text.upper()})"


def comment_on(ctx: Context) -> Result:
    """COMMENT [IF EXISTS] ON TABLE|EXTERNAL TABLE <name> IS '<text>' for external tables (SnowDDL's route); other
    objects go to fakesnow."""
    s = ctx.stream()
    s.expect("COMMENT")
    if_exists = s.if_exists()
    s.expect("ON")
    if not (s.accept("TABLE") or s.accept("EXTERNAL", "TABLE")):
        return ctx.fakesnow()
    parts = ctx.object_name(s.qualified_name(), "COMMENT")
    record = ctx.engine.catalog.get("external_tables", parts)
    if record is None:
        if if_exists and not table_exists(ctx, *parts):
            return Result.status("Statement executed successfully.")
        return ctx.fakesnow()
    s.expect("IS")
    record["comment"] = s.string()
    ctx.engine.catalog.put("external_tables", parts, record)
    return Result.status("Statement executed successfully.")


def external_table_names(ctx: Context) -> set[tuple[str, str, str]]:
    return {tuple(r["parts"]) for r in ctx.engine.catalog.values("external_tables")}  # type: ignore[misc]


def register(engine: Engine) -> None:
    engine.route("CREATE", "EXTERNAL TABLE", create_external_table)
    engine.route("ALTER", "EXTERNAL TABLE", alter_external_table)
    engine.route("DROP", "EXTERNAL TABLE", drop_external_table)
    engine.route("SHOW", "EXTERNAL TABLES", show_external_tables)
    engine.route("DESC", "EXTERNAL TABLE", describe_external_table)
    engine.route("COMMENT", "", comment_on)
