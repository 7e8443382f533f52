import Foundation
import InfraEngine
import SnowflakeProvider
import SnowflakeSQLAPI
import TestSupport
import XCTest

/// What a real Snowflake account does that infra once got wrong (issue 11), against the local SQL API, which
/// reproduces each behaviour: SHOW's row ceiling and paging, multi-statement requests without a warehouse,
/// typed column types, odd names end to end.
final class SnowflakeFidelityTests: XCTestCase {
    var local: LocalEndpoints!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()

    override func setUpWithError() throws { local = try LocalEndpoints.shared() }

    func client(warehouse: String? = nil) throws -> SQLAPIClient {
        let issuer = KeyPairJWTIssuer(account: SnowflakeAccount("LOCAL"), user: "DEPLOYER", keyPair: try SnowflakeKeyPair(file: local.privateKeyFile))
        return SQLAPIClient(SQLAPIConfiguration(endpoint: URL(string: local.snowflakeEndpoint)!, authentication: .keyPair(issuer),
                                                context: StatementContext(warehouse: warehouse)))
    }

    func testReadsPastTheShowCeilingByPagingAndNarrowingScope() async throws {
        let sql = try client()
        let db = "PAGED_\(suffix)"
        var statements = ["CREATE DATABASE \(db)"]
        var tables: [String] = []
        for schema in ["A", "B"] {
            statements.append("CREATE SCHEMA \(db).\(schema)")
            for t in 1...4 {
                statements.append("CREATE TABLE \(db).\(schema).T\(t) (ID NUMBER, NOTE VARCHAR(10), PRIMARY KEY (ID))")
                tables.append("\(db).\(schema).T\(t)")
            }
        }
        try await SQLAPIRunner(client: sql).execute(statements)
        // Snowflake answers at most 10,000 rows per SHOW; here both sides use 3, so four tables per schema,
        // eight columns per schema and many more in the account are each past it.
        try local.setShowRowCeiling(3)
        defer { try? local.setShowRowCeiling(10_000) }
        let runner = SQLAPIRunner(client: sql, showRowLimit: 3)

        let read = try await TableKind(sql: runner).read(tables)
        XCTAssertEqual(Set(read.keys), Set(tables))
        for table in read.values {
            XCTAssertEqual(table.properties["columns"]?.listValue?.compactMap { $0.mapValue?["name"]?.stringValue }, ["ID", "NOTE"], table.identity)
            XCTAssertEqual(table.properties["primary_key"], .list([.string("ID")]))
        }
        let schemas = try await SchemaKind(sql: runner).read(["\(db).A", "\(db).B", "\(db).NOPE", "NO_DB_\(suffix).S"])
        XCTAssertEqual(Set(schemas.keys), ["\(db).A", "\(db).B"])
        // Objects still to be created, in a schema or database that does not exist yet, are simply absent.
        let missing = try await TableKind(sql: runner).read(tables + ["\(db).NOPE.T", "NO_DB_\(suffix).S.T"])
        XCTAssertEqual(Set(missing.keys), Set(tables))
        try local.setShowRowCeiling(10_000)
        _ = try await sql.execute("DROP DATABASE \(db)")
    }

