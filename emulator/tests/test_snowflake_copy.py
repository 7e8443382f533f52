"""LIST and COPY INTO through an S3 stage and storage integration, on a local AWS with IAM enforced.

Covers the trust chain (allowed/blocked locations, the role's trust policy: principal and sts:ExternalId,
the role's permission policy), the formats (JSON, CSV, PARQUET, gzip), ON_ERROR, transforms, and load
metadata (a file is loaded once unless FORCE).
"""

from __future__ import annotations

import pytest

from conftest_snowflake import (  # noqa: F401
    MotoAws,
    SqlApi,
    StageSetup as Setup,
    StatementFailed,
    api,
    moto_aws,
    ndjson,
    parquet,
    snowflake_server,
    unique,
)


def test_list_and_copy_json_once(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws)
    setup.put("events/2024/a.json.gz", ndjson([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], compress=True))
    setup.put("events/2024/b.json", ndjson([{"id": 3, "name": "c"}]))
    setup.put("other/c.json", ndjson([{"id": 4}]))

    listed = api.rows(f"LIST @{setup.db}.RAW.LANDING/events/")
    assert sorted(r["name"] for r in listed) == [f"s3://{setup.bucket}/data/events/2024/a.json.gz",
                                                 f"s3://{setup.bucket}/data/events/2024/b.json"]
    assert list(listed[0]) == ["name", "size", "md5", "last_modified"]
    assert all(int(r["size"]) > 0 and len(r["md5"]) == 32 and r["last_modified"].endswith("GMT") for r in listed)
    assert len(api.rows(f"LIST @{setup.db}.RAW.LANDING PATTERN = '.*[.]gz'")) == 1

    table = setup.table("EVENTS", "V VARIANT")
    copy = f"COPY INTO {table} FROM @{setup.db}.RAW.LANDING/events/ FILE_FORMAT = (TYPE = JSON)"
    rows = api.rows(copy)
    assert list(rows[0]) == ["file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen",
                             "first_error", "first_error_line", "first_error_character", "first_error_column_name"]
    assert sorted((r["file"], r["status"], r["rows_parsed"], r["rows_loaded"]) for r in rows) == [
        (f"s3://{setup.bucket}/data/events/2024/a.json.gz", "LOADED", "2", "2"),
        (f"s3://{setup.bucket}/data/events/2024/b.json", "LOADED", "1", "1"),
    ]
    assert api.rows(f"SELECT V:id::INT AS ID FROM {table} ORDER BY 1") == [{"ID": "1"}, {"ID": "2"}, {"ID": "3"}]

    # Loaded files are not loaded again; a new file is; FORCE reloads everything.
    assert api.rows(copy) == [{"status": "Copy executed with 0 files processed."}]
    setup.put("events/2024/d.json", ndjson([{"id": 5}]))
    assert [(r["file"].rsplit("/", 1)[-1], r["status"]) for r in api.rows(copy)] == [("d.json", "LOADED")]
    assert len(api.rows(f"{copy} FORCE = TRUE")) == 3
    assert api.rows(f"SELECT COUNT(*) AS N FROM {table}") == [{"N": "8"}]


def test_copy_csv_options_and_on_error(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws)
    api.run(f"CREATE FILE FORMAT {setup.db}.RAW.CSV_H TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' "
            "NULL_IF = ('NULL')")
    setup.put("csv/good.csv", b'id,name,amount\n1,"Smith, J",1.50\n2,NULL,2\n')
    setup.put("csv/bad.csv", b'id,name,amount\n3,x,3\n4,y,not-a-number\n')
    table = setup.table("SALES", "ID INT NOT NULL, NAME VARCHAR(20), AMOUNT NUMBER(10,2)")
    base = f"COPY INTO {table} FROM @{setup.db}.RAW.LANDING/csv/ FILE_FORMAT = (FORMAT_NAME = '{setup.db}.RAW.CSV_H')"

    with pytest.raises(StatementFailed) as aborted:
        api.query(base)
    assert aborted.value.code == "100038"
    assert "Numeric value 'not-a-number' is not recognized" in aborted.value.message
    assert "bad.csv" in aborted.value.message
    assert api.rows(f"SELECT COUNT(*) AS N FROM {table}") == [{"N": "0"}]

    skipped = {r["file"].rsplit("/", 1)[-1]: r for r in api.rows(f"{base} ON_ERROR = SKIP_FILE")}
    assert skipped["good.csv"]["status"] == "LOADED" and skipped["good.csv"]["rows_loaded"] == "2"
    assert skipped["bad.csv"]["status"] == "LOAD_FAILED" and skipped["bad.csv"]["rows_loaded"] == "0"
    assert skipped["bad.csv"]["errors_seen"] == "1"
    assert skipped["bad.csv"]["first_error_line"] == "3"
    assert skipped["bad.csv"]["first_error_column_name"] == '"SALES"["AMOUNT":3]'

    # The failed file is tried again (it was not loaded); CONTINUE keeps its good row.
    continued = api.rows(f"{base} ON_ERROR = CONTINUE")
    assert [(r["file"].rsplit("/", 1)[-1], r["status"], r["rows_loaded"]) for r in continued] == [
        ("bad.csv", "PARTIALLY_LOADED", "1")]
    assert api.rows(f"SELECT ID, NAME, AMOUNT FROM {table} ORDER BY ID") == [
        {"ID": "1", "NAME": "Smith, J", "AMOUNT": "1.50"}, {"ID": "2", "NAME": None, "AMOUNT": "2.00"},
        {"ID": "3", "NAME": "x", "AMOUNT": "3.00"}]


