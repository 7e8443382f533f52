import Foundation
import TestSupport
import XCTest

/// Long work shows progress to a person at a terminal, and nothing extra when output is piped.
final class ProgressTests: XCTestCase {
    func testRefreshAndSlowCreatesSayWhatTheyAreDoingOnATerminalOnly() throws {
        let local = try LocalEndpoints.shared()
        let project = try local.project()
        let db = "SLOW_\(String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased())"
        try "stack: slow\nresources:\n  db: {type: snowflake.database, name: \(db)}\n"
            .write(toFile: "\(project)/stacks/slow.yaml", atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(["destroy", "slow", "--env", "dev", "--auto-approve"], in: project) }

        // Each Snowflake request waits 6 s: the create and its read-back take more than 10 s.
        try local.setFaults("snowflake", ["delay_ms": 6000])
        let slow = try CLI.runInTerminal(["apply", "slow", "--env", "dev", "--auto-approve"], in: project, environment: ["NO_COLOR": "1"])
        try local.setFaults("snowflake", ["delay_ms": 0])
        XCTAssertEqual(slow.exitCode, 0, slow.output)
        XCTAssertTrue(slow.output.contains("Refreshing 1 resource in slow in dev..."), slow.output)
        XCTAssertTrue(slow.output.contains("db: Still creating... [10s elapsed]"), slow.output)

        let piped = try CLI.run(["plan", "slow", "--env", "dev"], in: project)
        XCTAssertEqual(piped.exitCode, 0, piped.stderr)
        XCTAssertFalse(piped.stdout.contains("Refreshing"), "no progress lines when output is not a terminal:\n\(piped.stdout)")
    }
}