    func testWithoutAWarehouseEveryStatementIsItsOwnRequest() async throws {
        let db = "NOWH_\(suffix)"
        let plain = SQLAPIRunner(client: try client())
        // In Snowflake these would fail as one multi-statement request: no warehouse in the session.
        try await plain.execute(["CREATE DATABASE \(db)", "CREATE SCHEMA \(db).S", "CREATE TABLE \(db).S.T (I NUMBER)"])
        let results = try await plain.queryBatch(["SELECT 1 AS N", "SELECT 2 AS N", "SHOW SCHEMAS IN DATABASE \(db)"])
        XCTAssertEqual(results.map { $0.first?["n"] }, ["1", "2", nil])
        XCTAssertTrue(results[2].contains { $0["name"] == "S" })
        // A failure stops the sequence, as a multi-statement request would.
        do {
            try await plain.execute(["CREATE TABLE \(db).S.T (I NUMBER)", "CREATE TABLE \(db).S.U (I NUMBER)"])
            XCTFail("creating T twice must fail")
        } catch let error as SnowflakeError { XCTAssertEqual(error.code, SnowflakeError.objectAlreadyExists) }
        let shown = try await plain.query("SHOW TABLES IN SCHEMA \(db).S").compactMap { $0["name"] }
        XCTAssertEqual(shown, ["T"])

        // With a warehouse (named in any case infra accepts: unquoted means upper case), one request per batch.
        let warehouse = "FIDELITY_WH_\(suffix)"
        _ = try await plain.query("CREATE WAREHOUSE \(warehouse)")
        let batched = SQLAPIRunner(client: try client(warehouse: warehouse))
        let before = try local.admin("snowflake", "/_infra/requests")["total_requests"] as? Int ?? 0
        try await batched.execute(["CREATE TABLE \(db).S.V (I NUMBER)", "CREATE TABLE \(db).S.W (I NUMBER)", "DROP TABLE \(db).S.W"])
        let after = try local.admin("snowflake", "/_infra/requests")["total_requests"] as? Int ?? 0
        XCTAssertEqual(after - before, 1, "one multi-statement request")
        _ = try await plain.query("DROP DATABASE \(db)")
        _ = try await plain.query("DROP WAREHOUSE \(warehouse)")
    }

