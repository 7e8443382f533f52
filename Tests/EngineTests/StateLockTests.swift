import Foundation
import TestSupport
import XCTest

/// The local state lock has exactly one holder: a stale lock is broken by one run only, `state unlock` removes
/// only the lock it is told, a broken lock file is reported and removable, an interrupted run releases the
/// lock, and a killed writer's temporary files go.
final class StateLockTests: XCTestCase {
    /// The verify pipeline detects two holders at once: its one task takes a directory that a second holder
    /// could not take (mkdir fails when it exists).
    let stack = """
        stack: race
        resources:
          p: {type: pool, slots: 1}
        pipelines:
          verify:
            - name: alone
              command: mkdir held.d && sleep 0.3 && rmdir held.d

        """

    func lockPath(_ dir: String) -> String { "\(dir)/.infra/state/race/dev.json.lock" }

    /// A pid that no process has any more.
    func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func writeLock(_ dir: String, id: String, pid: Int32, host: String = ProcessInfo.processInfo.hostName) throws {
        try FileManager.default.createDirectory(atPath: (lockPath(dir) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let holder = #"{"id":"\#(id)","operation":"apply","who":"ana@\#(host)","host":"\#(host)","pid":\#(pid),"created_at":"2026-11-24T10:00:00Z"}"#
        try holder.write(toFile: lockPath(dir), atomically: true, encoding: .utf8)
    }

    func appliedProject() throws -> String {
        let dir = try CLI.project(["stacks/race.yaml": stack])
        let r = try CLI.run(["apply", "race", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        return dir
    }

    /// Several runs start at once against a lock whose holder died: each either holds the lock alone (its
    /// task takes the directory) or is refused; never do two hold it together. `INFRA_LOCK_RACE_TRIALS`
    /// sets the number of trials (bench/lock-race.sh runs 60).
    func testBreakingAStaleLockLeavesExactlyOneHolder() throws {
        let dir = try appliedProject()
        let trials = Int(ProcessInfo.processInfo.environment["INFRA_LOCK_RACE_TRIALS"] ?? "") ?? 6
        let runs = 6
        var held = 0, refused = 0
        for trial in 0..<trials {
            try writeLock(dir, id: "stale-\(trial)", pid: try deadPid())
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: runs) { _ in
                if let result = try? CLI.run(["verify", "race", "--env", "dev"], in: dir) { results.append(result) }
            }
            XCTAssertEqual(results.all.count, runs)
            for result in results.all {
                if result.exitCode == 0 {
                    held += 1
                } else if result.stderr.contains("state is locked") {
                    refused += 1
                } else {
                    XCTFail("trial \(trial): a run neither held the lock alone nor was refused:\n\(result.stdout)\(result.stderr)")
                }
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: lockPath(dir)), "trial \(trial): the lock is released")
            let left = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/.infra/state/race")
            XCTAssertEqual(left, ["dev.json"], "trial \(trial): no break marker or temporary file is left")
        }
        XCTAssertGreaterThanOrEqual(held, trials, "every trial has a holder")
        print("lock race: \(trials) trials of \(runs) runs: \(held) held the lock alone, \(refused) refused, 0 overlapped")
    }

    func testUnlockTakesTheLockIdAndKeepsALiveHoldersLock() throws {
        let dir = try appliedProject()
        try writeLock(dir, id: "abc", pid: getpid())
        var r = try CLI.run(["state", "unlock", "race", "--env", "dev"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("say which lock to remove"), r.stderr)
        XCTAssertTrue(r.stderr.contains("hint: infra state unlock race --env dev abc"), r.stderr)
        r = try CLI.run(["state", "unlock", "race", "--env", "dev", "abd"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("not by lock abd"), r.stderr)
        r = try CLI.run(["state", "unlock", "race", "--env", "dev", "abc"], in: dir)
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("the lock's holder is still running on this host"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: lockPath(dir)))
        r = try CLI.run(["state", "unlock", "race", "--env", "dev", "abc", "--force"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lockPath(dir)))

        // A holder that died needs no --force; one on another host cannot be judged, so it needs none either.
        try writeLock(dir, id: "dead", pid: try deadPid())
        XCTAssertEqual(try CLI.run(["state", "unlock", "race", "--env", "dev", "dead"], in: dir).exitCode, 0)
        try writeLock(dir, id: "remote", pid: getpid(), host: "elsewhere.example")
        XCTAssertEqual(try CLI.run(["state", "unlock", "race", "--env", "dev", "remote"], in: dir).exitCode, 0)
    }

    func testAnUnreadableLockIsExplainedAndRemovable() throws {
        let dir = try appliedProject()
        for content in ["", "{\"id\": \"trunc"] {
            try content.write(toFile: lockPath(dir), atomically: true, encoding: .utf8)
            for command in [["plan", "race", "--env", "dev"], ["apply", "race", "--env", "dev", "--auto-approve"]] {
                let r = try CLI.run(command, in: dir)
                XCTAssertEqual(r.exitCode, 1)
                XCTAssertTrue(r.stderr.contains("the lock cannot be read: it is empty or not JSON"), r.stderr)
                XCTAssertFalse(r.stderr.contains("DecodingError"), r.stderr)
            }
            let r = try CLI.run(["state", "unlock", "race", "--env", "dev"], in: dir)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("it was empty or not JSON, left by a run that crashed while taking it"), r.stdout)
            XCTAssertEqual(try CLI.run(["plan", "race", "--env", "dev", "--detailed-exitcode"], in: dir).exitCode, 0)
        }
    }

    func testTheNextWriterRemovesAKilledWritersTemporaryFiles() throws {
        let dir = try appliedProject()
        let folder = "\(dir)/.infra/state/race"
        let dead = try deadPid()
        let abandoned = ["dev.json.tmp-\(dead)-1234", "dev.json.lock.tmp-\(dead)-some-lock-id"]
        let live = "dev.json.tmp-\(getpid())-99"
        for name in abandoned + [live] { try "{}".write(toFile: "\(folder)/\(name)", atomically: false, encoding: .utf8) }
        XCTAssertEqual(try CLI.run(["plan", "race", "--env", "dev"], in: dir).exitCode, 0)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder)), ["dev.json", live],
                       "a live writer's file stays; a dead one's go")
    }

    /// Ctrl-C twice in the middle of an apply quits at once, and the lock goes with it.
    func testInterruptedApplyReleasesTheLock() throws {
        var text = "stack: race\nresources:\n"
        for i in 0..<400 { text += "  p\(i): {type: pool, slots: 1}\n" }
        let dir = try CLI.project(["stacks/race.yaml": text])
        let out = Pipe()
        let process = try CLI.start(["apply", "race", "--env", "dev", "--auto-approve", "--parallelism", "1"], in: dir, output: out)
        CLI.read(out) { $0.contains("Creation complete") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: lockPath(dir)), "held while applying")
        kill(process.processIdentifier, SIGINT)
        usleep(50_000)
        kill(process.processIdentifier, SIGINT)
        DispatchQueue.global().async { _ = out.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        XCTAssertTrue([130, 1].contains(process.terminationStatus), "status \(process.terminationStatus)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: lockPath(dir)), "the lock is released")
        let r = try CLI.run(["apply", "race", "--env", "dev", "--auto-approve"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertFalse(r.stderr.contains("stale"), "no lock was left to break")
    }
}

private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [CLIResult] = []
    func append(_ result: CLIResult) { lock.withLock { items.append(result) } }
    var all: [CLIResult] { lock.withLock { items } }
}
