"""Pipes (notification channel on a real SQS queue, REFRESH loading) and external tables over S3 stages."""

from __future__ import annotations

import re
import time

import pytest

from conftest_snowflake import (  # noqa: F401
    MotoAws,
    SqlApi,
    StageSetup,
    StatementFailed,
    api,
    moto_aws,
    ndjson,
    parquet,
    snowflake_server,
)


def test_pipe_lifecycle(api: SqlApi, moto_aws: MotoAws):
    setup = StageSetup(api, moto_aws)
    table = setup.table("EVENTS", "V VARIANT")
    copy = (f"COPY INTO {table} FROM @{setup.db}.RAW.LANDING/events/ FILE_FORMAT = (TYPE = JSON) "
            "PATTERN = '.*[.]json'")
    api.run(f"CREATE PIPE {setup.db}.RAW.EVENTS_PIPE AUTO_INGEST = TRUE COMMENT = 'events' AS {copy}")
    pipes = {(r["database_name"], r["name"]): r for r in api.rows("SHOW PIPES IN ACCOUNT")}
    pipe = pipes[(setup.db, "EVENTS_PIPE")]
    assert pipe["definition"] == copy
    assert pipe["comment"] == "events"
    assert pipe["pattern"] == ".*[.]json"
    assert re.fullmatch(r"arn:aws:sqs:us-east-1:000000000000:sf-snowpipe-AIDA[A-Z0-9]+-[A-Za-z0-9]+",
                        pipe["notification_channel"])
    # The queue exists in the local AWS, so S3 notifications can be pointed at it.
    sqs = moto_aws.client("sqs")
    queue_name = pipe["notification_channel"].rsplit(":", 1)[1]
    assert sqs.get_queue_url(QueueName=queue_name)["QueueUrl"].endswith(queue_name)
    assert [r["name"] for r in api.rows(f"SHOW PIPES IN DATABASE {setup.db}")] == ["EVENTS_PIPE"]
    assert api.rows(f"DESC PIPE {setup.db}.RAW.EVENTS_PIPE")[0]["notification_channel"] == pipe["notification_channel"]

    api.run(f"ALTER PIPE {setup.db}.RAW.EVENTS_PIPE SET COMMENT = 'changed'")
    assert api.rows(f"SHOW PIPES LIKE 'EVENTS_PIPE' IN SCHEMA {setup.db}.RAW")[0]["comment"] == "changed"

    # REFRESH runs the pipe's COPY over files not loaded yet.
    setup.put("events/a.json", ndjson([{"n": 1}, {"n": 2}]))
    setup.put("events/skip.txt", b"not json")
    assert api.rows(f"ALTER PIPE {setup.db}.RAW.EVENTS_PIPE REFRESH") == [
        {"File": f"s3://{setup.bucket}/data/events/a.json", "Status": "SENT"}]
    assert api.rows(f"ALTER PIPE {setup.db}.RAW.EVENTS_PIPE REFRESH") == []
    assert api.rows(f"SELECT COUNT(*) AS N FROM {table}") == [{"N": "2"}]

    api.run(f"DROP PIPE {setup.db}.RAW.EVENTS_PIPE")
    assert (setup.db, "EVENTS_PIPE") not in {(r["database_name"], r["name"]) for r in api.rows("SHOW PIPES")}
    with pytest.raises(StatementFailed) as missing:
        api.query(f"DROP PIPE {setup.db}.RAW.EVENTS_PIPE")
    assert missing.value.code == "002003"
    api.run(f"DROP PIPE IF EXISTS {setup.db}.RAW.EVENTS_PIPE")


def test_pipe_definition_is_checked(api: SqlApi, moto_aws: MotoAws):
    setup = StageSetup(api, moto_aws)
    with pytest.raises(StatementFailed) as no_table:
        api.query(f"CREATE PIPE {setup.db}.RAW.P AUTO_INGEST = TRUE AS COPY INTO {setup.db}.RAW.NOPE "
                  f"FROM @{setup.db}.RAW.LANDING")
    assert no_table.value.code == "002003"
    table = setup.table("T", "V VARIANT")
    with pytest.raises(StatementFailed) as no_stage:
        api.query(f"CREATE PIPE {setup.db}.RAW.P AS COPY INTO {table} FROM @{setup.db}.RAW.NO_STAGE")
    assert no_stage.value.code == "002003"
    # Unqualified names in the COPY resolve in the pipe's schema.
    api.run(f"CREATE PIPE {setup.db}.RAW.P AUTO_INGEST = FALSE AS COPY INTO T FROM @LANDING")
    assert api.rows(f"SHOW PIPES IN SCHEMA {setup.db}.RAW")[0]["notification_channel"] is None


