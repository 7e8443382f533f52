import Foundation
import XCTest

@testable import InfraEngine
@testable import SnowflakeProvider
@testable import SnowflakeSQLAPI
import _CryptoExtras

/// Roles, users and grants as infra names, compares and reads them (issue 16); the round trip through the local
/// Snowflake is in Tests/IntegrationTests.
final class AccessKindsTests: XCTestCase {
    func testGrantIdentitiesReadBackAsTheyWereWritten() throws {
        let texts = [
            "ON TABLE DB.RAW.EVENTS TO ROLE LOADER",
            "ALL ON SCHEMA DB.RAW TO ROLE TRANSFORMER",
            "ON ACCOUNT TO ROLE SYSADMIN",
            "ON FUTURE TABLES IN SCHEMA DB.RAW TO ROLE READER",
            "ON FUTURE FILE FORMATS IN DATABASE DB TO ROLE READER",
            "ON FILE FORMAT \"my db\".RAW.\"Json lines\" TO ROLE \"Loader role\"",
            "ROLE LOADER TO USER LOADER_SVC",
            "ROLE LOADER TO ROLE SYSADMIN",
        ]
        for text in texts {
            let identity = try XCTUnwrap(GrantIdentity(parsing: text), text)
            XCTAssertEqual(identity.description, text)
        }
        XCTAssertNil(GrantIdentity(parsing: "ON GADGET X TO ROLE R"))
        XCTAssertNil(GrantIdentity(parsing: "ON TABLE X"))
    }

    func testTheIdentityComesFromTheProperties() {
        let kind = GrantKind(sql: OfflineRunner())
        let table: [String: Value] = ["privileges": .list([.string("select"), .string("insert")]),
                                      "on": .map(["table": .string("db.raw.events")]), "to_role": .string("loader")]
        XCTAssertEqual(kind.identity(of: table), "ON TABLE DB.RAW.EVENTS TO ROLE LOADER")
        let all: [String: Value] = ["privileges": .list([.string("all privileges")]), "on": .map(["schema": .string("DB.RAW")]),
                                    "to_role": .string("T")]
        XCTAssertEqual(kind.identity(of: all), "ALL ON SCHEMA DB.RAW TO ROLE T")
        let future: [String: Value] = ["privileges": .list([.string("SELECT")]),
                                       "on": .map(["future": .string("tables"), "in_schema": .string("DB.MART")]), "to_role": .string("READER")]
        XCTAssertEqual(kind.identity(of: future), "ON FUTURE TABLES IN SCHEMA DB.MART TO ROLE READER")
        XCTAssertEqual(kind.identity(of: ["role": .string("loader"), "to_user": .string("loader_svc")]), "ROLE LOADER TO USER LOADER_SVC")
        XCTAssertEqual(kind.normalize(.list([.string("insert"), .string("Select"), .string("create  table")]), property: "privileges"),
                       .list([.string("CREATE TABLE"), .string("INSERT"), .string("SELECT")]))
    }

    /// SHOW GRANTS TO ROLE as Snowflake answers it (docs: sql-reference/sql/show-grants): one row per privilege,
    /// OWNERSHIP rows for what the role owns, which are not grants.
    func testPrivilegesAreReadFromShowGrantsLeavingOwnershipOut() throws {
        func row(_ privilege: String, _ on: String, _ name: String, option: Bool = false) -> SQLRow {
            SQLRow(["privilege": privilege, "granted_on": on, "name": name, "grant_option": option ? "true" : "false",
                    "granted_to": "ROLE", "grantee_name": "LOADER"])
        }
        let rows = [row("INSERT", "TABLE", "DB.RAW.EVENTS"), row("SELECT", "TABLE", "DB.RAW.EVENTS"),
                    row("OWNERSHIP", "TABLE", "DB.RAW.EVENTS"), row("USAGE", "FILE_FORMAT", "DB.RAW.\"Json lines\""),
                    row("USAGE", "ROLE", "READER"), row("SELECT", "TABLE", "DB.RAW.OTHER")]
        // What SHOW GRANTS TO the grantee answered: LOADER's rows; nothing for a role with no grants.
        func live(_ text: String) -> (privileges: [String], grantOption: Bool)? {
            let grant = GrantIdentity(parsing: text)!
            return GrantKind.live(grant, granted: grant.grantee == .role(SnowflakeName(stored: "LOADER")) ? rows : [], future: [])
        }
        XCTAssertEqual(live("ON TABLE DB.RAW.EVENTS TO ROLE LOADER")?.privileges, ["INSERT", "SELECT"])
        XCTAssertEqual(live("ON FILE FORMAT DB.RAW.\"Json lines\" TO ROLE LOADER")?.privileges, ["USAGE"])
        XCTAssertNotNil(live("ROLE READER TO ROLE LOADER"))
        XCTAssertNil(live("ON TABLE DB.RAW.MISSING TO ROLE LOADER"))
        XCTAssertNil(live("ON TABLE DB.RAW.EVENTS TO ROLE NOBODY"))
        // ALL reads back as ALL when every privilege ALL certainly grants is there.
        let everything = SecurableType.table.allIncludes.map { row($0, "TABLE", "DB.RAW.EVENTS") }
        XCTAssertEqual(GrantKind.live(GrantIdentity(parsing: "ALL ON TABLE DB.RAW.EVENTS TO ROLE LOADER")!, granted: everything,
                                      future: [])?.privileges, ["ALL"])
        let future = [SQLRow(["privilege": "SELECT", "grant_on": "TABLE", "name": "DB.MART.<TABLE>", "grant_option": "false"])]
        XCTAssertEqual(GrantKind.live(GrantIdentity(parsing: "ON FUTURE TABLES IN SCHEMA DB.MART TO ROLE LOADER")!, granted: [],
                                      future: future)?.privileges, ["SELECT"])
        let props = GrantKind.properties(GrantIdentity(parsing: "ON FUTURE TABLES IN SCHEMA DB.MART TO ROLE LOADER")!,
                                         privileges: ["SELECT"], grantOption: false)
        XCTAssertEqual(props["on"], .map(["future": .string("tables"), "in_schema": .string("DB.MART")]))
    }

