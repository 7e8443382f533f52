"""The official snowflake-connector-python as an independent client: same data as the SQL API."""

from __future__ import annotations

import datetime
import decimal

import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization

from conftest_snowflake import SqlApi, api, snowflake_server, unique  # noqa: F401


def test_sees_what_the_sql_api_made(snowflake_server, api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.S",
            f"CREATE TABLE {db}.S.T (ID INT, NAME VARCHAR(10), PRICE NUMBER(10,2), OK BOOLEAN, "
            "TS TIMESTAMP_NTZ, DAY DATE, DOC VARIANT, F FLOAT)",
            f"INSERT INTO {db}.S.T SELECT 1, 'one', 1.25, TRUE, '2024-01-01 10:00:00.5', '2024-01-02', "
            "PARSE_JSON('{\"k\": [1, 2]}'), 0.5")
    with snowflake_server.connect() as conn:
        cur = conn.cursor()
        cur.execute(f"SELECT * FROM {db}.S.T")
        assert [d.name for d in cur.description] == ["ID", "NAME", "PRICE", "OK", "TS", "DAY", "DOC", "F"]
        row = cur.fetchone()
        assert row[:4] == (1, "one", decimal.Decimal("1.25"), True)
        assert row[4] == datetime.datetime(2024, 1, 1, 10, 0, 0, 500000)
        assert row[5] == datetime.date(2024, 1, 2)
        assert row[6].replace(" ", "").replace("\n", "") == '{"k":[1,2]}'
        assert row[7] == 0.5

        # Written through the connector, read through the SQL API.
        cur.execute(f"INSERT INTO {db}.S.T (ID, NAME) VALUES (2, 'two')")
        assert cur.rowcount == 1
    assert api.rows(f"SELECT NAME FROM {db}.S.T WHERE ID = 2") == [{"NAME": "two"}]


def test_emulator_objects_and_context(snowflake_server, api: SqlApi):
    db, warehouse = unique("DB"), unique("WH")
    api.run(f"CREATE DATABASE {db}", f"CREATE WAREHOUSE {warehouse} WITH WAREHOUSE_SIZE = 'SMALL'",
            f"CREATE STORAGE INTEGRATION {db}_INT TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE "
            "STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::000000000000:role/r' STORAGE_ALLOWED_LOCATIONS = ('s3://b/')")
    with snowflake_server.connect(database=db, schema="PUBLIC", warehouse=warehouse) as conn:
        cur = conn.cursor(snowflake.connector.DictCursor)
        cur.execute("SHOW WAREHOUSES")
        assert {r["name"]: r["size"] for r in cur.fetchall()}[warehouse] == "Small"
        cur.execute("SHOW INTEGRATIONS")
        assert f"{db}_INT" in {r["name"] for r in cur.fetchall()}
        cur.execute("SELECT CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S, CURRENT_WAREHOUSE() AS W, "
                    "CURRENT_USER() AS U")
        assert cur.fetchone() == {"D": db, "S": "PUBLIC", "W": warehouse, "U": "DEPLOYER"}
        cur.execute("CREATE TABLE T (A INT)")
        cur.execute("INSERT INTO T VALUES (%s), (%s)", (1, 2))
        conn.cursor().execute("USE SCHEMA PUBLIC")
        cur.execute("SELECT SUM(A) AS S FROM T WHERE A > ?" if conn._paramstyle == "qmark" else
                    "SELECT SUM(A) AS S FROM T WHERE A > %s", (0,))
        assert cur.fetchone() == {"S": 3}
    assert api.rows(f"SHOW TABLES IN DATABASE {db}")[0]["name"] == "T"


def test_qmark_bindings_go_to_the_server(snowflake_server, api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.B (ID INT, NAME STRING, D DATE)")
    with snowflake_server.connect(paramstyle="qmark") as conn:
        conn.cursor().execute(f"INSERT INTO {db}.PUBLIC.B VALUES (?, ?, ?)", (7, "seven", datetime.date(2024, 5, 6)))
        cur = conn.cursor()
        cur.execute(f"SELECT NAME, D FROM {db}.PUBLIC.B WHERE ID = ?", (7,))
        assert cur.fetchall() == [("seven", datetime.date(2024, 5, 6))]


def test_errors_are_programming_errors(snowflake_server):
    with snowflake_server.connect() as conn:
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as failed:
            conn.cursor().execute("SELECT * FROM NOPE_DB.S.T")
        assert failed.value.errno == 2003
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as syntax:
            conn.cursor().execute("SELEC 1")
        assert syntax.value.errno == 1003


def test_key_pair_login(snowflake_server):
    key = snowflake_server.key().private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())
    import snowflake.connector as connector

    with connector.connect(account="LOCAL", user="DEPLOYER", private_key=key, authenticator="SNOWFLAKE_JWT",
                           host="127.0.0.1", port=snowflake_server.connector_port, protocol="http",
                           login_timeout=20) as conn:
        assert conn.cursor().execute("SELECT 1").fetchone() == (1,)


def test_put_into_an_internal_stage(snowflake_server, api: SqlApi, tmp_path):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE STAGE {db}.PUBLIC.UPLOADS FILE_FORMAT = (TYPE = CSV)",
            f"CREATE TABLE {db}.PUBLIC.T (A INT, B STRING)")
    source = tmp_path / "rows.csv"
    source.write_text("1,one\n2,two\n")
    with snowflake_server.connect() as conn:
        result = conn.cursor().execute(f"PUT file://{source} @{db}.PUBLIC.UPLOADS/in/").fetchall()
        assert result[0][0] == "rows.csv" and result[0][6] == "UPLOADED"
    assert [r["name"] for r in api.rows(f"LIST @{db}.PUBLIC.UPLOADS")] == ["uploads/in/rows.csv.gz"]
    assert api.rows(f"COPY INTO {db}.PUBLIC.T FROM @{db}.PUBLIC.UPLOADS")[0]["rows_loaded"] == "2"
    assert api.rows(f"SELECT B FROM {db}.PUBLIC.T ORDER BY A") == [{"B": "one"}, {"B": "two"}]
    assert api.rows(f"REMOVE @{db}.PUBLIC.UPLOADS/in/") == [{"name": "uploads/in/rows.csv.gz", "result": "removed"}]
    assert api.rows(f"LIST @{db}.PUBLIC.UPLOADS") == []
    assert api.submit(f"PUT file://{source} @{db}.PUBLIC.UPLOADS").json()["code"] == "002031"