def test_copy_parquet_by_column_name_and_transform(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws)
    setup.put("pq/reviews.parquet", parquet([{"review_id": 1, "Stars": 5, "text": "great"},
                                             {"review_id": 2, "Stars": 3, "text": "fine"}]))
    setup.put("js/people.json", ndjson([{"id": 7, "name": "ann", "tags": ["x"]}, {"id": 8, "name": "bob"}]))
    reviews = setup.table("REVIEWS", "REVIEW_ID NUMBER, STARS NUMBER, TEXT STRING")
    rows = api.rows(f"COPY INTO {reviews} FROM @{setup.db}.RAW.LANDING/pq/ FILE_FORMAT = (TYPE = PARQUET) "
                    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE")
    assert rows[0]["status"] == "LOADED" and rows[0]["rows_loaded"] == "2"
    assert api.rows(f"SELECT * FROM {reviews} ORDER BY REVIEW_ID") == [
        {"REVIEW_ID": "1", "STARS": "5", "TEXT": "great"}, {"REVIEW_ID": "2", "STARS": "3", "TEXT": "fine"}]

    people = setup.table("PEOPLE", "ID INT, NAME STRING, TAGS VARIANT, SOURCE STRING, ROW_NUMBER INT")
    rows = api.rows(f"COPY INTO {people} (ID, NAME, TAGS, SOURCE, ROW_NUMBER) FROM (SELECT $1:id::INT, "
                    f"$1:name::STRING, $1:tags, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER FROM "
                    f"@{setup.db}.RAW.LANDING/js/) FILE_FORMAT = (TYPE = JSON)")
    assert rows[0]["rows_loaded"] == "2"
    loaded = api.rows(f"SELECT ID, NAME, SOURCE, ROW_NUMBER FROM {people} ORDER BY ID")
    assert loaded == [{"ID": "7", "NAME": "ann", "SOURCE": "js/people.json", "ROW_NUMBER": "1"},
                      {"ID": "8", "NAME": "bob", "SOURCE": "js/people.json", "ROW_NUMBER": "2"}]


def test_files_and_pattern(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws)
    for name in ("a.json", "b.json", "c.csv"):
        setup.put(f"mixed/{name}", ndjson([{"f": name}]))
    table = setup.table("T", "V VARIANT")
    stage = f"@{setup.db}.RAW.LANDING/mixed/"
    assert [r["file"].rsplit("/", 1)[-1] for r in api.rows(
        f"COPY INTO {table} FROM {stage} FILES = ('a.json') FILE_FORMAT = (TYPE = JSON)")] == ["a.json"]
    assert [r["file"].rsplit("/", 1)[-1] for r in api.rows(
        f"COPY INTO {table} FROM {stage} PATTERN = '.*[.]json' FILE_FORMAT = (TYPE = JSON)")] == ["b.json"]


def test_listing_is_paginated(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws)
    for i in range(1005):
        setup.put(f"many/{i:05d}.json", b"{}")
    assert len(api.rows(f"LIST @{setup.db}.RAW.LANDING/many/")) == 1005


@pytest.mark.parametrize("trust", ["wrong_external_id", "no_condition", "wrong_principal"])
def test_trust_failures(api: SqlApi, moto_aws: MotoAws, trust: str):
    setup = Setup(api, moto_aws, trust=trust)
    setup.put("x/a.json", b"{}")
    with pytest.raises(StatementFailed) as failed:
        api.query(f"LIST @{setup.db}.RAW.LANDING")
    assert failed.value.status == 422
    assert failed.value.code == "091003"
    assert failed.value.message == (f"Error assuming AWS_ROLE:\nUser: {setup.principal} is not authorized to perform: "
                                    f"sts:AssumeRole on resource: {setup.role_arn}")


def test_trust_policy_evaluation():
    """The emulator's own trust check (moto 5.2.1 itself refuses an account-root principal, AWS does not)."""
    import sys

    from conftest_snowflake import EMULATOR_DIR

    sys.path.insert(0, EMULATOR_DIR)
    from infra_emulator.snowflake.trust import trust_allows

    user, account, external_id = "arn:aws:iam::000000000000:user/snowflake-principal", "000000000000", "EXT"

    def policy(principal, condition=None, effect="Allow", action="sts:AssumeRole"):
        statement = {"Effect": effect, "Principal": principal, "Action": action}
        if condition is not None:
            statement["Condition"] = condition
        return {"Version": "2012-10-17", "Statement": [statement]}

    good = {"StringEquals": {"sts:ExternalId": external_id}}
    assert trust_allows(policy({"AWS": user}, good), user, account, external_id)
    assert trust_allows(policy({"AWS": [user, "arn:aws:iam::1:root"]}, good), user, account, external_id)
    assert trust_allows(policy({"AWS": f"arn:aws:iam::{account}:root"}, good), user, account, external_id)
    assert trust_allows(policy({"AWS": user}, {"StringEquals": {"sts:ExternalId": ["x", external_id]}}, action="sts:*"),
                        user, account, external_id)
    assert not trust_allows(policy({"AWS": user}), user, account, external_id)
    assert not trust_allows(policy({"AWS": user}, {"StringLike": {"sts:ExternalId": external_id}}), user, account,
                            external_id)
    assert not trust_allows(policy({"AWS": user}, {"StringEquals": {"sts:ExternalId": "other"}}), user, account,
                            external_id)
    assert not trust_allows(policy({"AWS": "arn:aws:iam::000000000000:user/x"}, good), user, account, external_id)
    assert not trust_allows(policy({"Service": "s3.amazonaws.com"}, good), user, account, external_id)
    assert not trust_allows(policy({"AWS": user}, good, action="s3:GetObject"), user, account, external_id)
    denied = policy({"AWS": user}, good)
    denied["Statement"].append({"Effect": "Deny", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"})
    assert not trust_allows(denied, user, account, external_id)


def test_deny_in_role_policy(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws, deny=["s3:GetObject"])
    setup.put("x/a.json", b'{"a": 1}')
    assert len(api.rows(f"LIST @{setup.db}.RAW.LANDING")) == 1  # listing is still allowed
    table = setup.table("T", "V VARIANT")
    with pytest.raises(StatementFailed) as failed:
        api.query(f"COPY INTO {table} FROM @{setup.db}.RAW.LANDING FILE_FORMAT = (TYPE = JSON)")
    assert failed.value.code == "091003"
    assert "Access Denied" in failed.value.message or "AccessDenied" in failed.value.message


def test_blocked_location(api: SqlApi, moto_aws: MotoAws):
    setup = Setup(api, moto_aws, blocked="data/secret/")
    setup.put("secret/a.json", b"{}")
    setup.put("public/a.json", b"{}")
    assert len(api.rows(f"LIST @{setup.db}.RAW.LANDING/public/")) == 1
    with pytest.raises(StatementFailed) as failed:
        api.query(f"LIST @{setup.db}.RAW.LANDING/secret/")
    assert "not allowed by integration" in failed.value.message


def test_internal_stage(snowflake_server, api: SqlApi):
    import os

    db = unique("DB")
    api.run(f"CREATE DATABASE {db}", f"CREATE STAGE {db}.PUBLIC.UPLOADS FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)",
            f"CREATE TABLE {db}.PUBLIC.T (A INT, B STRING)")
    directory = os.path.join(snowflake_server.directory, "stages", db, "PUBLIC", "UPLOADS", "in")
    os.makedirs(directory)
    with open(os.path.join(directory, "one.csv"), "wb") as f:
        f.write(b"a,b\n1,x\n2,y\n")
    assert [r["name"] for r in api.rows(f"LIST @{db}.PUBLIC.UPLOADS")] == ["uploads/in/one.csv"]
    rows = api.rows(f"COPY INTO {db}.PUBLIC.T FROM @{db}.PUBLIC.UPLOADS/in/")
    assert [(r["file"], r["status"], r["rows_loaded"]) for r in rows] == [("uploads/in/one.csv", "LOADED", "2")]
    assert api.rows(f"SELECT * FROM {db}.PUBLIC.T ORDER BY A") == [{"A": "1", "B": "x"}, {"A": "2", "B": "y"}]
