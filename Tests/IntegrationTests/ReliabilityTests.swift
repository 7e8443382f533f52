import Foundation
import TestSupport
import XCTest

/// A throttle storm in the middle of an apply: both endpoints answer a share of requests with 429, 503,
/// SlowDown, 500 or a dropped connection. Whatever the first apply manages, state records exactly what
/// exists, and a second apply (storm over) converges to a clean plan.
final class ReliabilityTests: XCTestCase {
    func testApplyUnderAThrottleStormConverges() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let project = try local.project()
        var stack = "stack: storm\nresources:\n"
        for i in 0..<6 {
            stack += """
                  b\(i): {type: aws.s3.bucket, name: storm-\(suffix)-\(i), versioning: true, tags: {n: "\(i)"}, force_destroy: true}
                  r\(i): {type: aws.iam.role, name: storm-\(suffix)-\(i), trust: {services: [glue.amazonaws.com]}, policy: [{allow: [s3:GetObject], on: "${b\(i).arn}/*"}]}

                """
        }
        stack += "  db: {type: snowflake.database, name: STORM_\(suffix.uppercased())}\n"
        for i in 0..<6 { stack += "  s\(i): {type: snowflake.schema, database: \"${db}\", name: S\(i)}\n" }
        try stack.write(toFile: "\(project)/stacks/storm.yaml", atomically: true, encoding: .utf8)

        try local.setFaults("aws", ["error_rate": 0.35, "errors": ["429", "500", "503", "SlowDown", "drop"], "seed": 11])
        try local.setFaults("snowflake", ["error_rate": 0.35, "errors": ["429", "500", "503", "drop"], "seed": 11])
        let stormy = try CLI.run(["apply", "storm", "--env", "dev", "--auto-approve", "--trace"], in: project)
        try local.setFaults("aws", ["error_rate": 0])
        try local.setFaults("snowflake", ["error_rate": 0])
        XCTAssertTrue(stormy.stderr.contains("retries"), "the storm was retried through: \(stormy.stderr)")

        let second = try CLI.run(["apply", "storm", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(second.exitCode, 0, second.stdout + second.stderr)
        XCTAssertEqual(try CLI.run(["plan", "storm", "--env", "dev", "--detailed-exitcode"], in: project).exitCode, 0)
        let state = try CLI.run(["state", "list", "storm", "--env", "dev"], in: project)
        XCTAssertEqual(state.stdout.split(separator: "\n").count, 19, state.stdout)
        XCTAssertEqual(try CLI.run(["destroy", "storm", "--env", "dev", "--auto-approve"], in: project).exitCode, 0)
    }
}
