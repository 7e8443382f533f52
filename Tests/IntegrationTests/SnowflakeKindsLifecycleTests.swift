import Foundation
import TestSupport
import XCTest

/// Every Snowflake kind through the real CLI against the local SQL API: create, read back with an
/// independent client (snowflake-connector-python on the emulator's connector endpoint), no-op re-plan,
/// update in place, replacement, out-of-band drift, and destroy.
final class SnowflakeKindsLifecycleTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        project = try CLI.project([
            "environments/dev.yaml": """
                name: dev
                vars: {suffix: \(suffix)}
                snowflake:
                  account: LOCAL
                  user: DEPLOYER
                  private_key_file: \(local.privateKeyFile)
                  endpoint: \(local.snowflakeEndpoint)
                """,
        ])
        try writeStack(comment: "landing zone", extraColumn: false, idType: "NUMBER")
    }

    override func tearDownWithError() throws {
        if let project { _ = try? CLI.run(["destroy", "sf", "--env", "dev", "--auto-approve", "--skip-teardown", "--allow-data-loss"], in: project) }
    }

    func writeStack(comment: String, extraColumn: Bool, idType: String) throws {
        let stack = """
            stack: sf
            vars:
              suffix: X
              db: LZ_${var.suffix}
            resources:
              db:
                type: snowflake.database
                name: ${var.db}
                comment: \(comment)
              raw:
                type: snowflake.schema
                database: ${db}
                name: RAW
              wh:
                type: snowflake.warehouse
                name: LOAD_WH_${var.suffix}
                size: xsmall
                auto_suspend: 60
              json_gz:
                type: snowflake.file_format
                schema: ${raw}
                name: JSON_GZ
                format: json
                compression: gzip
                strip_outer_array: true
              events:
                type: snowflake.table
                schema: ${raw}
                name: RAW_EVENTS
                comment: events as they land
                columns:
                  - {name: id, type: \(idType), nullable: false}
                  - {name: payload, type: variant}
                  - {name: loaded_at, type: timestamp_ntz, default: CURRENT_TIMESTAMP()}
                  - {name: seen_at, type: timestamp_tz(3)}
                  - {name: local_time, type: time(0)}
            \(extraColumn ? "      - {name: source_file, type: varchar, comment: lineage}" : "")
              internal:
                type: snowflake.stage
                schema: ${raw}
                name: UPLOADS
                file_format: ${json_gz}
            """
        try stack.write(toFile: "\(project!)/stacks/sf.yaml", atomically: true, encoding: .utf8)
    }

    func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }

    func connector(_ sql: String) throws -> String {
        try local.python("""
            import json, os, snowflake.connector
            conn = snowflake.connector.connect(account='LOCAL', user='DEPLOYER', password='x', host='127.0.0.1',
                                               port=int(os.environ['INFRA_CONNECTOR_PORT']), protocol='http')
            cur = conn.cursor()
            cur.execute(os.environ['SQL'])
            print(json.dumps([[None if v is None else str(v) for v in row] for row in cur.fetchall()]))
            """, environment: ["SQL": sql])
    }

    func testCreateReadBackUpdateReplaceDriftDestroy() throws {
        let db = "LZ_\(suffix)"
        var result = try infra("apply", "sf", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertTrue(result.stdout.contains("6 added"), result.stdout)

        // Read back with the independent client.
        XCTAssertTrue(try connector("SHOW DATABASES LIKE '\(db)'").contains("landing zone"))
        let columns = try connector("DESC TABLE \(db).RAW.RAW_EVENTS")
        XCTAssertTrue(columns.contains("\"ID\", \"NUMBER(38,0)\""), columns)
        XCTAssertTrue(columns.contains("\"PAYLOAD\", \"VARIANT\""), columns)
        // Declared fractional-second precision is kept (Snowflake's default is 9), so the re-plan below is clean.
        XCTAssertTrue(columns.contains("\"SEEN_AT\", \"TIMESTAMP_TZ(3)\""), columns)
        XCTAssertTrue(columns.contains("\"LOCAL_TIME\", \"TIME(0)\""), columns)

        result = try infra("plan", "sf", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 0, "a second plan after apply shows no changes:\n" + result.stdout)

        // In place: a comment and an added column.
        try writeStack(comment: "landing zone v2", extraColumn: true, idType: "NUMBER")
        result = try infra("plan", "sf", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(result.exitCode, 2)
        XCTAssertTrue(result.stdout.contains("~ db"), result.stdout)
        XCTAssertTrue(result.stdout.contains("~ events"), result.stdout)
        XCTAssertFalse(result.stdout.contains("-/+"), result.stdout)
        XCTAssertEqual(try infra("apply", "sf", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertTrue(try connector("DESC TABLE \(db).RAW.RAW_EVENTS").contains("SOURCE_FILE"))
        XCTAssertEqual(try infra("plan", "sf", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        // A retype Snowflake cannot do in place: replacement, with the property that forces it.
        try writeStack(comment: "landing zone v2", extraColumn: true, idType: "VARCHAR")
        result = try infra("plan", "sf", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("-/+ events"), result.stdout)
        XCTAssertTrue(result.stdout.contains("forces replacement"), result.stdout)
        XCTAssertEqual(try infra("apply", "sf", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertTrue(try connector("DESC TABLE \(db).RAW.RAW_EVENTS").contains("\"ID\", \"VARCHAR(16777216)\""))

        // Drift: changed outside infra, reported as exactly that.
        _ = try connector("ALTER WAREHOUSE LOAD_WH_\(suffix) SET AUTO_SUSPEND = 300")
        result = try infra("plan", "sf", "--env", "dev")
        XCTAssertTrue(result.stdout.contains("changed outside infra"), result.stdout)
        XCTAssertTrue(result.stdout.contains("auto_suspend"), result.stdout)
        XCTAssertEqual(try infra("apply", "sf", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertEqual(try infra("plan", "sf", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        result = try infra("destroy", "sf", "--env", "dev", "--auto-approve")
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(db)'"), "[]\n")
        XCTAssertEqual(try connector("SHOW WAREHOUSES LIKE 'LOAD_WH_\(suffix)'"), "[]\n")
    }
}
