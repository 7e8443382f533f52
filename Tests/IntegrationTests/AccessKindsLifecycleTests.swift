import Foundation
import TestSupport
import XCTest

/// Service users, roles and grants through the real CLI against the local SQL API (issue 16). A user is created
/// with a key pair, read back by an independent client (DESC USER through snowflake-connector-python), re-planned
/// clean, the key rotated and the user disabled in place, destroyed.
final class AccessKindsLifecycleTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        project = try local.project()
    }

    override func tearDownWithError() throws {
        for stack in ["access", "grants"] {
            if let project { _ = try? CLI.run(["destroy", stack, "--env", "dev", "--auto-approve", "--skip-teardown"], in: project) }
        }
    }

    /// A new RSA key pair: the public key's PEM and its fingerprint as Snowflake computes it.
    func newPublicKey() throws -> (pem: String, fingerprint: String) {
        let output = try local.python("""
            import base64, hashlib, json
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
            der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            print(json.dumps({"pem": pem, "fp": "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()}))
            """)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
        return (json["pem"]!, json["fp"]!)
    }

    func writeStack(publicKey: String, disabled: Bool) throws {
        // The key goes in as a folded block, as users paste `openssl rsa -pubout` output.
        let indented = publicKey.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n")
        let stack = """
            stack: access
            vars:
              suffix: \(suffix)
            resources:
              svc:
                type: snowflake.user
                name: LOADER_SVC_${var.suffix}
                default_warehouse: LOAD_WH
                default_namespace: SALES.RAW
                disabled: \(disabled)
                comment: loads raw tables
                rsa_public_key: |
            \(indented)
            """
        try stack.write(toFile: "\(project!)/stacks/access.yaml", atomically: true, encoding: .utf8)
    }

    func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }

    func described() throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try local.connectorRows("DESC USER LOADER_SVC_\(suffix)") { out[row[0] ?? ""] = row[1] ?? "" }
        return out
    }

    func testServiceUserWithAKeyPair() throws {
        let first = try newPublicKey(), second = try newPublicKey()
        try writeStack(publicKey: first.pem, disabled: false)
        var result = try infra("apply", "access", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        var user = try described()
        XCTAssertEqual(user["RSA_PUBLIC_KEY_FP"], first.fingerprint)
        XCTAssertEqual(user["DISABLED"], "false")
        let shown = try local.connectorRows("SHOW USERS LIKE 'LOADER_SVC_\(suffix)'")
        XCTAssertTrue(shown.first?.contains("SERVICE") ?? false, "\(shown)")
        XCTAssertTrue(shown.first?.contains("LOAD_WH") ?? false, "\(shown)")

        result = try infra("plan", "access", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 0, "a second plan after apply shows no changes:\n" + result.stdout)
        XCTAssertFalse(result.stdout.contains("BEGIN PUBLIC KEY"), result.stdout)

        // Rotating the key and disabling the user change it in place; the plan shows fingerprints, not keys.
        try writeStack(publicKey: second.pem, disabled: true)
        result = try infra("plan", "access", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("~ svc"), result.stdout)
        XCTAssertTrue(result.stdout.contains(first.fingerprint) && result.stdout.contains(second.fingerprint), result.stdout)
        XCTAssertFalse(result.stdout.contains("-/+"), result.stdout)
        XCTAssertEqual(try infra("apply", "access", "--env", "dev", "--auto-approve").exitCode, 0)
        user = try described()
        XCTAssertEqual(user["RSA_PUBLIC_KEY_FP"], second.fingerprint)
        XCTAssertEqual(user["DISABLED"], "true")
        XCTAssertEqual(try infra("plan", "access", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        result = try infra("destroy", "access", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(try local.connectorRows("SHOW USERS LIKE 'LOADER_SVC_\(suffix)'").count, 0)
    }

    // Roles and grants, which the local Snowflake enforces: a loader role with USAGE down to its table and INSERT
    // on it, a reader with future SELECT on a schema's tables, the loader role given to a service user and to
    // SYSADMIN. Read back with SHOW GRANTS by an independent client, re-planned clean, a privilege added and one
    // grant removed in place, destroyed.

    func writeGrantsStack(tablePrivileges: String, readerGrant: Bool) throws {
        let stack = """
            stack: grants
            vars:
              suffix: \(suffix)
            resources:
              db: {type: snowflake.database, name: "G_${var.suffix}"}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              mart: {type: snowflake.schema, database: "${db}", name: MART}
              events:
                type: snowflake.table
                schema: ${raw}
                name: EVENTS
                columns: [{name: id, type: number}]
              wh: {type: snowflake.warehouse, name: "G_WH_${var.suffix}"}
              loader: {type: snowflake.role, name: "LOADER_${var.suffix}", comment: loads raw}
              reader: {type: snowflake.role, name: "READER_${var.suffix}"}
              svc: {type: snowflake.user, name: "LOADER_SVC_${var.suffix}", default_role: "${loader}"}
              loader_db: {type: snowflake.grant, privileges: [USAGE], on: {database: "${db}"}, to_role: "${loader}"}
              loader_raw: {type: snowflake.grant, privileges: [USAGE], on: {schema: "${raw}"}, to_role: "${loader}"}
              loader_wh: {type: snowflake.grant, privileges: [usage, operate], on: {warehouse: "${wh}"}, to_role: "${loader}"}
              loader_events: {type: snowflake.grant, privileges: \(tablePrivileges), on: {table: "${events}"}, to_role: "${loader}"}
              loader_to_svc: {type: snowflake.grant, role: "${loader}", to_user: "${svc}"}
              loader_to_sysadmin: {type: snowflake.grant, role: "${loader}", to_role: SYSADMIN}
            \(readerGrant ? "  reader_mart: {type: snowflake.grant, privileges: [SELECT], on: {future: tables, in_schema: \"${mart}\"}, to_role: \"${reader}\"}" : "")
            """
        try stack.write(toFile: "\(project!)/stacks/grants.yaml", atomically: true, encoding: .utf8)
    }

    /// (privilege, granted_on, name) rows of SHOW GRANTS TO ROLE, OWNERSHIP left out.
    func grants(to role: String) throws -> Set<String> {
        let rows = try local.connectorRows("SHOW GRANTS TO ROLE \(role)")
        return Set(rows.filter { $0[1] != "OWNERSHIP" }.map { "\($0[1] ?? "") \($0[2] ?? "") \($0[3] ?? "")" })
    }

    func testRolesAndGrantsApplyReadBackChangeAndRevoke() throws {
        let db = "G_\(suffix)", loader = "LOADER_\(suffix)", reader = "READER_\(suffix)"
        try writeGrantsStack(tablePrivileges: "[INSERT, SELECT]", readerGrant: true)
        var result = try infra("apply", "grants", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertEqual(try grants(to: loader), [
            "USAGE DATABASE \(db)", "USAGE SCHEMA \(db).RAW", "USAGE WAREHOUSE G_WH_\(suffix)", "OPERATE WAREHOUSE G_WH_\(suffix)",
            "INSERT TABLE \(db).RAW.EVENTS", "SELECT TABLE \(db).RAW.EVENTS",
        ])
        let future = try local.connectorRows("SHOW FUTURE GRANTS IN SCHEMA \(db).MART")
        XCTAssertEqual(future.map { [$0[1], $0[2], $0[5]] }, [["SELECT", "TABLE", reader]])
        XCTAssertTrue(try local.connectorRows("SHOW GRANTS TO USER LOADER_SVC_\(suffix)").contains { $0[1] == loader })
        XCTAssertTrue(try local.connectorRows("SHOW GRANTS OF ROLE \(loader)").contains { $0[3] == "SYSADMIN" })

        result = try infra("plan", "grants", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 0, "a second plan after apply shows no changes:\n" + result.stdout)

        // A privilege added changes the grant in place; a grant taken out of the stack is revoked.
        try writeGrantsStack(tablePrivileges: "[INSERT, SELECT, TRUNCATE]", readerGrant: false)
        result = try infra("plan", "grants", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("~ loader_events"), result.stdout)
        XCTAssertTrue(result.stdout.contains("- reader_mart"), result.stdout)
        XCTAssertEqual(try infra("apply", "grants", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertTrue(try grants(to: loader).contains("TRUNCATE TABLE \(db).RAW.EVENTS"))
        XCTAssertEqual(try local.connectorRows("SHOW FUTURE GRANTS IN SCHEMA \(db).MART").count, 0)
        XCTAssertEqual(try infra("plan", "grants", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        // ALL reads back as ALL.
        try writeGrantsStack(tablePrivileges: "[ALL]", readerGrant: false)
        XCTAssertEqual(try infra("apply", "grants", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertTrue(try grants(to: loader).contains("DELETE TABLE \(db).RAW.EVENTS"))
        result = try infra("plan", "grants", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 0, result.stdout)

        result = try infra("destroy", "grants", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertFalse(try local.connectorRows("SHOW ROLES LIKE '\(loader)'").contains { $0[1] == loader })
    }
}

/// Grants on all existing objects of a kind (`on: {all: tables, in_schema: …}`): applied with GRANT … ON ALL, read back
/// as "every table there holds the privileges" by an independent client's SHOW GRANTS, re-planned clean (also on an
/// empty schema); a table made outside infra shows as a change, and apply grants it too; destroy revokes from all.
final class AllObjectsGrantTests: XCTestCase {
    func testGrantOnAllTablesCoversTheOnesMadeLater() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()
        let db = "A_\(suffix)", role = "AUDITOR_\(suffix)"
        func stack(_ privileges: String) -> String {
            """
            stack: all
            resources:
              db: {type: snowflake.database, name: \(db)}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              empty: {type: snowflake.schema, database: "${db}", name: EMPTY}
              events: {type: snowflake.table, schema: "${raw}", name: EVENTS, columns: [{name: id, type: number}]}
              orders: {type: snowflake.table, schema: "${raw}", name: ORDERS, columns: [{name: id, type: number}]}
              auditor: {type: snowflake.role, name: \(role)}
              auditor_raw: {type: snowflake.grant, privileges: \(privileges), on: {all: tables, in_schema: "${raw}"}, to_role: "${auditor}", depends_on: [events, orders]}
              auditor_empty: {type: snowflake.grant, privileges: [SELECT], on: {all: tables, in_schema: "${empty}"}, to_role: "${auditor}"}
            """
        }
        let project = try local.project(["stacks/all.yaml": stack("[SELECT]")])
        func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }
        defer { _ = try? infra("destroy", "all", "--env", "dev", "--auto-approve", "--allow-data-loss") }
        func held() throws -> Set<String> {
            Set(try local.connectorRows("SHOW GRANTS TO ROLE \(role)").filter { $0[2] == "TABLE" }.map { "\($0[1] ?? "") \($0[3] ?? "")" })
        }
        var result = try infra("apply", "all", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertEqual(try held(), ["SELECT \(db).RAW.EVENTS", "SELECT \(db).RAW.ORDERS"])
        result = try infra("plan", "all", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 0, "a second plan after apply shows no changes:\n" + result.stdout)

        // A table made outside infra lacks the privilege: the grant shows it, apply covers it.
        _ = try local.connectorRows("CREATE TABLE \(db).RAW.LATE (ID NUMBER)")
        result = try infra("plan", "all", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("~ auditor_raw"), result.stdout)
        XCTAssertEqual(try infra("apply", "all", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertTrue(try held().contains("SELECT \(db).RAW.LATE"))
        XCTAssertEqual(try infra("plan", "all", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        // Other privileges replace the grant: the old ones are revoked from every table, the new ones granted.
        try stack("[INSERT, SELECT]").write(toFile: "\(project)/stacks/all.yaml", atomically: true, encoding: .utf8)
        result = try infra("plan", "all", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("-/+ auditor_raw"), result.stdout)
        XCTAssertEqual(try infra("apply", "all", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertEqual(try held().filter { $0.hasPrefix("INSERT") }.count, 3)
        XCTAssertEqual(try infra("plan", "all", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        result = try infra("destroy", "all", "--env", "dev", "--auto-approve", "--allow-data-loss")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
    }
}

/// Database roles (`snowflake.database_role`): created in their database, given privileges on its objects and granted
/// to an account role; read back by an independent client (SHOW DATABASE ROLES, SHOW GRANTS TO DATABASE ROLE, SHOW
/// GRANTS TO ROLE), re-planned clean, the comment changed in place; a task as the account role's service user may
/// read what the database role may, and destroy takes it all away.
final class DatabaseRoleTests: XCTestCase {
    func testDatabaseRoleGrantsReachASessionThroughItsAccountRole() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()
        let db = "D_\(suffix)"
        func stack(comment: String) -> String {
            """
            stack: dbroles
            resources:
              db: {type: snowflake.database, name: \(db)}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              events: {type: snowflake.table, schema: "${raw}", name: EVENTS, columns: [{name: id, type: number}]}
              wh: {type: snowflake.warehouse, name: "D_WH_\(suffix)"}
              raw_reader: {type: snowflake.database_role, database: "${db}", name: RAW_READER, comment: \"\(comment)\"}
              analyst: {type: snowflake.role, name: "ANALYST_\(suffix)"}
              analyst_svc:
                type: snowflake.user
                name: ANALYST_SVC_\(suffix)
                default_role: ${analyst}
                default_warehouse: ${wh}
                rsa_public_key_file: .infra/local/keys/analyst_\(suffix.lowercased()).p8
              reader_db: {type: snowflake.grant, privileges: [USAGE], on: {database: "${db}"}, to_database_role: "${raw_reader}"}
              reader_raw: {type: snowflake.grant, privileges: [USAGE], on: {schema: "${raw}"}, to_database_role: "${raw_reader}"}
              reader_tables: {type: snowflake.grant, privileges: [SELECT], on: {table: "${events}"}, to_database_role: "${raw_reader}"}
              reader_future: {type: snowflake.grant, privileges: [SELECT], on: {future: tables, in_schema: "${raw}"}, to_database_role: "${raw_reader}"}
              reader_to_analyst: {type: snowflake.grant, database_role: "${raw_reader}", to_role: "${analyst}"}
              analyst_wh: {type: snowflake.grant, privileges: [USAGE], on: {warehouse: "${wh}"}, to_role: "${analyst}"}
              analyst_of_svc: {type: snowflake.grant, role: "${analyst}", to_user: "${analyst_svc}"}
            pipelines:
              verify:
                - name: analyst-reads-raw
                  as: {user: "${analyst_svc}", private_key_file: "${analyst_svc.rsa_public_key_file}"}
                  sql: SELECT COUNT(*) FROM ${events}
                  expect: {value: 0}
                - name: analyst-cannot-write-raw
                  as: {user: "${analyst_svc}", private_key_file: "${analyst_svc.rsa_public_key_file}"}
                  sql: INSERT INTO ${events} (ID) VALUES (1)
                  expect: {error: "003001"}
            """
        }
        let project = try local.project(["stacks/dbroles.yaml": stack(comment: "reads RAW")])
        func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }
        defer { _ = try? infra("destroy", "dbroles", "--env", "dev", "--auto-approve", "--allow-data-loss") }
        var result = try infra("apply", "dbroles", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)

        let roles = try local.connectorRows("SHOW DATABASE ROLES IN DATABASE \(db)")
        XCTAssertEqual(roles.count, 1, "\(roles)")
        XCTAssertTrue(roles.first?.contains("RAW_READER") ?? false, "\(roles)")
        XCTAssertTrue(roles.first?.contains("reads RAW") ?? false, "\(roles)")
        let granted = Set(try local.connectorRows("SHOW GRANTS TO DATABASE ROLE \(db).RAW_READER").map { "\($0[1] ?? "") \($0[2] ?? "") \($0[3] ?? "")" })
        XCTAssertTrue(granted.isSuperset(of: ["USAGE DATABASE \(db)", "USAGE SCHEMA \(db).RAW", "SELECT TABLE \(db).RAW.EVENTS"]), "\(granted)")
        XCTAssertTrue(try local.connectorRows("SHOW GRANTS TO ROLE ANALYST_\(suffix)").contains { $0[2] == "DATABASE_ROLE" && $0[3] == "\(db).RAW_READER" })

        result = try infra("plan", "dbroles", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 0, "a second plan after apply shows no changes:\n" + result.stdout)
        result = try infra("run", "dbroles", "verify", "--env", "dev")
        XCTAssertEqual(result.exitCode, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("failed as expected"), result.stdout)

        try stack(comment: "reads RAW, nothing else").write(toFile: "\(project)/stacks/dbroles.yaml", atomically: true, encoding: .utf8)
        result = try infra("plan", "dbroles", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("~ raw_reader"), result.stdout)
        XCTAssertFalse(result.stdout.contains("-/+"), result.stdout)
        XCTAssertEqual(try infra("apply", "dbroles", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertEqual(try infra("plan", "dbroles", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        // A database role made by hand goes with its database: the destroy plan names it.
        _ = try local.connectorRows("CREATE DATABASE ROLE \(db).HAND_MADE")
        result = try infra("plan", "dbroles", "--env", "dev", "--destroy")
        XCTAssertTrue(result.stdout.contains("database_role \(db).HAND_MADE (NOT managed by infra: lost"), result.stdout)

        result = try infra("destroy", "dbroles", "--env", "dev", "--auto-approve", "--allow-data-loss")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertFalse(try local.connectorRows("SHOW ROLES LIKE 'ANALYST_\(suffix)'").contains { $0[1] == "ANALYST_\(suffix)" })
    }
}

/// Pipeline tasks run as a role (`role:`) and prove denials with `expect: {error: CODE}` against the local
/// Snowflake's access control (issue 16): the loader inserts into its table, is refused DROP TABLE (003001) and
/// cannot see another schema's table (002003); the same statements as the deployer succeed.
final class TaskRolesTests: XCTestCase {
    func testTasksRunAsARoleAndDenialsAreProven() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()
        let project = try CLI.project([
            "environments/dev.yaml": """
                name: dev
                snowflake:
                  account: LOCAL
                  user: DEPLOYER
                  private_key_file: \(local.privateKeyFile)
                  endpoint: \(local.snowflakeEndpoint)
                  warehouse: R_WH_\(suffix)
                """,
            "stacks/roles.yaml": """
                stack: roles
                resources:
                  db: {type: snowflake.database, name: R_\(suffix)}
                  raw: {type: snowflake.schema, database: "${db}", name: RAW}
                  mart: {type: snowflake.schema, database: "${db}", name: MART}
                  events: {type: snowflake.table, schema: "${raw}", name: EVENTS, columns: [{name: id, type: number}]}
                  report: {type: snowflake.table, schema: "${mart}", name: REPORT, columns: [{name: id, type: number}]}
                  wh: {type: snowflake.warehouse, name: R_WH_\(suffix)}
                  loader: {type: snowflake.role, name: LOADER_\(suffix)}
                  loader_up: {type: snowflake.grant, role: "${loader}", to_role: SYSADMIN}
                  loader_wh: {type: snowflake.grant, privileges: [USAGE], on: {warehouse: "${wh}"}, to_role: "${loader}"}
                  loader_db: {type: snowflake.grant, privileges: [USAGE], on: {database: "${db}"}, to_role: "${loader}"}
                  loader_raw: {type: snowflake.grant, privileges: [USAGE], on: {schema: "${raw}"}, to_role: "${loader}"}
                  loader_events: {type: snowflake.grant, privileges: [INSERT, SELECT], on: {table: "${events}"}, to_role: "${loader}"}
                pipelines:
                  verify:
                    - name: loader-inserts
                      role: ${loader}
                      sql: INSERT INTO ${events} (ID) VALUES (1)
                    - name: loader-reads-its-table
                      after: [loader-inserts]
                      role: ${loader}
                      sql: SELECT COUNT(*) FROM ${events}
                      expect: {value: 1}
                    - name: loader-cannot-drop
                      role: ${loader}
                      sql: DROP TABLE ${events}
                      expect: {error: "003001"}
                    - name: loader-cannot-read-the-mart
                      role: ${loader}
                      sql: SELECT COUNT(*) FROM ${report}
                      expect: {error: "002003"}
                    - name: deployer-reads-the-mart
                      sql: SELECT COUNT(*) FROM ${report}
                      expect: {value: 0}
                """,
        ])
        defer { _ = try? CLI.run(["destroy", "roles", "--env", "dev", "--auto-approve", "--skip-teardown", "--allow-data-loss"], in: project) }
        var result = try CLI.run(["apply", "roles", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        result = try CLI.run(["run", "roles", "verify", "--env", "dev"], in: project)
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertTrue(result.stdout.contains("failed as expected"), result.stdout)
        XCTAssertEqual(try local.connectorRows("SELECT COUNT(*) FROM R_\(suffix).RAW.EVENTS"), [["1"]])

        // Without the role the denials do not happen, so the same expectations fail: the role is what they prove.
        let stack = try String(contentsOfFile: "\(project)/stacks/roles.yaml", encoding: .utf8)
        try stack.replacingOccurrences(of: "      role: ${loader}\n      sql: DROP", with: "      sql: DROP")
            .write(toFile: "\(project)/stacks/roles.yaml", atomically: true, encoding: .utf8)
        result = try CLI.run(["run", "roles", "verify", "--env", "dev"], in: project)
        XCTAssertNotEqual(result.exitCode, 0, result.stdout)
        XCTAssertTrue((result.stdout + result.stderr).contains("expected an error containing '003001', but the statement succeeded"),
                      result.stdout + result.stderr)
    }
}
