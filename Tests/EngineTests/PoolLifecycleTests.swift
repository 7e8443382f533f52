import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The whole plan/apply/destroy cycle through the real CLI on a stack of pools: no provider needed.
final class PoolLifecycleTests: XCTestCase {
    let stack = """
        stack: pools
        vars:
          slots: 5
          prefix: ingest-${env.name}
        resources:
          snowflake_pool:
            type: pool
            slots: ${var.slots}
            description: at most ${var.slots} Snowflake tasks in ${env.name | upper}
          s3_pool: {type: pool, name: "${var.prefix}-s3", slots: 10}
          dbt_pool: {type: pool, slots: 2, depends_on: [snowflake_pool]}
        outputs:
          pool: ${snowflake_pool}

        """

    func testPlanApplyNoChangesDriftDestroy() throws {
        let dir = try CLI.project(["stacks/pools.yaml": stack])
        var r = try CLI.run(["plan", "pools", "--env", "dev", "--detailed-exitcode"], in: dir)
        XCTAssertEqual(r.exitCode, 2, r.stderr)
        XCTAssertTrue(r.stdout.contains("  + snowflake_pool (pool)"))
        XCTAssertTrue(r.stdout.contains("+ description = \"at most 5 Snowflake tasks in DEV\""))
        XCTAssertTrue(r.stdout.contains("+ name        = \"ingest-dev-s3\""))
        XCTAssertTrue(r.stdout.hasSuffix("Plan: 3 to add, 0 to change, 0 to destroy.\n"))
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colour without a terminal")

        r = try CLI.run(["apply", "pools", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("snowflake_pool: Creation complete after"))
        XCTAssertTrue(r.stdout.contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed"))
        // dbt_pool depends on snowflake_pool: it starts only after snowflake_pool completes.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let snowflakeDone = lines.firstIndex { $0.hasPrefix("snowflake_pool: Creation complete") }!
        let dbtStart = lines.firstIndex { $0 == "dbt_pool: Creating..." }!
        XCTAssertLessThan(snowflakeDone, dbtStart)

        r = try CLI.run(["plan", "pools", "--env", "dev", "--detailed-exitcode"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout)
        XCTAssertTrue(r.stdout.hasPrefix("No changes."))

        r = try CLI.run(["output", "pools", "--env", "dev", "pool"], in: dir)
        XCTAssertEqual(r.stdout, "snowflake_pool\n")
        r = try CLI.run(["state", "list", "pools", "--env", "dev"], in: dir)
        XCTAssertEqual(r.stdout, "dbt_pool\tpool\tdbt_pool\ns3_pool\tpool\tingest-dev-s3\nsnowflake_pool\tpool\tsnowflake_pool\n")

        // Out-of-band change: plan shows exactly that drift, and apply repairs it.
        let registry = "\(dir)/.infra/pools/pools/dev.json"
        var pools = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry))) as! [String: [String: Any]]
        pools["dbt_pool"]!["slots"] = 7
        try JSONSerialization.data(withJSONObject: pools).write(to: URL(fileURLWithPath: registry))
        r = try CLI.run(["plan", "pools", "--env", "dev", "--detailed-exitcode"], in: dir)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stdout.contains("~ dbt_pool (pool) was changed outside infra\n      ~ slots: 2 -> 7"), r.stdout)
        XCTAssertTrue(r.stdout.contains("~ slots = 7 -> 2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy."))
        r = try CLI.run(["apply", "pools", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0)
        XCTAssertEqual(try CLI.run(["plan", "pools", "--env", "dev", "--detailed-exitcode"], in: dir).exitCode, 0)

        // Renaming forces replacement, and the plan says which property forces it.
        try stack.replacingOccurrences(of: "${var.prefix}-s3", with: "${var.prefix}-s3b").write(toFile: "\(dir)/stacks/pools.yaml", atomically: true, encoding: .utf8)
        r = try CLI.run(["plan", "pools", "--env", "dev"], in: dir)
        XCTAssertTrue(r.stdout.contains("-/+ s3_pool (pool) must be replaced: 'name' forces replacement"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Plan: 1 to add, 0 to change, 1 to destroy."))

        r = try CLI.run(["destroy", "pools", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Destroy complete! Resources: 0 added, 0 changed, 3 destroyed"))
        // Reverse order: dbt_pool (which depends on snowflake_pool) goes first.
        let destroyLines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertLessThan(destroyLines.firstIndex { $0.hasPrefix("dbt_pool: Destruction complete") }!,
                          destroyLines.firstIndex { $0 == "snowflake_pool: Destroying..." }!)
        let remaining = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry))) as! [String: Any]
        XCTAssertTrue(remaining.isEmpty)
    }

    func testJSONPlanAndSavedPlanFile() throws {
        let dir = try CLI.project(["stacks/pools.yaml": stack])
        var r = try CLI.run(["plan", "pools", "--env", "dev", "--json"], in: dir)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let plan = json["plan"] as! [String: Any]
        XCTAssertEqual(plan["format_version"] as? Int, 1)
        XCTAssertEqual((json["summary"] as! [String: Any])["add"] as? Int, 3)
        let changes = plan["changes"] as! [[String: Any]]
        XCTAssertEqual(changes.map { $0["action"] as! String }, ["create", "create", "create"])

        r = try CLI.run(["plan", "pools", "--env", "dev", "--out", "saved.plan"], in: dir)
        XCTAssertEqual(r.exitCode, 0)
        // Live state moves after the plan was saved: applying it must be refused.
        try CLI.run(["apply", "pools", "--env", "dev", "--auto-approve"], in: dir)
        r = try CLI.run(["apply", "saved.plan"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("changed since the plan was made"), r.stderr)

        // A fresh saved plan applies exactly; `infra show` prints it, and its JSON keys are snake_case as documented.
        try stack.replacingOccurrences(of: "slots: 10", with: "slots: 11").write(toFile: "\(dir)/stacks/pools.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(["plan", "pools", "--env", "dev", "--out", "saved.plan"], in: dir).exitCode, 0)
        XCTAssertTrue(try CLI.run(["show", "saved.plan"], in: dir).stdout.contains("~ slots = 10 -> 11"))
        let shown = try CLI.run(["show", "saved.plan", "--json"], in: dir).stdout
        XCTAssertTrue(shown.contains("\"forces_replacement\" : false"), shown)
        let keys = shown.matches(of: /"([A-Za-z_]+)" :/).map { String($0.1) }
        XCTAssertEqual(keys.filter { $0.contains(where: \.isUppercase) }, [], "plan JSON keys are snake_case")
        r = try CLI.run(["apply", "saved.plan"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Resources: 0 added, 1 changed, 0 destroyed"))
    }

    func testProtectedEnvironmentRefusesDestroyWithoutForce() throws {
        let dir = try CLI.project(["stacks/pools.yaml": stack, "environments/prod.yaml": "name: prod\nprotected: true\n"])
        XCTAssertEqual(try CLI.run(["apply", "pools", "--env", "prod", "--auto-approve"], in: dir).exitCode, 0)
        var r = try CLI.run(["destroy", "pools", "--env", "prod", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertEqual(r.stderr, "environments/prod.yaml:1:1: error: environment prod is protected: refusing to destroy pools\n  hint: pass --force if you really mean it\n")
        r = try CLI.run(["destroy", "pools", "--env", "prod", "--auto-approve", "--force"], in: dir)
        XCTAssertEqual(r.exitCode, 0)
    }

    func testApplyWithoutTerminalNeedsAutoApprove() throws {
        let dir = try CLI.project(["stacks/pools.yaml": stack])
        let r = try CLI.run(["apply", "pools", "--env", "dev"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("cancelled: not confirmed; nothing was changed"), r.stderr)
        XCTAssertTrue(try CLI.run(["state", "list", "pools", "--env", "dev"], in: dir).stdout.isEmpty)
    }

    func testConcurrentRunIsRefusedWithTheHolder() throws {
        let dir = try CLI.project(["stacks/pools.yaml": stack])
        let lock = "\(dir)/.infra/state/pools/dev.json.lock"
        try FileManager.default.createDirectory(atPath: (lock as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // A lock held by a live process (this test) must be respected.
        let holder = #"{"id":"abc","operation":"apply","who":"ana@laptop","host":"\#(ProcessInfo.processInfo.hostName)","pid":\#(getpid()),"created_at":"2026-11-24T10:00:00Z"}"#
        try holder.write(toFile: lock, atomically: true, encoding: .utf8)
        var r = try CLI.run(["apply", "pools", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("state is locked: apply by ana@laptop (pid \(getpid())) since 2026-11-24T10:00:00Z, lock id abc"), r.stderr)
        r = try CLI.run(["state", "unlock", "pools", "--env", "dev", "abc"], in: dir)
        XCTAssertEqual(r.exitCode, 1, "its holder (this test) is alive")
        r = try CLI.run(["state", "unlock", "pools", "--env", "dev", "abc", "--force"], in: dir)
        XCTAssertTrue(r.stdout.contains("Removed the lock held by apply by ana@laptop"), r.stdout + r.stderr)
        XCTAssertEqual(try CLI.run(["apply", "pools", "--env", "dev", "--auto-approve"], in: dir).exitCode, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock), "the lock is released after the run")
    }

    /// An endpoint that does not answer: the error names it and says how to start the local ones.
    func testUnreachableEndpointNamesItAndHowToStartIt() throws {
        let port = try LocalEndpoints.freePort()
        let dir = try CLI.project([
            "stacks/b.yaml": "stack: b\nresources:\n  landing: {type: aws.s3.bucket, name: unreachable-test}\n",
            "environments/dev.yaml": "name: dev\naws: {region: us-east-1, endpoint: \"http://127.0.0.1:\(port)\"}\n",
        ])
        let r = try CLI.run(["plan", "b", "--env", "dev"], in: dir, environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"])
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("error: cannot reach the AWS endpoint: 127.0.0.1:\(port)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("hint: the local endpoints are not running: start them with `infra local up`"), r.stderr)
    }

    /// A sensitive output is kept as a digest: never shown, except on purpose with --raw, read from what is live.
    func testSensitiveOutputIsHiddenAndReadableOnPurpose() throws {
        let dir = try CLI.project(["stacks/s.yaml": """
            stack: s
            resources:
              p: {type: pool, slots: 2}
            outputs:
              pool: ${p}
              token: {value: "${p.name}-secret", sensitive: true}
            """])
        XCTAssertEqual(try CLI.run(["apply", "s", "--env", "dev", "--auto-approve"], in: dir).exitCode, 0)
        let state = try String(contentsOfFile: "\(dir)/.infra/state/s/dev.json", encoding: .utf8)
        XCTAssertFalse(state.contains("p-secret"), "state keeps only a digest of a sensitive output")
        let json = try CLI.run(["output", "s", "--env", "dev", "--json"], in: dir)
        let outputs = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: [String: Any]]
        XCTAssertEqual(outputs["pool"]?["value"] as? String, "p")
        XCTAssertEqual(outputs["pool"]?["type"] as? String, "string")
        XCTAssertEqual(outputs["token"]?["sensitive"] as? Bool, true)
        XCTAssertTrue(outputs["token"]?["value"] is NSNull)
        let hidden = try CLI.run(["output", "s", "--env", "dev", "token"], in: dir)
        XCTAssertEqual(hidden.exitCode, 1)
        XCTAssertTrue(hidden.stderr.contains("--raw"), hidden.stderr)
        let raw = try CLI.run(["output", "s", "--env", "dev", "token", "--raw"], in: dir)
        XCTAssertEqual(raw.stdout, "p-secret\n", raw.stderr)
    }

    func testLocalWithoutSetupSaysWhatToDo() throws {
        let dir = try CLI.project(["stacks/pools.yaml": stack])
        let r = try CLI.run(["local", "up"], in: dir, environment: ["INFRA_EMULATOR_HOME": "\(dir)/no-such-install"])
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("the local emulator is not installed: looked in \(dir)/no-such-install/emulator"), r.stderr)
        XCTAssertTrue(r.stderr.contains("hint: install infra with scripts/install"), r.stderr)
    }

    /// Kill -9 in the middle of an apply, then apply again: every pool exists exactly once and state matches.
    func testKilledApplyConvergesWithNothingLostOrDuplicated() throws {
        let count = 300
        var text = "stack: many\nresources:\n"
        for i in 0..<count { text += "  p\(i): {type: pool, slots: \(i % 7 + 1)}\n" }
        let dir = try CLI.project(["stacks/many.yaml": text])

        let out = Pipe()
        let process = try CLI.start(["apply", "many", "--env", "dev", "--auto-approve", "--parallelism", "4"], in: dir, output: out)
        CLI.read(out) { $0.components(separatedBy: "Creation complete").count > 40 }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the apply was still running when killed")

        let statePath = "\(dir)/.infra/state/many/dev.json"
        let registryPath = "\(dir)/.infra/pools/many/dev.json"
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as! [String: Any]
        let recorded = (state["resources"] as! [String: Any]).keys
        let live = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registryPath))) as! [String: Any]).keys
        XCTAssertGreaterThanOrEqual(recorded.count, 40)
        XCTAssertLessThan(live.count, count, "killed before finishing")
        XCTAssertTrue(Set(recorded).isSubset(of: Set(live)), "state records only what exists")

        let r = try CLI.run(["apply", "many", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("breaking a stale state lock"), r.stderr)
        let finalState = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as! [String: Any]
        let finalLive = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registryPath))) as! [String: [String: Any]]
        XCTAssertEqual((finalState["resources"] as! [String: Any]).count, count)
        XCTAssertEqual(finalLive.count, count)
        XCTAssertEqual(finalLive["p12"]?["slots"] as? Int, 12 % 7 + 1)
        XCTAssertEqual(try CLI.run(["plan", "many", "--env", "dev", "--detailed-exitcode"], in: dir).exitCode, 0)
    }
}

final class VerifyAndPromoteTests: XCTestCase {
    func testVerifyRecordsAPassAndPromoteRequiresIt() throws {
        let root = CLI.packageRoot.path
        let dir = try CLI.project([
            "stacks/pools.yaml": try String(contentsOfFile: "\(root)/stacks/pools.yaml", encoding: .utf8),
            "environments/dev.yaml": "name: dev\n",
            "environments/prod.yaml": "name: prod\nprotected: true\n",
        ])
        XCTAssertEqual(try CLI.run(["apply", "pools", "--env", "dev", "--auto-approve"], in: dir).exitCode, 0)

        var r = try CLI.run(["promote", "pools", "--from", "dev", "--to", "prod", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("has not passed verify in dev"), r.stderr)

        r = try CLI.run(["verify", "pools", "--env", "dev"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Pipeline verify passed: 3 of 3 tasks succeeded"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Pipeline teardown passed: 1 of 1 tasks succeeded"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/.infra/verify/pools-dev"), "verify leaves no trace")

        r = try CLI.run(["run", "pools", "verify", "--env", "dev", "--json"], in: dir)
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["succeeded"] as? Bool, true)
        XCTAssertEqual((report["tasks"] as! [[String: Any]]).map { $0["name"] as! String }, ["pools-registered", "leave-a-trace", "trace-readable"])

        r = try CLI.run(["promote", "pools", "--from", "dev", "--to", "prod", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Apply complete! Resources: 3 added"))
        XCTAssertTrue(r.stdout.contains("Promoted revision"))
        let prodState = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/.infra/state/pools/prod.json"))) as! [String: Any]
        let events = (prodState["events"] as! [[String: Any]]).map { "\($0["kind"]!):\($0["outcome"]!)" }
        XCTAssertEqual(events, ["apply:succeeded", "verify:succeeded", "promote:succeeded"])

        // A changed stack is a new revision: it must be applied and verified in dev before it can be promoted.
        let stack = try String(contentsOfFile: "\(dir)/stacks/pools.yaml", encoding: .utf8)
        try stack.replacingOccurrences(of: "snowflake_slots: 5", with: "snowflake_slots: 6").write(toFile: "\(dir)/stacks/pools.yaml", atomically: true, encoding: .utf8)
        r = try CLI.run(["promote", "pools", "--from", "dev", "--to", "prod", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("is not what is applied to dev"), r.stderr)

        // Destroy runs teardown first; prod is protected.
        XCTAssertEqual(try CLI.run(["destroy", "pools", "--env", "prod", "--auto-approve"], in: dir).exitCode, 1)
        r = try CLI.run(["destroy", "pools", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Pipeline teardown passed"))
    }
}
