"""What clients ask at connect time or to describe objects: context functions, SHOW PARAMETERS, IDENTIFIER()."""

from __future__ import annotations

import json

import pytest
import snowflake.connector
from conftest_snowflake import SqlApi, StatementFailed, api, snowflake_server, unique  # noqa: F401

SYSTEM_ROLES = ["ACCOUNTADMIN", "PUBLIC", "SECURITYADMIN", "SYSADMIN", "USERADMIN"]


def test_context_functions(snowflake_server, api: SqlApi):
    db, warehouse = unique("DB"), unique("WH")
    api.run(f"CREATE DATABASE {db}", f"CREATE WAREHOUSE {warehouse}")
    with snowflake_server.connect(database=db, warehouse=warehouse) as conn:
        cursor = conn.cursor(snowflake.connector.DictCursor)
        row = cursor.execute(
            "SELECT CURRENT_ACCOUNT() A, CURRENT_ACCOUNT_NAME() N, CURRENT_ORGANIZATION_NAME() O, CURRENT_REGION() R, "
            "CURRENT_ROLE() ROLE, CURRENT_AVAILABLE_ROLES() AVAILABLE, CURRENT_SECONDARY_ROLES() SECONDARY, "
            "CURRENT_SESSION() SESSION, IS_ROLE_IN_SESSION('sysadmin') SYSADMIN, IS_ROLE_IN_SESSION('ORGADMIN') ORG, "
            "CURRENT_WAREHOUSE() W, CURRENT_DATABASE() D, CURRENT_SCHEMA() S").fetchone()
        assert (row["A"], row["N"], row["O"], row["R"]) == ("LOCAL", "LOCAL", "LOCAL_ORG", "AWS_US_EAST_1")
        assert row["ROLE"] == "ACCOUNTADMIN"
        assert json.loads(row["AVAILABLE"]) == SYSTEM_ROLES
        assert json.loads(row["SECONDARY"]) == {"roles": "", "value": "ALL"}
        assert row["SESSION"] == str(conn.session_id)
        assert (row["SYSADMIN"], row["ORG"]) == (True, False)
        assert (row["W"], row["D"], row["S"]) == (warehouse, db, "PUBLIC")

        # A lower primary role, with ACCOUNTADMIN active as a secondary role, then without it.
        cursor.execute("USE ROLE SYSADMIN")
        row = cursor.execute("SELECT CURRENT_ROLE() R, CURRENT_SECONDARY_ROLES() S, "
                             "IS_ROLE_IN_SESSION('SECURITYADMIN') SEC").fetchone()
        assert (row["R"], json.loads(row["S"]), row["SEC"]) == ("SYSADMIN", {"roles": "ACCOUNTADMIN", "value": "ALL"},
                                                                 True)
        cursor.execute("USE SECONDARY ROLES NONE")
        row = cursor.execute("SELECT CURRENT_SECONDARY_ROLES() S, IS_ROLE_IN_SESSION('SECURITYADMIN') SEC").fetchone()
        assert (json.loads(row["S"]), row["SEC"]) == ({"roles": "", "value": ""}, False)
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as refused:
            cursor.execute("USE ROLE NOT_GRANTED")
        assert refused.value.errno == 2003

    # The SQL API answers the same functions.
    assert api.rows("SELECT CURRENT_AVAILABLE_ROLES() AS R")[0]["R"] == json.dumps(SYSTEM_ROLES, separators=(",", ":"))


def test_login_with_a_role_not_granted_is_refused(snowflake_server):
    with pytest.raises(snowflake.connector.errors.DatabaseError) as refused:
        snowflake_server.connect(role="NOT_GRANTED")
    assert "Role 'NOT_GRANTED' specified in the connect string does not exist or not authorized" in str(refused.value)