def test_external_table(api: SqlApi, moto_aws: MotoAws):
    setup = StageSetup(api, moto_aws)
    api.run(f"CREATE FILE FORMAT {setup.db}.RAW.PQ TYPE = PARQUET")
    setup.put("reviews/2024/a.parquet", parquet([{"review_id": 1, "stars": 5, "text": "great"},
                                                  {"review_id": 2, "stars": 2, "text": "meh"}]))
    api.run(
        f"CREATE EXTERNAL TABLE {setup.db}.RAW.REVIEWS (REVIEW_ID NUMBER(38,0) AS (value:\"review_id\"::NUMBER(38,0)), "
        "STARS NUMBER(38,0) AS (value:\"stars\"::NUMBER(38,0)), BODY VARCHAR(16777216) AS "
        "(value:\"text\"::VARCHAR(16777216))) "
        f"LOCATION = @{setup.db}.RAW.LANDING/reviews/ AUTO_REFRESH = TRUE "
        f"FILE_FORMAT = (FORMAT_NAME = '{setup.db}.RAW.PQ') COMMENT = 'reviews'"
    )
    # Clauses follow the documented order (LOCATION, REFRESH_ON_CREATE, AUTO_REFRESH, PATTERN, FILE_FORMAT).
    with pytest.raises(StatementFailed) as misordered:
        api.query(f"CREATE EXTERNAL TABLE {setup.db}.RAW.LATE (A VARCHAR AS (value:\"a\"::VARCHAR)) "
                  f"LOCATION = @{setup.db}.RAW.LANDING/reviews/ PATTERN = '.*' AUTO_REFRESH = FALSE "
                  f"FILE_FORMAT = (FORMAT_NAME = '{setup.db}.RAW.PQ')")
    assert misordered.value.code == "001003"
    assert api.rows(f"SELECT REVIEW_ID, STARS, BODY FROM {setup.db}.RAW.REVIEWS ORDER BY REVIEW_ID") == [
        {"REVIEW_ID": "1", "STARS": "5", "BODY": "great"}, {"REVIEW_ID": "2", "STARS": "2", "BODY": "meh"}]
    assert api.rows(f"SELECT VALUE:text::STRING AS T FROM {setup.db}.RAW.REVIEWS WHERE REVIEW_ID = 1") == [
        {"T": "great"}]

    shown = {r["name"]: r for r in api.rows("SHOW EXTERNAL TABLES IN ACCOUNT") if r["database_name"] == setup.db}
    reviews = shown["REVIEWS"]
    assert reviews["file_format_name"] == f"{setup.db}.RAW.PQ"
    assert reviews["file_format_type"] == "PARQUET"
    assert reviews["location"] == f"s3://{setup.bucket}/data/reviews/"
    assert reviews["comment"] == "reviews"
    assert reviews["notification_channel"].startswith("arn:aws:sqs:us-east-1:000000000000:sf-snowpipe-")
    # An external table is not a table.
    assert "REVIEWS" not in {r["name"] for r in api.rows(f"SHOW TABLES IN DATABASE {setup.db}")}

    columns = api.rows(f"DESC EXTERNAL TABLE {setup.db}.RAW.REVIEWS")
    assert [(c["name"], c["kind"]) for c in columns] == [("VALUE", "COLUMN"), ("REVIEW_ID", "VIRTUAL"),
                                                          ("STARS", "VIRTUAL"), ("BODY", "VIRTUAL")]
    # Snowflake shows its own rewriting of the expression, not the text written.
    assert columns[1]["expression"] == "CAST(GET(VALUE, 'review_id') AS NUMBER(38,0))"
    assert columns[1]["type"] == "NUMBER(38,0)"

    # New files show up in the next query (auto refresh), and on an explicit REFRESH.
    setup.put("reviews/2024/b.parquet", parquet([{"review_id": 3, "stars": 4, "text": "good"}]))
    assert api.rows(f"SELECT COUNT(*) AS N FROM {setup.db}.RAW.REVIEWS") == [{"N": "3"}]
    setup.put("reviews/2024/c.parquet", parquet([{"review_id": 4, "stars": 1, "text": "bad"}]))
    refreshed = api.rows(f"ALTER EXTERNAL TABLE {setup.db}.RAW.REVIEWS REFRESH")
    assert [(r["file"].rsplit("/", 1)[-1], r["status"]) for r in refreshed] == [("c.parquet", "REGISTERED_NEW")]

    # ALTER EXTERNAL TABLE sets only AUTO_REFRESH (and tags); a comment goes through COMMENT ON.
    with pytest.raises(StatementFailed) as set_comment:
        api.query(f"ALTER EXTERNAL TABLE {setup.db}.RAW.REVIEWS SET COMMENT = 'changed'")
    assert set_comment.value.code == "001003"
    api.run(f"COMMENT ON TABLE {setup.db}.RAW.REVIEWS IS 'changed'")
    assert [r for r in api.rows(f"SHOW EXTERNAL TABLES IN SCHEMA {setup.db}.RAW")][0]["comment"] == "changed"
    api.run(f"DROP EXTERNAL TABLE {setup.db}.RAW.REVIEWS")
    assert not api.rows(f"SHOW EXTERNAL TABLES IN DATABASE {setup.db}")
    with pytest.raises(StatementFailed):
        api.query(f"SELECT * FROM {setup.db}.RAW.REVIEWS")


def test_auto_ingest_from_s3_notifications(api: SqlApi, moto_aws: MotoAws):
    setup = StageSetup(api, moto_aws)
    table = setup.table("AUTO", "V VARIANT")
    api.run(f"CREATE PIPE {setup.db}.RAW.AUTO_PIPE AUTO_INGEST = TRUE AS COPY INTO {table} "
            f"FROM @{setup.db}.RAW.LANDING/auto/ FILE_FORMAT = (TYPE = JSON)")
    channel = api.rows(f"SHOW PIPES LIKE 'AUTO_PIPE' IN SCHEMA {setup.db}.RAW")[0]["notification_channel"]
    setup.s3.put_bucket_notification_configuration(Bucket=setup.bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": channel, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "data/auto/"}]}}}]})
    setup.put("auto/one.json", ndjson([{"n": 1}, {"n": 2}]))
    setup.put("elsewhere/two.json", ndjson([{"n": 3}]))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if api.rows(f"SELECT COUNT(*) AS N FROM {table}") == [{"N": "2"}]:
            break
        time.sleep(0.3)
    assert api.rows(f"SELECT V:n::INT AS N FROM {table} ORDER BY 1") == [{"N": "1"}, {"N": "2"}]