    func testConnectionContextIsSentInShowCase() throws {
        let project = try local.project()
        let stack = """
            stack: ctx
            resources:
              wh: {type: snowflake.warehouse, name: CTX_WH_\(suffix), size: xsmall}
            pipelines:
              verify:
                - name: multi
                  sql: SELECT CURRENT_WAREHOUSE()
                  expect: {value: CTX_WH_\(suffix)}
            """
        try stack.write(toFile: "\(project)/stacks/ctx.yaml", atomically: true, encoding: .utf8)
        // The warehouse written in lower case, as users do; the SQL API wants it as SHOW spells it.
        let env = try String(contentsOfFile: "\(project)/environments/dev.yaml", encoding: .utf8)
            .replacingOccurrences(of: "endpoint: \"\(local.snowflakeEndpoint)\"}", with: "endpoint: \"\(local.snowflakeEndpoint)\", warehouse: ctx_wh_\(suffix.lowercased())}")
        try env.write(toFile: "\(project)/environments/dev.yaml", atomically: true, encoding: .utf8)
        var result = try CLI.run(["apply", "ctx", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        result = try CLI.run(["run", "ctx", "verify", "--env", "dev"], in: project)
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertEqual(try CLI.run(["destroy", "ctx", "--env", "dev", "--auto-approve", "--skip-teardown"], in: project).exitCode, 0)
    }

    func testColumnTypesAreCheckedByValidateWithTheirPlace() throws {
        let project = try local.project()
        let stack = """
            stack: types
            resources:
              db: {type: snowflake.database, name: TYPES}
              s: {type: snowflake.schema, database: "${db}", name: RAW}
              t:
                type: snowflake.table
                schema: ${s}
                name: T
                columns:
                  - {name: a, type: "NUMBER)("}
                  - {name: b, type: 'VARIANT, "INJECTED" NUMBER'}
                  - {name: c, type: NUMBR(10)}
                  - {name: d, type: NUMBER COMMENT 'x' NOT NULL}
                  - {name: e, type: "VARCHAR(100)"}
            """
        try stack.write(toFile: "\(project)/stacks/types.yaml", atomically: true, encoding: .utf8)
        let requestsBefore = try local.admin("snowflake", "/_infra/requests")["total_requests"] as? Int
        var result = try CLI.run(["validate", "types", "--env", "dev"], in: project)
        XCTAssertEqual(result.exitCode, 1)
        let output = result.stderr + result.stdout
        // Each points at the problem inside the value: `)(`, the `,`, the unknown name, the `COMMENT`.
        XCTAssertTrue(output.contains("stacks/types.yaml:10:32: error: column type 'NUMBER)(': unexpected text after the type: ')('"), output)
        XCTAssertTrue(output.contains("stacks/types.yaml:11:33: error: column type 'VARIANT, \"INJECTED\" NUMBER': unexpected text"), output)
        XCTAssertTrue(output.contains("stacks/types.yaml:12:25: error: column type 'NUMBR(10)': 'NUMBR' is not a Snowflake data type"), output)
        XCTAssertTrue(output.contains("stacks/types.yaml:13:32: error: column type 'NUMBER COMMENT 'x' NOT NULL'"), output)
        XCTAssertFalse(output.contains("'VARCHAR(100)'"), output)
        // Refused before any call: plan stops at the same errors.
        result = try CLI.run(["plan", "types", "--env", "dev"], in: project)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertTrue((result.stderr + result.stdout).contains("column type 'NUMBER)('"))
        XCTAssertEqual(try local.admin("snowflake", "/_infra/requests")["total_requests"] as? Int, requestsBefore)
    }

    /// Hostile column types, defaults and identifiers: infra answers 0 or 1, never a crash (a trap exits 132/134).
    func testNoInputCrashesInfra() throws {
        let types = ["NUMBER)(", "VARIANT, \"X\" NUMBER", "NUMBER COMMENT 'x' NOT NULL", "VARCHAR(99999999999999999999)", "(", ")", "\"",
                     "'", ";", "日本語", "NUMBER(10,2)", "VECTOR(FLOAT, 3)", "", " ", "\\", "$$", "VARCHAR(1)\nDROP TABLE x", "NUMBER(", "X("]
        let defaults = ["CURRENT_TIMESTAMP()", "'it''s'", "'it\\'s'", "1; DROP TABLE x", "(", "')", "$$x$$", "NULL", "日本", "'\n'"]
        let names = ["\"it's\"", "\"a\"\"b\"", "\"(\"", "\";\"", "日本", "\"\"", "a b", "\"x\ny\"", "'", "$$", "\"", "ok_name", "\"Mixed.Case\""]
        func quoted(_ s: String) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description }
        let project = try local.project()
        for i in 0..<24 {
            let (type, defaultText, name) = (types[i % types.count], defaults[(i * 3) % defaults.count], names[(i * 5) % names.count])
            let stack = """
                stack: fuzz
                resources:
                  db: {type: snowflake.database, name: \(quoted("FUZZ_\(suffix)"))}
                  s: {type: snowflake.schema, database: "${db}", name: \(quoted(name))}
                  t:
                    type: snowflake.table
                    schema: ${s}
                    name: \(quoted(name))
                    columns:
                      - {name: \(quoted(name)), type: \(quoted(type)), default: \(quoted(defaultText))}
                    primary_key: [\(quoted(name))]
                    cluster_by: [\(quoted(name))]
                """
            try stack.write(toFile: "\(project)/stacks/fuzz.yaml", atomically: true, encoding: .utf8)
            for command in [["validate", "fuzz", "--env", "dev"], ["plan", "fuzz", "--env", "dev"]] {
                let result = try CLI.run(command, in: project)
                XCTAssertTrue([0, 1].contains(result.exitCode), "\(command[0]) exited \(result.exitCode) for type \(type.debugDescription), "
                              + "default \(defaultText.debugDescription), name \(name.debugDescription):\n\(result.stderr)")
            }
        }
    }

    func testAComputedDefaultOnALoadedTableIsAReplacementThePlanExplains() throws {
        let project = try local.project()
        func write(_ extra: String) throws {
            try """
                stack: loaded
                resources:
                  db: {type: snowflake.database, name: LOADED_\(suffix)}
                  s: {type: snowflake.schema, database: "${db}", name: RAW}
                  t:
                    type: snowflake.table
                    schema: ${s}
                    name: EVENTS
                    columns:
                      - {name: id, type: number}
                \(extra)
                """.write(toFile: "\(project)/stacks/loaded.yaml", atomically: true, encoding: .utf8)
        }
        try write("")
        defer { _ = try? CLI.run(["destroy", "loaded", "--env", "dev", "--auto-approve", "--skip-teardown"], in: project) }
        XCTAssertEqual(try CLI.run(["apply", "loaded", "--env", "dev", "--auto-approve"], in: project).exitCode, 0)
        _ = try local.connectorRows("INSERT INTO LOADED_\(suffix).RAW.EVENTS VALUES (1)")

        // Snowflake would refuse this ALTER on a table with rows: the plan says so before anything runs.
        try write("      - {name: loaded_at, type: timestamp_ntz, default: CURRENT_TIMESTAMP()}")
        var result = try CLI.run(["plan", "loaded", "--env", "dev"], in: project)
        XCTAssertTrue(result.stdout.contains("-/+ t (snowflake.table) must be replaced"), result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("Snowflake cannot add column LOADED_AT with the non-constant default CURRENT_TIMESTAMP() to a table that has rows"), result.stdout)
        XCTAssertTrue(result.stdout.contains("add the column without a default or with a constant one"), result.stdout)

        // The way that keeps the rows: a constant default (or none), added in place.
        try write("      - {name: source, type: varchar, default: \"'unknown'\"}")
        result = try CLI.run(["plan", "loaded", "--env", "dev"], in: project)
        XCTAssertTrue(result.stdout.contains("~ t (snowflake.table)"), result.stdout)
        XCTAssertEqual(try CLI.run(["apply", "loaded", "--env", "dev", "--auto-approve"], in: project).exitCode, 0)
        XCTAssertEqual(try local.connectorRows("SELECT ID, SOURCE FROM LOADED_\(suffix).RAW.EVENTS"), [["1", "unknown"]])
    }

    func testOddNamesApplyReplanCleanAndReadBack() throws {
        let project = try local.project()
        let db = "odd db.x;y \(suffix)"
        let comment = "it's a \"quote\", $$dollars$$ and\na newline"
        func quoted(_ s: String) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description }
        let stack = """
            stack: odd
            resources:
              db: {type: snowflake.database, name: \(quoted("\"\(db)\"")), comment: \(quoted(comment))}
              raw: {type: snowflake.schema, database: "${db}", name: \(quoted("\"Raw \"\"quoted\"\"\"")), comment: \(quoted(comment))}
              format: {type: snowflake.file_format, schema: "${raw}", name: \(quoted("\"ff-1\"")), format: json, comment: \(quoted(comment))}
              stage: {type: snowflake.stage, schema: "${raw}", name: \(quoted("\"stage x\"")), file_format: "${format}", comment: \(quoted(comment))}
              events:
                type: snowflake.table
                schema: ${raw}
                name: \(quoted("\"it's\""))
                comment: \(quoted(comment))
                columns:
                  - {name: \(quoted("\"sp ace\"")), type: number}
                  - {name: \(quoted("\"it's\"")), type: varchar(20), comment: \(quoted(comment))}
                  - {name: lower_case, type: "timestamp with time zone"}
                  - {name: \(quoted("\"lower\"")), type: text, default: \(quoted("'a b'"))}
                primary_key: [\(quoted("\"sp ace\""))]
                cluster_by: [\(quoted("\"it's\"")), lower_case]
            """
        try stack.write(toFile: "\(project)/stacks/odd.yaml", atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(["destroy", "odd", "--env", "dev", "--auto-approve", "--skip-teardown"], in: project) }
        var result = try CLI.run(["apply", "odd", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        result = try CLI.run(["plan", "odd", "--env", "dev", "--detailed-exitcode"], in: project)
        XCTAssertEqual(result.exitCode, 0, "a second plan shows no changes:\n" + result.stdout + result.stderr)

        let table = "\"\(db)\".\"Raw \"\"quoted\"\"\".\"it's\""
        let columns = try local.connectorRows("SHOW COLUMNS IN TABLE \(table)")
        XCTAssertEqual(columns.map { $0[2] }, ["sp ace", "it's", "LOWER_CASE", "lower"])
        XCTAssertEqual(columns.map { $0[4] }, ["false", "true", "true", "true"], "the key column is NOT NULL")
        XCTAssertTrue(columns.contains { $0.contains(comment) }, "\(columns)")
        let shown = try local.connectorRows("SHOW TABLES LIKE 'it''s' IN SCHEMA \"\(db)\".\"Raw \"\"quoted\"\"\"")
        XCTAssertEqual(shown.count, 1)
        XCTAssertTrue(shown[0].contains(comment), "\(shown)")
        // infra quotes every key it sends, and a quoted key reads back quoted.
        XCTAssertTrue(shown[0].contains("LINEAR(\"it's\", \"LOWER_CASE\")"), "\(shown)")
        XCTAssertTrue(try local.connectorRows("SHOW DATABASES").contains { $0.contains(db) && $0.contains(comment) })
    }
}
