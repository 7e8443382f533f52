"""CREATE / ALTER / DROP / SHOW / DESC USER: users and the public keys their JWTs are checked against."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from .auth import fingerprint, validate_public_key
from .catalog import now_iso
from .errors import SqlError
from .results import Column, Result
from .show import ShowFilter, parse_show

if TYPE_CHECKING:
    from .engine import Context, Engine

KEY_PROPERTIES = ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2")
TEXT_PROPERTIES = ("COMMENT", "DEFAULT_ROLE", "DEFAULT_WAREHOUSE", "DEFAULT_NAMESPACE", "LOGIN_NAME", "DISPLAY_NAME",
                   "EMAIL", "FIRST_NAME", "LAST_NAME", "TYPE")


def _apply(record: dict[str, Any], options: dict[str, Any]) -> None:
    for name, value in options.items():
        if name in KEY_PROPERTIES:
            try:
                record[name.lower()] = validate_public_key(str(value))
            except ValueError:
                raise SqlError("002028", "22023", "Invalid RSA public key: the value is not an RSA public key.") from None
        elif name in ("PASSWORD", "MUST_CHANGE_PASSWORD"):
            # Passwords are accepted and not kept: the emulator authenticates the SQL API by key pair only.
            continue
        elif name == "DISABLED":
            record["disabled"] = bool(value)
        else:
            record[name.lower()] = value if isinstance(value, (bool, int, float)) else str(value)


def create_user(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("CREATE")
    replace = s.accept("OR", "REPLACE")
    s.expect("USER")
    if_not_exists = s.if_not_exists()
    name = s.identifier()
    options = s.options_until()
    users = ctx.engine.users
    if users.get(name) is not None and not replace:
        if if_not_exists:
            return Result.status(f"{name} already exists, statement succeeded.")
        raise SqlError.already_exists(name)
    record: dict[str, Any] = {"name": name, "created_on": now_iso(), "rsa_public_key": None,
                              "rsa_public_key_2": None, "comment": "", "disabled": False}
    _apply(record, options)
    users.put(name, record)
    return Result.status(f"User {name} successfully created.")


def alter_user(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("ALTER", "USER")
    if_exists = s.if_exists()
    name = s.identifier()
    users = ctx.engine.users
    record = users.get(name)
    if record is None:
        if if_exists:
            return Result.status("Statement executed successfully.")
        raise SqlError.does_not_exist("User", name)
    if s.accept("SET"):
        _apply(record, s.options_until())
    elif s.accept("UNSET"):
        while not s.at_end():
            prop = s.identifier().lower()
            record[prop] = "" if prop == "comment" else None
            s.accept_symbol(",")
    elif s.accept("RENAME", "TO"):
        new_name = s.identifier()
        users.catalog.remove("users", (name,))
        record["name"] = name = new_name
    else:
        s.unexpected()
    users.put(name, record)
    return Result.status("Statement executed successfully.")


def drop_user(ctx: Context) -> Result:
    s = ctx.stream()
    s.expect("DROP", "USER")
    if_exists = s.if_exists()
    name = s.identifier()
    if ctx.engine.catalog.remove("users", (name,)) is None and not if_exists:
        raise SqlError.does_not_exist("User", name)
    return Result.status(f"{name} successfully dropped.")


SHOW_USER_COLUMNS = [
    Column.timestamp_ltz("created_on"), Column.text("name"), Column.text("login_name"), Column.text("display_name"),
    Column.text("first_name"), Column.text("last_name"), Column.text("email"), Column.text("comment"),
    Column.text("disabled"), Column.text("default_warehouse"), Column.text("default_namespace"),
    Column.text("default_role"), Column.text("owner"), Column.text("has_password"), Column.text("has_rsa_public_key"),
    Column.text("type"),
]


def show_users(ctx: Context) -> Result:
    show: ShowFilter = parse_show(ctx, scoped=False, paged=True)
    rows = []
    for record in ctx.engine.catalog.values("users"):
        if not show.matches_name(record["name"]):
            continue
        rows.append({
            "created_on": datetime.datetime.fromisoformat(record["created_on"]),
            "name": record["name"],
            "login_name": record.get("login_name") or record["name"],
            "display_name": record.get("display_name") or record["name"],
            "first_name": record.get("first_name"), "last_name": record.get("last_name"), "email": record.get("email"),
            "comment": record.get("comment") or "",
            "disabled": "true" if record.get("disabled") else "false",
            "default_warehouse": record.get("default_warehouse"),
            "default_namespace": record.get("default_namespace"),
            "default_role": record.get("default_role"),
            "owner": "ACCOUNTADMIN",
            "has_password": "false",
            "has_rsa_public_key": "true" if record.get("rsa_public_key") or record.get("rsa_public_key_2") else "false",
            "type": record.get("type") or "PERSON",
        })
    rows.sort(key=lambda r: r["name"])
    return show.limit(Result.of(SHOW_USER_COLUMNS, rows))


def describe_user(ctx: Context) -> Result:
    s = ctx.stream()
    s.next()  # DESC or DESCRIBE
    s.expect("USER")
    name = s.identifier()
    record = ctx.engine.users.get(name)
    if record is None:
        raise SqlError.does_not_exist("User", name)
    columns = [Column.text("property"), Column.text("value"), Column.text("default"), Column.text("description")]
    rows = [
        {"property": "NAME", "value": record["name"], "default": "null", "description": "Name"},
        {"property": "COMMENT", "value": record.get("comment") or "null", "default": "null", "description": "user comment"},
        {"property": "DISABLED", "value": "true" if record.get("disabled") else "false", "default": "false",
         "description": "Whether the user is disabled"},
        {"property": "DEFAULT_ROLE", "value": record.get("default_role") or "null", "default": "null",
         "description": "Primary principal of user session will be set to this role"},
        {"property": "DEFAULT_WAREHOUSE", "value": record.get("default_warehouse") or "null", "default": "null",
         "description": "Default warehouse for this user"},
        {"property": "DEFAULT_NAMESPACE", "value": record.get("default_namespace") or "null", "default": "null",
         "description": "Default database namespace prefix for this user"},
        {"property": "TYPE", "value": record.get("type") or "null", "default": "null",
         "description": "The type of the user"},
    ]
    for prop in KEY_PROPERTIES:
        key = record.get(prop.lower())
        rows.append({"property": f"{prop}_FP", "value": fingerprint(key) if key else "null", "default": "null",
                     "description": "Fingerprint of user's RSA public key."})
        rows.append({"property": prop, "value": key or "null", "default": "null", "description": "RSA public key of the user"})
    return Result.of(columns, rows)


def register(engine: Engine) -> None:
    engine.route("CREATE", "USER", create_user)
    engine.route("ALTER", "USER", alter_user)
    engine.route("DROP", "USER", drop_user)
    engine.route("SHOW", "USERS", show_users)
    engine.route("DESC", "USER", describe_user)
