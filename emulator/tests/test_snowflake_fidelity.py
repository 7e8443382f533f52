"""Behaviours of a real Snowflake account that infra once got wrong while the emulator let it pass (issue 11).
Each test names its source; emulator/README-snowflake.md lists them in one table."""

from __future__ import annotations

import json

import pytest
import requests

from conftest_snowflake import TEST_WAREHOUSE, SqlApi, StatementFailed, api, snowflake_server, unique  # noqa: F401


def fails(api: SqlApi, statement: str, **body) -> StatementFailed:
    with pytest.raises(StatementFailed) as failure:
        api.query(statement, **body)
    return failure.value


@pytest.fixture
def ceiling(snowflake_server):
    """Lowers the account's SHOW ceiling (10,000 in Snowflake) so paging is cheap to exercise."""
    def set_ceiling(rows: int) -> None:
        requests.post(f"{snowflake_server.base}/_infra/limits", json={"show_row_ceiling": rows}, timeout=5).raise_for_status()
    yield set_ceiling
    set_ceiling(10_000)


def test_show_has_a_row_ceiling_and_pages_with_limit_from(api: SqlApi, ceiling):
    # Source: the 090153 text (snowflake-jdbc #1021, snowpark-python #4023); LIMIT … FROM: behaviour change
    # 2023_05 "SHOW commands: pagination support"; LIMIT above the maximum fails too (dbt-snowflake #174).
    db = unique("PAGED")
    api.run(f"CREATE DATABASE {db}", *(f"CREATE TABLE {db}.PUBLIC.T{i} (A INT, B INT)" for i in range(1, 6)))
    ceiling(3)
    too_many = fails(api, f"SHOW TABLES IN SCHEMA {db}.PUBLIC")
    assert too_many.code == "090153"
    assert "exceeded the max number of rows(3) supported for SHOW statements. Use LIMIT option" in too_many.message
    assert fails(api, f"SHOW TABLES IN SCHEMA {db}.PUBLIC LIMIT 4").code == "090153"
    first = [r["name"] for r in api.rows(f"SHOW TABLES IN SCHEMA {db}.PUBLIC LIMIT 3")]
    assert first == ["T1", "T2", "T3"]
    # FROM is a cursor: the rows after the first one whose name matches, case-sensitively.
    assert [r["name"] for r in api.rows(f"SHOW TABLES IN SCHEMA {db}.PUBLIC LIMIT 3 FROM 'T3'")] == ["T4", "T5"]
    assert api.rows(f"SHOW TABLES IN SCHEMA {db}.PUBLIC LIMIT 3 FROM 't3'") == []
    # Commands whose grammar has no LIMIT refuse one; too many rows can only be narrowed by scope.
    assert fails(api, f"SHOW STAGES IN SCHEMA {db}.PUBLIC LIMIT 2").code == "001003"
    assert fails(api, f"SHOW COLUMNS IN SCHEMA {db}.PUBLIC LIMIT 2").code == "001003"
    assert fails(api, f"SHOW COLUMNS IN SCHEMA {db}.PUBLIC").code == "090153"
    assert [r["column_name"] for r in api.rows(f"SHOW COLUMNS IN TABLE {db}.PUBLIC.T1")] == ["A", "B"]
    assert [r["column_name"] for r in api.rows(f"SHOW COLUMNS IN {db}.PUBLIC.T2")] == ["A", "B"]
    assert fails(api, "SHOW PRIMARY KEYS IN ACCOUNT LIMIT 1").code == "001003"
    # Account-level objects take no IN clause at all.
    assert fails(api, "SHOW DATABASES IN ACCOUNT").code == "001003"
    assert fails(api, "SHOW WAREHOUSES IN ACCOUNT").code == "001003"
    ceiling(10_000)
    api.run(f"DROP DATABASE {db}")


def test_the_ceiling_is_ten_thousand_rows_unless_a_test_lowers_it(snowflake_server):
    # Filling an account past 10,000 objects takes minutes here; the tests above lower the ceiling instead.
    assert requests.get(f"{snowflake_server.base}/_infra/limits", timeout=5).json() == {"show_row_ceiling": 10_000}


