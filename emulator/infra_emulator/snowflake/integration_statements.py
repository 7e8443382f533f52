"""Storage integrations: CREATE / ALTER / DROP / SHOW / DESC [STORAGE] INTEGRATION (fakesnow has none).

An integration names the IAM role Snowflake assumes and the S3 locations it may use. Snowflake reports
the AWS user it assumes roles as (STORAGE_AWS_IAM_USER_ARN: here the launcher's `snowflake_principal`)
and an external ID it generates once, at creation, unless one is given; the role's trust policy must name
both (see trust.py).
"""

from __future__ import annotations

import base64
import datetime
import os
from typing import TYPE_CHECKING, Any

from .auth import ACCOUNT
from .catalog import now_iso
from .errors import SqlError
from .results import Column, Result
from .show import parse_show

if TYPE_CHECKING:
    from .engine import Context, Engine

SETTABLE = ("ENABLED", "STORAGE_AWS_ROLE_ARN", "STORAGE_ALLOWED_LOCATIONS", "STORAGE_BLOCKED_LOCATIONS",
            "STORAGE_AWS_EXTERNAL_ID", "COMMENT", "STORAGE_AWS_OBJECT_ACL", "USE_PRIVATELINK_ENDPOINT")


def generate_external_id() -> str:
    """Like Snowflake's: `<ACCOUNT>_SFCRole=2_<base64 of 20 random bytes>` (which ends in '=')."""
    return f"{ACCOUNT}_SFCRole=2_" + base64.b64encode(os.urandom(20)).decode("ascii")


