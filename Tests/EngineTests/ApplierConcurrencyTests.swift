import Foundation
import TestSupport
import XCTest

@testable import InfraEngine

/// A kind shaped like a Snowflake one: its create answers nothing, so each object must be read back. It counts
/// the reads and the most creates in flight, and can be told to push back (as an overloaded service would).
struct SilentKind: BulkReadBackKind {
    let cloud: MemoryCloud
    let meter: Meter

    final class Meter: @unchecked Sendable {
        let lock = NSLock()
        var reads: [[String]] = []
        var inFlight = 0
        var peak = 0
        var pushBackFirst = 0
        var lostOnRead: Set<String> = []
    }

    var schema: KindSchema {
        KindSchema(name: "test.silent", summary: "", properties: [PropertySchema("name", .string, required: true)],
                   attributes: [], referenceAttribute: "name", identityProperties: ["name"])
    }

    func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let lost = meter.lock.withLock { () -> Set<String> in
            meter.reads.append(identities)
            return meter.lostOnRead
        }
        return (cloud.objects["silent"] ?? [:]).filter { identities.contains($0.key) && !lost.contains($0.key) }
    }

    func sendCreate(_ r: DesiredResource) async throws -> String {
        let pushBack = meter.lock.withLock { () -> Bool in
            meter.inFlight += 1
            meter.peak = max(meter.peak, meter.inFlight)
            guard meter.pushBackFirst > 0 else { return false }
            meter.pushBackFirst -= 1
            return true
        }
        if pushBack { ServiceLoad.pushedBack() }
        try await Task.sleep(nanoseconds: 2_000_000)
        cloud.put("silent", LiveObject(identity: r.identity, properties: r.properties))
        meter.lock.withLock { meter.inFlight -= 1 }
        return r.identity
    }

    func sendUpdate(_ r: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String { r.identity }
    func delete(_ object: LiveObject) async throws { cloud.remove("silent", object.identity) }
}

final class ApplierConcurrencyTests: XCTestCase {
    let cloud = MemoryCloud()
    let meter = SilentKind.Meter()

    func apply(count: Int, ceiling: Int) async throws -> (ApplyReport, StateDocument, AdaptiveConcurrency) {
        let kinds = KindRegistry([SilentKind(cloud: cloud, meter: meter)])
        let names = (0..<count).map { "o\($0): {type: test.silent, name: O\($0)}" }
        let dir = try CLI.project(["stacks/s.yaml": "stack: s\nresources:\n" + names.map { "  " + $0 }.joined(separator: "\n") + "\n",
                                   "environments/dev.yaml": "name: dev\n"])
        let loader = StackLoader(schemas: [SilentKind(cloud: cloud, meter: meter).schema], layout: ProjectLayout(root: dir))
        let stack = try loader.load(stackFile: "\(dir)/stacks/s.yaml", environment: try loader.loadEnvironment(file: "\(dir)/environments/dev.yaml"))
        let resolver = Resolver(stack: stack, kinds: kinds)
        let live = try await Refresher.refresh(stack: stack, state: nil, kinds: kinds, resolver: resolver)
        let plan = try Planner(stack: stack, kinds: kinds, state: nil, live: live, options: PlanOptions(), resolver: resolver).makePlan()
        meter.lock.withLock { meter.reads = [] }
        let recorder = StateRecorder(document: StateDocument(stack: "s", environment: "dev"),
                                     store: LocalStateStore(path: NSTemporaryDirectory() + "state-\(UUID().uuidString).json"))
        let limiter = AdaptiveConcurrency(ceiling: ceiling)
        let report = await Applier(stack: stack, kinds: kinds, plan: plan, live: live, recorder: recorder)
            .run(limiter: limiter, observer: NullObserver(), stop: StopFlag())
        return (report, await recorder.document, limiter)
    }

    /// 300 creates at most 16 at a time: every object is read back once, in reads of up to a window each
    /// (not one read per object), and state records all of them with no intent left over.
    func testObjectsWrittenTogetherAreReadBackTogether() async throws {
        let (report, state, limiter) = try await apply(count: 300, ceiling: 16)
        XCTAssertTrue(report.isSuccess, "\(report.failed)")
        XCTAssertEqual(state.resources.count, 300)
        XCTAssertTrue(state.pending.isEmpty)
        XCTAssertEqual(Set(state.resources.values.map(\.identity)), Set((0..<300).map { "O\($0)" }))
        let reads = meter.lock.withLock { meter.reads }
        XCTAssertEqual(reads.flatMap { $0 }.sorted(), (0..<300).map { "O\($0)" }.sorted(), "each object read back exactly once")
        XCTAssertLessThanOrEqual(reads.count, 300 / 16 + 3, "reads: \(reads.map(\.count))")
        XCTAssertLessThanOrEqual(meter.peak, 16)
        XCTAssertLessThanOrEqual(limiter.summary.peakInFlight, 16)
    }

    /// A read-back that does not find an object fails that resource only; the others are recorded.
    func testAnObjectMissingFromItsReadBackFailsAlone() async throws {
        meter.lostOnRead = ["O3"]
        let (report, state, _) = try await apply(count: 10, ceiling: 8)
        XCTAssertEqual(report.failed.map(\.change.address), ["o3"])
        XCTAssertTrue(report.failed[0].error.contains("was written, but reading it back does not find it"), report.failed[0].error)
        XCTAssertEqual(state.resources.count, 9)
        XCTAssertEqual(state.pending.keys.sorted(), ["o3"], "its create intent stays: the object may exist")
    }

    /// Push-back halves the limit (once per round of calls admitted before the cut), so fewer calls go out at once.
    func testPushBackLowersHowManyCallsGoOutAtOnce() async throws {
        meter.pushBackFirst = 40
        let (report, state, limiter) = try await apply(count: 120, ceiling: 32)
        XCTAssertTrue(report.isSuccess, "\(report.failed)")
        XCTAssertEqual(state.resources.count, 120)
        let load = limiter.summary
        XCTAssertGreaterThanOrEqual(load.cuts, 1)
        XCTAssertLessThan(load.lowestLimit, 32)
        XCTAssertLessThanOrEqual(load.cuts, 5, "one cut per round, not one per pushed-back call")
    }

    func testTheLimitHalvesOnPushBackAndGrowsBackByOnePerWindow() async throws {
        let limiter = AdaptiveConcurrency(ceiling: 8)
        _ = try await limiter.run { ServiceLoad.pushedBack() }
        XCTAssertEqual(limiter.currentLimit, 4)
        for _ in 0..<3 { _ = try await limiter.run { () } }
        XCTAssertEqual(limiter.currentLimit, 4, "3/4 of a window: not yet grown")
        for _ in 0..<2 { _ = try await limiter.run { () } }
        XCTAssertEqual(limiter.currentLimit, 5)
        for _ in 0..<200 { _ = try await limiter.run { () } }
        XCTAssertEqual(limiter.currentLimit, 8, "never above the ceiling")
        for _ in 0..<10 { _ = try await limiter.run { ServiceLoad.pushedBack() } }
        XCTAssertEqual(limiter.currentLimit, 1, "repeated push-back, one round at a time, down to one")
        XCTAssertEqual(limiter.summary.lowestLimit, 1)
    }
}
