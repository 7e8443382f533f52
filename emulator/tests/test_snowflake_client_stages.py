"""PUT and GET through snowflake-connector-python: named internal stages, table stages (@%t) and the user stage (@~)."""

from __future__ import annotations

import gzip

import pytest
import snowflake.connector
from conftest_snowflake import SqlApi, StatementFailed, api, snowflake_server, unique  # noqa: F401


@pytest.fixture(scope="module")
def stage_db(api: SqlApi) -> str:
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE STAGE {db}.PUBLIC.FILES", f"CREATE TABLE {db}.PUBLIC.EVENTS (A INT, B STRING)")
    return db


@pytest.mark.parametrize("reference", ["@{db}.PUBLIC.FILES", "@{db}.PUBLIC.%EVENTS", "@~"], ids=["named", "table", "user"])
def test_put_list_get_remove(snowflake_server, api: SqlApi, stage_db: str, reference: str, tmp_path):
    stage = reference.format(db=stage_db)
    prefix = "files/" if "FILES" in stage else ""  # LIST names a named stage's files after it
    source = tmp_path / "rows.csv"
    source.write_text("1,one\n2,two\n")
    (tmp_path / "more.csv").write_text("3,three\n")
    with snowflake_server.connect() as conn:
        cursor = conn.cursor(snowflake.connector.DictCursor)
        put = cursor.execute(f"PUT file://{source} {stage}/in/ PARALLEL = 2").fetchall()
        assert [(r["source"], r["target"], r["status"]) for r in put] == [("rows.csv", "rows.csv.gz", "UPLOADED")]
        put = cursor.execute(f"PUT 'file://{tmp_path}/more*' {stage}/raw/ AUTO_COMPRESS = FALSE").fetchall()
        assert [(r["target"], r["status"]) for r in put] == [("more.csv", "UPLOADED")]

        # OVERWRITE = FALSE (the default) keeps what the stage holds; TRUE replaces it.
        source.write_text("changed\n")
        cursor.execute(f"PUT file://{source} {stage}/raw/ AUTO_COMPRESS = FALSE")
        cursor.execute(f"PUT file://{source} {stage}/in/ OVERWRITE = FALSE")
        listed = cursor.execute(f"LIST {stage}").fetchall()
        assert sorted(r["name"] for r in listed) == [f"{prefix}in/rows.csv.gz", f"{prefix}raw/more.csv",
                                                     f"{prefix}raw/rows.csv"]
        assert {r["name"]: r["size"] for r in listed}[f"{prefix}raw/rows.csv"] == len("changed\n")
        cursor.execute(f"PUT file://{source} {stage}/raw/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
        source.write_text("again\n")
        cursor.execute(f"PUT file://{source} {stage}/raw/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE")

        target = tmp_path / "down"
        got = cursor.execute(f"GET {stage}/raw/ file://{target}/ PARALLEL = 3 PATTERN = '.*rows.*'").fetchall()
        assert [(r["file"], r["status"]) for r in got] == [("rows.csv", "DOWNLOADED")]
        assert (target / "rows.csv").read_text() == "again\n"
        cursor.execute(f"GET '{stage}/in/' 'file://{target}/'")  # quoted, as the Snowflake CLI sends them
        assert gzip.decompress((target / "rows.csv.gz").read_bytes()) == b"1,one\n2,two\n"

        removed = cursor.execute(f"REMOVE {stage}/raw/ PATTERN = '.*more.*'").fetchall()
        assert [(r["name"], r["result"]) for r in removed] == [(f"{prefix}raw/more.csv", "removed")]
        assert sorted(r["name"] for r in cursor.execute(f"LS {stage}").fetchall()) == [
            f"{prefix}in/rows.csv.gz", f"{prefix}raw/rows.csv"]
        cursor.execute(f"RM {stage}")
        assert cursor.execute(f"LIST '{stage}'").fetchall() == []


def test_a_table_stage_loads_its_table(snowflake_server, api: SqlApi, stage_db: str, tmp_path):
    source = tmp_path / "load.csv"
    source.write_text("7,seven\n")
    with snowflake_server.connect(database=stage_db, schema="PUBLIC") as conn:
        conn.cursor().execute(f"PUT file://{source} @%EVENTS")
        loaded = conn.cursor().execute("COPY INTO EVENTS FROM @%EVENTS").fetchall()
        assert loaded[0][1] == "LOADED"
    assert api.rows(f"SELECT B FROM {stage_db}.PUBLIC.EVENTS WHERE A = 7") == [{"B": "seven"}]
    assert [r["name"] for r in api.rows(f"LIST @{stage_db}.PUBLIC.%EVENTS")] == ["load.csv.gz"]
    # The stage goes with its table: a table made again under the name starts with an empty one.
    api.run(f"CREATE OR REPLACE TABLE {stage_db}.PUBLIC.EVENTS (A INT, B STRING)")
    assert api.rows(f"LIST @{stage_db}.PUBLIC.%EVENTS") == []


def test_stage_errors(snowflake_server, api: SqlApi, stage_db: str, tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("1\n")
    with snowflake_server.connect() as conn:
        cursor = conn.cursor()
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as missing:
            cursor.execute(f"PUT file://{source} @{stage_db}.PUBLIC.%NO_SUCH_TABLE")
        assert missing.value.errno == 2003
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as option:
            cursor.execute(f"PUT file://{source} @{stage_db}.PUBLIC.FILES COMPRESS = TRUE")
        assert option.value.errno == 2029
    with pytest.raises(StatementFailed) as through_api:
        api.rows(f"GET @{stage_db}.PUBLIC.FILES file:///tmp/")
    assert through_api.value.code == "002031"
