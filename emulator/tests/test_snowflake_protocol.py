"""The SQL API v2 protocol: result sets, async handles, partitions, retries, multi-statements, errors."""

from __future__ import annotations

import time
import uuid

import pytest

from conftest_snowflake import SqlApi, StatementFailed, api, snowflake_server, unique  # noqa: F401


def test_health(snowflake_server):
    import requests

    assert requests.get(f"{snowflake_server.base}/_infra/health").json() == {"ok": True}


def test_select_result_set_shape(api: SqlApi):
    answer = api.query("SELECT 1 AS N, 'x' AS S, TRUE AS B, NULL AS Z, 1.5::FLOAT AS F, 12.50::NUMBER(10,2) AS D")
    meta = answer["resultSetMetaData"]
    assert meta["format"] == "jsonv2"
    assert meta["numRows"] == 1
    assert meta["partitionInfo"][0]["rowCount"] == 1
    types = {c["name"]: c for c in meta["rowType"]}
    assert types["N"]["type"] == "fixed" and types["N"]["precision"] == 38 and types["N"]["scale"] == 0
    assert types["S"]["type"] == "text"
    assert types["B"]["type"] == "boolean"
    assert types["F"]["type"] == "real"
    assert types["D"]["type"] == "fixed" and types["D"]["scale"] == 2
    assert answer["data"] == [["1", "x", "true", None, "1.5", "12.50"]]
    assert answer["code"] == "090001"
    assert answer["sqlState"] == "00000"
    assert answer["message"] == "Statement executed successfully."
    assert answer["statementStatusUrl"] == f"/api/v2/statements/{answer['statementHandle']}"
    assert isinstance(answer["createdOn"], int)


def test_timestamps_dates_and_variants_as_snowflake_writes_them(api: SqlApi):
    answer = api.query(
        "SELECT '2024-01-01 10:00:00.123'::TIMESTAMP_NTZ AS T, '2024-01-02'::DATE AS D, PARSE_JSON('{\"a\": 1}') AS V"
    )
    types = [c["type"] for c in answer["resultSetMetaData"]["rowType"]]
    assert types == ["timestamp_ntz", "date", "variant"]
    t, d, v = answer["data"][0]
    assert t == "1704103200.123000000"
    assert d == "19724"
    assert v.replace(" ", "").replace("\n", "") == '{"a":1}'


@pytest.fixture(scope="module")
def proto_db(api: SqlApi) -> dict[str, str]:
    """A database and schema for statements that need a current one; passed as the request's context."""
    api.run("CREATE DATABASE IF NOT EXISTS PROTO_DB", "CREATE SCHEMA IF NOT EXISTS PROTO_DB.S")
    return {"database": "PROTO_DB", "schema": "S"}


SLOW_QUERY = "SELECT COUNT(*) FROM range(100000000) a, range(100000) b"


def test_async_then_status(api: SqlApi):
    response = api.submit("SELECT 42 AS X", params={"async": "true"})
    assert response.status_code == 202
    body = response.json()
    assert body["code"] == "333334"
    handle = body["statementHandle"]
    assert body["statementStatusUrl"] == f"/api/v2/statements/{handle}"
    for _ in range(100):
        status = api.get(f"/api/v2/statements/{handle}")
        if status.status_code == 200:
            break
        assert status.status_code == 202
        time.sleep(0.05)
    assert status.status_code == 200
    assert status.json()["data"] == [["42"]]


def test_partitions(api: SqlApi, proto_db):
    answer = api.query("SELECT range AS N FROM range(2500)", **proto_db)
    meta = answer["resultSetMetaData"]
    assert meta["numRows"] == 2500
    assert [p["rowCount"] for p in meta["partitionInfo"]] == [1000, 1000, 500]
    assert len(answer["data"]) == 1000
    second = api.get(f"/api/v2/statements/{answer['statementHandle']}", partition=2)
    assert second.status_code == 200
    assert second.json()["data"][0] == ["2000"]
    assert len(api.rows("SELECT range AS N FROM range(2500)", **proto_db)) == 2500


