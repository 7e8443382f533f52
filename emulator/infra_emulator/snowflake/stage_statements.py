"""Stages and file formats, kept in the catalog (fakesnow keeps neither integrations nor comments for them).

  CREATE [OR REPLACE] [TEMPORARY] STAGE [IF NOT EXISTS] s [URL = 's3://b/p/'] [STORAGE_INTEGRATION = i]
      [FILE_FORMAT = (FORMAT_NAME = 'f' | TYPE = ... )] [COPY_OPTIONS = (...)] [COMMENT = '...']
  ALTER STAGE [IF EXISTS] s SET ... | RENAME TO t ; DROP STAGE ; SHOW STAGES ; DESC STAGE
  CREATE [OR REPLACE] FILE FORMAT [IF NOT EXISTS] f TYPE = ... [options] [COMMENT = '...']
  ALTER FILE FORMAT [IF EXISTS] f SET ... | RENAME TO g ; DROP FILE FORMAT ; SHOW FILE FORMATS ; DESC FILE FORMAT

An external stage names an S3 URL reached through a storage integration; an internal one keeps its files
under DIR/stages/ (see copy_statements.py for LIST and COPY, trust.py for the S3 trust checks).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from typing import TYPE_CHECKING, Any

from . import file_formats
from .catalog import now_iso
from .database_statements import require_schema
from .errors import SqlError
from .implicit_stages import implicit_stage_record, is_implicit
from .results import Column, Result
from .show import parse_show
from .sqltext import qualified_sql
from .trust import check_location_allowed

if TYPE_CHECKING:
    from .engine import Context, Engine

COPY_OPTION_DEFAULTS: dict[str, Any] = {
    "ON_ERROR": "ABORT_STATEMENT", "SIZE_LIMIT": None, "PURGE": False, "RETURN_FAILED_ONLY": False,
    "ENFORCE_LENGTH": True, "TRUNCATECOLUMNS": False, "FORCE": False,
}


def _timestamp(record: dict[str, Any]) -> datetime.datetime:
    return datetime.datetime.fromisoformat(record["created_on"])


def internal_stage_directory(ctx: Context, parts: tuple[str, ...]) -> str:
    return os.path.join(ctx.engine.directory, "stages", *parts)


# -- stages ---------------------------------------------------------------------------------------

def _apply_stage_options(ctx: Context, record: dict[str, Any], options: dict[str, Any]) -> None:
    schema = tuple(record["parts"][:2])
    for key, value in options.items():
        if key == "URL":
            url = str(value)
            if not url.startswith("s3://"):
                raise SqlError.unsupported(f"stage URL '{url}' (only s3:// locations)")
            record["url"] = url
        elif key == "STORAGE_INTEGRATION":
            name = str(value)
            if ctx.engine.catalog.get("integrations", (name,)) is None:
                raise SqlError.does_not_exist("Integration", name)
            record["storage_integration"] = name
        elif key == "FILE_FORMAT":
            spec = value if isinstance(value, dict) else {"FORMAT_NAME": value}
            if "FORMAT_NAME" in spec:
                file_formats.lookup(ctx, str(spec["FORMAT_NAME"]), schema)  # must exist
                record["file_format"] = {"FORMAT_NAME": str(spec["FORMAT_NAME"])}
            else:
                record["file_format"] = file_formats.normalize_options(spec)
        elif key == "COPY_OPTIONS":
            record["copy_options"] = {k: v for k, v in (value or {}).items()}  # type: ignore[union-attr]
        elif key == "CREDENTIALS":
            record["credentials"] = {k: str(v) for k, v in (value or {}).items()}  # type: ignore[union-attr]
        elif key in ("ENCRYPTION", "DIRECTORY"):
            record[key.lower()] = value
        elif key == "COMMENT":
            record["comment"] = str(value)
        else:
            raise SqlError.invalid(f"invalid property '{key}' for 'STAGE'")
    if record.get("url") and record.get("storage_integration"):
        integration = ctx.engine.catalog.get("integrations", (record["storage_integration"],))
        assert integration is not None
        check_location_allowed(integration, record["url"])
    if record.get("storage_integration") and not record.get("url"):
        raise SqlError.invalid("A storage integration needs an external stage (URL = 's3://...').")


def create_stage(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    temporary = s.accept("TEMPORARY") or s.accept("TEMP")
    s.expect("STAGE")
    if_not_exists = s.if_not_exists()
    parts = ctx.object_name(s.qualified_name(), "CREATE STAGE")
    options = s.options_until()
    require_schema(ctx, parts[0], parts[1])
    catalog = ctx.engine.catalog
    if catalog.get("stages", parts) is not None:
        if if_not_exists:
            return Result.status(f"{parts[2]} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(parts[2])
    record: dict[str, Any] = {
        "name": parts[2], "parts": list(parts), "created_on": now_iso(), "url": "", "storage_integration": None,
        "file_format": {}, "copy_options": {}, "comment": "", "temporary": temporary,
    }
    _apply_stage_options(ctx, record, options)
    if not record["url"]:
        directory = internal_stage_directory(ctx, parts)
        shutil.rmtree(directory, ignore_errors=True)  # a replaced stage starts empty
        os.makedirs(directory, exist_ok=True)
    catalog.put("stages", parts, record)
    return Result.status(f"Stage area {parts[2]} successfully created.")


def stage_record(ctx: Context, parts: tuple[str, ...]) -> dict[str, Any]:
    if is_implicit(parts):
        return implicit_stage_record(ctx, parts)
    record = ctx.engine.catalog.get("stages", parts)
    if record is None:
        raise SqlError.does_not_exist("Stage", qualified_sql(parts))
    return record


def alter_stage(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "STAGE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "ALTER STAGE")
    catalog = ctx.engine.catalog
    if catalog.get("stages", parts) is None and if_exists:
        return Result.status("Statement executed successfully.")
    record = stage_record(ctx, parts)
    if s.accept("SET"):
        options = s.options_until()
        if "URL" in options and not record["url"]:
            raise SqlError.invalid("An internal stage cannot become external: the URL of an internal stage cannot be set.")
        _apply_stage_options(ctx, record, options)
        catalog.put("stages", parts, record)
    elif s.accept("UNSET"):
        while not s.at_end():
            key = s.identifier()
            if key == "COMMENT":
                record["comment"] = ""
            elif key == "FILE_FORMAT":
                record["file_format"] = {}
            s.accept_symbol(",")
        catalog.put("stages", parts, record)
    elif s.accept("RENAME", "TO"):
        new_parts = ctx.object_name(s.qualified_name(), "ALTER STAGE")
        if catalog.get("stages", new_parts) is not None:
            raise SqlError.already_exists(new_parts[2])
        catalog.remove("stages", parts)
        if not record["url"] and os.path.isdir(internal_stage_directory(ctx, parts)):
            os.makedirs(os.path.dirname(internal_stage_directory(ctx, new_parts)), exist_ok=True)
            os.replace(internal_stage_directory(ctx, parts), internal_stage_directory(ctx, new_parts))
        record["name"], record["parts"] = new_parts[2], list(new_parts)
        catalog.put("stages", new_parts, record)
    else:
        s.unexpected()
    return Result.status("Statement executed successfully.")


def drop_stage(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "STAGE")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "DROP STAGE")
    record = ctx.engine.catalog.remove("stages", parts)
    if record is None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({parts[2]} already dropped).")
        raise SqlError.does_not_exist("Stage", qualified_sql(parts))
    if not record["url"]:
        shutil.rmtree(internal_stage_directory(ctx, parts), ignore_errors=True)
    return Result.status(f"{parts[2]} successfully dropped.")


SHOW_STAGES_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("database_name"), Column.text("schema_name"),
    Column.text("url"), Column.text("has_credentials"), Column.text("has_encryption_key"), Column.text("owner"),
    Column.text("comment"), Column.text("region"), Column.text("type"), Column.text("cloud"),
    Column.text("notification_channel"), Column.text("storage_integration"), Column.text("endpoint"),
    Column.text("owner_role_type"), Column.text("directory_enabled"),
]


def show_stages(ctx: Context) -> Result:
    show = parse_show(ctx)
    rows = []
    for r in sorted(ctx.engine.catalog.values("stages"), key=lambda r: r["parts"]):
        database, schema, name = r["parts"]
        if not show.in_scope(database, schema) or not show.matches_name(name):
            continue
        external = bool(r["url"])
        rows.append({
            "created_on": _timestamp(r), "name": name, "database_name": database, "schema_name": schema,
            "url": r["url"], "has_credentials": "Y" if r.get("credentials") else "N", "has_encryption_key": "N",
            "owner": "ACCOUNTADMIN", "comment": r.get("comment", ""),
            "region": ctx.engine.aws.region if external else None,
            "type": ("EXTERNAL" if external else "INTERNAL") + (" TEMPORARY" if r.get("temporary") else ""),
            "cloud": "AWS" if external else None, "notification_channel": None,
            "storage_integration": r.get("storage_integration"), "endpoint": None, "owner_role_type": "ROLE",
            "directory_enabled": "N",
        })
    return show.limit(Result.of(SHOW_STAGES_COLUMNS, rows))


DESC_STAGE_COLUMNS = [Column.text("parent_property"), Column.text("property"), Column.text("property_type"),
                      Column.text("property_value"), Column.text("property_default")]


def describe_stage(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("STAGE")
    parts = ctx.object_name(s.qualified_name(), "DESCRIBE STAGE")
    record = stage_record(ctx, parts)
    rows: list[tuple[str, str, str, str, str]] = []
    spec = record.get("file_format") or {}
    if "FORMAT_NAME" in spec:
        # Snowflake shows the name with its quotes escaped (`\"DB\".\"S\".\"F\"`); SnowDDL's stage resolver strips
        # `\` and `"` before comparing for that reason.
        rows.append(("STAGE_FILE_FORMAT", "FORMAT_NAME", "String", spec["FORMAT_NAME"].replace('"', '\\"'), ""))
    else:
        options = file_formats.effective(spec or {"TYPE": "CSV"})
        defaults = file_formats.effective({"TYPE": options["TYPE"]})
        for key, value in options.items():
            rows.append(("STAGE_FILE_FORMAT", key, file_formats.property_type(defaults.get(key, value)),
                         file_formats.property_text(value), file_formats.property_text(defaults.get(key, "CSV"))))
    copy_options = {**COPY_OPTION_DEFAULTS, **(record.get("copy_options") or {})}
    for key, value in copy_options.items():
        default = COPY_OPTION_DEFAULTS.get(key)
        rows.append(("STAGE_COPY_OPTIONS", key, file_formats.property_type(default if default is not None else value),
                     file_formats.property_text(value), file_formats.property_text(default)))
    location = f'["{record["url"]}"]' if record["url"] else ""
    rows.append(("STAGE_LOCATION", "URL", "String", location, ""))
    rows.append(("STAGE_LOCATION", "AWS_ACCESS_POINT_ARN", "String", "", ""))
    rows.append(("STAGE_INTEGRATION", "STORAGE_INTEGRATION", "String", record.get("storage_integration") or "", ""))
    rows.append(("STAGE_CREDENTIALS", "AWS_KEY_ID", "String", (record.get("credentials") or {}).get("AWS_KEY_ID", ""), ""))
    rows.append(("DIRECTORY", "ENABLE", "Boolean", "false", "false"))
    return Result(DESC_STAGE_COLUMNS, rows)


# -- file formats ---------------------------------------------------------------------------------

def create_file_format(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.accept("TEMPORARY") or s.accept("TEMP")
    s.expect("FILE", "FORMAT")
    if_not_exists = s.if_not_exists()
    parts = ctx.object_name(s.qualified_name(), "CREATE FILE FORMAT")
    options = s.options_until()
    require_schema(ctx, parts[0], parts[1])
    catalog = ctx.engine.catalog
    if catalog.get("file_formats", parts) is not None:
        if if_not_exists:
            return Result.status(f"{parts[2]} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(parts[2])
    comment = str(options.pop("COMMENT", ""))
    catalog.put("file_formats", parts, {
        "name": parts[2], "parts": list(parts), "created_on": now_iso(), "comment": comment,
        "options": file_formats.normalize_options(options),
    })
    return Result.status(f"File format {parts[2]} successfully created.")


def file_format_record(ctx: Context, parts: tuple[str, str, str]) -> dict[str, Any]:
    record = ctx.engine.catalog.get("file_formats", parts)
    if record is None:
        raise SqlError.does_not_exist("File format", qualified_sql(parts))
    return record


def alter_file_format(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "FILE", "FORMAT")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "ALTER FILE FORMAT")
    catalog = ctx.engine.catalog
    if catalog.get("file_formats", parts) is None and if_exists:
        return Result.status("Statement executed successfully.")
    record = file_format_record(ctx, parts)
    if s.accept("SET"):
        options = s.options_until()
        if "COMMENT" in options:
            record["comment"] = str(options.pop("COMMENT"))
        if "TYPE" in options and str(options["TYPE"]).upper() != record["options"]["TYPE"]:
            raise SqlError.invalid("The TYPE of a file format cannot be changed.")
        record["options"] = file_formats.normalize_options({**record["options"], **options})
        catalog.put("file_formats", parts, record)
    elif s.accept("RENAME", "TO"):
        new_parts = ctx.object_name(s.qualified_name(), "ALTER FILE FORMAT")
        if catalog.get("file_formats", new_parts) is not None:
            raise SqlError.already_exists(new_parts[2])
        catalog.remove("file_formats", parts)
        record["name"], record["parts"] = new_parts[2], list(new_parts)
        catalog.put("file_formats", new_parts, record)
    else:
        s.unexpected()
    return Result.status("Statement executed successfully.")


def drop_file_format(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "FILE", "FORMAT")
    if_exists = s.if_exists()
    parts = ctx.object_name(s.qualified_name(), "DROP FILE FORMAT")
    if ctx.engine.catalog.remove("file_formats", parts) is None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({parts[2]} already dropped).")
        raise SqlError.does_not_exist("File format", qualified_sql(parts))
    return Result.status(f"{parts[2]} successfully dropped.")


SHOW_FORMATS_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("database_name"), Column.text("schema_name"),
    Column.text("type"), Column.text("owner"), Column.text("comment"), Column.text("format_options"),
    Column.text("owner_role_type"),
]


def show_file_formats(ctx: Context) -> Result:
    show = parse_show(ctx)
    rows = []
    for r in sorted(ctx.engine.catalog.values("file_formats"), key=lambda r: r["parts"]):
        database, schema, name = r["parts"]
        if not show.in_scope(database, schema) or not show.matches_name(name):
            continue
        rows.append({
            "created_on": _timestamp(r), "name": name, "database_name": database, "schema_name": schema,
            "type": r["options"]["TYPE"], "owner": "ACCOUNTADMIN", "comment": r.get("comment", ""),
            "format_options": json.dumps(file_formats.effective(r["options"])), "owner_role_type": "ROLE",
        })
    return show.limit(Result.of(SHOW_FORMATS_COLUMNS, rows))


def describe_file_format(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.expect("FILE", "FORMAT")
    parts = ctx.object_name(s.qualified_name(), "DESCRIBE FILE FORMAT")
    record = file_format_record(ctx, parts)
    options = file_formats.effective(record["options"])
    defaults = file_formats.effective({"TYPE": options["TYPE"]})
    defaults["TYPE"] = "CSV"
    rows = [(key, file_formats.property_type(defaults.get(key, value)), file_formats.property_text(value),
             file_formats.property_text(defaults.get(key))) for key, value in options.items()]
    return Result([Column.text("property"), Column.text("property_type"), Column.text("property_value"),
                   Column.text("property_default")], rows)


def register(engine: Engine) -> None:
    engine.route("CREATE", "STAGE", create_stage)
    engine.route("ALTER", "STAGE", alter_stage)
    engine.route("DROP", "STAGE", drop_stage)
    engine.route("SHOW", "STAGES", show_stages)
    engine.route("DESC", "STAGE", describe_stage)
    engine.route("CREATE", "FILE FORMAT", create_file_format)
    engine.route("ALTER", "FILE FORMAT", alter_file_format)
    engine.route("DROP", "FILE FORMAT", drop_file_format)
    engine.route("SHOW", "FILE FORMATS", show_file_formats)
    engine.route("DESC", "FILE FORMAT", describe_file_format)
