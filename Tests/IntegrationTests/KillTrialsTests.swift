import Foundation
import TestSupport
import XCTest

/// kill -9 at a random moment of an apply and of a destroy, against both local endpoints: the first apply
/// after the kill converges (exit 0), the plan after it is clean, the first destroy after a killed one
/// succeeds, and then nothing is left: state is empty, a plan adds every resource and adopts none, and no
/// temporary state file remains. `INFRA_KILL_TRIALS` sets the number of trials (bench/robustness.sh: 100).
final class KillTrialsTests: XCTestCase {
    func testKilledAppliesAndDestroysConverge() throws {
        let trials = Int(ProcessInfo.processInfo.environment["INFRA_KILL_TRIALS"] ?? "") ?? 3
        let (project, resources) = try ReliabilityTests.project(stack: "killed", pairs: 3, schemas: 2)
        func run(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments + ["killed", "--env", "dev"], in: project) }

        // How long an uninterrupted apply and destroy take: kills land anywhere within them.
        var started = Date()
        XCTAssertEqual(try run(["apply", "--auto-approve"]).exitCode, 0)
        let applySeconds = Date().timeIntervalSince(started)
        started = Date()
        XCTAssertEqual(try run(["destroy", "--auto-approve"]).exitCode, 0)
        let destroySeconds = Date().timeIntervalSince(started)

        var failures: [String] = []
        var killedMidRun = 0
        for trial in 1...trials {
            let applyKill = Double.random(in: 0...applySeconds), destroyKill = Double.random(in: 0...destroySeconds)
            func fail(_ what: String, _ result: CLIResult? = nil) {
                failures.append("trial \(trial) (apply killed at \(String(format: "%.2f", applyKill)) s, destroy at \(String(format: "%.2f", destroyKill)) s): \(what)"
                    + (result.map { "\n\($0.stdout)\($0.stderr)" } ?? ""))
            }
            if try killed(["apply", "killed", "--env", "dev", "--auto-approve"], in: project, after: applyKill) { killedMidRun += 1 }
            let apply = try run(["apply", "--auto-approve"])
            if apply.exitCode != 0 { fail("the apply after the kill failed", apply) }
            let plan = try run(["plan", "--detailed-exitcode"])
            if plan.exitCode != 0 { fail("the plan after that apply is not clean", plan) }
            if try killed(["destroy", "killed", "--env", "dev", "--auto-approve"], in: project, after: destroyKill) { killedMidRun += 1 }
            let destroy = try run(["destroy", "--auto-approve"])
            if destroy.exitCode != 0 { fail("the destroy after the kill failed", destroy) }
            let left = try run(["state", "list"])
            if !left.stdout.isEmpty { fail("state still holds resources after destroy", left) }
            let fresh = try run(["plan", "--json"])
            let summary = (try? JSONSerialization.jsonObject(with: Data(fresh.stdout.utf8)) as? [String: Any])?["summary"] as? [String: Int]
            if summary?["add"] != resources || summary?["adopt"] != 0 { fail("something is left live: \(summary ?? [:])", fresh) }
            let temporaries = (try? FileManager.default.contentsOfDirectory(atPath: "\(project)/.infra/state/killed"))?.filter { $0.contains(".tmp-") } ?? []
            if !temporaries.isEmpty { fail("temporary files left: \(temporaries)") }
            if !failures.isEmpty {
                _ = try run(["destroy", "--auto-approve"])  // start the next trial from nothing
            }
        }
        print("kill trials: \(trials) trials (apply and destroy each killed at a random moment; \(killedMidRun) of \(2 * trials) kills landed mid-run), \(failures.count) failures")
        XCTAssertEqual(failures, [])
    }

    /// Runs infra and sends SIGKILL after `seconds`; whether it was still running then.
    func killed(_ arguments: [String], in directory: String, after seconds: Double) throws -> Bool {
        let process = try CLI.start(arguments, in: directory)
        usleep(useconds_t(seconds * 1_000_000))
        let running = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return running && process.terminationReason == .uncaughtSignal
    }
}