def test_several_statements_in_one_request_need_a_warehouse(api: SqlApi):
    # Source: SQL API guide, "Submitting multiple SQL statements in a single request" (a valid warehouse
    # must be available in the session).
    api.run(f"CREATE WAREHOUSE IF NOT EXISTS {TEST_WAREHOUSE}")
    multi = {"parameters": {"MULTI_STATEMENT_COUNT": 2}}
    assert fails(api, "SELECT 1; SELECT 2", **multi).code == "000606"
    # The context fields are case-sensitive (SQL API guide, submitting requests): a lower-case spelling of an
    # unquoted name names nothing.
    assert fails(api, "SELECT 1; SELECT 2", warehouse=TEST_WAREHOUSE.lower(), **multi).code == "000606"
    assert api.query("SELECT 1; SELECT 2", warehouse=TEST_WAREHOUSE, **multi)["statementHandles"]
    # One statement needs no warehouse for this.
    assert api.rows("SELECT 1 AS ONE") == [{"ONE": "1"}]


def test_context_fields_match_show_case_exactly(api: SqlApi):
    db = unique("CTX")
    api.run(f"CREATE DATABASE {db}", f'CREATE DATABASE "{db.lower()}_q"')
    assert api.rows("SELECT CURRENT_DATABASE() AS D", database=db) == [{"D": db}]
    assert api.rows("SELECT CURRENT_DATABASE() AS D", database=db.lower()) == [{"D": None}]
    assert api.rows("SELECT CURRENT_DATABASE() AS D", database=f"{db.lower()}_q") == [{"D": f"{db.lower()}_q"}]
    assert api.rows("SELECT CURRENT_ROLE() AS R", role="SYSADMIN") == [{"R": "SYSADMIN"}]
    assert fails(api, "SELECT 1", role="sysadmin").code == "390189"
    api.run(f"DROP DATABASE {db}", f'DROP DATABASE "{db.lower()}_q"')


@pytest.mark.parametrize("database", ["my db", "a.b", "x;y", "lower", "it's", 'say "hi"', "ünï"])
def test_odd_names_round_trip_through_duckdb(api: SqlApi, database: str):
    db = f"{database}_{unique('N')}"
    quoted = '"' + db.replace('"', '""') + '"'
    api.run(f"CREATE DATABASE {quoted}", f'CREATE SCHEMA {quoted}."odd schema"',
            f'CREATE TABLE {quoted}."odd schema"."t.1" ("it\'s" VARCHAR(10), "sp ace" INT, "low" TEXT COMMENT \'c\')',
            f'INSERT INTO {quoted}."odd schema"."t.1" VALUES (\'a\', 1, \'b\')')
    assert db in {r["name"] for r in api.rows("SHOW DATABASES")}
    columns = api.rows(f'SHOW COLUMNS IN TABLE {quoted}."odd schema"."t.1"')
    assert [(c["database_name"], c["schema_name"], c["table_name"], c["column_name"]) for c in columns] == [
        (db, "odd schema", "t.1", "it's"), (db, "odd schema", "t.1", "sp ace"), (db, "odd schema", "t.1", "low")]
    assert json.loads(columns[0]["data_type"])["length"] == 10
    assert api.rows(f'SELECT "it\'s" AS A, "sp ace" AS B FROM {quoted}."odd schema"."t.1"') == [{"A": "a", "B": "1"}]
    assert api.rows("SELECT CURRENT_SCHEMA() AS S", database=db, schema="odd schema") == [{"S": "odd schema"}]
    api.run(f"DROP DATABASE {quoted}")
    assert db not in {r["name"] for r in api.rows("SHOW DATABASES")}


