"""Snowflake's access-control model: roles, the role hierarchy, ownership and privilege grants.

Kept in the catalog (so a restart keeps them), in six sections:
  roles          custom roles (CREATE ROLE); the system roles are built in
  owners         (object type, name) -> the role owning it; an object without a record is ACCOUNTADMIN's
                 (everything made before roles existed was made by the deployer as ACCOUNTADMIN)
  grants         privileges on objects (or the account) held by roles
  role_grants    roles granted to roles and to users
  future_grants  privileges given to each object of a type created later in a schema or database
  database_roles database roles (CREATE DATABASE ROLE), keyed by (database, name)

Semantics (docs: user-guide/security-access-control-overview, "Role hierarchy and privilege inheritance",
"System-defined roles"; security-access-control-privileges): a role holds what is granted to it and to every
role granted to it; the owner of an object (and the roles above it) holds every privilege on it; a session
acts with its primary role and, for everything but creating objects, its secondary roles (USE SECONDARY
ROLES ALL by default). ACCOUNTADMIN > SECURITYADMIN > USERADMIN, ACCOUNTADMIN > SYSADMIN, PUBLIC is held by
every user and role. ACCOUNTADMIN does not see what a custom role owns unless that role is granted up to it,
as in Snowflake.

Database roles (docs: user-guide/security-access-control-overview, "Database roles"; create-database-role,
grant-database-role): a database role lives in one database and is written DB.R. Grants, role grants and future
grants name it by that qualified name (its `key`), so the role hierarchy, `holds` and `visible` treat it as any
other role: a session holds every database role granted, directly or through other roles, to its primary and
secondary roles. A database role is never a session's role (available_roles leaves it out), is granted only to
account roles and to database roles of its own database, and goes with its database.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Iterable

from .auth import ACCOUNT, DEFAULT_USER
from .catalog import Catalog, now_iso
from .errors import SqlError
from .sqltext import qualified_sql

if TYPE_CHECKING:
    from .engine import Session

SYSTEM_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN", "ORGADMIN", "PUBLIC")
# (role, the role it is granted to): the system hierarchy.
SYSTEM_ROLE_GRANTS = (("SECURITYADMIN", "ACCOUNTADMIN"), ("SYSADMIN", "ACCOUNTADMIN"), ("USERADMIN", "SECURITYADMIN"))
SYSTEM_ROLE_COMMENTS = {
    "ACCOUNTADMIN": "Account administrator can manage all aspects of the account.",
    "SECURITYADMIN": "Security administrator can manage security aspects of the account.",
    "USERADMIN": "User administrator can perform user and role management.",
    "SYSADMIN": "System administrator can create and manage databases and warehouses.",
    "ORGADMIN": "Organization administrator can manage organization and accounts inside the organization",
    "PUBLIC": "Public role is automatically available to every user in the account.",
}

# Privileges per object type (docs: user-guide/security-access-control-privileges). OWNERSHIP is valid on all.
GLOBAL_PRIVILEGES = (
    "APPLY AGGREGATION POLICY", "APPLY AUTHENTICATION POLICY", "APPLY MASKING POLICY", "APPLY PACKAGES POLICY",
    "APPLY PASSWORD POLICY", "APPLY PROJECTION POLICY", "APPLY ROW ACCESS POLICY", "APPLY SESSION POLICY", "APPLY TAG",
    "ATTACH POLICY", "AUDIT", "BIND SERVICE ENDPOINT", "CREATE ACCOUNT", "CREATE API INTEGRATION",
    "CREATE APPLICATION", "CREATE APPLICATION PACKAGE", "CREATE COMPUTE POOL", "CREATE CREDENTIAL",
    "CREATE DATA EXCHANGE LISTING", "CREATE DATABASE", "CREATE EXTERNAL VOLUME", "CREATE FAILOVER GROUP",
    "CREATE INTEGRATION", "CREATE NETWORK POLICY", "CREATE REPLICATION GROUP", "CREATE ROLE", "CREATE SHARE",
    "CREATE USER", "CREATE WAREHOUSE", "EXECUTE ALERT", "EXECUTE DATA METRIC FUNCTION", "EXECUTE MANAGED ALERT",
    "EXECUTE MANAGED TASK", "EXECUTE TASK", "IMPORT SHARE", "MANAGE ACCOUNT SUPPORT CASES", "MANAGE GRANTS",
    "MANAGE USER SUPPORT CASES", "MANAGE WAREHOUSES", "MODIFY LOG LEVEL", "MODIFY METRIC LEVEL",
    "MODIFY SESSION LOG LEVEL", "MODIFY SESSION METRIC LEVEL", "MODIFY SESSION TRACE LEVEL", "MODIFY TRACE LEVEL",
    "MONITOR", "MONITOR EXECUTION", "MONITOR SECURITY", "MONITOR USAGE", "OVERRIDE SHARE RESTRICTIONS",
    "RESOLVE ALL",
)
SCHEMA_CREATE_PRIVILEGES = (
    "CREATE ALERT", "CREATE CORTEX SEARCH SERVICE", "CREATE DATASET", "CREATE DYNAMIC TABLE", "CREATE EVENT TABLE",
    "CREATE EXTERNAL TABLE", "CREATE FILE FORMAT", "CREATE FUNCTION", "CREATE GIT REPOSITORY", "CREATE ICEBERG TABLE",
    "CREATE IMAGE REPOSITORY", "CREATE MASKING POLICY", "CREATE MATERIALIZED VIEW", "CREATE MODEL",
    "CREATE NETWORK RULE", "CREATE NOTEBOOK", "CREATE PASSWORD POLICY", "CREATE PIPE", "CREATE PROCEDURE",
    "CREATE ROW ACCESS POLICY", "CREATE SECRET", "CREATE SEQUENCE", "CREATE SERVICE", "CREATE SESSION POLICY",
    "CREATE STAGE", "CREATE STREAM", "CREATE STREAMLIT", "CREATE TABLE", "CREATE TAG", "CREATE TASK", "CREATE VIEW",
)
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "ACCOUNT": GLOBAL_PRIVILEGES,
    "DATABASE": ("APPLYBUDGET", "CREATE DATABASE ROLE", "CREATE SCHEMA", "IMPORTED PRIVILEGES", "MODIFY", "MONITOR",
                 "REFERENCE_USAGE", "USAGE"),
    "SCHEMA": ("ADD SEARCH OPTIMIZATION", "APPLYBUDGET", *SCHEMA_CREATE_PRIVILEGES, "MODIFY", "MONITOR", "USAGE"),
    "TABLE": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "EVOLVE SCHEMA", "REBUILD",
              "APPLYBUDGET"),
    "VIEW": ("SELECT", "REFERENCES"),
    "EXTERNAL_TABLE": ("SELECT", "REFERENCES"),
    "WAREHOUSE": ("APPLYBUDGET", "MODIFY", "MONITOR", "OPERATE", "USAGE"),
    "INTEGRATION": ("USAGE", "USE_ANY_ROLE"),
    "STAGE": ("USAGE", "READ", "WRITE"),  # external stages take USAGE, internal ones READ and WRITE
    "FILE_FORMAT": ("USAGE",),
    "PIPE": ("APPLYBUDGET", "MONITOR", "OPERATE"),
    "USER": ("MONITOR",),
    "ROLE": (),
}
# GRANT ALL [PRIVILEGES] gives each of the type's privileges (never OWNERSHIP), recorded and shown one by one
# (Terraform provider grant_privileges_to_account_role reads `all_privileges` back from the individual rows).

# The system roles' account privileges (docs: "System-defined roles"). ACCOUNTADMIN holds every one.
SYSTEM_ACCOUNT_PRIVILEGES = {
    "ACCOUNTADMIN": GLOBAL_PRIVILEGES,
    "SECURITYADMIN": ("MANAGE GRANTS",),
    "USERADMIN": ("CREATE ROLE", "CREATE USER"),
    "SYSADMIN": ("CREATE DATABASE", "CREATE WAREHOUSE"),
}

ACCOUNT_LEVEL = ("DATABASE", "WAREHOUSE", "INTEGRATION", "USER", "ROLE")
SCHEMA_LEVEL = ("TABLE", "VIEW", "EXTERNAL_TABLE", "STAGE", "FILE_FORMAT", "PIPE")
# How messages name each type: 003001 says "table", 002003 says "Table".
KIND_WORDS = {"ACCOUNT": "account", "DATABASE": "database", "SCHEMA": "schema", "TABLE": "table", "VIEW": "view",
              "EXTERNAL_TABLE": "external table", "WAREHOUSE": "warehouse", "INTEGRATION": "integration",
              "STAGE": "stage", "FILE_FORMAT": "file format", "PIPE": "pipe", "USER": "user", "ROLE": "role",
              "DATABASE_ROLE": "database role"}
SECTIONS = ("roles", "owners", "grants", "role_grants", "future_grants", "database_roles")
# Role grants whose grantee is a role: an account role (GRANT ROLE) or a database role (GRANT DATABASE ROLE).
ROLE_GRANTEES = ("ROLE", "DATABASE_ROLE")


def database_role_key(database: str, name: str) -> str:
    """How grants name a database role: its qualified name, as SHOW GRANTS writes it (DB.R)."""
    return qualified_sql((database, name))


def insufficient(kind: str, parts: tuple[str, ...]) -> SqlError:
    """003001, naming the object by its own name (e.g. "table 'EVENTS'"), as Snowflake's message does."""
    name = parts[-1] if parts else ACCOUNT
    return SqlError("003001", "42501", f"SQL access control error:\nInsufficient privileges to operate on "
                    f"{KIND_WORDS.get(kind, kind.lower())} '{name}'.")


