"""Roles, grants, ownership and service users, enforced by the local Snowflake over the SQL API."""

from __future__ import annotations

import gzip

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest_snowflake import (  # noqa: F401
    SqlApi, StatementFailed, api, public_key_body, snowflake_server, start_server, unique,
)


def fails(api: SqlApi, statement: str, **body) -> StatementFailed:
    with pytest.raises(StatementFailed) as caught:
        api.query(statement, **body)
    return caught.value


class Loader:
    """A database with RAW and MART, a warehouse, an internal stage and a file format; a LOADER role with what it
    needs to load RAW.EVENTS, and a service user holding it."""

    def __init__(self, api: SqlApi):
        self.api = api
        self.db, self.wh = unique("ACC"), unique("WH")
        self.role, self.user = unique("LOADER"), unique("LOADER_SVC")
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        api.run(f"CREATE DATABASE {self.db}", f"CREATE SCHEMA {self.db}.RAW", f"CREATE SCHEMA {self.db}.MART",
                f"CREATE WAREHOUSE {self.wh}", f"CREATE TABLE {self.db}.RAW.EVENTS (ID NUMBER, NAME VARCHAR)",
                f"CREATE TABLE {self.db}.MART.DAILY (ID NUMBER)",
                f"CREATE FILE FORMAT {self.db}.RAW.CSV TYPE = CSV",
                f"CREATE STAGE {self.db}.RAW.LANDING FILE_FORMAT = (FORMAT_NAME = '{self.db}.RAW.CSV')",
                f"CREATE ROLE {self.role} COMMENT = 'loads raw'",
                f"GRANT USAGE ON DATABASE {self.db} TO ROLE {self.role}",
                f"GRANT USAGE ON SCHEMA {self.db}.RAW TO ROLE {self.role}",
                f"GRANT USAGE ON WAREHOUSE {self.wh} TO ROLE {self.role}",
                f"GRANT READ ON STAGE {self.db}.RAW.LANDING TO ROLE {self.role}",
                f"GRANT USAGE ON FILE FORMAT {self.db}.RAW.CSV TO ROLE {self.role}",
                f"GRANT INSERT, SELECT ON TABLE {self.db}.RAW.EVENTS TO ROLE {self.role}",
                f"CREATE USER {self.user} TYPE = SERVICE RSA_PUBLIC_KEY = '{public_key_body(self.key)}' "
                f"DEFAULT_ROLE = {self.role} DEFAULT_WAREHOUSE = {self.wh}",
                f"GRANT ROLE {self.role} TO USER {self.user}")

    def service(self) -> SqlApi:
        return SqlApi(self.api.base, self.key, user=self.user)


