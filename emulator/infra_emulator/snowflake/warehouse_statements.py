"""Warehouses: CREATE / ALTER / DROP / SHOW WAREHOUSES / DESC WAREHOUSE (USE WAREHOUSE is in session_statements).

The emulator has one engine; warehouses only record what Snowflake would report: size, suspension,
scaling. All statements run the same whichever warehouse is current.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .catalog import now_iso
from .errors import SqlError
from .results import Column, Result
from .show import parse_show

if TYPE_CHECKING:
    from .engine import Context, Engine

# Accepted spellings of WAREHOUSE_SIZE → how SHOW WAREHOUSES reports it.
SIZES = {
    "XSMALL": "X-Small", "X-SMALL": "X-Small", "SMALL": "Small", "MEDIUM": "Medium", "LARGE": "Large",
    "XLARGE": "X-Large", "X-LARGE": "X-Large", "XXLARGE": "2X-Large", "X2LARGE": "2X-Large", "2X-LARGE": "2X-Large",
    "XXXLARGE": "3X-Large", "X3LARGE": "3X-Large", "3X-LARGE": "3X-Large", "X4LARGE": "4X-Large",
    "4X-LARGE": "4X-Large", "X5LARGE": "5X-Large", "5X-LARGE": "5X-Large", "X6LARGE": "6X-Large",
    "6X-LARGE": "6X-Large",
}


def _apply(record: dict[str, Any], options: dict[str, Any]) -> None:
    for key, value in options.items():
        if key == "WAREHOUSE_SIZE":
            size = SIZES.get(str(value).upper())
            if size is None:
                raise SqlError.invalid(f"invalid value '{value}' for property 'WAREHOUSE_SIZE'")
            record["size"] = size
        elif key == "AUTO_SUSPEND":
            record["auto_suspend"] = None if value in ("NULL", None) else int(value)  # type: ignore[arg-type]
        elif key in ("AUTO_RESUME", "INITIALLY_SUSPENDED", "ENABLE_QUERY_ACCELERATION"):
            record[key.lower()] = value if isinstance(value, bool) else str(value).upper() == "TRUE"
        elif key in ("MIN_CLUSTER_COUNT", "MAX_CLUSTER_COUNT", "QUERY_ACCELERATION_MAX_SCALE_FACTOR",
                     "STATEMENT_TIMEOUT_IN_SECONDS", "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "MAX_CONCURRENCY_LEVEL"):
            record[key.lower()] = int(value)  # type: ignore[arg-type]
        elif key == "SCALING_POLICY":
            record["scaling_policy"] = str(value).upper()
        elif key == "WAREHOUSE_TYPE":
            record["type"] = str(value).upper().replace("-", "_")
        elif key in ("COMMENT", "RESOURCE_MONITOR"):
            record[key.lower()] = str(value)
        else:
            raise SqlError.invalid(f"invalid property '{key}' for 'WAREHOUSE'")


def create_warehouse(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.expect("WAREHOUSE")
    if_not_exists = s.if_not_exists()
    name = s.identifier()
    s.accept("WITH")
    options = s.options_until()
    catalog = ctx.engine.catalog
    if catalog.get("warehouses", (name,)) is not None:
        if if_not_exists:
            return Result.status(f"{name} already exists, statement succeeded.")
        if not replace:
            raise SqlError.already_exists(name)
    record: dict[str, Any] = {
        "name": name, "parts": [name], "created_on": now_iso(), "size": "X-Small", "type": "STANDARD",
        "auto_suspend": 600, "auto_resume": True, "initially_suspended": False, "min_cluster_count": 1,
        "max_cluster_count": 1, "scaling_policy": "STANDARD", "comment": "", "enable_query_acceleration": False,
        "query_acceleration_max_scale_factor": 8, "resource_monitor": None,
    }
    _apply(record, options)
    record["state"] = "SUSPENDED" if record.pop("initially_suspended") else "STARTED"
    catalog.put("warehouses", (name,), record)
    # As in Snowflake, a new warehouse becomes the session's current one.
    ctx.session.warehouse = name
    return Result.status(f"Warehouse {name} successfully created.")


def alter_warehouse(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "WAREHOUSE")
    if_exists = s.if_exists()
    name = s.identifier() if not s.peek_words("SET") else (ctx.session.warehouse or "")
    catalog = ctx.engine.catalog
    record = catalog.get("warehouses", (name,))
    if record is None:
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise SqlError.does_not_exist("Warehouse", name)
    if s.accept("SET"):
        options = s.options_until()
        options.pop("INITIALLY_SUSPENDED", None)
        _apply(record, options)
    elif s.accept("UNSET"):
        while not s.at_end():
            key = s.identifier()
            defaults = {"COMMENT": "", "AUTO_SUSPEND": 600, "RESOURCE_MONITOR": None, "MIN_CLUSTER_COUNT": 1,
                        "MAX_CLUSTER_COUNT": 1, "SCALING_POLICY": "STANDARD", "AUTO_RESUME": True}
            record[key.lower()] = defaults.get(key)
            s.accept_symbol(",")
    elif s.accept("SUSPEND"):
        if record["state"] == "SUSPENDED":
            raise SqlError("090064", "22000", f"Invalid state. Warehouse '{name}' cannot be suspended.")
        record["state"] = "SUSPENDED"
    elif s.accept("RESUME"):
        if_suspended = s.accept("IF", "SUSPENDED")
        if record["state"] == "STARTED" and not if_suspended:
            raise SqlError("090063", "22000", f"Invalid state. Warehouse '{name}' cannot be resumed because resource "
                           "is not suspended.")
        record["state"] = "STARTED"
    elif s.accept("ABORT", "ALL", "QUERIES"):
        pass
    elif s.accept("RENAME", "TO"):
        new_name = s.identifier()
        if catalog.get("warehouses", (new_name,)) is not None:
            raise SqlError.already_exists(new_name)
        catalog.remove("warehouses", (name,))
        record["name"], record["parts"] = new_name, [new_name]
        name = new_name
    else:
        s.unexpected()
    catalog.put("warehouses", (name,), record)
    return Result.status("Statement executed successfully.")


def drop_warehouse(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "WAREHOUSE")
    if_exists = s.if_exists()
    name = s.identifier()
    if ctx.engine.catalog.remove("warehouses", (name,)) is None:
        if if_exists:
            return Result.status(f"Drop statement executed successfully ({name} already dropped).")
        raise SqlError.does_not_exist("Warehouse", name)
    if ctx.session.warehouse == name:
        ctx.session.warehouse = None
    return Result.status(f"{name} successfully dropped.")


SHOW_COLUMNS = [
    Column.text("name"), Column.text("state"), Column.text("type"), Column.text("size"),
    Column.number("min_cluster_count"), Column.number("max_cluster_count"), Column.number("started_clusters"),
    Column.number("running"), Column.number("queued"), Column.text("is_default"), Column.text("is_current"),
    Column.text("auto_suspend"), Column.text("auto_resume"), Column.text("available"), Column.text("provisioning"),
    Column.text("quiescing"), Column.text("other"), Column.timestamp_ltz("created_on"),
    Column.timestamp_ltz("resumed_on"), Column.timestamp_ltz("updated_on"), Column.text("owner"),
    Column.text("comment"), Column.text("enable_query_acceleration"),
    Column.number("query_acceleration_max_scale_factor"), Column.text("resource_monitor"),
    Column.text("scaling_policy"), Column.text("owner_role_type"),
]


def show_warehouses(ctx: Context) -> Result:
    show = parse_show(ctx, scoped=False)
    rows = []
    for r in sorted(ctx.engine.catalog.values("warehouses"), key=lambda r: r["name"]):
        if not show.matches_name(r["name"]):
            continue
        created = datetime.datetime.fromisoformat(r["created_on"])
        started = r["state"] == "STARTED"
        rows.append({
            "name": r["name"], "state": r["state"], "type": r["type"], "size": r["size"],
            "min_cluster_count": r["min_cluster_count"], "max_cluster_count": r["max_cluster_count"],
            "started_clusters": r["min_cluster_count"] if started else 0, "running": 0, "queued": 0,
            "is_default": "N", "is_current": "Y" if ctx.session.warehouse == r["name"] else "N",
            "auto_suspend": None if r["auto_suspend"] is None else str(r["auto_suspend"]),
            "auto_resume": "true" if r["auto_resume"] else "false",
            "available": "100" if started else "", "provisioning": "0" if started else "",
            "quiescing": "0" if started else "", "other": "0" if started else "",
            "created_on": created, "resumed_on": created, "updated_on": created, "owner": "ACCOUNTADMIN",
            "comment": r.get("comment", ""), "enable_query_acceleration": "true" if r["enable_query_acceleration"] else "false",
            "query_acceleration_max_scale_factor": r["query_acceleration_max_scale_factor"],
            "resource_monitor": r.get("resource_monitor") or "null", "scaling_policy": r["scaling_policy"],
            "owner_role_type": "ROLE",
        })
    return show.limit(Result.of(SHOW_COLUMNS, rows))


def describe_warehouse(ctx: Context) -> Result:
    """DESC WAREHOUSE w: one row `created_on, name, kind` (docs: sql-reference/sql/desc-warehouse)."""
    s = ctx.stream()
    s.next()
    s.expect("WAREHOUSE")
    name = s.identifier()
    record = ctx.engine.catalog.get("warehouses", (name,))
    if record is None:
        raise SqlError.does_not_exist("Warehouse", name)
    columns = [Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("kind")]
    return Result(columns, [(datetime.datetime.fromisoformat(record["created_on"]), record["name"], "WAREHOUSE")])


def register(engine: Engine) -> None:
    engine.route("CREATE", "WAREHOUSE", create_warehouse)
    engine.route("ALTER", "WAREHOUSE", alter_warehouse)
    engine.route("DROP", "WAREHOUSE", drop_warehouse)
    engine.route("SHOW", "WAREHOUSES", show_warehouses)
    engine.route("DESC", "WAREHOUSE", describe_warehouse)