def test_primary_key_implies_not_null(api: SqlApi):
    # Source: docs, constraints-overview (a PRIMARY KEY column is NOT NULL).
    db = unique("PK")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.T (ID NUMBER, NOTE VARCHAR, PRIMARY KEY (ID))",
            f"CREATE TABLE {db}.PUBLIC.U (ID NUMBER, OTHER NUMBER)", f"ALTER TABLE {db}.PUBLIC.U ADD PRIMARY KEY (OTHER)")
    nulls = {(c["table_name"], c["column_name"]): c["null?"] for c in api.rows(f"SHOW COLUMNS IN DATABASE {db}")}
    assert nulls == {("T", "ID"): "false", ("T", "NOTE"): "true", ("U", "ID"): "true", ("U", "OTHER"): "false"}
    assert fails(api, f"INSERT INTO {db}.PUBLIC.T VALUES (NULL, 'x')").code != ""
    api.run(f"DROP DATABASE {db}")


def test_a_quoted_clustering_key_reads_back_quoted(api: SqlApi):
    # Source: Terraform provider integration tests (tables, materialized views): LINEAR("ID") vs LINEAR(ID).
    db = unique("CL")
    api.run(f"CREATE DATABASE {db}", f'CREATE TABLE {db}.PUBLIC.T (ID NUMBER, "Mixed" NUMBER, v NUMBER) CLUSTER BY ("ID", "Mixed", v)')
    assert api.rows(f"SHOW TABLES IN SCHEMA {db}.PUBLIC")[0]["cluster_by"] == 'LINEAR("ID", "Mixed", V)'
    api.run(f'ALTER TABLE {db}.PUBLIC.T CLUSTER BY (id)')
    assert api.rows(f"SHOW TABLES IN SCHEMA {db}.PUBLIC")[0]["cluster_by"] == "LINEAR(ID)"
    api.run(f"DROP DATABASE {db}")


def test_a_non_constant_default_cannot_be_added_to_a_non_empty_table(api: SqlApi):
    # Source: "Cannot add column … with non-constant default to non-empty table" (docs: ALTER TABLE … ADD COLUMN).
    db = unique("DEF")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.T (ID NUMBER)",
            f"ALTER TABLE {db}.PUBLIC.T ADD COLUMN EMPTY_OK TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP()",
            f"INSERT INTO {db}.PUBLIC.T (ID) VALUES (1)")
    failure = fails(api, f"ALTER TABLE {db}.PUBLIC.T ADD COLUMN LOADED_AT TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP()")
    assert "Cannot add column 'LOADED_AT' with non-constant default to non-empty table" in failure.message
    api.run(f"ALTER TABLE {db}.PUBLIC.T ADD COLUMN FLAG BOOLEAN DEFAULT FALSE",
            f"ALTER TABLE {db}.PUBLIC.T ADD COLUMN LABEL VARCHAR DEFAULT 'it''s'", f"ALTER TABLE {db}.PUBLIC.T ADD COLUMN N NUMBER DEFAULT -1")
    assert api.rows(f"SELECT FLAG, LABEL, N FROM {db}.PUBLIC.T") == [{"FLAG": "false", "LABEL": "it's", "N": "-1"}]
    api.run(f"DROP DATABASE {db}")


def test_desc_stage_escapes_the_quotes_of_a_format_name(api: SqlApi):
    # Source: SnowDDL's stage resolver strips `\` and `"` from DESC STAGE's FORMAT_NAME before comparing.
    db = unique("STG")
    api.run(f"CREATE DATABASE {db}", f"CREATE FILE FORMAT {db}.PUBLIC.F TYPE = JSON",
            f"CREATE STAGE {db}.PUBLIC.S FILE_FORMAT = (FORMAT_NAME = '\"{db}\".\"PUBLIC\".\"F\"')")
    rows = {r["property"]: r["property_value"] for r in api.rows(f"DESC STAGE {db}.PUBLIC.S") if r["parent_property"] == "STAGE_FILE_FORMAT"}
    assert rows["FORMAT_NAME"] == f'\\"{db}\\".\\"PUBLIC\\".\\"F\\"'
    api.run(f"DROP DATABASE {db}")
