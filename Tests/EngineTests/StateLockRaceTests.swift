@testable import InfraEngine
import Foundation
import XCTest

/// Many threads released at once against one stale lock, trial after trial: at no moment do two of them
/// hold it. The threads share no memory with the store but the files, so this is the race of several
/// processes, with a far tighter start than processes get (StateLockTests runs the processes).
final class StateLockRaceTests: XCTestCase {
    func testAStaleLockIsBrokenByOneRacerOnly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("race-\(UUID().uuidString)/dev.json").path
        let store = LocalStateStore(path: path)
        let racers = 8
        let trials = 200
        let counters = HolderCounters()
        for trial in 0..<trials {
            var stale = LockInfo(operation: "apply")
            stale.id = "stale-\(trial)"
            stale.pid = Int32.max - 1  // no such process
            XCTAssertTrue(try store.createLock(stale))
            let start = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            for _ in 0..<racers {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    start.wait()
                    let mine = LockInfo(operation: "apply")
                    do {
                        do {
                            try store.lockNow(mine)
                        } catch let locked as StateLockedError where locked.stale {
                            try store.breakLockNow(locked.holder!, taking: mine)
                        }
                    } catch is StateLockedError {
                        return counters.refused()
                    } catch {
                        return counters.failed("\(error)")
                    }
                    counters.enter()
                    usleep(300)
                    counters.leave()
                    do { try store.unlockNow(id: mine.id) } catch { counters.failed("unlock: \(error)") }
                }
            }
            for _ in 0..<racers { start.signal() }
            done.wait()
            XCTAssertNil(try store.readLock(), "trial \(trial): released")
        }
        XCTAssertEqual(counters.maximum, 1, "at most one holder at a time")
        XCTAssertEqual(counters.failures, [])
        XCTAssertGreaterThanOrEqual(counters.holds, trials)
        print("stale-lock race: \(trials) trials of \(racers) threads: \(counters.holds) holds, \(counters.refusals) refused, at most \(counters.maximum) at once")
    }
}

private final class HolderCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var maximum = 0
    private(set) var holds = 0
    private(set) var refusals = 0
    private(set) var failures: [String] = []

    func enter() { lock.withLock { current += 1; holds += 1; maximum = max(maximum, current) } }
    func leave() { lock.withLock { current -= 1 } }
    func refused() { lock.withLock { refusals += 1 } }
    func failed(_ reason: String) { lock.withLock { failures.append(reason) } }
}