def _locations(value: Any, option: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    locations = [str(i).strip() for i in items if str(i).strip()]
    for location in locations:
        if location != "*" and not location.startswith("s3://"):
            raise SqlError.invalid(f"Invalid value ['{location}'] for property '{option}': an S3 location is "
                                   "s3://<bucket>/<path>/")
    return locations


def _apply(record: dict[str, Any], options: dict[str, Any]) -> None:
    for key, value in options.items():
        if key not in SETTABLE and key not in ("TYPE", "STORAGE_PROVIDER"):
            raise SqlError.invalid(f"invalid property '{key}' for 'INTEGRATION'")
        if key == "ENABLED":
            record["enabled"] = bool(value) if isinstance(value, bool) else str(value).upper() == "TRUE"
        elif key in ("STORAGE_ALLOWED_LOCATIONS", "STORAGE_BLOCKED_LOCATIONS"):
            record[key.lower()] = _locations(value, key)
        elif key == "STORAGE_PROVIDER":
            if str(value).upper() not in ("S3", "S3GOV", "S3CHINA"):
                raise SqlError.unsupported(f"STORAGE_PROVIDER = {value}")
            record["storage_provider"] = str(value).upper()
        elif key == "TYPE":
            if str(value).upper() != "EXTERNAL_STAGE":
                raise SqlError.unsupported(f"integration TYPE = {value}")
        else:
            record[key.lower()] = value if isinstance(value, bool) else str(value)


def create_integration(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.accept("STORAGE")
    s.expect("INTEGRATION")
    if_not_exists = s.if_not_exists()
    name = s.identifier()
    options = s.options_until()
    catalog = ctx.engine.catalog
    if catalog.get("integrations", (name,)) is not None:
        if if_not_exists:
            return Result.status(f"{name} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(name)
    for required in ("TYPE", "STORAGE_PROVIDER", "ENABLED", "STORAGE_ALLOWED_LOCATIONS"):
        if required not in options:
            raise SqlError("002029", "22023", f"SQL compilation error:\nMissing option(s): [{required}]")
    if str(options.get("STORAGE_PROVIDER", "")).upper().startswith("S3") and "STORAGE_AWS_ROLE_ARN" not in options:
        raise SqlError("002029", "22023", "SQL compilation error:\nMissing option(s): [STORAGE_AWS_ROLE_ARN]")
    record: dict[str, Any] = {
        "name": name, "parts": [name], "created_on": now_iso(), "type": "EXTERNAL_STAGE", "category": "STORAGE",
        "storage_provider": "S3", "enabled": True, "storage_aws_role_arn": "", "storage_allowed_locations": [],
        "storage_blocked_locations": [], "comment": "", "storage_aws_external_id": None,
    }
    _apply(record, options)
    if not record.get("storage_aws_external_id"):
        # Generated once: a replaced integration gets a new one, ALTERs of other properties keep it.
        record["storage_aws_external_id"] = generate_external_id()
    catalog.put("integrations", (name,), record)
    return Result.status(f"Integration {name} successfully created.")


def _integration(ctx: Context, name: str) -> dict[str, Any]:
    record = ctx.engine.catalog.get("integrations", (name,))
    if record is None:
        raise SqlError.does_not_exist("Integration", name)
    return record


def alter_integration(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER")
    s.accept("STORAGE")
    s.expect("INTEGRATION")
    if_exists = s.if_exists()
    name = s.identifier()
    if ctx.engine.catalog.get("integrations", (name,)) is None and if_exists:
        return Result.status("Statement executed successfully.")
    record = _integration(ctx, name)
    if s.accept("SET"):
        _apply(record, s.options_until())
    elif s.accept("UNSET"):
        while not s.at_end():
            key = s.identifier()
            if key == "ENABLED":
                record["enabled"] = False
            elif key == "STORAGE_BLOCKED_LOCATIONS":
                record["storage_blocked_locations"] = []
            elif key == "COMMENT":
                record["comment"] = ""
            elif key == "STORAGE_AWS_EXTERNAL_ID":
                record["storage_aws_external_id"] = generate_external_id()
            else:
                raise SqlError.invalid(f"invalid property '{key}' for UNSET on 'INTEGRATION'")
            s.accept_symbol(",")
    else:
        s.unexpected()
    ctx.engine.catalog.put("integrations", (name,), record)
    return Result.status("Statement executed successfully.")


def drop_integration(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP")
    s.accept("STORAGE")
    s.expect("INTEGRATION")
    if_exists = s.if_exists()
    name = s.identifier()
    if ctx.engine.catalog.remove("integrations", (name,)) is None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({name} already dropped).")
        raise SqlError.does_not_exist("Integration", name)
    return Result.status(f"{name} successfully dropped.")


SHOW_COLUMNS = [Column.text("name"), Column.text("type"), Column.text("category"), Column.text("enabled"),
                Column.text("comment"), Column.timestamp_ltz("created_on")]


def show_integrations(ctx: Context) -> Result:
    show = parse_show(ctx, scoped=False)
    rows = [
        {"name": r["name"], "type": r["type"], "category": r["category"], "enabled": "true" if r["enabled"] else "false",
         "comment": r.get("comment") or None, "created_on": datetime.datetime.fromisoformat(r["created_on"])}
        for r in sorted(ctx.engine.catalog.values("integrations"), key=lambda r: r["name"])
        if show.matches_name(r["name"])
    ]
    return show.limit(Result.of(SHOW_COLUMNS, rows))


DESC_COLUMNS = [Column.text("property"), Column.text("property_type"), Column.text("property_value"),
                Column.text("property_default")]


def describe_integration(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()
    s.accept("STORAGE")
    s.expect("INTEGRATION")
    record = _integration(ctx, s.identifier())
    rows = [
        ("ENABLED", "Boolean", "true" if record["enabled"] else "false", "false"),
        ("STORAGE_PROVIDER", "String", record["storage_provider"], ""),
        ("STORAGE_ALLOWED_LOCATIONS", "List", ",".join(record["storage_allowed_locations"]), "[]"),
        ("STORAGE_BLOCKED_LOCATIONS", "List", ",".join(record["storage_blocked_locations"]), "[]"),
        ("STORAGE_AWS_IAM_USER_ARN", "String", ctx.engine.aws.principal_arn(), ""),
        ("STORAGE_AWS_ROLE_ARN", "String", record["storage_aws_role_arn"], ""),
        ("STORAGE_AWS_EXTERNAL_ID", "String", record["storage_aws_external_id"], ""),
        ("STORAGE_AWS_OBJECT_ACL", "String", record.get("storage_aws_object_acl", ""), ""),
        ("USE_PRIVATELINK_ENDPOINT", "Boolean", "true" if record.get("use_privatelink_endpoint") else "false", "false"),
        ("COMMENT", "String", record.get("comment", ""), ""),
    ]
    return Result(DESC_COLUMNS, rows)


def register(engine: Engine) -> None:
    for kind in ("STORAGE INTEGRATION", "INTEGRATION"):
        engine.route("CREATE", kind, create_integration)
        engine.route("ALTER", kind, alter_integration)
        engine.route("DROP", kind, drop_integration)
        engine.route("DESC", kind, describe_integration)
    for kind in ("STORAGE INTEGRATIONS", "INTEGRATIONS"):
        engine.route("SHOW", kind, show_integrations)