def test_show_parameters(snowflake_server, api: SqlApi):
    db, warehouse = unique("DB"), unique("WH")
    api.run(f"CREATE DATABASE {db} DATA_RETENTION_TIME_IN_DAYS = 5", f"CREATE SCHEMA {db}.KEEP",
            f"CREATE SCHEMA {db}.SHORT DATA_RETENTION_TIME_IN_DAYS = 0", f"CREATE TABLE {db}.KEEP.T (A INT)",
            f"CREATE WAREHOUSE {warehouse}")
    columns = ["key", "value", "default", "level", "description", "type"]

    def parameter(statement: str, key: str = "DATA_RETENTION_TIME_IN_DAYS") -> dict:
        rows = api.rows(statement)
        assert all(list(r) == columns for r in rows)
        return next(r for r in rows if r["key"] == key)

    retention = parameter(f"SHOW PARAMETERS IN DATABASE {db}")
    assert {k: retention[k] for k in ("value", "default", "level", "type")} == {
        "value": "5", "default": "1", "level": "DATABASE", "type": "NUMBER"}
    assert (parameter(f"SHOW PARAMETERS IN SCHEMA {db}.KEEP")["value"],
            parameter(f"SHOW PARAMETERS IN SCHEMA {db}.KEEP")["level"]) == ("5", "DATABASE")
    assert (parameter(f"SHOW PARAMETERS IN SCHEMA {db}.SHORT")["value"],
            parameter(f"SHOW PARAMETERS IN SCHEMA {db}.SHORT")["level"]) == ("0", "SCHEMA")
    api.run(f"ALTER TABLE {db}.KEEP.T SET DATA_RETENTION_TIME_IN_DAYS = 2")
    table = parameter(f"SHOW PARAMETERS LIKE 'DATA_RETENTION%' IN TABLE {db}.KEEP.T")
    assert (table["value"], table["level"]) == ("2", "TABLE")
    account = api.rows("SHOW PARAMETERS LIKE 'data_retention%' IN ACCOUNT")
    assert [(r["key"], r["value"], r["level"]) for r in account] == [("DATA_RETENTION_TIME_IN_DAYS", "1", "")]
    assert parameter(f"SHOW PARAMETERS IN WAREHOUSE {warehouse}", "MAX_CONCURRENCY_LEVEL")["value"] == "8"
    assert parameter("SHOW PARAMETERS", "TIMEZONE")["value"] == "Etc/UTC"
    with pytest.raises(StatementFailed) as missing:
        api.rows("SHOW PARAMETERS IN DATABASE NO_SUCH_DB")
    assert missing.value.code == "002003"


def test_identifier_wherever_a_name_goes(snowflake_server, api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.RAW", f"CREATE TABLE {db}.RAW.EVENTS (ID INT, NAME STRING)",
            f"CREATE STAGE {db}.RAW.LANDING")
    # No current database: the qualified name in the string is all there is (as `snow object describe` sends it).
    described = api.rows(f"describe table IDENTIFIER('{db}.RAW.EVENTS')")
    assert [r["name"] for r in described] == ["ID", "NAME"]
    assert api.rows(f"DESC STAGE IDENTIFIER('{db.lower()}.raw.landing')")
    api.run(f"INSERT INTO IDENTIFIER('{db}.RAW.EVENTS') VALUES (1, 'one')")
    bound = api.rows("SELECT NAME FROM IDENTIFIER(?) WHERE ID = ?",
                     bindings={"1": {"type": "TEXT", "value": f"{db}.RAW.EVENTS"}, "2": {"type": "FIXED", "value": "1"}})
    assert bound == [{"NAME": "one"}]
    with snowflake_server.connect(paramstyle="qmark") as conn:
        cursor = conn.cursor()
        assert cursor.execute("SELECT COUNT(*) FROM IDENTIFIER(?)", (f"{db}.RAW.EVENTS",)).fetchone() == (1,)
        assert cursor.execute(f"SHOW PARAMETERS IN DATABASE IDENTIFIER('{db}')").fetchall()
    for bad in ("x; DROP TABLE t", "a.b.c.d", ""):
        with pytest.raises(StatementFailed) as refused:
            api.rows(f"SELECT * FROM IDENTIFIER('{bad}')")
        assert refused.value.code == "000904"
