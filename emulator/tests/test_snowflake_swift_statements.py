"""The statements infra's Snowflake kinds send, as they write them: every name double-quoted, string
literals with backslash escapes, reads as SHOW ... IN ACCOUNT plus a multi-statement batch of DESCs."""

from __future__ import annotations

import json

from conftest_snowflake import MotoAws, SqlApi, api, moto_aws, parquet, snowflake_server, unique  # noqa: F401


def batch(api: SqlApi, statements: list[str]) -> list[list[dict]]:
    """What the Swift SQLRunner's queryBatch does: one request, then each child handle's rows."""
    answer = api.multi(";\n".join(statements), str(len(statements)))
    # With one statement (count 1) Snowflake answers that statement's own result, without statementHandles.
    children = [api.get(f"/api/v2/statements/{h}").json() for h in answer["statementHandles"]] \
        if "statementHandles" in answer else [answer]
    results = []
    for child in children:
        names = [c["name"] for c in child["resultSetMetaData"]["rowType"]]
        results.append([dict(zip(names, row)) for row in child["data"]])
    return results


def test_a_stack_as_infra_sends_it(api: SqlApi, moto_aws: MotoAws):
    db = unique("APP")
    bucket = f"stack-{db.lower().replace('_', '-')}"
    s3 = moto_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    integration = f"{db}_S3"
    role_arn = f"arn:aws:iam::000000000000:role/{db.lower()}-loader"
    create = [
        f"CREATE DATABASE \"{db}\" COMMENT = 'it\\'s the app'",
        f"CREATE SCHEMA \"{db}\".\"RAW\" DATA_RETENTION_TIME_IN_DAYS = 1 COMMENT = 'raw'",
        f"CREATE STORAGE INTEGRATION \"{integration}\" TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE "
        f"STORAGE_AWS_ROLE_ARN = '{role_arn}' STORAGE_ALLOWED_LOCATIONS = ('s3://{bucket}/data/')",
        f"CREATE FILE FORMAT \"{db}\".\"RAW\".\"JSON_GZIP\" TYPE = JSON COMPRESSION = 'GZIP' "
        "STRIP_OUTER_ARRAY = FALSE NULL_IF = ('') COMMENT = 'json'",
        f"CREATE FILE FORMAT \"{db}\".\"RAW\".\"PQ\" TYPE = PARQUET",
        f"CREATE STAGE \"{db}\".\"RAW\".\"LANDING\" URL = 's3://{bucket}/data/' STORAGE_INTEGRATION = \"{integration}\" "
        f"FILE_FORMAT = (FORMAT_NAME = '\"{db}\".\"RAW\".\"JSON_GZIP\"') COMMENT = 'landing'",
        f"CREATE TABLE \"{db}\".\"RAW\".\"EVENTS\" (\"ID\" NUMBER(38,0) NOT NULL COMMENT 'the id', \"PAYLOAD\" VARIANT, "
        "\"KIND\" VARCHAR(16) DEFAULT 'none', PRIMARY KEY (\"ID\")) CLUSTER BY (\"ID\") COMMENT = 'events'",
        "CREATE WAREHOUSE \"LOAD_WH_" + db + "\" WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE "
        "SCALING_POLICY = 'STANDARD' MIN_CLUSTER_COUNT = 1 MAX_CLUSTER_COUNT = 1 COMMENT = '' INITIALLY_SUSPENDED = TRUE",
        f"CREATE PIPE \"{db}\".\"RAW\".\"EVENTS_PIPE\" AUTO_INGEST = TRUE COMMENT = 'pipe' AS COPY INTO "
        f"\"{db}\".\"RAW\".\"EVENTS\" FROM @\"{db}\".\"RAW\".\"LANDING\"/events/ FILE_FORMAT = (FORMAT_NAME = "
        f"'\"{db}\".\"RAW\".\"JSON_GZIP\"') MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE ON_ERROR = SKIP_FILE",
    ]
    for statement in create:
        api.query(statement)

    props = {r["property"]: r["property_value"] for r in batch(api, [f"DESC STORAGE INTEGRATION \"{integration}\""])[0]}
    iam = moto_aws.client("iam")
    iam.create_role(RoleName=f"{db.lower()}-loader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": props["STORAGE_AWS_IAM_USER_ARN"]},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"sts:ExternalId": props["STORAGE_AWS_EXTERNAL_ID"]}}}]}))
    iam.put_role_policy(RoleName=f"{db.lower()}-loader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                                                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    s3.put_object(Bucket=bucket, Key="data/reviews/a.parquet", Body=parquet([{"review_id": 9}]))
    api.query(f"CREATE EXTERNAL TABLE \"{db}\".\"RAW\".\"REVIEWS\" (\"REVIEW_ID\" NUMBER(38,0) AS "
              f"(value:\"review_id\"::NUMBER(38,0))) LOCATION = @\"{db}\".\"RAW\".\"LANDING\"/reviews/ "
              f"AUTO_REFRESH = TRUE FILE_FORMAT = (FORMAT_NAME = '\"{db}\".\"RAW\".\"PQ\"') COMMENT = 'reviews'")

    # The reads each kind makes.
    databases = {r["name"]: r for r in api.rows("SHOW DATABASES")}
    assert databases[db]["comment"] == "it's the app"
    schemas = {(r["database_name"], r["name"]): r for r in api.rows("SHOW SCHEMAS IN ACCOUNT")}
    assert schemas[(db, "RAW")]["retention_time"] == "1"
    tables = {(r["database_name"], r["schema_name"], r["name"]): r for r in api.rows("SHOW TABLES IN ACCOUNT")}
    # infra quotes its clustering keys, and a quoted key reads back quoted (the Terraform provider's tests).
    assert tables[(db, "RAW", "EVENTS")]["cluster_by"] == 'LINEAR("ID")'
    table_desc, stage_desc, external_desc = batch(api, [
        f"DESC TABLE \"{db}\".\"RAW\".\"EVENTS\"", f"DESC STAGE \"{db}\".\"RAW\".\"LANDING\"",
        f"DESC EXTERNAL TABLE \"{db}\".\"RAW\".\"REVIEWS\""])
    columns = {c["name"]: c for c in table_desc}
    assert columns["ID"]["primary key"] == "Y" and columns["ID"]["null?"] == "N" and columns["ID"]["comment"] == "the id"
    assert columns["KIND"]["type"] == "VARCHAR(16)" and columns["KIND"]["default"] == "'none'"
    assert {(r["parent_property"], r["property"]): r["property_value"] for r in stage_desc}[
        ("STAGE_FILE_FORMAT", "FORMAT_NAME")] == f"\\\"{db}\\\".\\\"RAW\\\".\\\"JSON_GZIP\\\"", "quotes escaped, as Snowflake shows them"
    assert [c["name"] for c in external_desc if c["kind"] == "VIRTUAL"] == ["REVIEW_ID"]
    stages = {(r["database_name"], r["name"]): r for r in api.rows("SHOW STAGES IN ACCOUNT")}
    assert stages[(db, "LANDING")]["storage_integration"] == integration
    formats = {(r["database_name"], r["name"]): r for r in api.rows("SHOW FILE FORMATS IN ACCOUNT")}
    assert json.loads(formats[(db, "JSON_GZIP")]["format_options"])["NULL_IF"] == [""]
    pipes = {(r["database_name"], r["name"]): r for r in api.rows("SHOW PIPES IN ACCOUNT")}
    assert pipes[(db, "EVENTS_PIPE")]["definition"].startswith(f"COPY INTO \"{db}\".\"RAW\".\"EVENTS\"")
    externals = {(r["database_name"], r["name"]): r for r in api.rows("SHOW EXTERNAL TABLES IN ACCOUNT")}
    assert externals[(db, "REVIEWS")]["file_format_name"] == f"\"{db}\".\"RAW\".\"PQ\""
    assert api.rows(f"SELECT \"REVIEW_ID\" FROM \"{db}\".\"RAW\".\"REVIEWS\"") == [{"REVIEW_ID": "9"}]
    warehouses = {r["name"]: r for r in api.rows("SHOW WAREHOUSES")}
    assert warehouses["LOAD_WH_" + db]["size"] == "X-Small"

    # Updates, in the batch form the kinds use.
    batch(api, [
        f"ALTER TABLE \"{db}\".\"RAW\".\"EVENTS\" ALTER COLUMN \"ID\" COMMENT 'new id'",
        f"ALTER TABLE \"{db}\".\"RAW\".\"EVENTS\" ADD COLUMN \"SOURCE\" VARCHAR(16777216) COMMENT 'where from'",
        f"ALTER TABLE \"{db}\".\"RAW\".\"EVENTS\" SET COMMENT = 'events\\\\raw'",
    ])
    columns = {c["name"]: c for c in api.rows(f"DESC TABLE \"{db}\".\"RAW\".\"EVENTS\"")}
    assert columns["ID"]["comment"] == "new id" and columns["SOURCE"]["comment"] == "where from"
    assert {r["name"]: r for r in api.rows(f"SHOW TABLES IN SCHEMA \"{db}\".\"RAW\"")}["EVENTS"]["comment"] == \
        "events\\raw"
    for statement in [
        f"ALTER STORAGE INTEGRATION \"{integration}\" SET COMMENT = 'x'",
        f"ALTER DATABASE \"{db}\" SET COMMENT = 'y'",
        f"ALTER WAREHOUSE \"LOAD_WH_{db}\" SET WAREHOUSE_SIZE = 'SMALL'",
        f"ALTER STAGE \"{db}\".\"RAW\".\"LANDING\" SET COMMENT = 'n'",
        f"ALTER FILE FORMAT \"{db}\".\"RAW\".\"JSON_GZIP\" SET COMPRESSION = 'AUTO'",
        f"ALTER PIPE \"{db}\".\"RAW\".\"EVENTS_PIPE\" SET COMMENT = 'p2'",
        f"COMMENT ON TABLE \"{db}\".\"RAW\".\"REVIEWS\" IS 'r2'",
        f"ALTER SCHEMA \"{db}\".\"RAW\" SET DATA_RETENTION_TIME_IN_DAYS = 2",
    ]:
        api.query(statement)

    # Deletes, children first, each IF EXISTS.
    for statement in [
        f"DROP EXTERNAL TABLE IF EXISTS \"{db}\".\"RAW\".\"REVIEWS\"",
        f"DROP PIPE IF EXISTS \"{db}\".\"RAW\".\"EVENTS_PIPE\"",
        f"DROP STAGE IF EXISTS \"{db}\".\"RAW\".\"LANDING\"",
        f"DROP FILE FORMAT IF EXISTS \"{db}\".\"RAW\".\"JSON_GZIP\"",
        f"DROP TABLE IF EXISTS \"{db}\".\"RAW\".\"EVENTS\"",
        f"DROP WAREHOUSE IF EXISTS \"LOAD_WH_{db}\"",
        f"DROP STORAGE INTEGRATION IF EXISTS \"{integration}\"",
        f"DROP SCHEMA IF EXISTS \"{db}\".\"RAW\"",
        f"DROP DATABASE IF EXISTS \"{db}\"",
    ]:
        api.query(statement)
    assert db not in {r["name"] for r in api.rows("SHOW DATABASES")}
    assert integration not in {r["name"] for r in api.rows("SHOW INTEGRATIONS")}