def service_user(api: SqlApi, user: str, role: str, warehouse: str | None = None) -> SqlApi:
    """A user holding `role` as its default (and `warehouse` as its default warehouse), signed in with its own key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    default_warehouse = f" DEFAULT_WAREHOUSE = {warehouse}" if warehouse else ""
    api.run(f"CREATE USER {user} RSA_PUBLIC_KEY = '{public_key_body(key)}' DEFAULT_ROLE = {role}{default_warehouse}",
            f"GRANT ROLE {role} TO USER {user}")
    return SqlApi(api.base, key, user=user)


@pytest.fixture(scope="module")
def loader(api: SqlApi) -> Loader:
    return Loader(api)


def test_service_user_gets_its_default_role_and_warehouse(loader: Loader):
    row = loader.service().rows("SELECT CURRENT_USER() U, CURRENT_ROLE() R, CURRENT_WAREHOUSE() W, "
                                "CURRENT_AVAILABLE_ROLES() A")[0]
    assert (row["U"], row["R"], row["W"]) == (loader.user, loader.role, loader.wh)
    assert row["A"] == f'["{loader.role}","PUBLIC"]'
    # A role the user was not granted is refused at session start.
    assert fails(loader.service(), "SELECT 1", role="SYSADMIN").code == "390189"
    assert loader.service().rows("SELECT CURRENT_ROLE() R", role="PUBLIC") == [{"R": "PUBLIC"}]


def test_loader_copies_into_its_table(loader: Loader, snowflake_server):
    import os

    directory = os.path.join(snowflake_server.directory, "upload")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "events.csv.gz")
    with open(path, "wb") as f:
        f.write(gzip.compress(b"1,a\n2,b\n"))

    with snowflake_server.connect() as connection:
        connection.cursor().execute(f"PUT 'file://{path}' @{loader.db}.RAW.LANDING")
    service = loader.service()
    assert [r["name"] for r in service.rows(f"LIST @{loader.db}.RAW.LANDING")] == ["landing/events.csv.gz"]
    loaded = service.rows(f"COPY INTO {loader.db}.RAW.EVENTS FROM @{loader.db}.RAW.LANDING")
    assert loaded[0]["status"] == "LOADED"
    assert service.rows(f"SELECT COUNT(*) N FROM {loader.db}.RAW.EVENTS") == [{"N": "2"}]


def test_loader_is_refused_the_rest(loader: Loader):
    service = loader.service()
    denied = fails(service, f"DROP TABLE {loader.db}.RAW.EVENTS")
    assert (denied.code, denied.message) == (
        "003001", "SQL access control error:\nInsufficient privileges to operate on table 'EVENTS'.")
    hidden = fails(service, f"SELECT * FROM {loader.db}.MART.DAILY")
    assert hidden.code == "002003"
    assert hidden.message == f"SQL compilation error:\nSchema '{loader.db}.MART' does not exist or not authorized."
    assert fails(service, f"DELETE FROM {loader.db}.RAW.EVENTS").code == "003001"
    assert fails(service, f"CREATE TABLE {loader.db}.RAW.OTHER (X NUMBER)").message.endswith(
        "Insufficient privileges to operate on schema 'RAW'.")
    assert fails(service, f"CREATE DATABASE {unique('NOPE')}").code == "003001"
    assert fails(service, f"USE SCHEMA {loader.db}.MART").code == "002003"
    # SHOW lists only what the role may see.
    assert {r["name"] for r in service.rows(f"SHOW SCHEMAS IN DATABASE {loader.db}")} == {"RAW", "INFORMATION_SCHEMA"}
    assert [r["name"] for r in service.rows(f"SHOW TABLES IN DATABASE {loader.db}")] == ["EVENTS"]


def test_show_grants_lists_what_was_granted(loader: Loader, api: SqlApi):
    rows = api.rows(f"SHOW GRANTS TO ROLE {loader.role}")
    granted = {(r["privilege"], r["granted_on"], r["name"]) for r in rows}
    assert granted == {
        ("USAGE", "DATABASE", loader.db), ("USAGE", "SCHEMA", f"{loader.db}.RAW"), ("USAGE", "WAREHOUSE", loader.wh),
        ("READ", "STAGE", f"{loader.db}.RAW.LANDING"), ("USAGE", "FILE_FORMAT", f"{loader.db}.RAW.CSV"),
        ("INSERT", "TABLE", f"{loader.db}.RAW.EVENTS"), ("SELECT", "TABLE", f"{loader.db}.RAW.EVENTS"),
    }
    assert {(r["granted_to"], r["grantee_name"], r["grant_option"], r["granted_by"]) for r in rows} == {
        ("ROLE", loader.role, "false", "ACCOUNTADMIN")}
    on_table = api.rows(f"SHOW GRANTS ON TABLE {loader.db}.RAW.EVENTS")
    assert {(r["privilege"], r["grantee_name"]) for r in on_table} == {
        ("OWNERSHIP", "ACCOUNTADMIN"), ("INSERT", loader.role), ("SELECT", loader.role)}
    assert [(r["role"], r["granted_to"], r["grantee_name"]) for r in api.rows(f"SHOW GRANTS OF ROLE {loader.role}")] \
        == [(loader.role, "USER", loader.user)]
    assert [r["role"] for r in api.rows(f"SHOW GRANTS TO USER {loader.user}")] == [loader.role]
    roles = {r["name"]: r for r in api.rows(f"SHOW ROLES LIKE '{loader.role}'")}
    assert (roles[loader.role]["owner"], roles[loader.role]["comment"]) == ("ACCOUNTADMIN", "loads raw")
    assert roles[loader.role]["assigned_to_users"] == "1"


def test_invalid_privilege_is_refused(loader: Loader, api: SqlApi):
    refused = fails(api, f"GRANT INSERT ON SCHEMA {loader.db}.RAW TO ROLE {loader.role}")
    assert refused.code == "001003" and "unexpected 'INSERT'" in refused.message
    assert fails(api, f"GRANT SELECT ON TABLE {loader.db}.RAW.EVENTS TO ROLE NOBODY").code == "002003"


def test_grant_all_shows_each_privilege_and_revoke(api: SqlApi):
    db, role = unique("ALLDB"), unique("ALLROLE")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.T (X NUMBER)", f"CREATE ROLE {role}",
            f"GRANT ALL PRIVILEGES ON TABLE {db}.PUBLIC.T TO ROLE {role}")
    privileges = {r["privilege"] for r in api.rows(f"SHOW GRANTS TO ROLE {role}")}
    assert privileges == {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "EVOLVE SCHEMA",
                          "REBUILD", "APPLYBUDGET"}
    api.run(f"REVOKE ALL ON TABLE {db}.PUBLIC.T FROM ROLE {role}")
    assert api.rows(f"SHOW GRANTS TO ROLE {role}") == []


def test_future_grants_apply_to_later_tables(api: SqlApi):
    db, role, user, wh = unique("FUT"), unique("READER"), unique("READER_SVC"), unique("READ_WH")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.MART", f"CREATE ROLE {role}", f"CREATE WAREHOUSE {wh}",
            f"GRANT USAGE ON DATABASE {db} TO ROLE {role}", f"GRANT USAGE ON SCHEMA {db}.MART TO ROLE {role}",
            f"GRANT SELECT ON FUTURE TABLES IN SCHEMA {db}.MART TO ROLE {role}")
    reader = service_user(api, user, role, wh)
    api.run(f"CREATE TABLE {db}.MART.LATER (X NUMBER)", f"INSERT INTO {db}.MART.LATER VALUES (7)")
    future = api.rows(f"SHOW FUTURE GRANTS IN SCHEMA {db}.MART")
    assert future == [{"created_on": future[0]["created_on"], "privilege": "SELECT", "grant_on": "TABLE",
                       "name": f"{db}.MART.<TABLE>", "grant_to": "ROLE", "grantee_name": role, "grant_option": "false"}]
    # Without USAGE on its default warehouse the session has none, and a query on a table needs one.
    assert reader.rows("SELECT CURRENT_WAREHOUSE() W") == [{"W": None}]
    assert fails(reader, f"SELECT X FROM {db}.MART.LATER").code == "000606"
    api.run(f"GRANT USAGE ON WAREHOUSE {wh} TO ROLE {role}")
    assert reader.rows(f"SELECT X FROM {db}.MART.LATER") == [{"X": "7"}]
    assert fails(reader, f"INSERT INTO {db}.MART.LATER VALUES (8)").code == "003001"
    api.run(f"REVOKE SELECT ON FUTURE TABLES IN SCHEMA {db}.MART FROM ROLE {role}")
    assert api.rows(f"SHOW FUTURE GRANTS IN SCHEMA {db}.MART") == []


def test_ownership_transfer_and_role_hierarchy(api: SqlApi):
    db, owner, user = unique("OWN"), unique("OWNER"), unique("OWNER_SVC")
    api.run(f"CREATE DATABASE {db}", f"CREATE TABLE {db}.PUBLIC.T (X NUMBER)", f"CREATE ROLE {owner}")
    session = service_user(api, user, owner)
    api.run(f"GRANT USAGE ON DATABASE {db} TO ROLE {owner}",
            f"GRANT USAGE ON SCHEMA {db}.PUBLIC TO ROLE {owner}", f"GRANT SELECT ON TABLE {db}.PUBLIC.T TO ROLE {owner}")
    # Existing grants block a plain transfer; COPY CURRENT GRANTS keeps them.
    assert fails(api, f"GRANT OWNERSHIP ON TABLE {db}.PUBLIC.T TO ROLE {owner}").code == "003036"
    api.run(f"GRANT OWNERSHIP ON TABLE {db}.PUBLIC.T TO ROLE {owner} COPY CURRENT GRANTS")

    assert [r["owner"] for r in session.rows(f"SHOW TABLES IN SCHEMA {db}.PUBLIC")] == [owner]
    # ACCOUNTADMIN no longer sees a table owned by a role outside its hierarchy, as in Snowflake...
    assert fails(api, f"SELECT * FROM {db}.PUBLIC.T").code == "002003"
    # ...until the role is granted up to SYSADMIN.
    api.run(f"GRANT ROLE {owner} TO ROLE SYSADMIN")
    assert api.rows(f"SELECT COUNT(*) N FROM {db}.PUBLIC.T") == [{"N": "0"}]
    session.run(f"DROP TABLE {db}.PUBLIC.T")


def test_roles_ddl_and_use_role(api: SqlApi):
    role, child = unique("PARENT"), unique("CHILD")
    api.run(f"CREATE ROLE {role}", f"CREATE ROLE IF NOT EXISTS {role}", f"CREATE ROLE {child}",
            f"GRANT ROLE {child} TO ROLE {role}", f"GRANT ROLE {role} TO USER DEPLOYER",
            f"ALTER ROLE {role} SET COMMENT = 'parent'")
    assert fails(api, f"GRANT ROLE {role} TO ROLE {child}").code == "003013"
    row = api.rows(f"SELECT CURRENT_ROLE() R, IS_ROLE_IN_SESSION('{child}') C", role=role)[0]
    assert (row["R"], row["C"]) == (role, "true")
    assert [r["comment"] for r in api.rows(f"SHOW ROLES LIKE '{role}'")] == ["parent"]
    api.run(f"REVOKE ROLE {role} FROM USER DEPLOYER", f"DROP ROLE {child}", f"DROP ROLE {role}")
    assert api.rows(f"SHOW ROLES LIKE '{role}'") == []
    assert fails(api, "SELECT 1", role=role).code == "390189"


def test_service_user_key_pair_on_the_connector(loader: Loader, snowflake_server):
    import snowflake.connector as connector
    from cryptography.hazmat.primitives import serialization

    key = loader.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    with connector.connect(account="LOCAL", user=loader.user, private_key=key, authenticator="SNOWFLAKE_JWT",
                           host="127.0.0.1", port=snowflake_server.connector_port, protocol="http",
                           login_timeout=20) as conn:
        cursor = conn.cursor()
        assert cursor.execute("SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE()").fetchone() == (loader.role, loader.wh)
        with pytest.raises(connector.errors.ProgrammingError) as denied:
            cursor.execute(f"DROP TABLE {loader.db}.RAW.EVENTS")
        assert denied.value.errno == 3001
        with pytest.raises(connector.errors.ProgrammingError) as refused:
            cursor.execute("USE ROLE ACCOUNTADMIN")
        assert refused.value.errno == 2003
    with pytest.raises(connector.errors.DatabaseError) as login:
        connector.connect(account="LOCAL", user=loader.user, private_key=key, authenticator="SNOWFLAKE_JWT",
                          role="SYSADMIN", host="127.0.0.1", port=snowflake_server.connector_port, protocol="http",
                          login_timeout=20)
    assert "Role 'SYSADMIN' specified in the connect string does not exist or not authorized" in str(login.value)


def test_disabled_user_cannot_log_in(api: SqlApi):
    user = unique("OFF")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    api.run(f"CREATE USER {user} RSA_PUBLIC_KEY = '{public_key_body(key)}'", f"ALTER USER {user} SET DISABLED = TRUE")
    response = SqlApi(api.base, key, user=user).submit("SELECT 1")
    assert (response.status_code, response.json()["code"]) == (401, "390102")


def test_roles_and_grants_survive_restart(tmp_path):
    server = start_server(str(tmp_path))
    try:
        api = server.api()
        api.run("CREATE ROLE KEPT", "CREATE DATABASE KEPT_DB", "GRANT USAGE ON DATABASE KEPT_DB TO ROLE KEPT")
    finally:
        server.stop()
    restarted = start_server(str(tmp_path))
    try:
        rows = restarted.api().rows("SHOW GRANTS TO ROLE KEPT")
        assert [(r["privilege"], r["name"]) for r in rows] == [("USAGE", "KEPT_DB")]
    finally:
        restarted.stop()


def test_a_role_owns_what_it_creates(api: SqlApi):
    db, role, user, wh = unique("TRN"), unique("TRANSFORMER"), unique("TRANSFORMER_SVC"), unique("TRN_WH")
    api.run(f"CREATE DATABASE {db}", f"CREATE SCHEMA {db}.MART", f"CREATE WAREHOUSE {wh}", f"CREATE ROLE {role}",
            f"GRANT USAGE ON DATABASE {db} TO ROLE {role}", f"GRANT USAGE, CREATE TABLE ON SCHEMA {db}.MART TO ROLE {role}",
            f"GRANT USAGE ON WAREHOUSE {wh} TO ROLE {role}")
    transformer = service_user(api, user, role, wh)
    transformer.run(f"CREATE TABLE {db}.MART.DAILY (X NUMBER)", f"INSERT INTO {db}.MART.DAILY VALUES (1)")
    assert [(r["name"], r["owner"]) for r in transformer.rows(f"SHOW TABLES IN SCHEMA {db}.MART")] == [("DAILY", role)]
    ownership = [r for r in api.rows(f"SHOW GRANTS TO ROLE {role}") if r["privilege"] == "OWNERSHIP"]
    assert [(r["granted_on"], r["name"], r["grant_option"]) for r in ownership] == [
        ("TABLE", f"{db}.MART.DAILY", "true")]
    # Using a warehouse is not operating it.
    assert fails(transformer, f"ALTER WAREHOUSE {wh} SUSPEND").message.endswith(
        f"Insufficient privileges to operate on warehouse '{wh}'.")
    api.run(f"GRANT OPERATE ON WAREHOUSE {wh} TO ROLE {role}")
    transformer.run(f"ALTER WAREHOUSE {wh} SUSPEND")
    # Its own table it may drop; a schema it does not own it may not.
    assert fails(transformer, f"DROP SCHEMA {db}.MART").code == "003001"
    transformer.run(f"DROP TABLE {db}.MART.DAILY")
