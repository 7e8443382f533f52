import Foundation
import XCTest

@testable import InfraEngine

final class RecordingObserver: RunObserver, @unchecked Sendable {
    let lock = NSLock()
    var events: [String] = []
    func taskStarted(_ task: ResolvedTask, attempt: Int) { lock.lock(); events.append("start \(task.name) #\(attempt)"); lock.unlock() }
    func taskFinished(_ result: TaskResult) { lock.lock(); events.append("end \(result.name) \(result.outcome.rawValue)"); lock.unlock() }
}

final class PipelineRunnerTests: XCTestCase {
    let directory = FileManager.default.temporaryDirectory.path

    func task(_ name: String, _ command: String, after: [String] = [], pool: String? = nil, retries: Int = 0,
              timeout: Double? = nil, expect: Value? = nil) -> ResolvedTask
    {
        ResolvedTask(name: name, kind: .command, body: .string(command), expect: expect, after: after, pool: pool,
                     retries: retries, retryDelaySeconds: 0.05, timeoutSeconds: timeout)
    }

    func runner(failFast: Bool = true, pools: [String: Int] = [:]) -> PipelineRunner {
        PipelineRunner(executors: [.command: CommandTaskExecutor(baseEnvironment: ["INFRA_TEST": "yes"], workingDirectory: directory)],
                       pools: pools, failFast: failFast)
    }

    func testDependenciesRunFirstAndEnvironmentIsPassed() async {
        let observer = RecordingObserver()
        let (report, _) = await runner().run(name: "p", tasks: [
            task("second", "echo $INFRA_TEST-2", after: ["first"]),
            task("first", "echo one"),
        ], observer: observer)
        XCTAssertTrue(report.succeeded)
        XCTAssertEqual(report.tasks.map(\.message), ["yes-2", "one"])
        XCTAssertLessThan(observer.events.firstIndex(of: "end first succeeded")!, observer.events.firstIndex(of: "start second #1")!)
    }

    func testPoolNeverHoldsMoreTasksThanItsSlots() async {
        let marker = "\(directory)/pool-\(UUID().uuidString)"
        // Each task records how many are inside the pool at once, through the file system.
        let body = "mkdir -p \(marker) && touch \(marker)/$$ && ls \(marker) | wc -l >> \(marker).counts && sleep 0.2 && rm \(marker)/$$"
        let tasks = (0..<8).map { task("t\($0)", body, pool: "snowflake_pool") }
        let (report, slots) = await runner(pools: ["snowflake_pool": 3]).run(name: "p", tasks: tasks, observer: RecordingObserver())
        XCTAssertTrue(report.succeeded, report.tasks.map(\.message).joined(separator: "; "))
        let counts = try! String(contentsOfFile: "\(marker).counts", encoding: .utf8).split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        XCTAssertEqual(counts.count, 8)
        XCTAssertLessThanOrEqual(counts.max()!, 3)
        let peak = await slots.peakInUse["snowflake_pool"]
        XCTAssertEqual(peak, 3)
    }

    func testRetriesUntilSuccessWithBackoff() async {
        let counter = "\(directory)/retry-\(UUID().uuidString)"
        let body = "echo x >> \(counter); test $(wc -l < \(counter)) -ge 3"
        let observer = RecordingObserver()
        let (report, _) = await runner().run(name: "p", tasks: [task("flaky", body, retries: 4)], observer: observer)
        XCTAssertTrue(report.succeeded)
        XCTAssertEqual(report.tasks[0].attempts, 3)
        XCTAssertEqual(observer.events.filter { $0.hasPrefix("start") }, ["start flaky #1", "start flaky #2", "start flaky #3"])
    }

    func testTimeoutStopsTheTaskAndItsProcess() async {
        let marker = "\(directory)/timeout-\(UUID().uuidString)"
        let started = Date()
        let (report, _) = await runner().run(name: "p", tasks: [task("slow", "sleep 5; touch \(marker)", timeout: 0.3)], observer: RecordingObserver())
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(report.tasks[0].outcome, .failed)
        XCTAssertEqual(report.tasks[0].message, "timed out after 0.3s")
        try? await Task.sleep(nanoseconds: 5_500_000_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the process was killed, not left running")
    }

    func testFailFastStopsNewTasksAndContinueModeRunsIndependentBranches() async {
        let tasks = [
            // broken fails only once slow-independent is surely running (under load, an instant exit could come
            // before the other task was started, and fail-fast would then rightly never start it).
            task("broken", "sleep 0.1; exit 3"),
            task("after-broken", "echo never", after: ["broken"]),
            task("slow-independent", "sleep 0.5; echo done"),
            task("after-slow", "echo later", after: ["slow-independent"]),
        ]
        let (fast, _) = await runner(failFast: true).run(name: "p", tasks: tasks, observer: RecordingObserver())
        let fastOutcomes = Dictionary(uniqueKeysWithValues: fast.tasks.map { ($0.name, $0.outcome) })
        XCTAssertEqual(fastOutcomes["broken"], .failed)
        XCTAssertEqual(fast.tasks[0].message, "exited with 3")
        XCTAssertEqual(fastOutcomes["after-broken"], .skipped)
        XCTAssertEqual(fastOutcomes["slow-independent"], .succeeded, "a task already running finishes")
        XCTAssertEqual(fastOutcomes["after-slow"], .skipped, "nothing new starts after a failure")
        XCTAssertEqual(fast.tasks.first { $0.name == "after-slow" }?.message, "not run: stopped after a failure (fail-fast)")

        let (cont, _) = await runner(failFast: false).run(name: "p", tasks: tasks, observer: RecordingObserver())
        let contOutcomes = Dictionary(uniqueKeysWithValues: cont.tasks.map { ($0.name, $0.outcome) })
        XCTAssertEqual(contOutcomes["after-broken"], .skipped)
        XCTAssertEqual(cont.tasks.first { $0.name == "after-broken" }?.message, "not run: broken failed")
        XCTAssertEqual(contOutcomes["after-slow"], .succeeded)
    }

    func testExpectationsCompareByMeaning() throws {
        XCTAssertNoThrow(try Expectation.check(["rows_loaded": 2, "value": "5"], against: TaskOutput(summary: "", values: ["rows_loaded": "2", "value": 5])))
        XCTAssertThrowsError(try Expectation.check(["rows": 3], against: TaskOutput(summary: "", values: ["rows": .list([1, 2])]))) { error in
            XCTAssertEqual("\(error)", "expected 3 rows, got 2")
        }
    }
}
