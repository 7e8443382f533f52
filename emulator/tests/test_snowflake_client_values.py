"""The same rows through the SQL API and through snowflake-connector-python, against the values written.

The SQL API's cells are decoded here by the rules of Snowflake's docs (developer-guide/sql-api/handling-responses),
independently of the emulator's code; the connector decodes its own with its converter.py.
"""

from __future__ import annotations

import datetime
import decimal
import json

import snowflake.connector
from conftest_snowflake import SqlApi, api, snowflake_server, unique  # noqa: F401

UTC = datetime.timezone.utc

COLUMNS = ("ID INT, PRICE NUMBER(10,2), RATE NUMBER(12,4), OK BOOLEAN, DAY DATE, AT_TIME TIME, NTZ TIMESTAMP_NTZ, "
           "LTZ TIMESTAMP_LTZ, TZ TIMESTAMP_TZ, DOC VARIANT, OBJ OBJECT, ARR ARRAY, BIN BINARY, F FLOAT, S VARCHAR(20)")
INSERT = ("INSERT INTO {table} SELECT 1, 12.5, -3.0625, TRUE, '2024-01-02', '10:11:12.345678', "
          "'2024-01-01 10:00:00.123456', '2024-01-01T10:00:00.5+00:00', '2024-01-01T10:00:00.25+09:00', "
          "PARSE_JSON('{{\"k\": [1, 2]}}'), OBJECT_CONSTRUCT('a', 1), ARRAY_CONSTRUCT(1, 'x'), "
          "TO_BINARY('CAFE', 'HEX'), 0.5, 'text'")
INSERT_BEFORE_1970 = ("INSERT INTO {table} (ID, NTZ, AT_TIME, DAY) SELECT 2, '1969-12-31 23:59:59.5', '00:00:00', "
                      "'1969-12-31'")

WRITTEN = {
    "ID": 1, "PRICE": decimal.Decimal("12.50"), "RATE": decimal.Decimal("-3.0625"), "OK": True,
    "DAY": datetime.date(2024, 1, 2), "AT_TIME": datetime.time(10, 11, 12, 345678),
    "NTZ": datetime.datetime(2024, 1, 1, 10, 0, 0, 123456),
    "LTZ": datetime.datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=UTC),
    "TZ": datetime.datetime(2024, 1, 1, 1, 0, 0, 250000, tzinfo=UTC),  # the same instant as 10:00:00.25 +09:00
    "DOC": {"k": [1, 2]}, "OBJ": {"a": 1}, "ARR": [1, "x"], "BIN": bytes.fromhex("CAFE"), "F": 0.5, "S": "text",
}

SNOWFLAKE_TYPES = {"ID": "fixed", "PRICE": "fixed", "RATE": "fixed", "OK": "boolean", "DAY": "date", "AT_TIME": "time",
                   "NTZ": "timestamp_ntz", "LTZ": "timestamp_ltz", "TZ": "timestamp_tz", "DOC": "variant",
                   "OBJ": "object", "ARR": "array", "BIN": "binary", "F": "real", "S": "text"}


def _seconds(text: str) -> datetime.datetime:
    whole, _, fraction = text.partition(".")
    negative = whole.startswith("-")
    micros = int(whole) * 1_000_000 + (-1 if negative else 1) * int((fraction + "000000")[:6])
    return datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(microseconds=micros)


def decode_sql_api(row_type: dict, cell: str | None) -> object:
    """A jsonv2 cell as the SQL API docs describe it."""
    if cell is None:
        return None
    kind = row_type["type"]
    if kind == "fixed":
        return int(cell) if row_type["scale"] == 0 else decimal.Decimal(cell)
    if kind == "real":
        return float(cell)
    if kind == "boolean":
        return {"true": True, "false": False}[cell]
    if kind == "date":
        return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(cell))
    if kind == "time":
        return _seconds(cell).time()
    if kind == "timestamp_ntz":
        return _seconds(cell).replace(tzinfo=None)
    if kind == "timestamp_ltz":
        return _seconds(cell)
    if kind == "timestamp_tz":
        value, offset = cell.split(" ")
        return _seconds(value).astimezone(datetime.timezone(datetime.timedelta(minutes=int(offset) - 1440)))
    if kind in ("variant", "object", "array"):
        return json.loads(cell)
    if kind == "binary":
        return bytes.fromhex(cell)
    return cell


def _connector_value(name: str, value: object) -> object:
    # The connector leaves VARIANT/OBJECT/ARRAY as JSON text, as it does against Snowflake.
    return json.loads(value) if name in ("DOC", "OBJ", "ARR") and isinstance(value, str) else value


