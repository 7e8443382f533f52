"""Fault injection (/_infra/faults and start flags) and request/statement counting (/_infra/requests)."""

from __future__ import annotations

import time

import pytest
import requests

from conftest_snowflake import TEST_WAREHOUSE, SqlApi, api, snowflake_server, start_server  # noqa: F401


def set_faults(server, **faults) -> dict:
    response = requests.post(f"{server.base}/_infra/faults", json=faults, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(autouse=True)
def no_faults_after(snowflake_server):
    yield
    set_faults(snowflake_server, delay_ms=0, error_rate=0, errors=["500"])


def test_each_error_kind(snowflake_server, api: SqlApi):
    for kind in ("429", "500", "503"):
        set_faults(snowflake_server, error_rate=1, errors=[kind])
        response = api.submit("SELECT 1")
        assert response.status_code == int(kind)
        assert set(response.json()) >= {"code", "message"}
    set_faults(snowflake_server, error_rate=1, errors=["drop"])
    with pytest.raises(requests.ConnectionError):
        api.submit("SELECT 1")
    # The admin endpoints are never faulted.
    assert requests.get(f"{snowflake_server.base}/_infra/health", timeout=5).status_code == 200
    set_faults(snowflake_server, error_rate=0)
    assert api.submit("SELECT 1").status_code == 200


def test_seeded_rate_and_delay(snowflake_server, api: SqlApi):
    settings = set_faults(snowflake_server, error_rate=0.5, errors=["500", "503"], seed=7)
    assert settings == {"delay_ms": 0, "error_rate": 0.5, "errors": ["500", "503"], "seed": 7}
    first = [api.submit("SELECT 1").status_code for _ in range(20)]
    set_faults(snowflake_server, seed=7)
    second = [api.submit("SELECT 1").status_code for _ in range(20)]
    assert first == second
    assert {200, 500, 503} >= set(first) and 200 in first and len(set(first)) > 1

    set_faults(snowflake_server, error_rate=0, delay_ms=300)
    started = time.monotonic()
    assert api.submit("SELECT 1").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert requests.get(f"{snowflake_server.base}/_infra/faults", timeout=5).json()["delay_ms"] == 300


def test_bad_fault_settings_are_refused(snowflake_server):
    assert requests.post(f"{snowflake_server.base}/_infra/faults", json={"errors": ["418"]}, timeout=5).status_code == 400
    assert requests.post(f"{snowflake_server.base}/_infra/faults", json={"error_rate": 2}, timeout=5).status_code == 400


def test_request_and_statement_counts(snowflake_server, api: SqlApi):
    base = snowflake_server.base
    api.query(f"CREATE WAREHOUSE IF NOT EXISTS {TEST_WAREHOUSE}")
    assert requests.post(f"{base}/_infra/requests/reset", timeout=5).json() == {"total_requests": 0, "statements": 0}
    api.query("SELECT 1")
    answer = api.query("SELECT 1; SELECT 2", parameters={"MULTI_STATEMENT_COUNT": 2}, warehouse=TEST_WAREHOUSE)
    api.get(f"/api/v2/statements/{answer['statementHandle']}")
    requests.get(f"{base}/_infra/health", timeout=5)
    assert requests.get(f"{base}/_infra/requests", timeout=5).json() == {"total_requests": 3, "statements": 3}


def test_faults_from_start_flags(tmp_path):
    server = start_server(str(tmp_path), extra=["--delay-ms", "10", "--error-rate", "1", "--errors", "429,503"])
    try:
        assert requests.get(f"{server.base}/_infra/faults", timeout=5).json() == {
            "delay_ms": 10, "error_rate": 1.0, "errors": ["429", "503"], "seed": None}
        assert server.api().submit("SELECT 1").status_code in (429, 503)
    finally:
        server.stop()
