import Foundation
import TestSupport
import XCTest

/// A property reference is a value (no ordering), except where it names another object's identity inside
/// this object's own identity: a schema in `${db.name}` lives in that database and must wait for it.
final class IdentityEdgeTests: XCTestCase {
    func testIdentityReferencesOrderButOtherValuesDoNot() throws {
        let project = try CLI.project([
            "stacks/g.yaml": """
                stack: g
                resources:
                  db: {type: snowflake.database, name: D}
                  raw: {type: snowflake.schema, database: "${db.name}", name: RAW}
                  t: {type: snowflake.table, schema: "${raw.qualified_name}", name: T, columns: [{name: A, type: NUMBER}], comment: "in ${db.name}"}
                  role: {type: aws.iam.role, name: r, trust: {services: [glue.amazonaws.com]}}
                  int: {type: snowflake.storage_integration, name: I, role_arn: "${role.arn}", allowed_locations: ["s3://b/"]}
                """,
        ])
        let r = try CLI.run(["graph", "g", "--env", "dev"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"raw\" -> \"db\";"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"t\" -> \"raw\";"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"t\" -> \"db\" [style = dashed];"), "a comment only uses the value:\n" + r.stdout)
        XCTAssertTrue(r.stdout.contains("\"int\" -> \"role\" [style = dashed];"), "the ARN is known at plan time:\n" + r.stdout)
    }
}
