import Foundation
import TestSupport
import XCTest

/// The loading kinds through the real CLI against the local SQL API: storage integration, external stage,
/// pipe and external table. Create and read back with snowflake-connector-python, no-op re-plan, in-place
/// change, replacement with its reason, drift made out of band, destroy.
final class SnowflakeLoadingKindsLifecycleTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        project = try local.project()
        try writeStack(version: 1)
    }

    override func tearDownWithError() throws {
        if let project { _ = try? CLI.run(["destroy", "ld", "--env", "dev", "--auto-approve", "--allow-data-loss"], in: project) }
    }

    func writeStack(version: Int) throws {
        let bucket = "ld-\(suffix.lowercased())"
        try """
            stack: ld
            resources:
              access:
                type: snowflake.storage_integration
                name: LD_INT_\(suffix)
                role_arn: arn:aws:iam::000000000000:role/ld-reader
                allowed_locations: \(version == 1 ? "[\"s3://\(bucket)/raw/\"]" : "[\"s3://\(bucket)/raw/\", \"s3://\(bucket)/curated/\"]")
                comment: \(version == 1 ? "first" : "second")
              db: {type: snowflake.database, name: LD_\(suffix)}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              json: {type: snowflake.file_format, schema: "${raw}", name: JSON_LINES, format: json}
              parquet: {type: snowflake.file_format, schema: "${raw}", name: PARQUET, format: parquet}
              stage:
                type: snowflake.stage
                schema: ${raw}
                name: RAW_STAGE
                url: s3://\(bucket)/raw/
                storage_integration: ${access}
                file_format: ${json}
              events:
                type: snowflake.table
                schema: ${raw}
                name: EVENTS
                columns: [{name: PAYLOAD, type: VARIANT}, {name: SOURCE_FILE, type: VARCHAR}]
              events_pipe:
                type: snowflake.pipe
                schema: ${raw}
                name: EVENTS_PIPE
                comment: \(version == 1 ? "auto ingest" : "auto ingest, json only")
                copy:
                  into: ${events}
                  from: "@${stage}"
                  \(version == 1 ? "on_error: CONTINUE" : "pattern: .*[.]json")
              reviews:
                type: snowflake.external_table
                schema: ${raw}
                name: EXT_REVIEWS
                location: "@${stage}/reviews/"
                file_format: ${parquet}
                auto_refresh: true
                comment: \(version == 1 ? "reviews in place" : "reviews, read in place")
                columns:
                  - {name: REVIEW_ID, type: VARCHAR, path: review_id}
                  - {name: RATING, type: NUMBER, path: rating}
            """.write(toFile: "\(project!)/stacks/ld.yaml", atomically: true, encoding: .utf8)
    }

    func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }

    func connector(_ sql: String) throws -> String {
        try local.python("""
            import json, os, snowflake.connector
            conn = snowflake.connector.connect(account='LOCAL', user='DEPLOYER', password='x', host='127.0.0.1',
                                               port=int(os.environ['INFRA_CONNECTOR_PORT']), protocol='http')
            cur = conn.cursor()
            cur.execute(os.environ['SQL'])
            names = [d[0].lower() for d in cur.description]
            print(json.dumps([dict(zip(names, [None if v is None else str(v) for v in row])) for row in cur.fetchall()]))
            """, environment: ["SQL": sql])
    }

    func rows(_ sql: String) throws -> [[String: String?]] {
        try JSONDecoder().decode([[String: String?]].self, from: Data(try connector(sql).utf8))
    }

    func testIntegrationStagePipeExternalTable() throws {
        var r = try infra("apply", "ld", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)

        // Read back every declared property with the independent client.
        let desc = Dictionary(try rows("DESC INTEGRATION LD_INT_\(suffix)").map { ($0["property"]!! , $0["property_value"] ?? "") },
                              uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(desc["STORAGE_AWS_ROLE_ARN"], "arn:aws:iam::000000000000:role/ld-reader")
        XCTAssertEqual(desc["STORAGE_ALLOWED_LOCATIONS"], "s3://ld-\(suffix.lowercased())/raw/")
        XCTAssertEqual(desc["COMMENT"], "first")
        XCTAssertEqual(desc["STORAGE_AWS_EXTERNAL_ID"].flatMap { $0 }?.isEmpty, false)
        let stage = try rows("SHOW STAGES LIKE 'RAW_STAGE' IN ACCOUNT").first
        XCTAssertEqual(stage?["url"], "s3://ld-\(suffix.lowercased())/raw/")
        XCTAssertEqual(stage?["storage_integration"], "LD_INT_\(suffix)")
        let pipe = try rows("SHOW PIPES IN DATABASE LD_\(suffix)").first
        XCTAssertTrue((pipe?["definition"] ?? "")?.contains("ON_ERROR = CONTINUE") == true, "\(String(describing: pipe))")
        XCTAssertTrue((pipe?["notification_channel"] ?? "")?.hasPrefix("arn:aws:sqs:") == true)
        XCTAssertEqual(try rows("SHOW EXTERNAL TABLES IN DATABASE LD_\(suffix)").first?["comment"], "reviews in place")

        r = try infra("plan", "ld", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(r.exitCode, 0, "no perpetual diff:\n" + r.stdout)

        // In place (integration locations and comment, external table comment, pipe comment) and one
        // replacement (the pipe's COPY), with its reason.
        try writeStack(version: 2)
        r = try infra("plan", "ld", "--env", "dev")
        XCTAssertTrue(r.stdout.contains("~ access"), r.stdout)
        XCTAssertTrue(r.stdout.contains("~ reviews"), r.stdout)
        XCTAssertTrue(r.stdout.contains("-/+ events_pipe") && r.stdout.contains("'copy' forces replacement"), r.stdout)
        r = try infra("apply", "ld", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(try connector("DESC INTEGRATION LD_INT_\(suffix)").contains("s3://ld-\(suffix.lowercased())/curated/"))
        XCTAssertEqual(try infra("plan", "ld", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        // Drift: someone edits the integration by hand.
        _ = try connector("ALTER STORAGE INTEGRATION LD_INT_\(suffix) SET COMMENT = 'edited by hand'")
        r = try infra("plan", "ld", "--env", "dev")
        XCTAssertTrue(r.stdout.contains("changed outside infra") && r.stdout.contains("edited by hand"), r.stdout)
        XCTAssertEqual(try infra("apply", "ld", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertEqual(try infra("plan", "ld", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        r = try infra("destroy", "ld", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertEqual(try rows("SHOW INTEGRATIONS LIKE 'LD_INT_\(suffix)'").count, 0)
        XCTAssertEqual(try rows("SHOW DATABASES LIKE 'LD_\(suffix)'").count, 0)
    }
}
