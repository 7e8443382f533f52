import Foundation
import TestSupport
import XCTest

/// Ordinary edits never lose data (issue "Safe change"): each scenario through the real CLI against the local
/// endpoints, with what is live read back by snowflake-connector-python or boto3.
final class SafeChangeTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36).uppercased()
    var db: String { "SAFE_\(suffix)" }

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        project = try local.project()
    }

    override func tearDownWithError() throws {
        guard let project else { return }
        for stack in (try? FileManager.default.contentsOfDirectory(atPath: "\(project)/stacks")) ?? [] where stack.hasSuffix(".yaml") {
            _ = try? CLI.run(["destroy", String(stack.dropLast(5)), "--env", "dev", "--auto-approve", "--allow-data-loss", "--skip-teardown"], in: project)
        }
    }

    @discardableResult
    func infra(_ args: String..., expect: Int32? = 0, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args, in: project)
        if let expect { XCTAssertEqual(r.exitCode, expect, "infra \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)", file: file, line: line) }
        return r
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: "\(project!)/stacks/\(name).yaml", atomically: true, encoding: .utf8)
    }

    /// Rows of a query, each value as text, through the connector port.
    func connector(_ sql: String) throws -> [[String?]] { try local.connectorRows(sql) }

    func count(_ table: String) throws -> Int { Int(try connector("SELECT COUNT(*) FROM \(table)")[0][0] ?? "") ?? -1 }

    func landing(tableName: String = "events", schemaExtra: String = "", extraResources: String = "", extraTop: String = "") -> String {
        """
        stack: landing
        resources:
          db:
            type: snowflake.database
            name: \(db)
          raw:
            type: snowflake.schema
            database: ${db}
            name: RAW
        \(schemaExtra)
          json_gz:
            type: snowflake.file_format
            schema: ${raw}
            name: JSON_GZ
            format: json
          \(tableName):
            type: snowflake.table
            schema: ${raw}
            name: RAW_EVENTS
            columns:
              - {name: id, type: number}
              - {name: note, type: varchar, default: "'it''s'"}
        \(extraResources)
        \(extraTop)
        """
    }

    // 1. A rename with `moved:` keeps the table and its rows; without it the plan is refused and says how.
    func testRenameWithMovedKeepsRowsAndWithoutItIsRefused() throws {
        try write("landing", landing())
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        _ = try connector("INSERT INTO \(db).RAW.RAW_EVENTS (id) VALUES (1), (2), (3)")

        try write("landing", landing(tableName: "events_table"))
        var r = try infra("plan", "landing", "--env", "dev", expect: 1)
        XCTAssertTrue(r.stderr.contains("'events_table' declares snowflake.table \(db).RAW.RAW_EVENTS, which this deployment manages as 'events'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("moved: [{from: events, to: events_table}]"), r.stderr)
        try infra("apply", "landing", "--env", "dev", "--auto-approve", expect: 1)
        XCTAssertEqual(try count("\(db).RAW.RAW_EVENTS"), 3, "a refused plan changes nothing")

        try write("landing", landing(tableName: "events_table", extraTop: "moved:\n  - {from: events, to: events_table}"))
        r = try infra("plan", "landing", "--env", "dev", "--detailed-exitcode", expect: 2)
        XCTAssertTrue(r.stdout.contains("events has moved to events_table"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Plan: 0 to add, 0 to change, 0 to destroy."), r.stdout)
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        XCTAssertEqual(try count("\(db).RAW.RAW_EVENTS"), 3, "the rows survive the rename")
        XCTAssertTrue(try infra("state", "list", "landing", "--env", "dev").stdout.contains("events_table\tsnowflake.table"))
        try infra("plan", "landing", "--env", "dev", "--detailed-exitcode", expect: 0)

        // By hand: `infra state mv` back, and the stack's old name again: clean.
        try infra("state", "mv", "landing", "events_table", "events", "--env", "dev")
        try write("landing", landing())
        try infra("plan", "landing", "--env", "dev", "--detailed-exitcode", expect: 0)
    }

    // 2. Another stack's object is refused, naming the stack that manages it; an unmanaged one can be imported.
    func testTwoStacksOneObjectIsRefusedAndImportTakesOverAnUnmanagedObject() throws {
        try write("landing", landing())
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        try write("other", "stack: other\nresources:\n  sales:\n    type: snowflake.database\n    name: \(db)\n")
        let r = try infra("plan", "other", "--env", "dev", expect: 1)
        XCTAssertTrue(r.stderr.contains("snowflake.database \(db) already exists and is not managed by other in dev (it is managed by stack landing in dev (as 'db'))"), r.stderr)
        try infra("import", "other", "sales", db, "--env", "dev", expect: 1)
        try infra("destroy", "other", "--env", "dev", "--auto-approve")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(db)'").count, 1, "destroying stack other leaves landing's database")

        // An object nobody manages: refused with the import remedy, then imported by an `import:` entry.
        let loose = "LOOSE_\(suffix)"
        _ = try connector("CREATE DATABASE \(loose) COMMENT = 'made by hand'")
        try write("adopter", "stack: adopter\nresources:\n  loose:\n    type: snowflake.database\n    name: \(loose.lowercased())\n    comment: managed now\n")
        var plan = try infra("plan", "adopter", "--env", "dev", expect: 1)
        XCTAssertTrue(plan.stderr.contains("no deployment of this project records it"), plan.stderr)
        XCTAssertTrue(plan.stderr.contains("import: [{to: loose, id: \"\(loose)\"}]"), plan.stderr)
        try write("adopter", "stack: adopter\nresources:\n  loose:\n    type: snowflake.database\n    name: \(loose.lowercased())\n    comment: managed now\n"
                  + "import:\n  - {to: loose, id: \(loose.lowercased())}\n")
        plan = try infra("plan", "adopter", "--env", "dev", "--detailed-exitcode", expect: 2)
        XCTAssertTrue(plan.stdout.contains("<= loose (snowflake.database) will be imported: \(loose) exists"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("comment = \"made by hand\" -> \"managed now\""), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy, 1 to import."), plan.stdout)
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(loose)'")[0].contains("made by hand"), true, "plan changes nothing")
        try infra("apply", "adopter", "--env", "dev", "--auto-approve")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(loose)'")[0].contains("managed now"), true)
        try infra("plan", "adopter", "--env", "dev", "--detailed-exitcode", expect: 0)

        // `infra state rm` forgets without deleting; `infra import` takes it back with no cloud change.
        try infra("state", "rm", "adopter", "loose", "--env", "dev")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(loose)'").count, 1)
        try write("adopter", "stack: adopter\nresources:\n  loose:\n    type: snowflake.database\n    name: \(loose)\n    comment: managed now\n")
        try infra("import", "adopter", "loose", loose.lowercased(), "--env", "dev")
        try infra("plan", "adopter", "--env", "dev", "--detailed-exitcode", expect: 0)
    }

    // 3. Replacing a schema lists what goes with it and the data at risk; --auto-approve alone refuses;
    //    with --allow-data-loss the managed contents are recreated and state matches what is live.
    func testSchemaReplacementShowsContentsAndDataAndRecreatesManagedObjects() throws {
        try write("landing", landing())
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        _ = try connector("INSERT INTO \(db).RAW.RAW_EVENTS (id) VALUES (1), (2), (3)")
        _ = try connector("CREATE TABLE \(db).RAW.SCRATCH (x NUMBER)")

        try write("landing", landing(schemaExtra: "    transient: true"))
        let plan = try infra("plan", "landing", "--env", "dev")
        let text = plan.stdout
        XCTAssertTrue(text.contains("-/+ raw (snowflake.schema) must be replaced: 'transient' forces replacement"), text)
        XCTAssertTrue(text.contains("table \(db).RAW.RAW_EVENTS (managed as events, recreated; 3 rows"), text)
        XCTAssertTrue(text.contains("file_format \(db).RAW.JSON_GZ (managed as json_gz, recreated)"), text)
        XCTAssertTrue(text.contains("table \(db).RAW.SCRATCH (NOT managed by infra: lost; 0 rows"), text)
        XCTAssertTrue(text.contains("-/+ events (snowflake.table) (recreated: its schema raw is replaced)"), text)
        XCTAssertTrue(text.contains("Data at risk:"), text)
        XCTAssertTrue(text.contains("\(db).RAW.RAW_EVENTS (table, events): 3 rows"), text)
        XCTAssertTrue(text.contains("\(db).RAW.SCRATCH (table): 0 rows, 0 B, not managed by infra, dropped with schema raw"), text)
        XCTAssertTrue(text.contains("Plan: 3 to add, 0 to change, 3 to destroy."), text)

        let refused = try infra("apply", "landing", "--env", "dev", "--auto-approve", expect: 1)
        XCTAssertTrue(refused.stderr.contains("this plan destroys data: \(db).RAW.RAW_EVENTS (3 rows"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--allow-data-loss"), refused.stderr)
        XCTAssertEqual(try count("\(db).RAW.RAW_EVENTS"), 3, "a refused apply changes nothing")

        try infra("apply", "landing", "--env", "dev", "--auto-approve", "--allow-data-loss")
        XCTAssertEqual(try count("\(db).RAW.RAW_EVENTS"), 0)
        let schemas = try connector("SHOW SCHEMAS LIKE 'RAW' IN DATABASE \(db)")
        XCTAssertEqual(schemas.count, 1)
        XCTAssertEqual(try connector("SHOW TABLES LIKE 'SCRATCH' IN DATABASE \(db)").count, 0)
        XCTAssertEqual(try connector("SHOW FILE FORMATS IN SCHEMA \(db).RAW").count, 1)
        try infra("plan", "landing", "--env", "dev", "--detailed-exitcode", expect: 0)
        let state = try infra("state", "list", "landing", "--env", "dev").stdout
        for address in ["db", "raw", "json_gz", "events"] { XCTAssertTrue(state.contains("\(address)\t"), state) }
    }

    // Per resource: prevent_destroy refuses at plan time; ignore_changes leaves a property alone.
    func testLifecyclePreventDestroyAndIgnoreChanges() throws {
        try write("landing", landing(extraResources: "    lifecycle: {prevent_destroy: true, ignore_changes: [comment]}\n    comment: first"))
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        _ = try connector("COMMENT ON TABLE \(db).RAW.RAW_EVENTS IS 'changed by hand'")
        try infra("plan", "landing", "--env", "dev", "--detailed-exitcode", expect: 0)
        try write("landing", landing(schemaExtra: "    transient: true",
                                     extraResources: "    lifecycle: {prevent_destroy: true, ignore_changes: [comment]}\n    comment: first"))
        let r = try infra("plan", "landing", "--env", "dev", expect: 1)
        XCTAssertTrue(r.stderr.contains("'events' has lifecycle.prevent_destroy, and this plan would replace it (recreated: its schema raw is replaced)"), r.stderr)
        let d = try infra("destroy", "landing", "--env", "dev", "--auto-approve", expect: 1)
        XCTAssertTrue(d.stderr.contains("'events' has lifecycle.prevent_destroy, and this plan would delete it"), d.stderr)
        try write("landing", landing())
    }

    // 4. Defaults compare by meaning: a doubled quote re-plans clean (and so do backslashes, unicode, newlines).
    func testQuotedDefaultsReplanClean() throws {
        let defaults = [#"'it''s'"#, #"'back\\slash'"#, #"'tab\there'"#, "'naïve ☃ ''q'''", #"'a\'b''c'"#, "'two\nlines'"]
        var columns = ""
        for (i, d) in defaults.enumerated() {
            let yaml = "\"" + d.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
            columns += "      - {name: c\(i), type: varchar, default: \(yaml)}\n"
        }
        try write("quotes", """
            stack: quotes
            resources:
              db: {type: snowflake.database, name: \(db)Q}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              t:
                type: snowflake.table
                schema: ${raw}
                name: T
                columns:
            \(columns)
            """)
        try infra("apply", "quotes", "--env", "dev", "--auto-approve")
        try infra("plan", "quotes", "--env", "dev", "--detailed-exitcode", expect: 0)
        _ = try connector("INSERT INTO \(db)Q.RAW.T (c0) VALUES ('x')")
        let row = try connector("SELECT c1, c2, c3, c4 FROM \(db)Q.RAW.T")[0]
        XCTAssertEqual(row, [#"back\slash"#, "tab\there", "naïve ☃ 'q'", "a'b'c"])
    }

    // 5. destroy confirms before anything runs: not confirmed, neither the teardown nor a delete happens;
    //    a failing teardown stops destroy with its cause and the way past it.
    func testDestroyConfirmsFirstAndAFailingTeardownNamesTheWayOut() throws {
        let marker = "\(project!)/teardown-ran"
        try write("landing", landing(extraTop: """
            pipelines:
              teardown:
                - name: mark
                  command: touch \(marker)
                - name: fail
                  after: [mark]
                  command: "sh -c 'echo stage still busy >&2; exit 3'"
            """))
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        let cancelled = try infra("destroy", "landing", "--env", "dev", expect: 1)
        XCTAssertTrue(cancelled.stdout.contains("- db (snowflake.database)"), cancelled.stdout)
        XCTAssertTrue(cancelled.stderr.contains("cancelled: not confirmed; nothing was changed"), cancelled.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the teardown must not run before confirmation")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(db)'").count, 1)

        // At a terminal, answered "no": the same.
        let answered = try CLI.runInTerminal(["destroy", "landing", "--env", "dev"], in: project, answer: "no", environment: ["NO_COLOR": "1"])
        XCTAssertEqual(answered.exitCode, 1, answered.output)
        XCTAssertTrue(answered.output.contains("Really destroy everything in landing in dev?"), answered.output)
        XCTAssertTrue(answered.output.contains("cancelled: not confirmed; nothing was changed"), answered.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "answered no: the teardown did not run")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(db)'").count, 1)

        let failed = try infra("destroy", "landing", "--env", "dev", "--auto-approve", expect: 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker))
        XCTAssertTrue(failed.stderr.contains("the teardown pipeline failed: task 'fail' failed"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("--skip-teardown"), failed.stderr)
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(db)'").count, 1, "nothing destroyed")
        try infra("destroy", "landing", "--env", "dev", "--auto-approve", "--skip-teardown")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE '\(db)'").count, 0)
    }

    // 6. promote is bound to what was verified: a re-apply with other inputs, or drift, after verify refuses.
    func testPromoteRefusesAfterReapplyOrDrift() throws {
        let stack = { (comment: String) in """
            stack: promo
            vars: {comment: first}
            resources:
              db: {type: snowflake.database, name: "PROMO_\(self.suffix)_${env.name | upper}", comment: "\(comment)"}
            pipelines:
              verify:
                - name: exists
                  sql: SELECT 1
                  expect: {value: 1}
            """ }
        try """
            name: prod
            snowflake: {account: LOCAL, user: DEPLOYER, private_key_file: "\(local.privateKeyFile)", endpoint: "\(local.snowflakeEndpoint)"}
            """.write(toFile: "\(project!)/environments/prod.yaml", atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(["destroy", "promo", "--env", "prod", "--auto-approve"], in: project) }
        try write("promo", stack("first"))
        try infra("apply", "promo", "--env", "dev", "--auto-approve")
        try infra("verify", "promo", "--env", "dev")
        // Changed and re-applied after verify: the revision differs from what was verified.
        try write("promo", stack("second"))
        try infra("apply", "promo", "--env", "dev", "--auto-approve")
        var r = try infra("promote", "promo", "--from", "dev", "--to", "prod", "--auto-approve", expect: 1)
        XCTAssertTrue(r.stderr.contains("has not passed verify in dev"), r.stderr)
        try infra("verify", "promo", "--env", "dev")
        // Re-applied after verify (drift repaired by an apply): the state serial moved.
        _ = try connector("ALTER DATABASE PROMO_\(suffix)_DEV SET COMMENT = 'by hand'")
        try infra("apply", "promo", "--env", "dev", "--auto-approve")
        r = try infra("promote", "promo", "--from", "dev", "--to", "prod", "--auto-approve", expect: 1)
        XCTAssertTrue(r.stderr.contains("dev changed since it was verified"), r.stderr)
        XCTAssertTrue(r.stderr.contains("infra verify promo --env dev"), r.stderr)
        // Drifted after verify: refused, naming what changed.
        try infra("verify", "promo", "--env", "dev")
        _ = try connector("ALTER DATABASE PROMO_\(suffix)_DEV SET COMMENT = 'by hand again'")
        r = try infra("promote", "promo", "--from", "dev", "--to", "prod", "--auto-approve", expect: 1)
        XCTAssertTrue(r.stderr.contains("dev no longer matches what was verified: db changed outside infra"), r.stderr)
        // Repaired and verified: promoted.
        try infra("apply", "promo", "--env", "dev", "--auto-approve")
        try infra("verify", "promo", "--env", "dev")
        try infra("promote", "promo", "--from", "dev", "--to", "prod", "--auto-approve")
        XCTAssertEqual(try connector("SHOW DATABASES LIKE 'PROMO_\(suffix)_PROD'").count, 1)
    }

    // Recovery of infra's own interrupted create: a pending intent with a live object is recorded, not refused.
    func testPendingIntentIsRecoveredAndAnythingElseIsRefused() throws {
        try write("landing", landing())
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        // Simulate a run killed after CREATE DATABASE succeeded but before state recorded it.
        let path = "\(project!)/.infra/state/landing/dev.json"
        var state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var resources = state["resources"] as! [String: Any]
        resources.removeValue(forKey: "db")
        state["resources"] = resources
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: path))
        var r = try infra("plan", "landing", "--env", "dev", expect: 1)
        XCTAssertTrue(r.stderr.contains("snowflake.database \(db) already exists and is not managed by landing in dev"), r.stderr)
        state["pending"] = ["db": ["kind": "snowflake.database", "identity": db, "started_at": "2026-12-01T00:00:00Z"]]
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: path))
        r = try infra("plan", "landing", "--env", "dev")
        XCTAssertTrue(r.stdout.contains("<= db (snowflake.database) (created by an interrupted run of infra: it is recorded, not created again)"), r.stdout)
        try infra("apply", "landing", "--env", "dev", "--auto-approve")
        try infra("plan", "landing", "--env", "dev", "--detailed-exitcode", expect: 0)
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(saved.contains("\"pending\" : {\n\n  }") || saved.contains("\"pending\" : {}"), saved)
    }
}
