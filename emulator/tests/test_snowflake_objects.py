"""Objects fakesnow lacks: storage integrations, warehouses, stages and file formats, as Snowflake shows them."""

from __future__ import annotations

import json
import re

import pytest

from conftest_snowflake import SqlApi, StatementFailed, api, snowflake_server, start_server, unique  # noqa: F401


def by_name(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def describe(api: SqlApi, statement: str) -> dict[str, dict]:
    return {r["property"]: r for r in api.rows(statement)}


ROLE = "arn:aws:iam::000000000000:role/snowflake-loader"


def test_storage_integration_lifecycle(api: SqlApi):
    name = unique("S3_INT")
    api.run(f"CREATE STORAGE INTEGRATION {name} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE "
            f"STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://bucket/a/', 's3://bucket/b/') "
            "COMMENT = 'it''s ours'")
    shown = by_name(api.rows("SHOW INTEGRATIONS"), "name")[name]
    assert (shown["type"], shown["category"], shown["enabled"], shown["comment"]) == (
        "EXTERNAL_STAGE", "STORAGE", "true", "it's ours")
    assert shown["created_on"] is not None

    props = describe(api, f"DESC INTEGRATION {name}")
    assert list(api.rows(f"DESC INTEGRATION {name}")[0]) == ["property", "property_type", "property_value",
                                                            "property_default"]
    assert props["ENABLED"]["property_value"] == "true"
    assert props["STORAGE_PROVIDER"]["property_value"] == "S3"
    assert props["STORAGE_ALLOWED_LOCATIONS"]["property_value"] == "s3://bucket/a/,s3://bucket/b/"
    assert props["STORAGE_BLOCKED_LOCATIONS"]["property_value"] == ""
    assert props["STORAGE_AWS_ROLE_ARN"]["property_value"] == ROLE
    assert props["STORAGE_AWS_IAM_USER_ARN"]["property_value"].startswith("arn:aws:iam::000000000000:user/")
    external_id = props["STORAGE_AWS_EXTERNAL_ID"]["property_value"]
    assert re.fullmatch(r"LOCAL_SFCRole=2_[A-Za-z0-9+/]+=", external_id)
    assert props["COMMENT"]["property_value"] == "it's ours"

    # Altering other properties keeps the external ID; the role and locations change.
    api.run(f"ALTER STORAGE INTEGRATION {name} SET STORAGE_AWS_ROLE_ARN = '{ROLE}2' "
            "STORAGE_BLOCKED_LOCATIONS = ('s3://bucket/a/secret/') ENABLED = FALSE COMMENT = 'changed'")
    props = describe(api, f"DESC STORAGE INTEGRATION {name}")
    assert props["STORAGE_AWS_EXTERNAL_ID"]["property_value"] == external_id
    assert props["STORAGE_AWS_ROLE_ARN"]["property_value"] == ROLE + "2"
    assert props["STORAGE_BLOCKED_LOCATIONS"]["property_value"] == "s3://bucket/a/secret/"
    assert props["ENABLED"]["property_value"] == "false"
    api.run(f"ALTER STORAGE INTEGRATION {name} UNSET STORAGE_BLOCKED_LOCATIONS, COMMENT")
    props = describe(api, f"DESC INTEGRATION {name}")
    assert props["STORAGE_BLOCKED_LOCATIONS"]["property_value"] == ""
    assert props["COMMENT"]["property_value"] == ""

    # A preset external ID is kept as given; OR REPLACE without one generates a new one.
    api.run(f"CREATE OR REPLACE STORAGE INTEGRATION {name} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' "
            f"ENABLED = TRUE STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://bucket/a/') "
            "STORAGE_AWS_EXTERNAL_ID = 'my-external-id'")
    assert describe(api, f"DESC INTEGRATION {name}")["STORAGE_AWS_EXTERNAL_ID"]["property_value"] == "my-external-id"
    api.run(f"CREATE OR REPLACE STORAGE INTEGRATION {name} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' "
            f"ENABLED = TRUE STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://bucket/a/')")
    assert describe(api, f"DESC INTEGRATION {name}")["STORAGE_AWS_EXTERNAL_ID"]["property_value"] not in (
        "my-external-id", external_id)

    with pytest.raises(StatementFailed) as exists:
        api.query(f"CREATE STORAGE INTEGRATION {name} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE "
                  f"STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://bucket/a/')")
    assert exists.value.code == "002002"
    api.run(f"CREATE STORAGE INTEGRATION IF NOT EXISTS {name} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' "
            f"ENABLED = TRUE STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://bucket/a/')")
    api.run(f"DROP INTEGRATION {name}")
    assert name not in by_name(api.rows("SHOW INTEGRATIONS"), "name")
    with pytest.raises(StatementFailed) as missing:
        api.query(f"DESC INTEGRATION {name}")
    assert missing.value.code == "002003"
    api.run(f"DROP INTEGRATION IF EXISTS {name}")


def test_warehouses(api: SqlApi):
    name = unique("WH")
    api.run(f"CREATE WAREHOUSE {name} WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE "
            "INITIALLY_SUSPENDED = TRUE SCALING_POLICY = 'STANDARD' MIN_CLUSTER_COUNT = 1 MAX_CLUSTER_COUNT = 2 "
            "COMMENT = 'etl'")
    row = by_name(api.rows("SHOW WAREHOUSES"), "name")[name]
    assert (row["state"], row["type"], row["size"], row["auto_suspend"], row["auto_resume"]) == (
        "SUSPENDED", "STANDARD", "X-Small", "60", "true")
    assert (row["scaling_policy"], row["min_cluster_count"], row["max_cluster_count"], row["comment"]) == (
        "STANDARD", "1", "2", "etl")

    api.run(f"ALTER WAREHOUSE {name} SET WAREHOUSE_SIZE = 'LARGE' AUTO_RESUME = FALSE COMMENT = 'bigger'",
            f"ALTER WAREHOUSE {name} RESUME")
    row = by_name(api.rows(f"SHOW WAREHOUSES LIKE '{name}'"), "name")[name]
    assert (row["size"], row["auto_resume"], row["comment"], row["state"]) == ("Large", "false", "bigger", "STARTED")
    assert api.rows(f"USE WAREHOUSE {name}")
    answer = api.multi(f"USE WAREHOUSE {name}; SELECT CURRENT_WAREHOUSE() AS W", 2)
    assert api.get(f"/api/v2/statements/{answer['statementHandles'][1]}").json()["data"] == [[name]]
    api.run(f"DROP WAREHOUSE {name}")
    assert name not in by_name(api.rows("SHOW WAREHOUSES"), "name")
    with pytest.raises(StatementFailed):
        api.query(f"USE WAREHOUSE {name}")


def test_file_formats(api: SqlApi):
    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.RAW")
    api.run(f"CREATE FILE FORMAT {db}.RAW.JSON_GZ TYPE = JSON COMPRESSION = 'gzip' STRIP_OUTER_ARRAY = TRUE "
            "COMMENT = 'json files'",
            f"CREATE FILE FORMAT {db}.RAW.CSV_H TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' "
            "NULL_IF = ('', 'NULL')")
    formats = by_name(api.rows("SHOW FILE FORMATS IN ACCOUNT"), "database_name", "schema_name", "name")
    json_format = formats[(db, "RAW", "JSON_GZ")]
    assert (json_format["type"], json_format["comment"]) == ("JSON", "json files")
    options = json.loads(json_format["format_options"])
    assert options["TYPE"] == "JSON" and options["COMPRESSION"] == "GZIP" and options["STRIP_OUTER_ARRAY"] is True
    assert options["NULL_IF"] == []
    csv_options = json.loads(formats[(db, "RAW", "CSV_H")]["format_options"])
    assert csv_options["SKIP_HEADER"] == 1 and csv_options["FIELD_OPTIONALLY_ENCLOSED_BY"] == '"'
    assert csv_options["NULL_IF"] == ["", "NULL"] and csv_options["FIELD_DELIMITER"] == ","

    props = describe(api, f"DESC FILE FORMAT {db}.RAW.CSV_H")
    assert props["SKIP_HEADER"]["property_value"] == "1"
    assert props["SKIP_HEADER"]["property_type"] == "Integer"
    assert props["TYPE"]["property_value"] == "CSV"

    api.run(f"ALTER FILE FORMAT {db}.RAW.JSON_GZ SET STRIP_OUTER_ARRAY = FALSE COMMENT = 'changed'")
    row = by_name(api.rows(f"SHOW FILE FORMATS IN SCHEMA {db}.RAW"), "name")["JSON_GZ"]
    assert json.loads(row["format_options"])["STRIP_OUTER_ARRAY"] is False and row["comment"] == "changed"
    api.run(f"DROP FILE FORMAT {db}.RAW.CSV_H")
    assert "CSV_H" not in by_name(api.rows(f"SHOW FILE FORMATS IN DATABASE {db}"), "name")


def test_stages(api: SqlApi):
    db, integration = unique("DB"), unique("INT")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.RAW",
            f"CREATE FILE FORMAT {db}.RAW.FF TYPE = JSON",
            f"CREATE STORAGE INTEGRATION {integration} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE "
            f"STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://bucket/events/')")
    api.run(f"CREATE STAGE {db}.RAW.EVENTS URL = 's3://bucket/events/' STORAGE_INTEGRATION = {integration} "
            f"FILE_FORMAT = (FORMAT_NAME = '{db}.RAW.FF') COMMENT = 'events'",
            f"CREATE STAGE {db}.RAW.UPLOADS FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)")
    stages = by_name(api.rows("SHOW STAGES IN ACCOUNT"), "database_name", "schema_name", "name")
    events = stages[(db, "RAW", "EVENTS")]
    assert (events["url"], events["type"], events["storage_integration"], events["comment"], events["cloud"]) == (
        "s3://bucket/events/", "EXTERNAL", integration, "events", "AWS")
    assert events["has_credentials"] == "N"
    assert stages[(db, "RAW", "UPLOADS")]["type"] == "INTERNAL"
    assert stages[(db, "RAW", "UPLOADS")]["url"] == ""

    props = {(r["parent_property"], r["property"]): r for r in api.rows(f"DESC STAGE {db}.RAW.EVENTS")}
    assert props[("STAGE_FILE_FORMAT", "FORMAT_NAME")]["property_value"] == f"{db}.RAW.FF"
    assert props[("STAGE_LOCATION", "URL")]["property_value"] == '["s3://bucket/events/"]'
    assert props[("STAGE_INTEGRATION", "STORAGE_INTEGRATION")]["property_value"] == integration
    assert props[("STAGE_COPY_OPTIONS", "ON_ERROR")]["property_value"] == "ABORT_STATEMENT"
    internal = {(r["parent_property"], r["property"]): r for r in api.rows(f"DESC STAGE {db}.RAW.UPLOADS")}
    assert internal[("STAGE_FILE_FORMAT", "TYPE")]["property_value"] == "CSV"
    assert internal[("STAGE_FILE_FORMAT", "SKIP_HEADER")]["property_value"] == "1"

    # Locations outside the integration's allowed ones are refused, at creation as at use.
    with pytest.raises(StatementFailed) as refused:
        api.query(f"CREATE STAGE {db}.RAW.OTHER URL = 's3://bucket/other/' STORAGE_INTEGRATION = {integration}")
    assert "not allowed by integration" in refused.value.message
    with pytest.raises(StatementFailed) as missing_format:
        api.query(f"CREATE STAGE {db}.RAW.X URL = 's3://bucket/events/x/' STORAGE_INTEGRATION = {integration} "
                  f"FILE_FORMAT = (FORMAT_NAME = '{db}.RAW.NOPE')")
    assert missing_format.value.code == "002003"

    api.run(f"ALTER STAGE {db}.RAW.EVENTS SET URL = 's3://bucket/events/v2/' COMMENT = 'v2'")
    events = by_name(api.rows(f"SHOW STAGES IN SCHEMA {db}.RAW"), "name")["EVENTS"]
    assert (events["url"], events["comment"]) == ("s3://bucket/events/v2/", "v2")
    api.run(f"DROP STAGE {db}.RAW.UPLOADS")
    assert "UPLOADS" not in by_name(api.rows(f"SHOW STAGES IN DATABASE {db}"), "name")
    api.run(f"DROP DATABASE {db}")
    assert not [r for r in api.rows("SHOW STAGES IN ACCOUNT") if r["database_name"] == db]


