import Foundation
import SnowflakeSQLAPI
import TestSupport
import XCTest

/// The SQL API client against the local Snowflake SQL API over HTTP: JWT, results, partitions, async,
/// multi-statement requests, typed errors and retries under injected faults.
final class SQLAPIClientIntegrationTests: XCTestCase {
    var local: LocalEndpoints!

    /// Several statements in one request need a warehouse in the session, as in Snowflake.
    static let warehouse = "SQLAPI_TEST_WH"

    override func setUp() async throws {
        local = try LocalEndpoints.shared()
        _ = try await client(warehouse: nil).execute("CREATE WAREHOUSE IF NOT EXISTS \(Self.warehouse)")
    }

    func client(user: String = "DEPLOYER", key: SnowflakeKeyPair? = nil, retry: RetryPolicy = RetryPolicy(baseDelay: 0.05),
                warehouse: String? = SQLAPIClientIntegrationTests.warehouse,
                now: @escaping @Sendable () -> Date = Date.init) throws -> SQLAPIClient {
        let keyPair = try key ?? SnowflakeKeyPair(file: local.privateKeyFile)
        let issuer = KeyPairJWTIssuer(account: SnowflakeAccount("LOCAL"), user: user, keyPair: keyPair, now: now)
        return SQLAPIClient(SQLAPIConfiguration(endpoint: URL(string: local.snowflakeEndpoint)!, authentication: .keyPair(issuer),
                                                context: StatementContext(warehouse: warehouse), retry: retry))
    }

    func testSeveralStatementsInOneRequestNeedAWarehouse() async throws {
        do {
            _ = try await client(warehouse: nil).executeMany(["SELECT 1", "SELECT 2"], fetchResults: false)
            XCTFail("a multi-statement request without a warehouse must fail")
        } catch let error as SnowflakeError {
            XCTAssertEqual(error.code, "000606")
        }
        // The context fields are case-sensitive: a lower-case spelling names no warehouse.
        do {
            _ = try await client(warehouse: Self.warehouse.lowercased()).executeMany(["SELECT 1", "SELECT 2"], fetchResults: false)
            XCTFail("a warehouse spelt in another case is not the warehouse")
        } catch let error as SnowflakeError {
            XCTAssertEqual(error.code, "000606")
        }
        let results = try await client().executeMany(["SELECT 1", "SELECT 2"], fetchResults: true)
        XCTAssertEqual(results.map(\.rows), [[["1"]], [["2"]]])
    }

    func testStatementsResultsAndTypedErrors() async throws {
        let sql = try client()
        let one = try await sql.execute("SELECT 1 AS ONE, 'it''s' AS TEXT, NULL AS NOTHING")
        XCTAssertEqual(one.columns.map(\.name), ["ONE", "TEXT", "NOTHING"])
        XCTAssertEqual(one.rows, [["1", "it's", nil]])

        let db = "SQLAPI_\(UInt32.random(in: 0...UInt32.max))"
        let created = try await sql.executeMany([
            "CREATE DATABASE \(db)", "CREATE SCHEMA \(db).RAW", "CREATE TABLE \(db).RAW.T (ID NUMBER, NAME VARCHAR)",
            "INSERT INTO \(db).RAW.T VALUES (1, 'a'), (2, 'b')", "SELECT COUNT(*) FROM \(db).RAW.T",
        ], fetchResults: true)
        XCTAssertEqual(created.count, 5)
        XCTAssertEqual(created[4].rows, [["2"]])

        let bound = try await sql.execute("SELECT NAME FROM \(db).RAW.T WHERE ID = ?", bindings: [.fixed(2)])
        XCTAssertEqual(bound.rows, [["b"]])

        do {
            _ = try await sql.execute("SELECT * FROM \(db).RAW.MISSING")
            XCTFail("a missing table must fail")
        } catch let error as SnowflakeError {
            XCTAssertEqual(error.code, SnowflakeError.objectDoesNotExist)
            XCTAssertEqual(error.httpStatus, 422)
            XCTAssertNotNil(error.statementHandle)
        }
        do {
            _ = try await sql.execute("SELEC 1")
            XCTFail("bad syntax must fail")
        } catch let error as SnowflakeError {
            XCTAssertEqual(error.code, SnowflakeError.syntaxError)
        }
        do {
            _ = try await sql.execute("CREATE DATABASE \(db)")
            XCTFail("creating twice must fail")
        } catch let error as SnowflakeError {
            XCTAssertEqual(error.code, SnowflakeError.objectAlreadyExists)
        }
        _ = try await sql.execute("DROP DATABASE \(db)")
    }

