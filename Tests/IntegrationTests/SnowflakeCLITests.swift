import Foundation
import TestSupport
import XCTest

/// The Snowflake CLI (`snow`, pinned in emulator/requirements-snow.txt; scripts/setup installs it into .venv-snow)
/// pointed at the local Snowflake's connector port, as the README's connection block does, after `infra apply`:
/// connection test, sql, object list and describe for every kind infra manages, stage copy both ways,
/// list-files and remove. Each output must agree with what the stack declared.
final class SnowflakeCLITests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    var home: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()
    var db: String { "SC_\(suffix)" }
    var bucket: String { "sc-\(suffix.lowercased())" }

    struct NotSetUp: Error, CustomStringConvertible { var description: String }

    static var snowPath: String { "\(LocalEndpoints.projectRootPath)/.venv-snow/bin/snow" }

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        guard FileManager.default.isExecutableFile(atPath: Self.snowPath) else {
            throw NotSetUp(description: "the Snowflake CLI is not set up: run scripts/setup (it creates .venv-snow)")
        }
        project = try local.project()
        try """
            stack: sc
            resources:
              access:
                type: snowflake.storage_integration
                name: SC_INT_\(suffix)
                role_arn: arn:aws:iam::000000000000:role/sc-reader
                allowed_locations: ["s3://\(bucket)/raw/"]
                comment: landing zone
              warehouse: {type: snowflake.warehouse, name: SC_WH_\(suffix), size: SMALL}
              db: {type: snowflake.database, name: \(db), comment: seen by snow}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              json: {type: snowflake.file_format, schema: "${raw}", name: JSON_LINES, format: json}
              parquet: {type: snowflake.file_format, schema: "${raw}", name: PARQUET, format: parquet}
              landing:
                type: snowflake.stage
                schema: ${raw}
                name: LANDING
                url: s3://\(bucket)/raw/
                storage_integration: ${access}
                file_format: ${json}
              uploads: {type: snowflake.stage, schema: "${raw}", name: UPLOADS, comment: files from laptops}
              events:
                type: snowflake.table
                schema: ${raw}
                name: EVENTS
                columns: [{name: PAYLOAD, type: VARIANT}, {name: SOURCE_FILE, type: VARCHAR}]
              events_pipe:
                type: snowflake.pipe
                schema: ${raw}
                name: EVENTS_PIPE
                copy: {into: "${events}", from: "@${landing}"}
              reviews:
                type: snowflake.external_table
                schema: ${raw}
                name: EXT_REVIEWS
                location: "@${landing}/reviews/"
                file_format: ${parquet}
                columns: [{name: REVIEW_ID, type: VARCHAR, path: review_id}]
            """.write(toFile: "\(project!)/stacks/sc.yaml", atomically: true, encoding: .utf8)

        // The connection block the README shows, with the deployer's key.
        home = "\(project!)/snowflake-home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try """
            [cli]
            ignore_new_version_warning = true

            [connections.local]
            account = "LOCAL"
            user = "DEPLOYER"
            host = "127.0.0.1"
            port = \(local.connectorPort)
            protocol = "http"
            authenticator = "SNOWFLAKE_JWT"
            private_key_file = "\(local.privateKeyFile)"
            warehouse = "SC_WH_\(suffix)"
            """.write(toFile: "\(home!)/config.toml", atomically: true, encoding: .utf8)
        // snow refuses a config file others can read.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(home!)/config.toml")

        let applied = try CLI.run(["apply", "sc", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(applied.exitCode, 0, applied.stdout + applied.stderr)
    }

    override func tearDownWithError() throws {
        if let project { _ = try? CLI.run(["destroy", "sc", "--env", "dev", "--auto-approve", "--allow-data-loss"], in: project) }
    }

    /// Runs `snow ARGS -c local --format JSON` and returns its JSON output.
    func snow(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> Any {
        let result = try CLI.run(executable: Self.snowPath,
                                 ["--config-file", "\(home!)/config.toml"] + arguments + ["-c", "local", "--format", "JSON"],
                                 in: project, environment: ["SNOWFLAKE_HOME": home])
        let output = Data(result.stdout.utf8)
        XCTAssertEqual(result.exitCode, 0, "snow \(arguments.joined(separator: " ")):\n\(result.stdout)\n\(result.stderr)", file: file, line: line)
        return try JSONSerialization.jsonObject(with: output, options: [.fragmentsAllowed])
    }

    func rows(_ value: Any) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    func names(_ value: Any) -> [String] { rows(value).compactMap { $0["name"] as? String }.sorted() }

    func property(_ value: Any, _ name: String, key: String = "property", value field: String = "property_value") -> String? {
        rows(value).first { $0[key] as? String == name }?[field] as? String
    }

    func testConnectionSqlAndEveryKind() throws {
        let test = try snow("connection", "test") as? [String: Any]
        XCTAssertEqual(test?["Status"] as? String, "OK")
        XCTAssertEqual(test?["Account"] as? String, "LOCAL")
        XCTAssertEqual(test?["Warehouse"] as? String, "SC_WH_\(suffix)")

        // snow sql: context functions, and the kinds `snow object` has no name for (file format, pipe,
        // external table), listed and described through IDENTIFIER() as `snow object describe` does.
        let results = try snow("sql", "-q", """
            select current_account() as account, current_role() as role, current_available_roles() as roles;
            show file formats in schema \(db).RAW;
            describe file format identifier('\(db).RAW.JSON_LINES');
            show pipes in schema \(db).RAW;
            describe pipe identifier('\(db).RAW.EVENTS_PIPE');
            show external tables in schema \(db).RAW;
            describe external table identifier('\(db).RAW.EXT_REVIEWS');
            show parameters like 'DATA_RETENTION_TIME_IN_DAYS' in database \(db)
            """) as? [Any] ?? []
        XCTAssertEqual(results.count, 8, "\(results)")
        guard results.count == 8 else { return }
        XCTAssertEqual(rows(results[0]).first?["ACCOUNT"] as? String, "LOCAL")
        XCTAssertEqual(rows(results[0]).first?["ROLE"] as? String, "ACCOUNTADMIN")
        XCTAssertEqual(names(results[1]), ["JSON_LINES", "PARQUET"])
        XCTAssertEqual(rows(results[1]).first { $0["name"] as? String == "JSON_LINES" }?["type"] as? String, "JSON")
        XCTAssertEqual(property(results[2], "TYPE"), "JSON")
        XCTAssertEqual(names(results[3]), ["EVENTS_PIPE"])
        let definition = (rows(results[3]).first?["definition"] as? String ?? "").replacingOccurrences(of: "\"", with: "")
        XCTAssertTrue(definition.contains("FROM @\(db).RAW.LANDING"), definition)
        XCTAssertEqual(rows(results[4]).first?["name"] as? String, "EVENTS_PIPE")
        XCTAssertEqual(names(results[5]), ["EXT_REVIEWS"])
        XCTAssertTrue(names(results[6]).contains("REVIEW_ID"), "\(results[6])")
        XCTAssertEqual(property(results[7], "DATA_RETENTION_TIME_IN_DAYS", key: "key", value: "value"), "1")

        // snow object list / describe, for the kinds it knows.
        XCTAssertEqual(names(try snow("object", "list", "database", "--like", db)), [db])
        XCTAssertEqual(rows(try snow("object", "list", "database", "--like", db)).first?["comment"] as? String, "seen by snow")
        XCTAssertEqual(names(try snow("object", "describe", "database", db)), ["INFORMATION_SCHEMA", "PUBLIC", "RAW"])
        XCTAssertTrue(names(try snow("object", "list", "schema", "--in", "database", db)).contains("RAW"))
        XCTAssertTrue(names(try snow("object", "describe", "schema", "\(db).RAW")).contains("EVENTS"))
        XCTAssertEqual(names(try snow("object", "list", "table", "--in", "schema", "RAW", "--database", db)).filter { $0 == "EVENTS" },
                       ["EVENTS"])
        let columns = rows(try snow("object", "describe", "table", "\(db).RAW.EVENTS"))
        XCTAssertEqual(columns.map { "\($0["name"] ?? "") \($0["type"] ?? "")" }, ["PAYLOAD VARIANT", "SOURCE_FILE VARCHAR(16777216)"])
        let warehouses = rows(try snow("object", "list", "warehouse", "--like", "SC_WH_\(suffix)"))
        XCTAssertEqual(warehouses.first?["size"] as? String, "Small")
        XCTAssertEqual(rows(try snow("object", "describe", "warehouse", "SC_WH_\(suffix)")).first?["kind"] as? String, "WAREHOUSE")
        let stages = rows(try snow("object", "list", "stage", "--in", "schema", "RAW", "--database", db))
        XCTAssertEqual(stages.compactMap { $0["name"] as? String }.sorted(), ["LANDING", "UPLOADS"])
        XCTAssertEqual(stages.first { $0["name"] as? String == "LANDING" }?["url"] as? String, "s3://\(bucket)/raw/")
        XCTAssertEqual(stages.first { $0["name"] as? String == "UPLOADS" }?["comment"] as? String, "files from laptops")
        let landing = try snow("object", "describe", "stage", "\(db).RAW.LANDING")
        XCTAssertEqual(property(landing, "URL"), "[\"s3://\(bucket)/raw/\"]")
        XCTAssertEqual(property(landing, "STORAGE_INTEGRATION"), "SC_INT_\(suffix)")
        let integrations = rows(try snow("object", "list", "integration", "--like", "SC_INT_\(suffix)"))
        XCTAssertEqual(integrations.first?["type"] as? String, "EXTERNAL_STAGE")
        XCTAssertEqual(integrations.first?["comment"] as? String, "landing zone")
        let integration = try snow("object", "describe", "integration", "SC_INT_\(suffix)")
        XCTAssertEqual(property(integration, "STORAGE_AWS_ROLE_ARN"), "arn:aws:iam::000000000000:role/sc-reader")
        XCTAssertEqual(property(integration, "STORAGE_ALLOWED_LOCATIONS"), "s3://\(bucket)/raw/")
    }

    func testStageCopyListAndRemove() throws {
        let upload = "\(project!)/events.csv"
        try "1,first\n2,second\n".write(toFile: upload, atomically: true, encoding: .utf8)

        // Up into the internal stage and into the table's stage (`@DB.S.%T`, which snow sends quoted).
        let put = rows(try snow("stage", "copy", upload, "@\(db).RAW.UPLOADS/in/"))
        XCTAssertEqual(put.first?["status"] as? String, "UPLOADED")
        XCTAssertEqual(rows(try snow("stage", "copy", upload, "@\(db).RAW.%EVENTS")).first?["status"] as? String, "UPLOADED")
        XCTAssertEqual(names(try snow("stage", "list-files", "@\(db).RAW.UPLOADS")), ["uploads/in/events.csv"])
        let tableStage = rows(try snow("stage", "list-files", "@\(db).RAW.%EVENTS"))
        XCTAssertEqual(tableStage.map { "\($0["name"] ?? "") \($0["size"] ?? "")" }, ["events.csv 17"])

        // Down again, byte for byte.
        let downloads = "\(project!)/downloads"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let got = rows(try snow("stage", "copy", "@\(db).RAW.UPLOADS/in/events.csv", downloads))
        XCTAssertEqual(got.first?["status"] as? String, "DOWNLOADED")
        XCTAssertEqual(try String(contentsOfFile: "\(downloads)/events.csv", encoding: .utf8), "1,first\n2,second\n")

        let removed = try snow("stage", "remove", "@\(db).RAW.UPLOADS", "in/events.csv")
        XCTAssertEqual((removed as? [String: Any])?["result"] as? String ?? rows(removed).first?["result"] as? String, "removed")
        XCTAssertEqual(names(try snow("stage", "list-files", "@\(db).RAW.UPLOADS")), [])
        XCTAssertEqual(names(try snow("stage", "list-files", "@\(db).RAW.%EVENTS")), ["events.csv"])
    }
}