def test_account_objects_survive_restart(tmp_path):
    server = start_server(str(tmp_path))
    try:
        api = server.api()
        api.run("CREATE DATABASE D", "CREATE SCHEMA D.S", "CREATE FILE FORMAT D.S.F TYPE = PARQUET",
                f"CREATE STORAGE INTEGRATION I TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE "
                f"STORAGE_AWS_ROLE_ARN = '{ROLE}' STORAGE_ALLOWED_LOCATIONS = ('s3://b/')",
                "CREATE STAGE D.S.ST URL = 's3://b/x/' STORAGE_INTEGRATION = I", "CREATE WAREHOUSE W")
        external_id = describe(api, "DESC INTEGRATION I")["STORAGE_AWS_EXTERNAL_ID"]["property_value"]
    finally:
        server.stop()
    restarted = start_server(str(tmp_path))
    try:
        api = restarted.api()
        assert describe(api, "DESC INTEGRATION I")["STORAGE_AWS_EXTERNAL_ID"]["property_value"] == external_id
        assert by_name(api.rows("SHOW STAGES IN ACCOUNT"), "name")["ST"]["storage_integration"] == "I"
        assert by_name(api.rows("SHOW FILE FORMATS IN ACCOUNT"), "name")["F"]["type"] == "PARQUET"
        assert "W" in by_name(api.rows("SHOW WAREHOUSES"), "name")
    finally:
        restarted.stop()