    func testLargeResultsArriveInPartitionsAndAsyncStatementsArePolled() async throws {
        let sql = try client()
        let db = "PARTS_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await sql.executeMany(["CREATE DATABASE \(db)", "CREATE SCHEMA \(db).S", "CREATE TABLE \(db).S.N (I NUMBER)"], fetchResults: false)
        let values = (0..<2500).map { "(\($0))" }.joined(separator: ",")
        _ = try await sql.execute("INSERT INTO \(db).S.N VALUES \(values)")
        sql.resetMetrics()
        let all = try await sql.execute("SELECT I FROM \(db).S.N ORDER BY I")
        XCTAssertEqual(all.rows.count, 2500)
        XCTAssertEqual(all.rows.last, ["2499"])
        XCTAssertGreaterThan(sql.metrics.requests, 1, "more than one partition was fetched")

        let handle = try await sql.submitAsync("SELECT COUNT(*) FROM \(db).S.N")
        let counted = try await sql.result(of: handle)
        XCTAssertEqual(counted.rows, [["2500"]])
        _ = try await sql.execute("DROP DATABASE \(db)")
    }

    func testJWTsThatSnowflakeWouldRefuse() async throws {
        // An expired token.
        let stale = try client(retry: .none, now: { Date().addingTimeInterval(-7200) })
        await assertInvalidJWT(stale)
        // A key that is not registered for the user.
        let stranger = try client(key: SnowflakeKeyPair(privateKey: .init(keySize: .bits2048)), retry: .none)
        await assertInvalidJWT(stranger)
        // A user that does not exist.
        await assertInvalidJWT(try client(user: "NOBODY", retry: .none))
    }

    func testEncryptedKeyRegisteredWithAlterUser() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        XCTAssertEqual(shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkcs8 -topk8 -v2 aes256 -passout pass:hunter2 -out \(folder)/k.p8"), 0)
        XCTAssertEqual(shell("openssl pkcs8 -in \(folder)/k.p8 -passin pass:hunter2 | openssl rsa -pubout 2>/dev/null | grep -v -- ----- | tr -d '\\n' > \(folder)/pub"), 0)
        let publicKey = try String(contentsOfFile: "\(folder)/pub", encoding: .utf8)
        let user = "LOADER_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try client()
        _ = try await admin.execute("CREATE USER \(user)")
        _ = try await admin.execute("ALTER USER \(user) SET RSA_PUBLIC_KEY = '\(publicKey)'")
        let loader = try client(user: user, key: SnowflakeKeyPair(file: "\(folder)/k.p8", passphrase: "hunter2"))
        let result = try await loader.execute("SELECT 42")
        XCTAssertEqual(result.rows, [["42"]])
    }

    func testTransientFailuresAreRetriedWithoutRunningTwice() async throws {
        let sql = try client(retry: RetryPolicy(maxAttempts: 12, baseDelay: 0.01, maxDelay: 0.1))
        let db = "RETRY_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await sql.executeMany(["CREATE DATABASE \(db)", "CREATE SCHEMA \(db).S", "CREATE TABLE \(db).S.T (I NUMBER)"], fetchResults: false)
        try local.setFaults("snowflake", ["error_rate": 0.4, "errors": ["429", "503", "500"], "seed": 7])
        defer { try? local.setFaults("snowflake", ["error_rate": 0]) }
        for i in 0..<20 { _ = try await sql.execute("INSERT INTO \(db).S.T VALUES (\(i))") }
        try local.setFaults("snowflake", ["error_rate": 0])
        XCTAssertGreaterThan(sql.metrics.retries, 0, "faults were injected and retried")
        let count = try await sql.execute("SELECT COUNT(*), COUNT(DISTINCT I) FROM \(db).S.T")
        XCTAssertEqual(count.rows, [["20", "20"]], "every insert ran exactly once")
        _ = try await sql.execute("DROP DATABASE \(db)")
    }

    private func assertInvalidJWT(_ sql: SQLAPIClient, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            _ = try await sql.execute("SELECT 1")
            XCTFail("the token must be refused", file: file, line: line)
        } catch let error as SnowflakeError {
            XCTAssertEqual(error.code, SnowflakeError.invalidJWT, file: file, line: line)
            XCTAssertEqual(error.httpStatus, 401, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    private func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try! p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