    /// Identities of grants on all objects (with their privileges) and of database roles read back as written.
    func testGrantIdentitiesRoundTrip() throws {
        for text in ["INSERT,SELECT ON ALL TABLES IN SCHEMA DB.RAW TO ROLE LOADER", "CREATE_TABLE,USAGE ON ALL SCHEMAS IN DATABASE DB TO ROLE DBT",
                     "ON TABLE DB.RAW.EVENTS TO DATABASE ROLE DB.RAW_READER", "DATABASE ROLE DB.RAW_READER TO ROLE ANALYST",
                     "DATABASE ROLE DB.RAW_READER TO DATABASE ROLE DB.ALL_READERS", "ON FUTURE TABLES IN SCHEMA DB.RAW TO DATABASE ROLE DB.R"] {
            XCTAssertEqual(GrantIdentity(parsing: text)?.description, text)
        }
        let all = try XCTUnwrap(GrantIdentity(parsing: "CREATE_TABLE,USAGE ON ALL SCHEMAS IN DATABASE DB TO ROLE DBT"))
        XCTAssertEqual(all.privileges, ["CREATE TABLE", "USAGE"])
        XCTAssertEqual(GrantKind.grantStatement(all.privileges, all, grantOption: false),
                       "GRANT CREATE TABLE, USAGE ON ALL SCHEMAS IN DATABASE \"DB\" TO ROLE \"DBT\"")
        let databaseRole = try XCTUnwrap(GrantIdentity(parsing: "DATABASE ROLE DB.RAW_READER TO ROLE ANALYST"))
        XCTAssertEqual(GrantKind.grantStatement([], databaseRole, grantOption: false), "GRANT DATABASE ROLE \"DB\".\"RAW_READER\" TO ROLE \"ANALYST\"")
        XCTAssertEqual(GrantKind.revokeStatement([], databaseRole), "REVOKE DATABASE ROLE \"DB\".\"RAW_READER\" FROM ROLE \"ANALYST\"")
        XCTAssertNotNil(GrantKind.live(databaseRole, granted: [SQLRow(["privilege": "USAGE", "granted_on": "DATABASE_ROLE", "name": "DB.RAW_READER"])],
                                       future: []))
    }

    func testStatementsQuoteEveryName() {
        let grant = GrantIdentity(parsing: "ON TABLE DB.RAW.EVENTS TO ROLE LOADER")!
        XCTAssertEqual(GrantKind.grantStatement(["INSERT", "SELECT"], grant, grantOption: false),
                       "GRANT INSERT, SELECT ON TABLE \"DB\".\"RAW\".\"EVENTS\" TO ROLE \"LOADER\"")
        XCTAssertEqual(GrantKind.revokeStatement(["ALL"], grant), "REVOKE ALL PRIVILEGES ON TABLE \"DB\".\"RAW\".\"EVENTS\" FROM ROLE \"LOADER\"")
        let role = GrantIdentity(parsing: "ROLE LOADER TO USER LOADER_SVC")!
        XCTAssertEqual(GrantKind.grantStatement([], role, grantOption: false), "GRANT ROLE \"LOADER\" TO USER \"LOADER_SVC\"")
    }

    func testUserKeysCompareByFingerprint() throws {
        let pair = SnowflakeKeyPair(privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let body = pair.privateKey.publicKey.derRepresentation.base64EncodedString()
        let pem = "-----BEGIN PUBLIC KEY-----\n" + body.chunked(64).joined(separator: "\n") + "\n-----END PUBLIC KEY-----\n"
        let kind = UserKind(sql: OfflineRunner())
        XCTAssertEqual(kind.normalize(.string(pem), property: "rsa_public_key"), .string(pair.publicKeyFingerprint))
        XCTAssertEqual(kind.normalize(.string(body), property: "rsa_public_key"), .string(pair.publicKeyFingerprint))
        XCTAssertEqual(try SnowflakePublicKey(text: pem).body, body)
        XCTAssertThrowsError(try SnowflakePublicKey(text: "not a key"))
        XCTAssertThrowsError(try SnowflakePublicKey(text: Data("hello".utf8).base64EncodedString()))
        XCTAssertNotNil(UserKind.publicKeyCheck.problem("not a key"))
        XCTAssertNil(UserKind.publicKeyCheck.problem(pem))
    }
}

private struct OfflineRunner: SQLRunner {
    func query(_ statement: String) async throws -> [SQLRow] { XCTFail("no statement expected: \(statement)"); return [] }
    func queryBatch(_ statements: [String]) async throws -> [[SQLRow]] { XCTFail("no statements expected"); return [] }
}

private extension String {
    func chunked(_ size: Int) -> [String] {
        stride(from: 0, to: count, by: size).map { String(dropFirst($0).prefix(size)) }
    }
}