def test_retry_with_same_request_id_does_not_run_again(api: SqlApi, proto_db):
    table = unique("RETRY")
    api.run(f"CREATE TABLE PROTO_DB.S.{table} (A INT)")
    request_id = str(uuid.uuid4())
    first = api.submit(f"INSERT INTO PROTO_DB.S.{table} VALUES (1)", params={"requestId": request_id})
    assert first.status_code == 200
    again = api.submit(f"INSERT INTO PROTO_DB.S.{table} VALUES (1)", params={"requestId": request_id, "retry": "true"})
    assert again.status_code == 200
    assert again.json()["statementHandle"] == first.json()["statementHandle"]
    assert again.json()["requestId"] == request_id
    assert api.rows(f"SELECT COUNT(*) AS C FROM PROTO_DB.S.{table}") == [{"C": "1"}]


def test_multi_statement(api: SqlApi):
    answer = api.multi("SELECT 1 AS A; SELECT 'two' AS B", "2")
    assert answer["data"] == [["Multiple statements executed successfully."]]
    handles = answer["statementHandles"]
    assert len(handles) == 2
    assert api.get(f"/api/v2/statements/{handles[1]}").json()["data"] == [["two"]]
    any_count = api.multi("SELECT 1; SELECT 2; SELECT 3", 0)
    assert len(any_count["statementHandles"]) == 3


def test_multi_statement_count_mismatch(api: SqlApi):
    with pytest.raises(StatementFailed) as failed:
        api.query("SELECT 1; SELECT 2")
    assert failed.value.status == 422
    assert failed.value.code == "000008"
    assert "statementHandle" in failed.value.body


def test_bindings(api: SqlApi):
    answer = api.query("SELECT ? AS S, ? + 1 AS N", bindings={"1": {"type": "TEXT", "value": "hi"},
                                                              "2": {"type": "FIXED", "value": "41"}})
    assert answer["data"] == [["hi", "42"]]


def test_syntax_error(api: SqlApi):
    with pytest.raises(StatementFailed) as failed:
        api.query("SELEC 1")
    assert failed.value.status == 422
    assert failed.value.code == "001003"
    assert failed.value.body["sqlState"] == "42000"


def test_timeout(api: SqlApi, proto_db):
    response = api.submit(SLOW_QUERY, timeout=1, **proto_db)
    assert response.status_code == 408
    assert response.json()["code"] == "000630"


def test_cancel(api: SqlApi, proto_db):
    response = api.submit(SLOW_QUERY, params={"async": "true"}, **proto_db)
    handle = response.json()["statementHandle"]
    time.sleep(0.3)
    assert api.post(f"/api/v2/statements/{handle}/cancel").status_code == 200
    for _ in range(100):
        status = api.get(f"/api/v2/statements/{handle}")
        if status.status_code != 202:
            break
        time.sleep(0.05)
    assert status.status_code == 422
    assert status.json()["code"] == "000604"


def test_unknown_handle(api: SqlApi):
    assert api.get(f"/api/v2/statements/{uuid.uuid4()}").status_code == 404


def test_unsupported_commands(api: SqlApi):
    for statement in ("CREATE SHARE PROTO_SHARE", "CREATE NETWORK POLICY PROTO_POLICY ALLOWED_IP_LIST = ('10.0.0.1')"):
        with pytest.raises(StatementFailed) as failed:
            api.query(statement)
        assert failed.value.status == 422
        assert failed.value.code == "002031"
        assert "Unsupported feature" in failed.value.message


def test_context_that_does_not_exist(api: SqlApi):
    with pytest.raises(StatementFailed) as failed:
        api.query("SELECT * FROM T", database="NO_SUCH_DB", schema="S")
    assert failed.value.code == "090105"
    assert api.query("SELECT CURRENT_DATABASE()", database="NO_SUCH_DB")["data"] == [[None]]
