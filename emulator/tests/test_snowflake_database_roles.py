"""Database roles, enforced by the local Snowflake: DDL and SHOW DATABASE ROLES, privileges and role grants to
them, SHOW GRANTS as Snowflake spells them, and sessions holding them through their roles."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest_snowflake import (  # noqa: F401
    SqlApi, StatementFailed, api, public_key_body, snowflake_server, start_server, unique,
)

SHOW_DATABASE_ROLE_COLUMNS = ["created_on", "name", "is_default", "is_current", "is_inherited", "granted_to_roles",
                              "granted_to_database_roles", "granted_database_roles", "owner", "comment",
                              "owner_role_type"]
GRANT_COLUMNS = ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option",
                 "granted_by"]


def fails(api: SqlApi, statement: str, **body) -> StatementFailed:
    with pytest.raises(StatementFailed) as caught:
        api.query(statement, **body)
    return caught.value


def columns(api: SqlApi, statement: str) -> list[str]:
    return [c["name"] for c in api.query(statement)["resultSetMetaData"]["rowType"]]


def service_user(api: SqlApi, role: str, warehouse: str | None = None) -> SqlApi:
    """A key-pair user holding `role` (its default role), signed in with its own key."""
    user = unique("SVC")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    default_warehouse = f" DEFAULT_WAREHOUSE = {warehouse}" if warehouse else ""
    api.run(f"CREATE USER {user} RSA_PUBLIC_KEY = '{public_key_body(key)}' DEFAULT_ROLE = {role}{default_warehouse}",
            f"GRANT ROLE {role} TO USER {user}")
    return SqlApi(api.base, key, user=user)


def test_database_role_ddl_and_show(api: SqlApi):
    db, other = unique("DRDB"), unique("DROTHER")
    api.run(f"CREATE DATABASE {db}", f"CREATE DATABASE {other}",
            f"CREATE DATABASE ROLE {db}.ANALYST COMMENT = 'reads marts'",
            f"CREATE DATABASE ROLE IF NOT EXISTS {db}.ANALYST")
    assert columns(api, f"SHOW DATABASE ROLES IN DATABASE {db}") == SHOW_DATABASE_ROLE_COLUMNS
    [row] = api.rows(f"SHOW DATABASE ROLES IN DATABASE {db}")
    assert row["created_on"]
    assert {k: v for k, v in row.items() if k != "created_on"} == {
        "name": "ANALYST", "is_default": "N", "is_current": "N", "is_inherited": "N", "granted_to_roles": "0",
        "granted_to_database_roles": "0", "granted_database_roles": "0", "owner": "ACCOUNTADMIN",
        "comment": "reads marts", "owner_role_type": "ROLE"}
    assert fails(api, f"CREATE DATABASE ROLE {db}.ANALYST").code == "002002"

    # An unqualified name is in the session's current database; without one, 090105.
    api.run("CREATE DATABASE ROLE LOADER", database=db)
    refused = fails(api, "CREATE DATABASE ROLE LOADER")
    assert refused.code == "090105" and "CREATE DATABASE ROLE" in refused.message
    assert [r["name"] for r in api.rows(f"SHOW DATABASE ROLES LIKE 'LOAD%' IN DATABASE {db}")] == ["LOADER"]
    assert [r["name"] for r in api.rows(f"SHOW DATABASE ROLES IN DATABASE {db} LIMIT 1 FROM 'ANALYST'")] == ["LOADER"]

    api.run(f"ALTER DATABASE ROLE {db}.ANALYST SET COMMENT = 'changed'")
    assert [r["comment"] for r in api.rows(f"SHOW DATABASE ROLES LIKE 'ANALYST' IN DATABASE {db}")] == ["changed"]
    holder = unique("HOLDER")
    api.run(f"CREATE ROLE {holder}", f"GRANT DATABASE ROLE {db}.ANALYST TO ROLE {holder}",
            f"GRANT USAGE ON SCHEMA {db}.PUBLIC TO DATABASE ROLE {db}.ANALYST",
            f"ALTER DATABASE ROLE {db}.ANALYST UNSET COMMENT",
            f"ALTER DATABASE ROLE {db}.ANALYST RENAME TO {db}.READER")
    assert [(r["name"], r["comment"]) for r in api.rows(f"SHOW DATABASE ROLES IN DATABASE {db}")] == [
        ("LOADER", ""), ("READER", "")]
    # Its grants follow the new name.
    assert [r["name"] for r in api.rows(f"SHOW GRANTS TO ROLE {holder}")] == [f"{db}.READER"]
    assert {(r["privilege"], r["name"]) for r in api.rows(f"SHOW GRANTS TO DATABASE ROLE {db}.READER")} == {
        ("USAGE", db), ("USAGE", f"{db}.PUBLIC")}
    assert fails(api, f"ALTER DATABASE ROLE {db}.READER RENAME TO {other}.READER").code == "002029"
    api.run(f"ALTER DATABASE ROLE IF EXISTS {db}.NOPE SET COMMENT = 'x'")

    api.run(f"CREATE OR REPLACE DATABASE ROLE {db}.READER COMMENT = 'new'", f"DROP DATABASE ROLE {db}.LOADER",
            f"DROP DATABASE ROLE IF EXISTS {db}.LOADER")
    assert [(r["name"], r["comment"]) for r in api.rows(f"SHOW DATABASE ROLES IN DATABASE {db}")] == [("READER", "new")]
    missing = fails(api, f"DROP DATABASE ROLE {db}.LOADER")
    assert (missing.code, missing.message) == (
        "002003", f"SQL compilation error:\nDatabase role '{db}.LOADER' does not exist or not authorized.")
    assert fails(api, "SHOW DATABASE ROLES IN DATABASE NO_SUCH_DB").code == "002003"


def test_creating_needs_the_database_or_create_database_role(api: SqlApi):
    db, role = unique("DRCREATE"), unique("DBA")
    api.run(f"CREATE DATABASE {db}", f"CREATE ROLE {role}", f"GRANT USAGE ON DATABASE {db} TO ROLE {role}")
    dba = service_user(api, role)
    refused = fails(dba, f"CREATE DATABASE ROLE {db}.R")
    assert (refused.code, refused.message) == (
        "003001", f"SQL access control error:\nInsufficient privileges to operate on database '{db}'.")
    api.run(f"GRANT CREATE DATABASE ROLE ON DATABASE {db} TO ROLE {role}")
    dba.run(f"CREATE DATABASE ROLE {db}.R")
    assert [r["owner"] for r in dba.rows(f"SHOW DATABASE ROLES IN DATABASE {db}")] == [role]
    # Only its owner drops a database role: one the role neither owns nor holds does not exist for it.
    api.run(f"CREATE DATABASE ROLE {db}.OTHER")
    assert fails(dba, f"DROP DATABASE ROLE {db}.OTHER").code == "002003"
    dba.run(f"DROP DATABASE ROLE {db}.R")


def test_privileges_granted_to_a_database_role(api: SqlApi):
    db, other, wh = unique("DRPRIV"), unique("DRELSE"), unique("DRWH")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.MART", f"CREATE TABLE {db}.MART.DAILY (X NUMBER)",
            f"CREATE DATABASE {other}", f"CREATE WAREHOUSE {wh}", f"CREATE DATABASE ROLE {db}.READER",
            f"GRANT USAGE ON SCHEMA {db}.MART TO DATABASE ROLE {db}.READER",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {db}.MART TO DATABASE ROLE {db}.READER",
            f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {db}.MART TO DATABASE ROLE {db}.READER")
    assert columns(api, f"SHOW GRANTS TO DATABASE ROLE {db}.READER") == GRANT_COLUMNS
    rows = api.rows(f"SHOW GRANTS TO DATABASE ROLE {db}.READER")
    assert {(r["privilege"], r["granted_on"], r["name"], r["granted_to"], r["grantee_name"], r["granted_by"])
            for r in rows} == {
        # A new database role holds USAGE on its database (Terraform provider's grants integration tests).
        ("USAGE", "DATABASE", db, "DATABASE_ROLE", "READER", ""),
        ("USAGE", "SCHEMA", f"{db}.MART", "DATABASE_ROLE", "READER", "ACCOUNTADMIN"),
        ("SELECT", "TABLE", f"{db}.MART.DAILY", "DATABASE_ROLE", "READER", "ACCOUNTADMIN")}
    future = api.rows(f"SHOW FUTURE GRANTS TO DATABASE ROLE {db}.READER")
    assert [(r["privilege"], r["grant_on"], r["name"], r["grant_to"], r["grantee_name"]) for r in future] == [
        ("SELECT", "TABLE", f"{db}.MART.<TABLE>", "DATABASE_ROLE", "READER")]
    api.run(f"CREATE TABLE {db}.MART.LATER (X NUMBER)")
    on_later = api.rows(f"SHOW GRANTS ON TABLE {db}.MART.LATER")
    assert ("SELECT", "DATABASE_ROLE", "READER") in {(r["privilege"], r["granted_to"], r["grantee_name"])
                                                      for r in on_later}

    # Only its own database and what is in it; no account objects, no ownership.
    assert fails(api, f"GRANT USAGE ON WAREHOUSE {wh} TO DATABASE ROLE {db}.READER").code == "002031"
    assert fails(api, f"GRANT CREATE DATABASE ON ACCOUNT TO DATABASE ROLE {db}.READER").code == "002031"
    assert fails(api, f"GRANT USAGE ON DATABASE {other} TO DATABASE ROLE {db}.READER").code == "002029"
    assert fails(api, f"GRANT USAGE ON SCHEMA {other}.PUBLIC TO DATABASE ROLE {db}.READER").code == "002029"
    assert fails(api, f"GRANT OWNERSHIP ON TABLE {db}.MART.DAILY TO DATABASE ROLE {db}.READER").code == "002031"
    assert fails(api, f"GRANT SELECT ON TABLE {db}.MART.DAILY TO DATABASE ROLE {db}.NOPE").code == "002003"

    api.run(f"GRANT MODIFY ON DATABASE {db} TO DATABASE ROLE {db}.READER",
            f"REVOKE MODIFY ON DATABASE {db} FROM DATABASE ROLE {db}.READER",
            f"REVOKE SELECT ON ALL TABLES IN SCHEMA {db}.MART FROM DATABASE ROLE {db}.READER",
            f"REVOKE SELECT ON FUTURE TABLES IN SCHEMA {db}.MART FROM DATABASE ROLE {db}.READER")
    assert {(r["privilege"], r["granted_on"]) for r in api.rows(f"SHOW GRANTS TO DATABASE ROLE {db}.READER")} == {
        ("USAGE", "DATABASE"), ("USAGE", "SCHEMA")}
    assert api.rows(f"SHOW FUTURE GRANTS TO DATABASE ROLE {db}.READER") == []


def test_database_roles_granted_to_roles_and_database_roles(api: SqlApi):
    db, other, role = unique("DRTREE"), unique("DRTREE2"), unique("ANALYSTS")
    api.run(f"CREATE DATABASE {db}", f"CREATE DATABASE {other}", f"CREATE ROLE {role}",
            f"CREATE DATABASE ROLE {db}.READ", f"CREATE DATABASE ROLE {db}.WRITE",
            f"CREATE DATABASE ROLE {other}.READ",
            f"GRANT DATABASE ROLE {db}.READ TO DATABASE ROLE {db}.WRITE",
            f"GRANT DATABASE ROLE {db}.WRITE TO ROLE {role}")
    # Cycles, other databases and users are refused.
    assert fails(api, f"GRANT DATABASE ROLE {db}.WRITE TO DATABASE ROLE {db}.READ").code == "003013"
    assert fails(api, f"GRANT DATABASE ROLE {db}.READ TO DATABASE ROLE {db}.READ").code == "003013"
    assert fails(api, f"GRANT DATABASE ROLE {db}.READ TO DATABASE ROLE {other}.READ").code == "002029"
    to_user = fails(api, f"GRANT DATABASE ROLE {db}.READ TO USER DEPLOYER")
    assert to_user.code == "001003" and "unexpected 'USER'" in to_user.message

    assert columns(api, f"SHOW GRANTS OF DATABASE ROLE {db}.READ") == [
        "created_on", "role", "granted_to", "grantee_name", "granted_by"]
    assert [(r["role"], r["granted_to"], r["grantee_name"], r["granted_by"])
            for r in api.rows(f"SHOW GRANTS OF DATABASE ROLE {db}.READ")] == [
        (f"{db}.READ", "DATABASE_ROLE", f"{db}.WRITE", "ACCOUNTADMIN")]
    assert [(r["role"], r["granted_to"], r["grantee_name"])
            for r in api.rows(f"SHOW GRANTS OF DATABASE ROLE {db}.WRITE")] == [(f"{db}.WRITE", "ROLE", role)]
    # In SHOW GRANTS TO ROLE a database role held is USAGE on DATABASE_ROLE DB.R.
    [held] = api.rows(f"SHOW GRANTS TO ROLE {role}")
    assert {k: v for k, v in held.items() if k != "created_on"} == {
        "privilege": "USAGE", "granted_on": "DATABASE_ROLE", "name": f"{db}.WRITE", "granted_to": "ROLE",
        "grantee_name": role, "grant_option": "false", "granted_by": "ACCOUNTADMIN"}
    on_write = [r for r in api.rows(f"SHOW GRANTS TO DATABASE ROLE {db}.WRITE") if r["granted_on"] == "DATABASE_ROLE"]
    assert [(r["privilege"], r["name"], r["granted_to"], r["grantee_name"]) for r in on_write] == [
        ("USAGE", f"{db}.READ", "DATABASE_ROLE", "WRITE")]
    counts = {r["name"]: (r["granted_to_roles"], r["granted_to_database_roles"], r["granted_database_roles"])
              for r in api.rows(f"SHOW DATABASE ROLES IN DATABASE {db}")}
    assert counts == {"READ": ("0", "1", "0"), "WRITE": ("1", "0", "1")}

    # Granting one needs its OWNERSHIP or MANAGE GRANTS.
    outsider = service_user(api, role)
    assert fails(outsider, f"GRANT DATABASE ROLE {db}.READ TO ROLE {role}").code == "003001"

    api.run(f"REVOKE DATABASE ROLE {db}.READ FROM DATABASE ROLE {db}.WRITE",
            f"REVOKE DATABASE ROLE {db}.WRITE FROM ROLE {role}")
    assert api.rows(f"SHOW GRANTS OF DATABASE ROLE {db}.READ") == []
    assert api.rows(f"SHOW GRANTS TO ROLE {role}") == []


def test_a_session_holds_the_database_roles_of_its_roles(api: SqlApi, snowflake_server):
    db, role, wh = unique("DRUSE"), unique("MART_READER"), unique("DRUSE_WH")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.MART", f"CREATE SCHEMA {db}.RAW", f"CREATE WAREHOUSE {wh}",
            f"CREATE TABLE {db}.MART.DAILY (X NUMBER)", f"INSERT INTO {db}.MART.DAILY VALUES (1)",
            f"CREATE TABLE {db}.RAW.EVENTS (X NUMBER)", f"CREATE ROLE {role}",
            f"GRANT USAGE ON WAREHOUSE {wh} TO ROLE {role}",
            f"CREATE DATABASE ROLE {db}.READ", f"CREATE DATABASE ROLE {db}.ACCESS",
            f"GRANT USAGE ON SCHEMA {db}.MART TO DATABASE ROLE {db}.READ",
            f"GRANT SELECT ON TABLE {db}.MART.DAILY TO DATABASE ROLE {db}.READ",
            f"GRANT DATABASE ROLE {db}.READ TO DATABASE ROLE {db}.ACCESS",
            f"GRANT DATABASE ROLE {db}.ACCESS TO ROLE {role}")
    reader = service_user(api, role, wh)
    # Through ACCESS, then READ: USAGE on the database (held by every database role), the schema, SELECT.
    assert reader.rows(f"SELECT X FROM {db}.MART.DAILY") == [{"X": "1"}]
    assert fails(reader, f"INSERT INTO {db}.MART.DAILY VALUES (2)").code == "003001"
    assert fails(reader, f"SELECT * FROM {db}.RAW.EVENTS").code == "002003"
    assert [r["is_inherited"] for r in reader.rows(f"SHOW DATABASE ROLES LIKE 'READ' IN DATABASE {db}")] == ["Y"]

    held = reader.rows(f"SELECT IS_DATABASE_ROLE_IN_SESSION('READ') D, IS_DATABASE_ROLE_IN_SESSION('{db}.READ') Q, "
                       f"IS_ROLE_IN_SESSION('{db}.READ') R", database=db)
    assert held == [{"D": "true", "Q": "false", "R": "false"}]

    # A database role is never the session's role.
    assert reader.rows("SELECT CURRENT_AVAILABLE_ROLES() A") == [{"A": f'["{role}","PUBLIC"]'}]
    assert fails(reader, "SELECT 1", role=f"{db}.READ").code == "390189"
    use = fails(api, f"USE ROLE {db}.READ")
    assert (use.code, use.message) == (
        "002003", f"SQL compilation error:\nRole '{db}.READ' does not exist or not authorized.")

    # Creating counts the database roles under the primary role; the primary role owns what it creates.
    assert fails(reader, f"CREATE TABLE {db}.MART.MINE (X NUMBER)").code == "003001"
    api.run(f"GRANT CREATE TABLE ON SCHEMA {db}.MART TO DATABASE ROLE {db}.READ")
    reader.run(f"CREATE TABLE {db}.MART.MINE (X NUMBER)")
    assert [r["owner"] for r in reader.rows(f"SHOW TABLES LIKE 'MINE' IN SCHEMA {db}.MART")] == [role]

    api.run(f"REVOKE DATABASE ROLE {db}.READ FROM DATABASE ROLE {db}.ACCESS")
    assert fails(reader, f"SELECT X FROM {db}.MART.DAILY").code == "002003"

    # The same refusal on the Python connector.
    import snowflake.connector as connector

    with snowflake_server.connect() as connection:
        with pytest.raises(connector.errors.ProgrammingError) as refused:
            connection.cursor().execute(f"USE ROLE {db}.READ")
        assert refused.value.errno == 2003


def test_dropping_the_database_drops_its_database_roles(api: SqlApi):
    db, role = unique("DRGONE"), unique("HOLDER")
    api.run(f"CREATE DATABASE {db}", f"CREATE ROLE {role}", f"CREATE DATABASE ROLE {db}.R",
            f"GRANT USAGE ON SCHEMA {db}.PUBLIC TO DATABASE ROLE {db}.R", f"GRANT DATABASE ROLE {db}.R TO ROLE {role}")
    api.run(f"DROP DATABASE {db}", f"CREATE DATABASE {db}")
    assert api.rows(f"SHOW DATABASE ROLES IN DATABASE {db}") == []
    assert api.rows(f"SHOW GRANTS TO ROLE {role}") == []
    assert fails(api, f"SHOW GRANTS TO DATABASE ROLE {db}.R").code == "002003"


def test_database_roles_survive_restart(tmp_path):
    server = start_server(str(tmp_path))
    try:
        server.api().run("CREATE DATABASE KEPT_DB", "CREATE ROLE KEPT", "CREATE DATABASE ROLE KEPT_DB.R",
                         "GRANT DATABASE ROLE KEPT_DB.R TO ROLE KEPT")
    finally:
        server.stop()
    restarted = start_server(str(tmp_path))
    try:
        api = restarted.api()
        assert [r["name"] for r in api.rows("SHOW DATABASE ROLES IN DATABASE KEPT_DB")] == ["R"]
        assert [r["name"] for r in api.rows("SHOW GRANTS TO ROLE KEPT")] == ["KEPT_DB.R"]
    finally:
        restarted.stop()
