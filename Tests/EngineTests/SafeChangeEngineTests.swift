import Foundation
import TestSupport
import XCTest

@testable import InfraEngine

/// A folder that holds files: the shape of a Snowflake schema and its tables, in memory, to test the engine's
/// containment, moves and recovery without a network. Creating an object that exists fails, as services do.
struct FolderKind: ContainerKind {
    let cloud: MemoryCloud
    var schema: KindSchema {
        KindSchema(name: "test.folder", summary: "", properties: [
            PropertySchema("name", .string, required: true),
            PropertySchema("mode", .string, default: "plain", forcesReplacement: true),
        ], attributes: [], referenceAttribute: "name", identityProperties: ["name"])
    }
    func read(_ identities: [String]) async throws -> [String: LiveObject] { cloud.objects["folder"]?.filter { identities.contains($0.key) } ?? [:] }
    func create(_ r: DesiredResource) async throws -> LiveObject {
        if cloud.objects["folder"]?[r.identity] != nil { throw Exists(identity: r.identity) }
        let o = LiveObject(identity: r.identity, properties: r.properties)
        cloud.put("folder", o)
        return o
    }
    func update(_ r: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        cloud.remove("folder", r.identity)
        return try await create(r)
    }
    /// Dropping a folder drops its files, as DROP SCHEMA drops its tables.
    func delete(_ object: LiveObject) async throws {
        cloud.remove("folder", object.identity)
        for file in cloud.objects["file"]?.keys.filter({ $0.hasPrefix(object.identity + "/") }) ?? [] { cloud.remove("file", file) }
        cloud.lock.withLock { cloud.log.append("drop folder \(object.identity)") }
    }
    func contents(of identities: [String]) async throws -> [String: [ContainedObject]] {
        var out: [String: [ContainedObject]] = [:]
        for folder in identities {
            out[folder] = (cloud.objects["file"] ?? [:]).filter { $0.key.hasPrefix(folder + "/") }
                .map { ContainedObject(type: "file", identity: $0.key, data: StoredData(rows: $0.value.properties["text"]?.stringValue?.count)) }
        }
        return out
    }
}

struct FileKind: ContainedKind {
    let cloud: MemoryCloud
    var schema: KindSchema {
        KindSchema(name: "test.file", summary: "", properties: [
            PropertySchema("folder", .string, required: true, forcesReplacement: true),
            PropertySchema("name", .string, required: true),
            PropertySchema("text", .string, default: ""),
        ], attributes: [], referenceAttribute: "name", identityProperties: ["folder", "name"])
    }
    func identity(of properties: [String: Value]) -> String? {
        guard let folder = properties["folder"]?.stringValue, let name = properties["name"]?.stringValue else { return nil }
        return "\(folder)/\(name)"
    }
    func container(of identity: String) -> ContainerReference? {
        identity.split(separator: "/").first.map { ContainerReference(kind: "test.folder", identity: String($0)) }
    }
    func read(_ identities: [String]) async throws -> [String: LiveObject] { cloud.objects["file"]?.filter { identities.contains($0.key) } ?? [:] }
    func create(_ r: DesiredResource) async throws -> LiveObject {
        if cloud.objects["file"]?[r.identity] != nil { throw Exists(identity: r.identity) }
        let o = LiveObject(identity: r.identity, properties: r.properties)
        cloud.put("file", o)
        return o
    }
    func update(_ r: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        let o = LiveObject(identity: r.identity, properties: r.properties)
        cloud.lock.withLock { cloud.objects["file", default: [:]][r.identity] = o; cloud.log.append("update file \(r.identity)") }
        return o
    }
    func delete(_ object: LiveObject) async throws {
        guard cloud.objects["file"]?[object.identity] != nil else { throw Missing(identity: object.identity) }
        cloud.remove("file", object.identity)
    }
}

struct Exists: Error { var identity: String }
struct Missing: Error { var identity: String }

final class SafeChangeEngineTests: XCTestCase {
    let cloud = MemoryCloud()
    var kinds: KindRegistry { KindRegistry([FolderKind(cloud: cloud), FileKind(cloud: cloud)]) }

