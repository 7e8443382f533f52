import Foundation
import TestSupport
import XCTest

/// A throttle storm in the middle of an apply: both endpoints answer a share of requests with 429, 503,
/// SlowDown, 500 or a dropped connection. Whatever the first apply manages, state records exactly what
/// exists, and a second apply (storm over) converges to a clean plan.
final class ReliabilityTests: XCTestCase {
    /// Buckets, roles whose policy names their bucket, a database and schemas in it: 2 × pairs + 1 + schemas resources.
    static func stack(named name: String, suffix: String, pairs: Int, schemas: Int) -> String {
        var stack = "stack: \(name)\nresources:\n"
        for i in 0..<pairs {
            stack += """
                  b\(i): {type: aws.s3.bucket, name: \(name)-\(suffix)-\(i), versioning: true, tags: {n: "\(i)"}, force_destroy: true}
                  r\(i): {type: aws.iam.role, name: \(name)-\(suffix)-\(i), trust: {services: [glue.amazonaws.com]}, policy: [{allow: [s3:GetObject], on: "${b\(i).arn}/*"}]}

                """
        }
        stack += "  db: {type: snowflake.database, name: \(name.uppercased())_\(suffix.uppercased())}\n"
        for i in 0..<schemas { stack += "  s\(i): {type: snowflake.schema, database: \"${db}\", name: S\(i)}\n" }
        return stack
    }

    /// A project on the local endpoints holding `stack(named:…)` with fresh names, and its number of resources.
    static func project(stack name: String, pairs: Int, schemas: Int) throws -> (project: String, resources: Int) {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let project = try LocalEndpoints.shared().project()
        try stack(named: name, suffix: suffix, pairs: pairs, schemas: schemas)
            .write(toFile: "\(project)/stacks/\(name).yaml", atomically: true, encoding: .utf8)
        return (project, 2 * pairs + 1 + schemas)
    }

    /// Apply and destroy, cycle after cycle, with 10 % of requests to both endpoints failing: throttled, 500
    /// and 503 answers, dropped connections, and (AWS) answers lost after the call was carried out. Every
    /// apply and destroy succeeds at the first run, the plan after apply is clean, state holds exactly the
    /// stack's resources after apply and none after destroy, and nothing is left live (a plan then adds every
    /// resource and adopts none). `INFRA_FAULT_CYCLES` sets the number of cycles (bench/robustness.sh: 20).
    func testApplyDestroyCyclesUnderFaultsNeverFail() throws {
        let local = try LocalEndpoints.shared()
        let cycles = Int(ProcessInfo.processInfo.environment["INFRA_FAULT_CYCLES"] ?? "") ?? 3
        let (project, resources) = try Self.project(stack: "cycles", pairs: 4, schemas: 3)
        defer {
            try? local.setFaults("aws", ["error_rate": 0])
            try? local.setFaults("snowflake", ["error_rate": 0])
        }
        func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["cycles", "--env", "dev"], in: project) }
        var failures: [String] = []
        var retries = 0
        for cycle in 1...cycles {
            try local.setFaults("aws", ["error_rate": 0.1, "errors": ["429", "500", "503", "SlowDown", "drop", "500-after", "drop-after"], "seed": cycle])
            try local.setFaults("snowflake", ["error_rate": 0.1, "errors": ["429", "500", "503", "drop"], "seed": cycle])
            let apply = try run(["apply", "--auto-approve", "--trace"])
            retries += apply.stderr.split(separator: "\n").compactMap { line in
                line.split(separator: " ").firstIndex(of: "retries").flatMap { Int(line.split(separator: " ")[$0 - 1]) }
            }.reduce(0, +)
            if apply.exitCode != 0 { failures.append("cycle \(cycle): apply failed:\n\(apply.stdout)\(apply.stderr)") }
            let plan = try run(["plan", "--detailed-exitcode"])
            if plan.exitCode != 0 { failures.append("cycle \(cycle): the plan after apply is not clean:\n\(plan.stdout)\(plan.stderr)") }
            let recorded = try run(["state", "list"]).stdout.split(separator: "\n").count
            if recorded != resources { failures.append("cycle \(cycle): state holds \(recorded) resources after apply, not \(resources)") }
            let destroy = try run(["destroy", "--auto-approve"])
            if destroy.exitCode != 0 { failures.append("cycle \(cycle): destroy failed:\n\(destroy.stdout)\(destroy.stderr)") }
            let left = try run(["state", "list"]).stdout
            if !left.isEmpty { failures.append("cycle \(cycle): state after destroy still holds \(left)") }
            let fresh = try run(["plan", "--json"])
            let summary = (try? JSONSerialization.jsonObject(with: Data(fresh.stdout.utf8)) as? [String: Any])?["summary"] as? [String: Int]
            if summary?["add"] != resources || summary?["adopt"] != 0 {
                failures.append("cycle \(cycle): after destroy a plan should add all \(resources) and adopt none: \(summary ?? [:]) \(fresh.stderr)")
            }
            if !failures.isEmpty {
                // Start the next cycle from nothing.
                try local.setFaults("aws", ["error_rate": 0])
                try local.setFaults("snowflake", ["error_rate": 0])
                _ = try run(["destroy", "--auto-approve"])
            }
        }
        print("fault cycles: \(cycles) apply/destroy cycles at 10 % faults, \(retries) retries during applies, \(failures.count) failures")
        XCTAssertEqual(failures, [])
    }

    /// Ctrl-C while the refresh waits on a slow endpoint: the run quits at once and its lock goes with it.
    func testInterruptDuringRefreshReleasesTheLock() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let project = try local.project(["stacks/slow.yaml": "stack: slow\nresources:\n  b: {type: aws.s3.bucket, name: slow-\(suffix)}\n"])
        let lock = "\(project)/.infra/state/slow/dev.json.lock"
        try local.setFaults("aws", ["delay_ms": 4000])
        defer { try? local.setFaults("aws", ["delay_ms": 0]) }
        let process = try CLI.start(["apply", "slow", "--env", "dev", "--auto-approve"], in: project)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: lock), Date() < deadline { usleep(20_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: lock), "the run took the lock")
        usleep(500_000)  // now refreshing: waiting on the delayed ListBuckets
        let interrupted = Date()
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(interrupted), 2, "quits at once")
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock), "the lock is released")
    }

    func testApplyUnderAThrottleStormConverges() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let project = try local.project()
        try Self.stack(named: "storm", suffix: suffix, pairs: 6, schemas: 6).write(toFile: "\(project)/stacks/storm.yaml", atomically: true, encoding: .utf8)

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
