import Foundation
import TestSupport
import XCTest

/// Applying many Snowflake objects through the real CLI and the local SQL API: each kind's objects written in one
/// wave are read back with one SHOW (not one per object), state records exactly what exists, and a re-plan is clean.
final class BulkApplyTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()
    static let count = 24

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        project = try local.project()
        // Wave 1: the database and the warehouses; wave 2: the schemas; wave 3: the tables in one schema.
        var stack = "stack: bulk\nresources:\n  db: {type: snowflake.database, name: BULK_\(suffix)}\n"
        for i in 0..<Self.count {
            stack += "  wh\(i): {type: snowflake.warehouse, name: BULK_\(suffix)_WH\(i), auto_suspend: 60}\n"
            stack += "  s\(i): {type: snowflake.schema, database: \"${db}\", name: S\(i)}\n"
            stack += "  t\(i): {type: snowflake.table, schema: \"${s0}\", name: T\(i), columns: [{name: ID, type: NUMBER, nullable: false}], primary_key: [ID]}\n"
        }
        try stack.write(toFile: "\(project!)/stacks/bulk.yaml", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? local.setFaults("snowflake", ["error_rate": 0])
        if let project { _ = try? CLI.run(["destroy", "bulk", "--env", "dev", "--auto-approve", "--allow-data-loss"], in: project) }
    }

    /// `--trace`'s count of one sort of statement ("SHOW SCHEMAS", "CREATE").
    func statements(_ sort: String, in trace: String) -> Int {
        guard let line = trace.split(separator: "\n").first(where: { $0.contains("snowflake statements:") }) else { return 0 }
        for entry in line.split(separator: ":", maxSplits: 1)[1].split(separator: ",") {
            let words = entry.split(separator: " ")
            if words.dropFirst().joined(separator: " ") == sort { return Int(words[0]) ?? 0 }
        }
        return 0
    }

    func testEachKindWrittenInOneWaveIsReadBackWithOneShow() throws {
        let n = Self.count
        let apply = try CLI.run(["apply", "bulk", "--env", "dev", "--auto-approve", "--trace"], in: project)
        XCTAssertEqual(apply.exitCode, 0, apply.stdout + apply.stderr)
        XCTAssertTrue(apply.stdout.contains("\(3 * n + 1) added"), apply.stdout)
        XCTAssertEqual(statements("CREATE", in: apply.stderr), 3 * n + 1, apply.stderr)
        // The plan's refresh lists each kind once; the read-back of each wave once more (twice if a wave is slow
        // enough to be read in two windows). Before, every object had a SHOW of its own: n of each.
        for sort in ["SHOW WAREHOUSES", "SHOW SCHEMAS", "SHOW TABLES", "SHOW COLUMNS", "SHOW PRIMARY KEYS"] {
            XCTAssertLessThanOrEqual(statements(sort, in: apply.stderr), 3, "\(sort):\n\(apply.stderr)")
        }
        XCTAssertLessThanOrEqual(statements("SHOW DATABASES", in: apply.stderr), 2, apply.stderr)

        // State records each object, with its identity and no create intent left.
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(project!)/.infra/state/bulk/dev.json"))) as! [String: Any]
        let resources = state["resources"] as! [String: [String: Any]]
        XCTAssertEqual(resources.count, 3 * n + 1)
        XCTAssertEqual((state["pending"] as? [String: Any] ?? [:]).count, 0)
        XCTAssertEqual(resources["s7"]?["identity"] as? String, "BULK_\(suffix).S7")
        XCTAssertEqual(resources["t5"]?["identity"] as? String, "BULK_\(suffix).S0.T5")
        XCTAssertEqual(resources["wh3"]?["identity"] as? String, "BULK_\(suffix)_WH3")

        // An independent client sees them all.
        XCTAssertEqual(try local.connectorRows("SHOW SCHEMAS IN DATABASE BULK_\(suffix)").count, n + 2, "with PUBLIC and INFORMATION_SCHEMA")
        XCTAssertEqual(try local.connectorRows("SHOW TABLES IN SCHEMA BULK_\(suffix).S0").count, n)
        XCTAssertEqual(try local.connectorRows("SHOW WAREHOUSES LIKE 'BULK_\(suffix)_WH%'").count, n)

        let plan = try CLI.run(["plan", "bulk", "--env", "dev", "--detailed-exitcode"], in: project)
        XCTAssertEqual(plan.exitCode, 0, "a re-plan after apply is clean:\n" + plan.stdout + plan.stderr)
    }

    /// Snowflake answers a share of requests with 429 (or 503): apply lowers how many statements it keeps in
    /// flight, still finishes, and state and a re-plan are exact.
    func testPushBackLowersConcurrencyAndApplyStillConverges() throws {
        try local.setFaults("snowflake", ["error_rate": 0.2, "errors": ["429", "503"], "seed": 7])
        let apply = try CLI.run(["apply", "bulk", "--env", "dev", "--auto-approve", "--trace", "--parallelism", "32"], in: project)
        try local.setFaults("snowflake", ["error_rate": 0])
        XCTAssertEqual(apply.exitCode, 0, apply.stdout + apply.stderr)
        let load = apply.stderr.split(separator: "\n").first { $0.contains("calls in flight") } ?? ""
        XCTAssertTrue(load.contains("(ceiling 32)"), apply.stderr)
        XCTAssertTrue(load.contains("limit cut"), "push-back lowered the limit: \(load)")
        let plan = try CLI.run(["plan", "bulk", "--env", "dev", "--detailed-exitcode"], in: project)
        XCTAssertEqual(plan.exitCode, 0, plan.stdout + plan.stderr)
        XCTAssertEqual(try CLI.run(["state", "list"] + ["bulk", "--env", "dev"], in: project).stdout.split(separator: "\n").count, 3 * Self.count + 1)
    }
}