    func load(_ files: [String: String]) throws -> LoadedStack {
        var all = files
        all["environments/dev.yaml"] = "name: dev\n"
        let dir = try CLI.project(all)
        let loader = StackLoader(schemas: kinds.kinds.values.map(\.schema), layout: ProjectLayout(root: dir))
        return try loader.load(stackFile: "\(dir)/stacks/s.yaml", environment: try loader.loadEnvironment(file: "\(dir)/environments/dev.yaml"))
    }

    func apply(_ stack: LoadedStack, _ state: StateDocument?, earlier: [String: PendingCreate] = [:]) async throws -> (ApplyReport, StateDocument) {
        let (moved, moves) = try state.map { try $0.applying(stack.moves) } ?? (nil, [])
        let resolver = Resolver(stack: stack, kinds: kinds)
        let live = try await Refresher.refresh(stack: stack, state: moved, kinds: kinds, resolver: resolver)
        var plan = try Planner(stack: stack, kinds: kinds, state: moved, live: live, options: PlanOptions(), resolver: resolver,
                               moved: moves.map { MovedAddress(from: $0.from, to: $0.to) }).makePlan()
        try await DataRiskAssessor.assess(&plan, kinds: kinds, state: moved)
        let store = LocalStateStore(path: NSTemporaryDirectory() + "state-\(UUID().uuidString).json")
        let recorder = StateRecorder(document: moved ?? StateDocument(stack: stack.name, environment: "dev"), store: store)
        let report = await Applier(stack: stack, kinds: kinds, plan: plan, live: live, recorder: recorder, earlierIntents: earlier)
            .run(parallelism: 4, observer: NullObserver(), stop: StopFlag())
        return (report, await recorder.document)
    }

    func stack(mode: String = "plain", fileName: String = "notes") -> String {
        """
        stack: s
        resources:
          box: {type: test.folder, name: BOX, mode: \(mode)}
          \(fileName): {type: test.file, folder: "${box}", name: a.txt, text: hello}
        """
    }

    func testReplacingAContainerRecreatesWhatIsInsideAndStateStaysExact() async throws {
        let (_, state) = try await apply(try load(["stacks/s.yaml": stack()]), nil)
        cloud.put("file", LiveObject(identity: "BOX/scratch", properties: ["text": "xyz"]))  // not infra's
        let replaced = try load(["stacks/s.yaml": stack(mode: "locked")])
        let resolver = Resolver(stack: replaced, kinds: kinds)
        let live = try await Refresher.refresh(stack: replaced, state: state, kinds: kinds, resolver: resolver)
        var plan = try Planner(stack: replaced, kinds: kinds, state: state, live: live, options: PlanOptions(), resolver: resolver).makePlan()
        try await DataRiskAssessor.assess(&plan, kinds: kinds, state: state)
        let notes = plan.changes.first { $0.address == "notes" }!
        XCTAssertEqual(notes.action, .replace)
        XCTAssertEqual(notes.removedWith, "box")
        XCTAssertEqual(notes.note, "recreated: its folder box is replaced")
        let box = plan.changes.first { $0.address == "box" }!
        XCTAssertEqual(box.contents?.map(\.identity), ["BOX/a.txt", "BOX/scratch"])
        XCTAssertEqual(box.contents?.map(\.address), ["notes", nil])
        XCTAssertEqual(plan.dataAtRisk.map(\.identity), ["BOX/a.txt", "BOX/scratch"], "a managed file with data and an unmanaged one")

        let (report, after) = try await apply(replaced, state)
        XCTAssertTrue(report.isSuccess, "\(report.failed)")
        XCTAssertEqual(Set(after.resources.keys), ["box", "notes"])
        XCTAssertEqual(cloud.objects["file"]?.keys.sorted(), ["BOX/a.txt"], "the file is recreated, the unmanaged one is gone")
        XCTAssertEqual(cloud.objects["folder"]?["BOX"]?.properties["mode"], .string("locked"))
        XCTAssertTrue(after.pending.isEmpty)
    }

