"""SHOW COLUMNS and SHOW PRIMARY KEYS IN ACCOUNT: every table's columns and keys in one statement each,
in Snowflake's shapes (data_type as JSON), so a refresh needs no DESC per table."""

from __future__ import annotations

import json

from conftest_snowflake import SqlApi, api, snowflake_server, unique  # noqa: F401


def test_columns_and_keys_of_every_table(api: SqlApi):
    db = unique("COLS")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.RAW",
            f"CREATE TABLE {db}.RAW.ORDERS (ORDER_ID VARCHAR(16) NOT NULL, AMOUNT NUMBER(10,2), "
            f"LOADED_AT TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP(), NOTE VARCHAR COMMENT 'free text', "
            f"PRIMARY KEY (ORDER_ID))")
    columns = [r for r in api.rows("SHOW COLUMNS IN ACCOUNT") if r["database_name"] == db]
    assert [c["column_name"] for c in columns] == ["ORDER_ID", "AMOUNT", "LOADED_AT", "NOTE"], "ordinal order"
    by_name = {c["column_name"]: c for c in columns}
    assert json.loads(by_name["ORDER_ID"]["data_type"]) == {"type": "TEXT", "length": 16, "byteLength": 64, "fixed": False,
                                                           "nullable": False}
    assert by_name["ORDER_ID"]["null?"] == "false"
    assert json.loads(by_name["AMOUNT"]["data_type"])["type"] == "FIXED"
    assert (json.loads(by_name["AMOUNT"]["data_type"])["precision"], json.loads(by_name["AMOUNT"]["data_type"])["scale"]) == (10, 2)
    assert json.loads(by_name["LOADED_AT"]["data_type"])["scale"] == 9
    assert by_name["NOTE"]["comment"] == "free text"
    keys = [r for r in api.rows("SHOW PRIMARY KEYS IN ACCOUNT") if r["database_name"] == db]
    assert [(k["table_name"], k["column_name"], k["key_sequence"]) for k in keys] == [("ORDERS", "ORDER_ID", "1")]
    assert [r["table_name"] for r in api.rows(f"SHOW COLUMNS IN DATABASE {db}")] == ["ORDERS"] * 4
    api.run(f"DROP DATABASE {db}")
