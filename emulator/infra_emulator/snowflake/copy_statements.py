"""LIST @stage and COPY INTO <table> FROM a stage, as Snowflake loads files.

  LIST @stage[/path] [PATTERN = '<regex>'] ; REMOVE @stage[/path] [PATTERN = '<regex>']
  COPY INTO t [(cols)] FROM @stage[/path] | (SELECT <exprs over $1, $2.., METADATA$...> FROM @stage[/path] [alias])
      [FILES = (...)] [PATTERN = '...'] [FILE_FORMAT = (FORMAT_NAME = '...' | TYPE = ... )]
      [ON_ERROR = ABORT_STATEMENT | CONTINUE | SKIP_FILE | SKIP_FILE_<n>[%]] [FORCE = TRUE]
      [MATCH_BY_COLUMN_NAME = CASE_SENSITIVE | CASE_INSENSITIVE | NONE] [PURGE = TRUE] [RETURN_FAILED_ONLY = TRUE]

Each table keeps load metadata (in the catalog): a file loaded before, unchanged (same ETag/MD5), is
skipped unless FORCE = TRUE, and a COPY with nothing new reports "Copy executed with 0 files processed.".
With ON_ERROR = ABORT_STATEMENT the whole statement is one transaction: the first bad row fails it and
nothing is loaded.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from . import file_formats
from .catalog import now_iso
from .duck import duck_ident
from .errors import SqlError
from .file_readers import FileError, Record, csv_header, read_records
from .results import Column, Result
from .sqltext import WORD, TokenStream, tokenize
from .stage_files import StageFile, open_location, parse_stage_reference, select_files
from .table_statements import require_table

if TYPE_CHECKING:
    from .engine import Context, Engine

LOADED, PARTIALLY_LOADED, LOAD_FAILED = "LOADED", "PARTIALLY_LOADED", "LOAD_FAILED"
NOTHING_TO_DO = "Copy executed with 0 files processed."

COPY_COLUMNS = [
    Column.text("file"), Column.text("status"), Column.number("rows_parsed"), Column.number("rows_loaded"),
    Column.number("error_limit"), Column.number("errors_seen"), Column.text("first_error"),
    Column.number("first_error_line"), Column.number("first_error_character"), Column.text("first_error_column_name"),
]

RAW_VIEW = "_INFRA_COPY_RAW"
SOURCE_VIEW = "_INFRA_COPY_SOURCE"


@dataclass
class CopyPlan:
    table: tuple[str, str, str]
    columns: list[str] | None
    stage: tuple[str, str, str]
    path: str
    transform: str | None = None  # the SELECT list of a transforming COPY
    alias: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


# -- parsing --------------------------------------------------------------------------------------

def parse_copy(ctx: Context, text: str) -> CopyPlan:
    s = TokenStream(text)
    s.expect("COPY", "INTO")
    if s.peek() is not None and s.peek().is_symbol("@"):
        raise SqlError.unsupported("COPY INTO @stage (unloading)")
    table = ctx.object_name(s.qualified_name(), "COPY")
    columns = None
    if s.peek() is not None and s.peek().is_symbol("("):
        columns = [n.split(".")[-1] for n in s.name_list()]
        columns = [TokenStream(c).identifier() if c.startswith('"') else c for c in columns]
    s.expect("FROM")
    if s.accept_symbol("("):
        plan = _parse_transform(ctx, s, table, columns)
        s.expect_symbol(")")
    else:
        token = s.peek()
        if token is not None and token.kind != WORD and not token.is_symbol("@"):
            raise SqlError.unsupported("COPY from an external location: use a stage")
        stage, path = parse_stage_reference(ctx, s)
        plan = CopyPlan(table, columns, stage, path)
    plan.options.update(s.options_until())
    return plan


def _parse_transform(ctx: Context, s: TokenStream, table: tuple[str, str, str], columns: list[str] | None) -> CopyPlan:
    s.expect("SELECT")
    list_start = s.offset()
    depth = 0
    while True:
        token = s.peek()
        if token is None:
            s.unexpected()
        if token.is_symbol("("):
            depth += 1
        elif token.is_symbol(")"):
            depth -= 1
        elif depth == 0 and token.is_word("FROM"):
            break
        s.next()
    select_list = s.text[list_start : s.offset()].strip()
    s.expect("FROM")
    stage, path = parse_stage_reference(ctx, s)
    plan = CopyPlan(table, columns, stage, path, transform=select_list)
    if s.accept_symbol("("):
        # FROM @stage (FILE_FORMAT => 'f', PATTERN => '...')
        while not s.accept_symbol(")"):
            key = s.next().value.upper()
            s.expect_symbol("=>")
            plan.options[key] = s.value()
            s.accept_symbol(",")
    s.accept("AS")
    token = s.peek()
    if token is not None and not token.is_symbol(")"):
        plan.alias = s.identifier()
    return plan


# -- LIST -----------------------------------------------------------------------------------------

LIST_COLUMNS = [Column.text("name"), Column.number("size"), Column.text("md5"), Column.text("last_modified")]


def list_stage(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()  # LIST or LS
    stage, path = parse_stage_reference(ctx, s)
    options = s.options_until()
    location = open_location(ctx, stage, path)
    files = select_files(location.list_files(), path, None, options.get("PATTERN"))  # type: ignore[arg-type]
    return Result(LIST_COLUMNS, [(f.name, f.size, f.md5, f.last_modified_text()) for f in files])


def remove_files(ctx: Context) -> Result:
    """REMOVE @stage[/path] [PATTERN = '...']: deletes the files (S3 objects through the integration's role)."""
    s = ctx.stream()
    s.next()  # REMOVE or RM
    stage, path = parse_stage_reference(ctx, s)
    options = s.options_until()
    location = open_location(ctx, stage, path)
    files = select_files(location.list_files(), path, None, options.get("PATTERN"))  # type: ignore[arg-type]
    for file in files:
        location.delete(file)
    return Result([Column.text("name"), Column.text("result")], [(f.name, "removed") for f in files])


def put_through_sql_api(ctx: Context) -> Result:
    raise SqlError.unsupported("PUT through the SQL API (the drivers upload files; use the connector port)")


# -- COPY -----------------------------------------------------------------------------------------

@dataclass
class TableColumn:
    name: str
    duck_type: str
    nullable: bool
    max_length: int | None


@dataclass
class FileOutcome:
    file: StageFile
    status: str
    rows_parsed: int = 0
    rows_loaded: int = 0
    error_limit: int = 1
    errors: list[tuple[int, str, str | None, str]] = field(default_factory=list)  # line, message, column, code

    def row(self) -> tuple[Any, ...]:
        first = self.errors[0] if self.errors else None
        return (self.file.name, self.status, self.rows_parsed, self.rows_loaded, self.error_limit, len(self.errors),
                first[1] if first else None, first[0] if first else None, 1 if first else None,
                first[2] if first else None)


def table_columns(ctx: Context, parts: tuple[str, str, str]) -> list[TableColumn]:
    rows = ctx.duck(
        "SELECT c.column_name, c.data_type, c.is_nullable, e.ext_character_maximum_length "
        "FROM duckdb_columns() c LEFT JOIN _fs_global._fs_information_schema._fs_columns_ext e "
        "ON e.ext_table_catalog = c.database_name AND e.ext_table_schema = c.schema_name "
        "AND e.ext_table_name = c.table_name AND e.ext_column_name = c.column_name "
        "WHERE c.database_name = ? AND c.schema_name = ? AND c.table_name = ? ORDER BY c.column_index",
        list(parts),
    )
    return [TableColumn(name, duck_type, bool(nullable), length) for name, duck_type, nullable, length in rows]


def _on_error(value: Any) -> tuple[str, float | None, bool]:
    """(mode, threshold, threshold is a percentage) from ON_ERROR."""
    text = str(value or "ABORT_STATEMENT").upper()
    if text in ("ABORT_STATEMENT", "CONTINUE", "SKIP_FILE"):
        return text, None, False
    m = re.fullmatch(r"SKIP_FILE_(\d+(?:\.\d+)?)(%?)", text)
    if m is None:
        raise SqlError.invalid(f"invalid value '{value}' for copy option ON_ERROR")
    return "SKIP_FILE", float(m.group(1)), bool(m.group(2))


def _truthy(value: Any) -> bool:
    return value is True or str(value).upper() == "TRUE"


def copy_into(ctx: Context) -> Result:
    return run_copy(ctx, parse_copy(ctx, ctx.text))


def run_copy(ctx: Context, plan: CopyPlan) -> Result:
    require_table(ctx, plan.table)
    location = open_location(ctx, plan.stage, plan.path)
    stage = location.stage
    stage_schema = (stage["parts"][0], stage["parts"][1])
    stage_format = stage.get("file_format") or None
    if plan.options.get("FILE_FORMAT"):
        spec = plan.options["FILE_FORMAT"]
        spec = spec if isinstance(spec, dict) else {"FORMAT_NAME": spec}
        fmt = file_formats.resolve(ctx, spec, (plan.table[0], plan.table[1]))
    elif stage_format and "FORMAT_NAME" in stage_format:
        fmt = file_formats.resolve(ctx, stage_format, stage_schema)
    else:
        fmt = file_formats.resolve(ctx, None, None, fallback=stage_format)
    options = {**{k.upper(): v for k, v in (stage.get("copy_options") or {}).items()}, **plan.options}
    mode, threshold, percent = _on_error(options.get("ON_ERROR"))
    force = _truthy(options.get("FORCE"))
    files_option = options.get("FILES")
    names = [str(n) for n in (files_option if isinstance(files_option, list) else [files_option])] if files_option else None
    files = select_files(location.list_files(), plan.path, names, options.get("PATTERN"))  # type: ignore[arg-type]

    catalog = ctx.engine.catalog
    history = catalog.get("load_history", plan.table) or {"parts": list(plan.table), "files": {}}
    pending = [f for f in files if force or not _already_loaded(history, f)]
    if not pending:
        return Result.status(NOTHING_TO_DO)

    columns = table_columns(ctx, plan.table)
    targets = _targets(columns, plan.columns)
    # The transforming SELECT names the file's records by an unqualified view name, which fakesnow only
    # accepts with a current schema: the target's, for the statement's duration.
    saved_context = (ctx.session.database, ctx.session.schema)
    ctx.session.database, ctx.session.schema = plan.table[0], plan.table[1]
    fake = ctx.engine.fake_session(ctx.session)
    duck = fake._duck_conn  # noqa: SLF001 - the session's connection: one transaction for the statement
    outcomes: list[FileOutcome] = []
    duck.begin()
    try:
        for file in pending:
            ctx.cancellation.check()
            outcome = _load_file(ctx, duck, plan, fmt, file, targets, mode, threshold, percent, options)
            if mode == "ABORT_STATEMENT" and outcome.errors:
                raise _abort_error(plan, file, outcome)
            outcomes.append(outcome)
        duck.commit()
    except BaseException:
        duck.rollback()
        raise
    finally:
        for view in (SOURCE_VIEW, RAW_VIEW):
            _drop_view(duck, view)
        ctx.session.database, ctx.session.schema = saved_context

    for outcome in outcomes:
        history["files"][outcome.file.name] = {"md5": outcome.file.md5, "status": outcome.status,
                                                "rows_loaded": outcome.rows_loaded, "loaded_at": now_iso()}
    catalog.put("load_history", plan.table, history)
    if _truthy(options.get("PURGE")):
        for outcome in outcomes:
            if outcome.status == LOADED:
                location.delete(outcome.file)
    rows = [o.row() for o in outcomes
            if not _truthy(options.get("RETURN_FAILED_ONLY")) or o.status != LOADED]
    return Result(COPY_COLUMNS, rows)


def _already_loaded(history: dict[str, Any], file: StageFile) -> bool:
    entry = history["files"].get(file.name)
    return bool(entry) and entry["status"] in (LOADED, PARTIALLY_LOADED) and entry["md5"] == file.md5


def _targets(columns: list[TableColumn], names: list[str] | None) -> list[TableColumn]:
    if names is None:
        return columns
    by_name = {c.name: c for c in columns}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SqlError("000904", "42000", f"SQL compilation error: error line 1 at position 0\ninvalid identifier "
                       f"'{missing[0]}'")
    return [by_name[n] for n in names]


def _drop_view(duck: duckdb.DuckDBPyConnection, name: str) -> None:
    try:
        if name == RAW_VIEW:
            duck.unregister(name)
        else:
            duck.execute(f"DROP VIEW IF EXISTS {name}")
    except duckdb.Error:
        pass


def _abort_error(plan: CopyPlan, file: StageFile, outcome: FileOutcome) -> SqlError:
    line, message, column, code = outcome.errors[0]
    where = f"\n  File '{file.relative}', line {line}, character 1"
    if column:
        where += f"\n  Row {line}, column {column}"
    return SqlError(code, "22018" if code == "100038" else "22000", message + where +
                    "\n  If you would like to continue loading when an error is encountered, use other values such as "
                    "'SKIP_FILE' or 'CONTINUE' for the ON_ERROR option. For more information on loading options, "
                    "please run 'info loading_data' in a SQL client.")


def _load_file(ctx: Context, duck: duckdb.DuckDBPyConnection, plan: CopyPlan, fmt: dict[str, Any], file: StageFile,
               targets: list[TableColumn], mode: str, threshold: float | None, percent: bool,
               options: dict[str, Any]) -> FileOutcome:
    """Parses one file and loads it as ON_ERROR decides.

    The loaders first find every row that cannot go in (recorded in the outcome's errors) and hand back
    a function inserting the good rows, so the decision (all, the good ones, or none) is taken here.
    """
    data = file.read()
    try:
        records = read_records(data, file.relative, fmt)
    except FileError as e:
        return FileOutcome(file, LOAD_FAILED, errors=[(e.line, e.message, None, "100069")])
    outcome = FileOutcome(file, LOADED, rows_parsed=len(records))
    if plan.transform is not None:
        insert_good_rows = _load_transformed(ctx, duck, plan, fmt, file, records, targets, mode, outcome)
    else:
        insert_good_rows = _load_plain(duck, plan, fmt, file, data, records, targets, mode, options, outcome)
    errors = len(outcome.errors)
    if mode == "CONTINUE":
        outcome.error_limit = len(records)
    elif threshold is not None:
        outcome.error_limit = int(threshold * len(records) / 100) if percent else int(threshold)
    if errors and mode == "SKIP_FILE" and (threshold is None or errors >= max(outcome.error_limit, 1)):
        outcome.status, outcome.rows_loaded = LOAD_FAILED, 0
        return outcome
    if mode != "ABORT_STATEMENT" or not errors:
        outcome.rows_loaded = insert_good_rows()
    if errors:
        outcome.status = PARTIALLY_LOADED if outcome.rows_loaded else LOAD_FAILED
    return outcome


# -- plain COPY: records matched to columns by position (CSV) or name, or into one VARIANT column ----------

def _cell_text(value: Any, column: TableColumn) -> str | None:
    if value is None:
        return None
    if column.duck_type == "JSON":
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _column_label(table: str, column: TableColumn, index: int) -> str:
    return f'"{table}"["{column.name}":{index + 1}]'


def _load_plain(duck: duckdb.DuckDBPyConnection, plan: CopyPlan, fmt: dict[str, Any], file: StageFile, data: bytes,
                records: list[Record], targets: list[TableColumn], mode: str, options: dict[str, Any],
                outcome: FileOutcome) -> Any:
    match = str(options.get("MATCH_BY_COLUMN_NAME", "NONE")).upper()
    table_name = plan.table[2]
    rows: list[list[Any]] = []
    if fmt["TYPE"] == "CSV":
        header = csv_header(data, file.relative, fmt) if match != "NONE" and fmt.get("PARSE_HEADER") else None
        for record in records:
            fields = record.value
            if header is not None:
                lookup = {(h if match == "CASE_SENSITIVE" else h.upper()): i for i, h in enumerate(header)}
                rows.append([fields[lookup[c.name if match == "CASE_SENSITIVE" else c.name.upper()]]
                             if (c.name if match == "CASE_SENSITIVE" else c.name.upper()) in lookup else None
                             for c in targets])
                continue
            if len(fields) != len(targets) and fmt.get("ERROR_ON_COLUMN_COUNT_MISMATCH", True):
                outcome.errors.append((record.line, f"Number of columns in file ({len(fields)}) does not match that "
                                       f"of the corresponding table ({len(targets)}), use file format option "
                                       "error_on_column_count_mismatch=false to ignore this error", None, "100080"))
                rows.append(None)  # type: ignore[arg-type]
                continue
            rows.append((list(fields) + [None] * len(targets))[: len(targets)])
    elif match != "NONE":
        for record in records:
            if not isinstance(record.value, dict):
                outcome.errors.append((record.line, "Error parsing JSON: MATCH_BY_COLUMN_NAME needs objects",
                                       None, "100069"))
                rows.append(None)  # type: ignore[arg-type]
                continue
            if match == "CASE_SENSITIVE":
                rows.append([record.value.get(c.name) for c in targets])
            else:
                lowered = {str(k).upper(): v for k, v in record.value.items()}
                rows.append([lowered.get(c.name.upper()) for c in targets])
    else:
        if len(targets) != 1 or targets[0].duck_type != "JSON":
            raise SqlError("002019", "0A000", f"SQL compilation error:\n{fmt['TYPE']} file format can produce one and "
                           "only one column of type variant, object, or array. Load data into separate columns using "
                           "the MATCH_BY_COLUMN_NAME copy option or copy with transformation.")
        rows = [[record.value] for record in records]

    texts = {f"c{i}": [None if r is None else _cell_text(r[i], c) for r in rows] for i, c in enumerate(targets)}
    table = pa.table({"__row": list(range(len(rows))), "__line": [r.line for r in records], **texts},
                     schema=pa.schema([("__row", pa.int64()), ("__line", pa.int64())]
                                      + [(k, pa.string()) for k in texts]))
    _drop_view(duck, RAW_VIEW)
    duck.register(RAW_VIEW, table)
    skipped = {i for i, r in enumerate(rows) if r is None}
    for row_index, line, message, column in _validate(duck, targets, table_name):
        if row_index not in skipped:
            skipped.add(row_index)
            outcome.errors.append((line, message, column, "100038" if "recognized" in message else "100072"))
    outcome.errors.sort(key=lambda e: e[0])

    def insert_good_rows() -> int:
        target = ".".join(duck_ident(p) for p in plan.table)
        names = ", ".join(duck_ident(c.name) for c in targets)
        casts = ", ".join(f'CAST(c{i} AS {c.duck_type})' for i, c in enumerate(targets))
        excluded = f"WHERE __row NOT IN ({', '.join(str(i) for i in sorted(skipped))})" if skipped else ""
        duck.execute(f"INSERT INTO {target} ({names}) SELECT {casts} FROM {RAW_VIEW} {excluded} ORDER BY __row")
        return len(rows) - len(skipped)

    return insert_good_rows


def _validate(duck: duckdb.DuckDBPyConnection, targets: list[TableColumn],
              table_name: str) -> list[tuple[int, int, str, str]]:
    """Rows that cannot go in: (row index, line, Snowflake's message, column label), one per bad row."""
    checks = []
    for i, c in enumerate(targets):
        problems = [f"WHEN c{i} IS NOT NULL AND TRY_CAST(c{i} AS {c.duck_type}) IS NULL THEN 'cast'"]
        if not c.nullable:
            problems.insert(0, f"WHEN c{i} IS NULL THEN 'null'")
        if c.max_length is not None and c.duck_type == "VARCHAR":
            problems.append(f"WHEN length(c{i}) > {int(c.max_length)} THEN 'length'")
        checks.append(f"CASE {' '.join(problems)} END")
    if not checks:
        return []
    problems = ", ".join(f"{check} AS p{i}" for i, check in enumerate(checks))
    values = ", ".join(f"c{i}" for i in range(len(targets)))
    any_problem = f"COALESCE({', '.join(f'p{i}' for i in range(len(targets)))})"
    found = [
        (row[0], row[1], list(row[2 : 2 + len(targets)]), list(row[2 + len(targets):]))
        for row in duck.execute(
            f"SELECT __row, __line, {', '.join(f'p{i}' for i in range(len(targets)))}, {values} FROM "
            f"(SELECT __row, __line, {problems}, {values} FROM {RAW_VIEW}) WHERE {any_problem} IS NOT NULL ORDER BY __row"
        ).fetchall()
    ]
    out = []
    for row_index, line, problems, values in found:
        i = next(k for k, p in enumerate(problems) if p is not None)
        column, value, problem = targets[i], values[i], problems[i]
        if problem == "null":
            message = "NULL result in a non-nullable column"
        elif problem == "length":
            message = f"User character length limit ({column.max_length}) exceeded by string '{value}'"
        else:
            message = f"{_kind_of(column.duck_type)} '{value}' is not recognized"
        out.append((row_index, line, message, _column_label(table_name, column, i)))
    return out


def _kind_of(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith(("DECIMAL", "BIGINT", "INTEGER", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT", "TINYINT")):
        return "Numeric value"
    if t == "BOOLEAN":
        return "Boolean value"
    if t == "DATE":
        return "Date"
    if t.startswith("TIMESTAMP"):
        return "Timestamp"
    if t.startswith("TIME"):
        return "Time"
    return "Value"


# -- transforming COPY: the SELECT runs through fakesnow over the file's records --------------------------

def _rewrite_positional(select_list: str) -> str:
    """`$1:field` → `"$1":field`: positional columns become the source view's quoted column names."""
    out, last = [], 0
    for token in tokenize(select_list):
        if token.kind == WORD and re.fullmatch(r"\$\d+", token.value):
            out.append(select_list[last : token.start])
            out.append(f'"{token.value}"')
            last = token.end
    out.append(select_list[last:])
    return "".join(out)


def _load_transformed(ctx: Context, duck: duckdb.DuckDBPyConnection, plan: CopyPlan, fmt: dict[str, Any],
                      file: StageFile, records: list[Record], targets: list[TableColumn], mode: str,
                      outcome: FileOutcome) -> Any:
    scan_time = datetime.datetime.now(datetime.timezone.utc)
    columns: dict[str, list[Any]] = {"__row": list(range(len(records)))}
    if fmt["TYPE"] == "CSV":
        width = max((len(r.value) for r in records), default=1)
        for i in range(width):
            columns[f"${i + 1}"] = [r.value[i] if i < len(r.value) else None for r in records]
        source_columns = [f'"${i + 1}"' for i in range(width)]
    else:
        columns["$1"] = [json.dumps(r.value) for r in records]
        source_columns = ['CAST("$1" AS JSON) AS "$1"']
    columns["METADATA$FILENAME"] = [file.relative] * len(records)
    columns["METADATA$FILE_ROW_NUMBER"] = list(range(1, len(records) + 1))
    columns["METADATA$FILE_CONTENT_KEY"] = [file.md5] * len(records)
    columns["METADATA$FILE_LAST_MODIFIED"] = [file.last_modified] * len(records)
    columns["METADATA$START_SCAN_TIME"] = [scan_time] * len(records)
    _drop_view(duck, RAW_VIEW)
    duck.register(RAW_VIEW, pa.table(columns))
    metadata = ", ".join(duck_ident(k) for k in columns if k.startswith("METADATA$"))
    duck.execute(f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT __row, {', '.join(source_columns)}, "
                 f"{metadata} FROM {RAW_VIEW}")
    target = ".".join(duck_ident(p) for p in plan.table)
    names = ", ".join(duck_ident(c.name) for c in targets)
    select = f"SELECT {_rewrite_positional(plan.transform or '')} FROM {SOURCE_VIEW}"
    if plan.alias:
        select += f" AS {plan.alias}"
    insert = f"INSERT INTO {target} ({names}) {select}"

    def insert_all() -> int:
        ctx.fakesnow(insert, None)
        return len(records) - len(failed_rows)

    # Rows the SELECT cannot convert: found by trying the whole file, then row by row when that fails.
    failed_rows: set[int] = set()
    probe = f"SELECT COUNT(*) FROM ({select})"
    try:
        ctx.fakesnow(probe, None)
    except SqlError as whole:
        if mode == "ABORT_STATEMENT" and len(records) > 0:
            outcome.errors.append((records[0].line, whole.message.split("\n")[-1], None, whole.code))
            return insert_all
        for i, record in enumerate(records):
            try:
                ctx.fakesnow(f"{probe} WHERE __row = {i}" if not plan.alias else
                             f"SELECT COUNT(*) FROM ({select} WHERE {plan.alias}.__row = {i})", None)
            except SqlError as e:
                failed_rows.add(i)
                outcome.errors.append((record.line, e.message.split("\n")[-1], None, e.code))

    def insert_good_rows() -> int:
        if not failed_rows:
            return insert_all()
        keep = f"__row NOT IN ({', '.join(str(i) for i in sorted(failed_rows))})"
        where = f" WHERE {plan.alias + '.' if plan.alias else ''}{keep}"
        ctx.fakesnow(f"INSERT INTO {target} ({names}) {select}{where}", None)
        return len(records) - len(failed_rows)

    return insert_good_rows


def register(engine: Engine) -> None:
    engine.route("COPY", "INTO", copy_into)
    engine.route("LIST", "", list_stage)
    engine.route("REMOVE", "", remove_files)
    engine.route("RM", "", remove_files)
    engine.route("PUT", "", put_through_sql_api)
    engine.route("GET", "", put_through_sql_api)
