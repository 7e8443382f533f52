import Foundation
import XCTest

@testable import InfraEngine

final class GraphTests: XCTestCase {
    func testCycleIsReportedAsAWholePath() {
        var graph = Graph<String>()
        graph.addEdge(from: "a", to: "b")
        graph.addEdge(from: "b", to: "c")
        graph.addEdge(from: "c", to: "a")
        graph.addEdge(from: "d", to: "a")
        XCTAssertEqual(graph.findCycle(), ["a", "b", "c", "a"])
        XCTAssertNil(graph.topologicalOrder())
    }

    func testTopologicalOrderPutsDependenciesFirstAndIsStable() {
        var graph = Graph<String>()
        graph.addNode("z")
        graph.addEdge(from: "app", to: "db")
        graph.addEdge(from: "app", to: "bucket")
        graph.addEdge(from: "db", to: "bucket")
        XCTAssertEqual(graph.topologicalOrder(), ["bucket", "z", "db", "app"])
        XCTAssertEqual(graph.reversed().topologicalOrder(), ["app", "z", "db", "bucket"])
    }

    func testWalkerRunsIndependentBranchesAndSkipsDependentsOfFailures() async {
        var graph = Graph<String>()
        graph.addEdge(from: "b", to: "a")
        graph.addEdge(from: "c", to: "b")
        graph.addNode("x")
        graph.addEdge(from: "y", to: "x")
        let outcomes = await GraphWalker.walk(graph, parallelism: 2) { node in
            if node == "a" { throw Diagnostic("boom", at: nil) }
        }
        XCTAssertEqual(outcomes["a"], .failed("error: boom"))
        XCTAssertEqual(outcomes["b"], .skipped(because: "a"))
        XCTAssertEqual(outcomes["c"], .skipped(because: "a"), "the root cause is reported, not the intermediate skip")
        XCTAssertEqual(outcomes["x"], .succeeded)
        XCTAssertEqual(outcomes["y"], .succeeded)
    }

    func testWalkerNeverExceedsParallelism() async {
        var graph = Graph<Int>()
        for i in 0..<40 { graph.addNode(i) }
        let gauge = Gauge()
        _ = await GraphWalker.walk(graph, parallelism: 3) { _ in
            await gauge.enter()
            try await Task.sleep(nanoseconds: 2_000_000)
            await gauge.leave()
        }
        let peak = await gauge.peak
        XCTAssertEqual(peak, 3)
    }

    actor Gauge {
        var current = 0
        var peak = 0
        func enter() { current += 1; peak = max(peak, current) }
        func leave() { current -= 1 }
    }
}

final class InterpolationTests: XCTestCase {
    let start = SourceLocation(file: "s.yaml", line: 3, column: 10)

    func testPartsFiltersAndEscapes() throws {
        let i = try Interpolation.parse("db_${env.name | upper}_$${literal}", at: start)
        XCTAssertEqual(i.parts.count, 3)
        guard case .expression(let e) = i.parts[1] else { return XCTFail() }
        XCTAssertEqual(e.path, ["env", "name"])
        XCTAssertEqual(e.filters.map(\.name), ["upper"])
        XCTAssertEqual(e.location, SourceLocation(file: "s.yaml", line: 3, column: 13))
        guard case .literal(let tail) = i.parts[2] else { return XCTFail() }
        XCTAssertEqual(tail, "_${literal}")
    }

    func testDefaultFilterArgumentsAndSingleExpression() throws {
        let i = try Interpolation.parse("${var.x | default('a, b') | lower}", at: start)
        let e = try XCTUnwrap(i.singleExpression)
        XCTAssertEqual(e.filters[0].arguments, [.string("a, b")])
        XCTAssertEqual(e.filters[1].name, "lower")
    }

    func testSyntaxErrorsPointAtTheFaultyCharacter() {
        XCTAssertThrowsError(try Interpolation.parse("x ${var.a b}", at: start)) { error in
            XCTAssertEqual((error as? Diagnostic)?.location?.column, 10 + 2 + 2 + 6)
        }
    }
}

final class StateStoreTests: XCTestCase {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)/dev.json").path
    }

    func testWriteReadRoundTripAndNoTemporaryFilesLeft() async throws {
        let path = temporaryPath()
        let store = LocalStateStore(path: path)
        var document = StateDocument(stack: "s", environment: "dev")
        document.resources["p"] = ResourceRecord(kind: "pool", identity: "p", properties: ["slots": 3], attributes: [:], dependsOn: [])
        try await store.write(document)
        let read = try await store.read()
        XCTAssertEqual(read, document)
        let files = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        XCTAssertEqual(files, ["dev.json"])
    }

    func testLockIsExclusiveAndReleasedOnlyByItsHolder() async throws {
        let store = LocalStateStore(path: temporaryPath())
        let first = LockInfo(operation: "apply")
        try await store.lock(first)
        do {
            try await store.lock(LockInfo(operation: "plan"))
            XCTFail("a second lock must be refused")
        } catch let error as StateLockedError {
            XCTAssertEqual(error.holder, first)
            XCTAssertFalse(error.stale, "this process is alive")
        }
        do {
            try await store.unlock(id: "someone-else")
            XCTFail("only the holder may unlock")
        } catch is StateLockedError {}
        try await store.unlock(id: first.id)
        let current = try await store.currentLock()
        XCTAssertNil(current)
    }

    func testNewerFormatVersionIsRefused() async throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #"{"format_version": 99}"#.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try await LocalStateStore(path: path).read()
            XCTFail("must refuse")
        } catch let d as Diagnostic {
            XCTAssertTrue(d.message.contains("format version 99"))
        }
    }

    func testSensitiveValuesAreStoredAsDigests() {
        let digest = SensitiveValue.digest(.string("hunter2"))
        XCTAssertNotEqual(digest, .string("hunter2"))
        XCTAssertTrue(digest.stringValue!.hasPrefix("sha256:"))
        XCTAssertFalse(digest.canonicalJSON.contains("hunter2"))
    }
}