def not_authorized(kind: str, parts: tuple[str, ...]) -> SqlError:
    word = KIND_WORDS.get(kind, kind.lower())
    return SqlError.does_not_exist(word[0].upper() + word[1:], qualified_sql(parts))


def _timestamp(text: str | None) -> datetime.datetime:
    if not text:
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return datetime.datetime.fromisoformat(text)


class AccessControl:
    """The account's roles and grants, and the questions enforcement asks of them."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        for section in SECTIONS:
            catalog.data.setdefault(section, {})
        self._owner_roles: set[str] | None = None
        self._database_roles: dict[str, tuple[str, str]] | None = None

    # -- roles -----------------------------------------------------------------------------------
    def role_exists(self, name: str) -> bool:
        return name in SYSTEM_ROLES or self.catalog.get("roles", (name,)) is not None

    def role_records(self) -> list[dict[str, Any]]:
        return self.catalog.values("roles")

    def role_grant_records(self) -> list[dict[str, Any]]:
        return self.catalog.values("role_grants")

    def granted_to_role(self, role: str) -> set[str]:
        """Roles (account and database roles) granted directly to `role`."""
        found = {child for child, parent in SYSTEM_ROLE_GRANTS if parent == role}
        found |= {g["role"] for g in self.role_grant_records()
                  if g["grantee_type"] in ROLE_GRANTEES and g["grantee"] == role}
        return found

    def inherited(self, roles: Iterable[str]) -> set[str]:
        """The roles and every role granted to them, down the hierarchy; PUBLIC always."""
        found: set[str] = set()
        pending = list(roles) + ["PUBLIC"]
        while pending:
            role = pending.pop()
            if role in found:
                continue
            found.add(role)
            pending.extend(self.granted_to_role(role))
        return found

    def user_roles(self, user: str) -> set[str]:
        """Roles granted directly to the user; the deployer holds ACCOUNTADMIN, every user PUBLIC."""
        roles = {"PUBLIC"}
        if user == DEFAULT_USER:
            roles.add("ACCOUNTADMIN")
        roles |= {g["role"] for g in self.role_grant_records() if g["grantee_type"] == "USER" and g["grantee"] == user}
        return roles

    def available_roles(self, user: str) -> list[str]:
        """The account roles the user may make current: database roles are held, never used as a session's role
        (docs: security-access-control-overview, "Database roles": a database role cannot be a session's role)."""
        return sorted(self.inherited(self.user_roles(user)) - set(self.database_roles()))

    def login_role(self, user: str, requested: str | None) -> str:
        """The session's primary role: the requested one if the user holds it, else the user's DEFAULT_ROLE when
        still granted, else PUBLIC (docs: user-guide/security-access-control-overview, "Active roles")."""
        available = self.available_roles(user)
        if requested is not None:
            if requested not in available:
                raise SqlError("390189", "08004", f"Role '{requested}' specified in the connect string is not "
                               "granted to this user. Contact your local system administrator, or attempt to login "
                               "with another role, e.g. PUBLIC.")
            return requested
        default = (self.catalog.get("users", (user,)) or {}).get("default_role")
        return default if default in available else "PUBLIC"

    def secondary_roles(self, session: Session) -> list[str]:
        """The roles active beside the primary one: USE SECONDARY ROLES ALL means every role granted to the user."""
        if session.secondary_roles == "NONE":
            return []
        wanted = (sorted(self.user_roles(session.user)) if session.secondary_roles == "ALL"
                  else session.secondary_roles.split(","))
        return [r for r in wanted if r not in (session.role, "PUBLIC")]

    def session_roles(self, session: Session) -> set[str]:
        return self.inherited([session.role, *self.secondary_roles(session)])

    def primary_roles(self, session: Session) -> set[str]:
        """What creates objects: the primary role and the roles under it (secondary roles never create)."""
        return self.inherited([session.role])

    # -- database roles ----------------------------------------------------------------------------
    def database_roles(self) -> dict[str, tuple[str, str]]:
        """Every database role: its key (DB.R) -> (database, name)."""
        if self._database_roles is None:
            self._database_roles = {database_role_key(r["database"], r["name"]): (r["database"], r["name"])
                                    for r in self.catalog.values("database_roles")}
        return self._database_roles

    def database_role(self, database: str, name: str) -> dict[str, Any] | None:
        return self.catalog.get("database_roles", (database, name))

    def create_database_role(self, database: str, name: str, comment: str, owner: str) -> None:
        """The creating role owns it; it holds USAGE on its database from the start (Terraform provider
        pkg/sdk/testint/grants_integration_test.go: "database role has usage on database by default")."""
        self.catalog.put("database_roles", (database, name), {"database": database, "name": name, "comment": comment,
                                                              "created_on": now_iso()})
        self._database_roles = None
        self.set_owner("DATABASE_ROLE", (database, name), owner, owner)
        self.add_grant(database_role_key(database, name), "USAGE", "DATABASE", (database,), False, "")

    def drop_database_role(self, database: str, name: str) -> None:
        """Its grants and role grants go with it (it owns nothing: ownership is never granted to one here)."""
        self.drop_role(database_role_key(database, name), "")
        self.catalog.remove("owners", ("DATABASE_ROLE", database, name))
        self.catalog.remove("database_roles", (database, name))
        self._database_roles = None
        self._owner_roles = None

    def rename_database_role(self, database: str, name: str, new_database: str, new_name: str) -> None:
        record = self.catalog.remove("database_roles", (database, name))
        record.update(database=new_database, name=new_name)
        self.catalog.put("database_roles", (new_database, new_name), record)
        self._database_roles = None
        self.rename_object("DATABASE_ROLE", (database, name), (new_database, new_name))
        self.rename_role(database_role_key(database, name), database_role_key(new_database, new_name))

    def database_roles_in(self, database: str) -> list[dict[str, Any]]:
        return sorted((r for r in self.catalog.values("database_roles") if r["database"] == database),
                      key=lambda r: r["name"])

    # -- ownership ---------------------------------------------------------------------------------
    def owner(self, kind: str, parts: tuple[str, ...]) -> str:
        if kind == "ROLE" and parts[0] in SYSTEM_ROLES:
            return ""
        if kind == "SCHEMA" and parts[-1] == "INFORMATION_SCHEMA":
            return ""
        record = self.catalog.get("owners", (kind, *parts))
        return record["owner"] if record else "ACCOUNTADMIN"

    def owner_roles(self) -> set[str]:
        """Every role owning something (ACCOUNTADMIN owns all unrecorded objects)."""
        if self._owner_roles is None:
            self._owner_roles = {r["owner"] for r in self.catalog.values("owners")} | {"ACCOUNTADMIN"}
        return self._owner_roles

    def set_owner(self, kind: str, parts: tuple[str, ...], role: str, granted_by: str) -> None:
        self.catalog.put("owners", (kind, *parts), {"kind": kind, "parts": list(parts), "owner": role,
                                                    "granted_by": granted_by, "created_on": now_iso()})
        self._owner_roles = None

    def owns_everything(self, roles: set[str]) -> bool:
        """Whether the roles own every object there is: then no object privilege needs checking (fast path)."""
        return self.owner_roles() <= roles

    # -- privileges --------------------------------------------------------------------------------
    def grant_records(self) -> list[dict[str, Any]]:
        return self.catalog.values("grants")

    def grants_on(self, kind: str, parts: tuple[str, ...]) -> list[dict[str, Any]]:
        return [g for g in self.grant_records() if g["kind"] == kind and tuple(g["parts"]) == parts]

    def account_privileges(self, roles: set[str]) -> set[str]:
        held: set[str] = set()
        for role in roles:
            held |= set(SYSTEM_ACCOUNT_PRIVILEGES.get(role, ()))
        held |= {g["privilege"] for g in self.grants_on("ACCOUNT", ()) if g["role"] in roles}
        return held

    def holds(self, roles: set[str], kind: str, parts: tuple[str, ...], privilege: str) -> bool:
        """Whether the roles hold the privilege on the object: as its owner, or granted."""
        if kind == "ACCOUNT":
            return privilege in self.account_privileges(roles)
        if self.owns_everything(roles) or self.owner(kind, parts) in roles:
            return True
        if kind == "SCHEMA" and parts[-1] == "INFORMATION_SCHEMA" and privilege == "USAGE":
            return True
        return any(g["role"] in roles and g["privilege"] == privilege for g in self.grants_on(kind, parts))

    def visible(self, roles: set[str], kind: str, parts: tuple[str, ...]) -> bool:
        """Whether the roles hold any privilege on the object (else Snowflake says it does not exist)."""
        if self.owns_everything(roles) or self.owner(kind, parts) in roles:
            return True
        if kind == "SCHEMA" and parts[-1] == "INFORMATION_SCHEMA":
            return True
        return any(g["role"] in roles for g in self.grants_on(kind, parts))

    def manages_grants(self, roles: set[str]) -> bool:
        return "MANAGE GRANTS" in self.account_privileges(roles)

    def require(self, roles: set[str], kind: str, parts: tuple[str, ...], *privileges: str) -> None:
        """One of the privileges on the object and USAGE on what contains it, or Snowflake's refusal."""
        if kind == "ACCOUNT":
            if not any(self.holds(roles, kind, parts, p) for p in privileges):
                raise insufficient(kind, parts)
            return
        self.require_containers(roles, kind, parts)
        if not self.visible(roles, kind, parts):
            raise not_authorized(kind, parts)
        if not any(self.holds(roles, kind, parts, p) for p in (*privileges, "OWNERSHIP")):
            raise insufficient(kind, parts)

    def require_containers(self, roles: set[str], kind: str, parts: tuple[str, ...]) -> None:
        """USAGE on the database (and schema) an object lives in; without it the container 'does not exist'."""
        if kind == "SCHEMA" or kind in SCHEMA_LEVEL:
            if not self.holds(roles, "DATABASE", parts[:1], "USAGE"):
                raise not_authorized("DATABASE", parts[:1])
        if kind in SCHEMA_LEVEL and not self.holds(roles, "SCHEMA", parts[:2], "USAGE"):
            raise not_authorized("SCHEMA", parts[:2])

    # -- changing grants -------------------------------------------------------------------------
    def add_grant(self, role: str, privilege: str, kind: str, parts: tuple[str, ...], grant_option: bool,
                  granted_by: str) -> None:
        existing = self.catalog.get("grants", (role, privilege, kind, *parts))
        self.catalog.put("grants", (role, privilege, kind, *parts), {
            "role": role, "privilege": privilege, "kind": kind, "parts": list(parts),
            "grant_option": grant_option or bool(existing and existing["grant_option"]),
            "granted_by": existing["granted_by"] if existing else granted_by,
            "created_on": existing["created_on"] if existing else now_iso()})

    def remove_grant(self, role: str, privilege: str, kind: str, parts: tuple[str, ...]) -> None:
        self.catalog.remove("grants", (role, privilege, kind, *parts))

    def forget_object(self, kind: str, parts: tuple[str, ...]) -> None:
        """A dropped object's owner and grants, and for a database or schema everything inside it."""
        prefix = parts if kind in ("DATABASE", "SCHEMA") else None
        for section in ("owners", "grants"):
            for record in self.catalog.values(section):
                rparts = tuple(record["parts"])
                same = record["kind"] == kind and rparts == parts
                inside = prefix is not None and rparts[: len(prefix)] == prefix and len(rparts) > len(prefix)
                if same or inside:
                    self._remove_record(section, record)
        if prefix is not None:
            for record in self.catalog.values("future_grants"):
                scope = tuple(record["scope_parts"])
                if scope[: len(prefix)] == prefix:
                    self.catalog.remove("future_grants", _future_key(record))
        if kind == "DATABASE":
            # A dropped (or replaced) database takes its database roles and their grants with it (docs: drop-database).
            for record in self.database_roles_in(parts[0]):
                self.drop_database_role(record["database"], record["name"])
        self._owner_roles = None

    def rename_object(self, kind: str, parts: tuple[str, ...], new_parts: tuple[str, ...]) -> None:
        for section in ("owners", "grants"):
            for record in self.catalog.values(section):
                rparts = tuple(record["parts"])
                inside = kind in ("DATABASE", "SCHEMA") and len(rparts) > len(parts)
                if rparts[: len(parts)] == parts and (record["kind"] == kind and len(rparts) == len(parts) or inside):
                    self._remove_record(section, record)
                    record["parts"] = list(new_parts + rparts[len(parts):])
                    self.catalog.put(section, _record_key(section, record), record)

    def _remove_record(self, section: str, record: dict[str, Any]) -> None:
        self.catalog.remove(section, _record_key(section, record))

    def object_created(self, kind: str, parts: tuple[str, ...], role: str, keep_grants: bool = False) -> None:
        """A new object (or a replaced one): the creating role owns it, earlier grants go unless COPY GRANTS,
        and the future grants of its schema (or else its database) apply (docs: grant-privilege, "future")."""
        if not keep_grants:
            self.forget_object(kind, parts)
        future = self.future_grants_for(kind, parts) if kind in SCHEMA_LEVEL or kind == "SCHEMA" else []
        # A future OWNERSHIP grant makes that role the owner instead of the creator.
        owner = next((r["role"] for r in future if r["privilege"] == "OWNERSHIP"), role)
        self.set_owner(kind, parts, owner, role)
        for record in future:
            if record["privilege"] != "OWNERSHIP":
                self.add_grant(record["role"], record["privilege"], kind, parts, record["grant_option"],
                               record["granted_by"])

    # -- future grants -----------------------------------------------------------------------------
    def future_grants_for(self, kind: str, parts: tuple[str, ...]) -> list[dict[str, Any]]:
        records = [r for r in self.catalog.values("future_grants") if r["kind"] == kind]
        if kind != "SCHEMA":
            in_schema = [r for r in records if r["scope_kind"] == "SCHEMA" and tuple(r["scope_parts"]) == parts[:2]]
            if in_schema:
                # Schema-level future grants take precedence over database-level ones for the same type.
                return in_schema
        return [r for r in records if r["scope_kind"] == "DATABASE" and tuple(r["scope_parts"]) == parts[:1]]

    def add_future_grant(self, record: dict[str, Any]) -> None:
        existing = self.catalog.get("future_grants", _future_key(record))
        if existing is not None:
            record["created_on"] = existing["created_on"]
            record["grant_option"] = record["grant_option"] or existing["grant_option"]
        self.catalog.put("future_grants", _future_key(record), record)

    def remove_future_grant(self, record: dict[str, Any]) -> None:
        self.catalog.remove("future_grants", _future_key(record))

    # -- role grants -------------------------------------------------------------------------------
    def grant_role(self, role: str, grantee_type: str, grantee: str, granted_by: str) -> None:
        key = (role, grantee_type, grantee)
        if self.catalog.get("role_grants", key) is None:
            self.catalog.put("role_grants", key, {"role": role, "grantee_type": grantee_type, "grantee": grantee,
                                                  "granted_by": granted_by, "created_on": now_iso()})

    def revoke_role(self, role: str, grantee_type: str, grantee: str) -> None:
        self.catalog.remove("role_grants", (role, grantee_type, grantee))

    def drop_role(self, role: str, dropped_by: str) -> None:
        """Its grants go; what it owned passes to the role that dropped it (docs: drop-role)."""
        for record in self.catalog.values("grants"):
            if record["role"] == role:
                self._remove_record("grants", record)
        for record in self.catalog.values("future_grants"):
            if record["role"] == role:
                self.remove_future_grant(record)
        for record in self.role_grant_records():
            if role in (record["role"], record["grantee"] if record["grantee_type"] in ROLE_GRANTEES else None):
                self.revoke_role(record["role"], record["grantee_type"], record["grantee"])
        for record in self.catalog.values("owners"):
            if record["owner"] == role and not (record["kind"] == "ROLE" and record["parts"] == [role]):
                record["owner"] = dropped_by
                self.catalog.put("owners", (record["kind"], *record["parts"]), record)
        self.catalog.remove("owners", ("ROLE", role))
        self.catalog.remove("roles", (role,))
        self._owner_roles = None

    def rename_role(self, old: str, new: str) -> None:
        """Every grant, role grant, future grant and ownership naming the role (or database role key) follows it."""
        catalog = self.catalog
        for grant in self.grant_records():
            if grant["role"] == old:
                self._remove_record("grants", grant)
                grant["role"] = new
                catalog.put("grants", _record_key("grants", grant), grant)
        for record in catalog.values("future_grants"):
            if record["role"] == old:
                self.remove_future_grant(record)
                record["role"] = new
                catalog.put("future_grants", _future_key(record), record)
        for grant in self.role_grant_records():
            if old in (grant["role"], grant["grantee"] if grant["grantee_type"] in ROLE_GRANTEES else None):
                self.revoke_role(grant["role"], grant["grantee_type"], grant["grantee"])
                role = new if grant["role"] == old else grant["role"]
                renamed_grantee = grant["grantee_type"] in ROLE_GRANTEES and grant["grantee"] == old
                grantee = new if renamed_grantee else grant["grantee"]
                self.grant_role(role, grant["grantee_type"], grantee, grant["granted_by"])
        for owned in catalog.values("owners"):
            if owned["owner"] == old:
                owned["owner"] = new
                catalog.put("owners", (owned["kind"], *owned["parts"]), owned)
        self._owner_roles = None

    def drop_user(self, user: str) -> None:
        for record in self.role_grant_records():
            if record["grantee_type"] == "USER" and record["grantee"] == user:
                self.revoke_role(record["role"], "USER", user)
        self.forget_object("USER", (user,))


def _record_key(section: str, record: dict[str, Any]) -> tuple[str, ...]:
    if section == "owners":
        return (record["kind"], *record["parts"])
    return (record["role"], record["privilege"], record["kind"], *record["parts"])


def _future_key(record: dict[str, Any]) -> tuple[str, ...]:
    return (record["role"], record["privilege"], record["kind"], record["scope_kind"], *record["scope_parts"])


def created_on(record: dict[str, Any]) -> datetime.datetime:
    return _timestamp(record.get("created_on"))
