"""Key-pair JWT authentication: what Snowflake accepts and refuses, and keys registered over SQL."""

from __future__ import annotations

import os
import stat
import time

from cryptography.hazmat.primitives.asymmetric import rsa

from conftest_snowflake import SqlApi, api, make_jwt, public_key_body, snowflake_server, unique  # noqa: F401


def refused(api: SqlApi, token: str) -> None:
    response = api.submit("SELECT 1", token=token)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "390144"
    assert response.json()["message"] == "JWT token is invalid."


def test_generated_key_file(snowflake_server):
    path = os.path.join(snowflake_server.directory, "deployer.p8")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as f:
        assert f.read().startswith("-----BEGIN PRIVATE KEY-----")


def test_valid_token(api: SqlApi):
    assert api.query("SELECT 1")["data"] == [["1"]]


def test_lowercase_account_and_user_accepted(api: SqlApi):
    token = make_jwt(api.key, user="deployer", account="local")
    assert api.submit("SELECT 1", token=token).status_code == 200


def test_refusals(api: SqlApi):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(api, make_jwt(api.key, issued_at=time.time() - 7200))  # expired
    refused(api, make_jwt(api.key, lifetime=2 * 3600))  # lives longer than an hour
    refused(api, make_jwt(api.key, fingerprint_key=other))  # fingerprint of another key
    refused(api, make_jwt(other, fingerprint_key=api.key))  # signed by another key
    refused(api, make_jwt(api.key, subject="LOCAL.SOMEONE"))  # wrong sub
    refused(api, make_jwt(api.key, user="NOBODY"))  # unknown user
    refused(api, make_jwt(api.key, account="OTHER"))  # another account
    refused(api, "not-a-jwt")
    response = api.http.post(f"{api.base}/api/v2/statements", json={"statement": "SELECT 1"})
    assert response.status_code == 401


def test_user_with_registered_keys(api: SqlApi):
    user = unique("APP")
    first = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    second = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    api.run(f"CREATE USER {user} RSA_PUBLIC_KEY = '{public_key_body(first)}' COMMENT = 'test user'")
    as_user = SqlApi(api.base, first, user=user)
    assert as_user.query("SELECT CURRENT_USER() AS U")["data"] == [[user]]

    # A second key works beside the first (rotation); after unsetting the first, only the second does.
    api.run(f"ALTER USER {user} SET RSA_PUBLIC_KEY_2 = '{public_key_body(second)}'")
    assert SqlApi(api.base, second, user=user).query("SELECT 1")["data"] == [["1"]]
    api.run(f"ALTER USER {user} UNSET RSA_PUBLIC_KEY")
    refused(api, make_jwt(first, user=user))
    assert SqlApi(api.base, second, user=user).query("SELECT 1")["data"] == [["1"]]

    users = {r["name"]: r for r in api.rows("SHOW USERS")}
    assert users[user]["has_rsa_public_key"] == "true"
    assert users[user]["comment"] == "test user"
    describe = {r["property"]: r["value"] for r in api.rows(f"DESC USER {user}")}
    assert describe["RSA_PUBLIC_KEY_2_FP"].startswith("SHA256:")


def test_invalid_public_key_is_an_error(api: SqlApi):
    response = api.submit(f"CREATE USER {unique('BAD')} RSA_PUBLIC_KEY = 'bm90IGEga2V5'")
    assert response.status_code == 422


def test_keys_survive_restart(tmp_path):
    from conftest_snowflake import start_server

    server = start_server(str(tmp_path))
    user = unique("KEEP")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    try:
        server.api().run(f"CREATE USER {user} RSA_PUBLIC_KEY = '{public_key_body(key)}'")
    finally:
        server.stop()
    restarted = start_server(str(tmp_path))
    try:
        assert SqlApi(restarted.base, key, user=user).query("SELECT 1")["data"] == [["1"]]
        assert restarted.api().query("SELECT 1")["data"] == [["1"]]
    finally:
        restarted.stop()


def test_deleting_the_key_file_rotates_the_deployer_key(tmp_path):
    from conftest_snowflake import start_server

    server = start_server(str(tmp_path))
    old_key = server.key()
    server.stop()
    os.remove(os.path.join(str(tmp_path), "deployer.p8"))
    restarted = start_server(str(tmp_path))
    try:
        assert restarted.api().query("SELECT 1")["data"] == [["1"]]
        assert restarted.api().submit("SELECT 1", token=make_jwt(old_key)).status_code == 401
    finally:
        restarted.stop()