    func testMovedInsideATemplateRenamesTheInstancesOwnAddresses() async throws {
        let template = """
            template: lane
            resources:
              box: {type: test.folder, name: "${param.name}"}
              FILE: {type: test.file, folder: "${box}", name: a.txt, text: hi}
            """
        let params = "params: {name: {type: string}}\n"
        let use = "stack: s\nuse:\n  one: {template: lane, with: {name: ONE}}\n"
        let before = try load(["stacks/s.yaml": use, "templates/lane.yaml": template.replacingOccurrences(of: "FILE", with: "notes") + "\n" + params])
        let (_, state) = try await apply(before, nil)
        XCTAssertNotNil(state.resources["one.notes"])
        let after = try load(["stacks/s.yaml": use,
                              "templates/lane.yaml": template.replacingOccurrences(of: "FILE", with: "readme") + "\n" + params + "moved:\n  - {from: notes, to: readme}\n"])
        XCTAssertEqual(after.moves.map { "\($0.from)->\($0.to)" }, ["one.notes->one.readme"])
        let (report, moved) = try await apply(after, state)
        XCTAssertTrue(report.succeeded.isEmpty && report.isSuccess, "no cloud change")
        XCTAssertNil(moved.resources["one.notes"])
        XCTAssertEqual(moved.resources["one.readme"]?.identity, "ONE/a.txt")
    }

    /// A killed run's create finishes after the next run refreshed: that run's create fails with "exists", finds its
    /// own intent, reads the object back and records it (instead of failing with "already exists").
    func testAnInterruptedCreateThatLandsLateIsRecordedNotFailed() async throws {
        let stack = try load(["stacks/s.yaml": stack()])
        let (_, state) = try await apply(stack, nil)
        var interrupted = state
        interrupted.resources.removeValue(forKey: "notes")
        cloud.remove("file", "BOX/a.txt")
        let intent = PendingCreate(kind: "test.file", identity: "BOX/a.txt")
        interrupted.pending["notes"] = intent
        // Plan sees no file; it lands (the old run's create) just before this run's create.
        let resolver = Resolver(stack: stack, kinds: kinds)
        let live = try await Refresher.refresh(stack: stack, state: interrupted, kinds: kinds, resolver: resolver)
        let plan = try Planner(stack: stack, kinds: kinds, state: interrupted, live: live, options: PlanOptions(), resolver: resolver).makePlan()
        XCTAssertEqual(plan.changes.first { $0.address == "notes" }?.action, .create)
        cloud.put("file", LiveObject(identity: "BOX/a.txt", properties: ["folder": "BOX", "name": "a.txt", "text": "stale"]))
        let store = LocalStateStore(path: NSTemporaryDirectory() + "state-\(UUID().uuidString).json")
        let recorder = StateRecorder(document: interrupted, store: store)
        let report = await Applier(stack: stack, kinds: kinds, plan: plan, live: live, recorder: recorder, earlierIntents: interrupted.pending)
            .run(parallelism: 2, observer: NullObserver(), stop: StopFlag())
        XCTAssertTrue(report.isSuccess, "\(report.failed)")
        let recorded = await recorder.document
        XCTAssertEqual(recorded.resources["notes"]?.identity, "BOX/a.txt")
        XCTAssertTrue(recorded.pending.isEmpty)
        XCTAssertEqual(cloud.objects["file"]?["BOX/a.txt"]?.properties["text"], .string("hello"), "brought to the stack's values")

        // Without an intent of its own, the same collision is an error, not a take-over.
        let (_, clean) = try await apply(stack, recorded)
        var foreign = clean
        foreign.resources.removeValue(forKey: "notes")
        XCTAssertThrowsError(try Planner(stack: stack, kinds: kinds, state: foreign,
                                         live: everythingLive(), options: PlanOptions(), resolver: Resolver(stack: stack, kinds: kinds)).makePlan()) {
            XCTAssertEqual(($0 as? OwnershipConflicts)?.conflicts.map(\.address), ["notes"])
        }
    }

    /// Every object in the memory cloud, as a refresh would find it.
    func everythingLive() -> LiveSnapshot {
        var snapshot = LiveSnapshot()
        snapshot.objects = cloud.objects.reduce(into: [:]) { out, entry in out["test.\(entry.key)"] = entry.value }
        return snapshot
    }
}
