"""Databases, schemas and tables: DDL, SHOW/DESC shapes as Snowflake reports them, DML, persistence."""

from __future__ import annotations

import pytest

from conftest_snowflake import SqlApi, StatementFailed, api, snowflake_server, start_server, unique  # noqa: F401


def by_name(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_databases(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db} COMMENT = 'raw data'", f"CREATE TRANSIENT DATABASE {db}_T")
    databases = by_name(api.rows("SHOW DATABASES"), "name")
    assert databases[db]["comment"] == "raw data"
    assert databases[db]["retention_time"] == "1"
    assert databases[db]["options"] == ""
    assert databases[db]["kind"] == "STANDARD"
    assert databases[f"{db}_T"]["options"] == "TRANSIENT"
    assert set(api.rows("SHOW DATABASES")[0]) >= {"created_on", "name", "owner", "comment", "options", "retention_time"}

    api.run(f"ALTER DATABASE {db} SET COMMENT = 'changed' DATA_RETENTION_TIME_IN_DAYS = 3")
    row = by_name(api.rows(f"SHOW DATABASES LIKE '{db}'"), "name")[db]
    assert (row["comment"], row["retention_time"]) == ("changed", "3")
    api.run(f"ALTER DATABASE {db} UNSET COMMENT")
    assert by_name(api.rows("SHOW DATABASES"), "name")[db]["comment"] == ""

    with pytest.raises(StatementFailed) as exists:
        api.query(f"CREATE DATABASE {db}")
    assert (exists.value.code, exists.value.body["sqlState"]) == ("002002", "42710")
    api.run(f"CREATE DATABASE IF NOT EXISTS {db}")

    api.run(f"DROP DATABASE {db}_T")
    assert f"{db}_T" not in by_name(api.rows("SHOW DATABASES"), "name")
    with pytest.raises(StatementFailed) as missing:
        api.query(f"DROP DATABASE {db}_T")
    assert (missing.value.code, missing.value.body["sqlState"]) == ("002003", "02000")
    api.run(f"DROP DATABASE IF EXISTS {db}_T")


def test_schemas(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.EVENTS COMMENT = 'events' DATA_RETENTION_TIME_IN_DAYS = 5",
            f"CREATE SCHEMA {db}.LOCKED WITH MANAGED ACCESS", f"CREATE TRANSIENT SCHEMA {db}.SCRATCH")
    schemas = by_name(api.rows("SHOW SCHEMAS IN ACCOUNT"), "database_name", "name")
    assert {(db, "PUBLIC"), (db, "INFORMATION_SCHEMA"), (db, "EVENTS")} <= set(schemas)
    assert schemas[(db, "EVENTS")]["comment"] == "events"
    assert schemas[(db, "EVENTS")]["retention_time"] == "5"
    assert schemas[(db, "LOCKED")]["options"] == "MANAGED ACCESS"
    assert schemas[(db, "SCRATCH")]["options"] == "TRANSIENT"

    api.run(f"ALTER SCHEMA {db}.EVENTS SET COMMENT = 'x'", f"ALTER SCHEMA {db}.EVENTS ENABLE MANAGED ACCESS",
            f"ALTER SCHEMA {db}.LOCKED DISABLE MANAGED ACCESS")
    schemas = by_name(api.rows(f"SHOW SCHEMAS IN DATABASE {db}"), "name")
    assert schemas["EVENTS"]["comment"] == "x" and schemas["EVENTS"]["options"] == "MANAGED ACCESS"
    assert schemas["LOCKED"]["options"] == ""
    assert all(r["database_name"] == db for r in api.rows(f"SHOW SCHEMAS IN DATABASE {db}"))

    with pytest.raises(StatementFailed) as missing_db:
        api.query(f"CREATE SCHEMA {db}_NOPE.X")
    assert missing_db.value.code == "002003"
    api.run(f"DROP SCHEMA {db}.SCRATCH")
    assert (db, "SCRATCH") not in by_name(api.rows("SHOW SCHEMAS IN ACCOUNT"), "database_name", "name")


def test_tables_show_and_describe(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.RAW")
    api.run(
        f"CREATE TABLE {db}.RAW.EVENTS (ID NUMBER(38,0) NOT NULL COMMENT 'the id', NAME VARCHAR(100) DEFAULT 'none', "
        "PAYLOAD VARIANT, SEEN_AT TIMESTAMP_NTZ, AMOUNT FLOAT, OK BOOLEAN, NOTE STRING, N INT, D DATE, "
        "PRIMARY KEY (ID)) CLUSTER BY (ID) COMMENT = 'raw events'",
        f"CREATE TRANSIENT TABLE {db}.RAW.STAGING (A INT)",
    )
    tables = by_name(api.rows("SHOW TABLES IN ACCOUNT"), "database_name", "schema_name", "name")
    events = tables[(db, "RAW", "EVENTS")]
    assert events["kind"] == "TABLE"
    assert events["comment"] == "raw events"
    assert events["cluster_by"] == "LINEAR(ID)"
    assert events["retention_time"] == "1"
    assert tables[(db, "RAW", "STAGING")]["kind"] == "TRANSIENT"
    assert list(api.rows(f"SHOW TABLES IN SCHEMA {db}.RAW")[0])[:7] == [
        "created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by"]

    columns = api.rows(f"DESC TABLE {db}.RAW.EVENTS")
    assert list(columns[0]) == ["name", "type", "kind", "null?", "default", "primary key", "unique key", "check",
                                "expression", "comment", "policy name", "privacy domain"]
    described = {c["name"]: c for c in columns}
    assert [c["name"] for c in columns] == ["ID", "NAME", "PAYLOAD", "SEEN_AT", "AMOUNT", "OK", "NOTE", "N", "D"]
    assert described["ID"]["type"] == "NUMBER(38,0)"
    assert described["ID"]["null?"] == "N"
    assert described["ID"]["primary key"] == "Y"
    assert described["ID"]["comment"] == "the id"
    assert described["NAME"]["type"] == "VARCHAR(100)"
    assert described["NAME"]["default"] == "'none'"
    assert described["PAYLOAD"]["type"] == "VARIANT"
    assert described["SEEN_AT"]["type"] == "TIMESTAMP_NTZ(9)"
    assert described["AMOUNT"]["type"] == "FLOAT"
    assert described["OK"]["type"] == "BOOLEAN"
    assert described["NOTE"]["type"] == "VARCHAR(16777216)"
    assert described["N"]["type"] == "NUMBER(38,0)"
    assert described["D"]["type"] == "DATE"
    assert all(c["kind"] == "COLUMN" for c in columns)


def test_alter_table(api: SqlApi):
    db = unique("DB")
    table = f"{db}.S.T"
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.S", f"CREATE TABLE {table} (ID INT, NAME VARCHAR(10))")
    api.run(
        f"ALTER TABLE {table} ADD COLUMN EXTRA VARCHAR COMMENT 'added'",
        f"ALTER TABLE {table} ALTER COLUMN NAME SET DATA TYPE VARCHAR(200)",
        f"ALTER TABLE {table} ALTER COLUMN ID SET NOT NULL",
        f"ALTER TABLE {table} ALTER COLUMN NAME COMMENT 'a name'",
        f"ALTER TABLE {table} ADD PRIMARY KEY (ID)",
        f"ALTER TABLE {table} CLUSTER BY (NAME)",
        f"ALTER TABLE {table} SET COMMENT = 'now commented'",
    )
    described = {c["name"]: c for c in api.rows(f"DESC TABLE {table}")}
    assert described["EXTRA"]["comment"] == "added"
    assert described["NAME"]["type"] == "VARCHAR(200)"
    assert described["NAME"]["comment"] == "a name"
    assert described["ID"]["null?"] == "N"
    assert described["ID"]["primary key"] == "Y"
    row = by_name(api.rows(f"SHOW TABLES LIKE 'T' IN SCHEMA {db}.S"), "name")["T"]
    assert (row["comment"], row["cluster_by"]) == ("now commented", "LINEAR(NAME)")

    api.run(
        f"ALTER TABLE {table} ALTER COLUMN ID DROP NOT NULL",
        f"ALTER TABLE {table} ALTER COLUMN NAME UNSET COMMENT",
        f"ALTER TABLE {table} DROP PRIMARY KEY",
        f"ALTER TABLE {table} DROP CLUSTERING KEY",
        f"ALTER TABLE {table} UNSET COMMENT",
        f"ALTER TABLE {table} DROP COLUMN EXTRA",
    )
    described = {c["name"]: c for c in api.rows(f"DESC TABLE {table}")}
    assert set(described) == {"ID", "NAME"}
    assert described["ID"]["null?"] == "Y" and described["ID"]["primary key"] == "N"
    assert described["NAME"]["comment"] is None
    row = by_name(api.rows(f"SHOW TABLES IN SCHEMA {db}.S"), "name")["T"]
    assert (row["comment"], row["cluster_by"]) == ("", "")


def test_primary_key_not_enforced_but_not_null_is(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.K (ID INT NOT NULL PRIMARY KEY, V STRING)",
            f"INSERT INTO {db}.PUBLIC.K VALUES (1, 'a'), (1, 'b')")
    assert api.rows(f"SELECT COUNT(*) AS C FROM {db}.PUBLIC.K") == [{"C": "2"}]
    with pytest.raises(StatementFailed):
        api.query(f"INSERT INTO {db}.PUBLIC.K VALUES (NULL, 'c')")


def test_dml_and_context(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.APP")
    context = {"database": db, "schema": "APP"}
    api.run("CREATE TABLE ITEMS (ID INT, NAME STRING, PRICE NUMBER(10,2), TAGS VARIANT)", **context)
    answer = api.query("INSERT INTO ITEMS SELECT 1, 'a', 1.50, PARSE_JSON('[1,2]') UNION ALL "
                       "SELECT 2, 'b', 2.25, NULL", **context)
    assert answer["data"] == [["2"]]
    assert answer["resultSetMetaData"]["rowType"][0]["name"] == "number of rows inserted"
    api.run("UPDATE ITEMS SET NAME = 'B' WHERE ID = 2", "DELETE FROM ITEMS WHERE ID = 1", **context)
    assert api.rows("SELECT ID, NAME, PRICE FROM ITEMS", **context) == [{"ID": "2", "NAME": "B", "PRICE": "2.25"}]
    assert api.rows("SELECT CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S", **context) == [{"D": db, "S": "APP"}]
    assert by_name(api.rows("SHOW TABLES", **context), "name")["ITEMS"]["rows"] == "1"

    with pytest.raises(StatementFailed) as missing:
        api.query(f"SELECT * FROM {db}.APP.NOPE")
    assert missing.value.code == "002003"

    answer = api.multi(f"USE SCHEMA {db}.APP; SELECT COUNT(*) FROM ITEMS", 2)
    second = api.get(f"/api/v2/statements/{answer['statementHandles'][1]}").json()
    assert second["data"] == [["1"]]


def test_drop_table(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.GONE (A VARCHAR(5) COMMENT 'c')",
            f"DROP TABLE {db}.PUBLIC.GONE")
    assert (db, "PUBLIC", "GONE") not in by_name(api.rows("SHOW TABLES IN ACCOUNT"), "database_name", "schema_name", "name")
    with pytest.raises(StatementFailed) as missing:
        api.query(f"DROP TABLE {db}.PUBLIC.GONE")
    assert missing.value.code == "002003"
    api.run(f"DROP TABLE IF EXISTS {db}.PUBLIC.GONE", f"CREATE TABLE {db}.PUBLIC.GONE (A INT)")
    assert api.rows(f"DESC TABLE {db}.PUBLIC.GONE")[0]["comment"] is None


def test_everything_survives_restart(tmp_path):
    server = start_server(str(tmp_path))
    try:
        api = server.api()
        api.run("CREATE DATABASE KEPT COMMENT = 'kept'", "CREATE SCHEMA KEPT.S COMMENT = 's'",
                "CREATE TABLE KEPT.S.T (ID INT COMMENT 'id', NAME VARCHAR(42)) COMMENT = 't'",
                "INSERT INTO KEPT.S.T VALUES (1, 'one')", "CREATE DATABASE DROPPED", "DROP DATABASE DROPPED")
    finally:
        server.stop()
    restarted = start_server(str(tmp_path))
    try:
        api = restarted.api()
        assert by_name(api.rows("SHOW DATABASES"), "name")["KEPT"]["comment"] == "kept"
        assert "DROPPED" not in by_name(api.rows("SHOW DATABASES"), "name")
        assert by_name(api.rows("SHOW SCHEMAS IN DATABASE KEPT"), "name")["S"]["comment"] == "s"
        assert by_name(api.rows("SHOW TABLES IN ACCOUNT"), "name")["T"]["comment"] == "t"
        described = {c["name"]: c for c in api.rows("DESC TABLE KEPT.S.T")}
        assert described["NAME"]["type"] == "VARCHAR(42)"
        assert described["ID"]["comment"] == "id"
        assert api.rows("SELECT * FROM KEPT.S.T") == [{"ID": "1", "NAME": "one"}]
    finally:
        restarted.stop()


def test_declared_types_and_defaults_as_written(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}",
            f"CREATE TABLE {db}.PUBLIC.T (A TIMESTAMP_LTZ, B ARRAY, C OBJECT, D TIMESTAMP_NTZ(9) DEFAULT "
            "CURRENT_TIMESTAMP(), E BOOLEAN DEFAULT FALSE, F NUMBER(10,2) DEFAULT 0, G TIMESTAMP_TZ)")
    described = {c["name"]: (c["type"], c["default"]) for c in api.rows(f"DESC TABLE {db}.PUBLIC.T")}
    assert described == {
        "A": ("TIMESTAMP_LTZ(9)", None), "B": ("ARRAY", None), "C": ("OBJECT", None),
        "D": ("TIMESTAMP_NTZ(9)", "CURRENT_TIMESTAMP()"), "E": ("BOOLEAN", "FALSE"), "F": ("NUMBER(10,2)", "0"),
        "G": ("TIMESTAMP_TZ(9)", None),
    }
    api.run(f"ALTER TABLE {db}.PUBLIC.T ALTER COLUMN F SET DATA TYPE NUMBER(20,2)",
            f"ALTER TABLE {db}.PUBLIC.T ADD COLUMN H TIMESTAMP_LTZ(3)", f"ALTER TABLE {db}.PUBLIC.T RENAME COLUMN B TO BB")
    described = {c["name"]: c["type"] for c in api.rows(f"DESC TABLE {db}.PUBLIC.T")}
    assert (described["F"], described["H"], described["BB"]) == ("NUMBER(20,2)", "TIMESTAMP_LTZ(3)", "ARRAY")