def test_values_read_through_both_protocols_are_the_values_written(snowflake_server, api: SqlApi):
    db = unique("DB")
    table = f"{db}.PUBLIC.TYPED"
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {table} ({COLUMNS})", INSERT.format(table=table),
            INSERT_BEFORE_1970.format(table=table))
    query = f"SELECT * FROM {table} ORDER BY ID"

    answer = api.query(query)
    row_types = answer["resultSetMetaData"]["rowType"]
    assert {t["name"]: t["type"] for t in row_types} == SNOWFLAKE_TYPES
    through_api = [{t["name"]: decode_sql_api(t, c) for t, c in zip(row_types, row)} for row in answer["data"]]
    assert through_api[0] == WRITTEN
    # The SQL API writes nine fraction digits for times and timestamps, whatever the scale.
    cells = dict(zip((t["name"] for t in row_types), answer["data"][0]))
    assert cells["NTZ"] == "1704103200.123456000" and cells["TZ"] == "1704070800.250000000 1440"

    with snowflake_server.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        names = [d.name for d in cursor.description]
        types = {d.name: snowflake.connector.constants.FIELD_ID_TO_NAME[d.type_code] for d in cursor.description}
        through_connector = [{n: _connector_value(n, v) for n, v in zip(names, row)} for row in cursor.fetchall()]
    assert types == {name: kind.upper() for name, kind in SNOWFLAKE_TYPES.items()}
    assert through_connector[0] == WRITTEN
    assert through_connector[0]["LTZ"].utcoffset() == datetime.timedelta(0)  # the session's TIMEZONE, Etc/UTC
    before_1970 = {"NTZ": datetime.datetime(1969, 12, 31, 23, 59, 59, 500000), "AT_TIME": datetime.time(0, 0),
                   "DAY": datetime.date(1969, 12, 31)}
    for row in (through_api[1], through_connector[1]):
        assert {k: row[k] for k in before_1970} == before_1970


def test_show_timestamps_agree_on_both_protocols(snowflake_server, api: SqlApi):
    """SHOW's created_on is TIMESTAMP_LTZ(3): the connector must read three fraction digits, not nine."""
    warehouse = unique("WH")
    api.run(f"CREATE WAREHOUSE {warehouse}")
    answer = api.query(f"SHOW WAREHOUSES LIKE '{warehouse}'")
    row_type = next(t for t in answer["resultSetMetaData"]["rowType"] if t["name"] == "created_on")
    assert (row_type["type"], row_type["scale"]) == ("timestamp_ltz", 3)
    cell = answer["data"][0][[t["name"] for t in answer["resultSetMetaData"]["rowType"]].index("created_on")]
    assert cell.endswith("000000") and len(cell.split(".")[1]) == 9
    through_api = decode_sql_api(row_type, cell)
    assert abs(through_api - datetime.datetime.now(UTC)) < datetime.timedelta(minutes=5)
    with snowflake_server.connect() as conn:
        cursor = conn.cursor(snowflake.connector.DictCursor)
        created = cursor.execute(f"SHOW WAREHOUSES LIKE '{warehouse}'").fetchone()["created_on"]
    assert created == through_api


def test_declared_fractional_precision_is_reported_and_cuts_the_values(snowflake_server, api: SqlApi):
    """TIME(3), TIMESTAMP_NTZ(0), TIMESTAMP_LTZ(6), TIMESTAMP_TZ(3): precision 0-9, default 9
    (docs: sql-reference/data-types-datetime). DuckDB keeps microseconds whatever the declaration, so the
    declared precision is what DESC, SHOW COLUMNS and the result's scale report, and the value is cut to it."""
    db = unique("DB")
    table = f"{db}.PUBLIC.PRECISE"
    api.run(f"CREATE DATABASE {db}",
            f"CREATE TABLE {table} (T3 TIME(3), N0 TIMESTAMP_NTZ(0), L6 TIMESTAMP_LTZ(6), Z3 TIMESTAMP_TZ(3), T TIME)",
            f"INSERT INTO {table} SELECT '10:11:12.345678', '2024-01-01 10:00:00.987654', "
            "'2024-01-01T10:00:00.123456+00:00', '2024-01-01T10:00:00.123456+00:00', '01:02:03.5'")
    described = {row[0]: row[1] for row in api.query(f"DESC TABLE {table}")["data"]}
    assert described == {"T3": "TIME(3)", "N0": "TIMESTAMP_NTZ(0)", "L6": "TIMESTAMP_LTZ(6)", "Z3": "TIMESTAMP_TZ(3)",
                         "T": "TIME(9)"}
    show = api.query(f"SHOW COLUMNS IN TABLE {table}")
    names = [t["name"] for t in show["resultSetMetaData"]["rowType"]]
    scales = {row[names.index("column_name")]: json.loads(row[names.index("data_type")])["scale"] for row in show["data"]}
    assert scales == {"T3": 3, "N0": 0, "L6": 6, "Z3": 3, "T": 9}

    answer = api.query(f"SELECT * FROM {table}")
    assert {t["name"]: t["scale"] for t in answer["resultSetMetaData"]["rowType"]} == scales
    cells = dict(zip(scales, answer["data"][0]))
    assert cells["T3"] == "36672.345000000" and cells["N0"] == "1704103200.000000000"
    assert cells["L6"] == "1704103200.123456000" and cells["Z3"] == "1704103200.123000000 1440"
    expected = {"T3": datetime.time(10, 11, 12, 345000), "N0": datetime.datetime(2024, 1, 1, 10, 0, 0),
                "L6": datetime.datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC),
                "Z3": datetime.datetime(2024, 1, 1, 10, 0, 0, 123000, tzinfo=UTC), "T": datetime.time(1, 2, 3, 500000)}
    row_types = answer["resultSetMetaData"]["rowType"]
    assert {t["name"]: decode_sql_api(t, c) for t, c in zip(row_types, answer["data"][0])} == expected
    with snowflake_server.connect() as conn:
        cursor = conn.cursor()
        row = cursor.execute(f"SELECT * FROM {table}").fetchone()
        assert {d.name: d.scale for d in cursor.description} == scales
    assert dict(zip(scales, row)) == expected
