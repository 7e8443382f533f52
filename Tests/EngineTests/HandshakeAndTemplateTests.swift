import Foundation
import TestSupport
import XCTest

@testable import InfraEngine
@testable import PoolProvider

/// Two in-memory kinds shaped like an IAM role (ARN known at plan time) and a storage integration
/// (external ID known only after it exists), to test the engine's ordering without any network.
final class MemoryCloud: @unchecked Sendable {
    let lock = NSLock()
    var objects: [String: [String: LiveObject]] = [:]
    var log: [String] = []

    func remove(_ kind: String, _ identity: String) {
        lock.lock(); defer { lock.unlock() }
        objects[kind]?[identity] = nil
    }

    func put(_ kind: String, _ object: LiveObject) {
        lock.lock(); defer { lock.unlock() }
        objects[kind, default: [:]][object.identity] = object
        log.append("create \(kind) \(object.identity)")
    }
}

struct RoleKind: ResourceKind {
    let cloud: MemoryCloud
    var schema: KindSchema {
        KindSchema(name: "test.role", summary: "", properties: [
            PropertySchema("name", .string, required: true, forcesReplacement: true),
            PropertySchema("trusted_external_id", .string),
        ], attributes: [AttributeSchema("arn", .planTime(inputs: ["name"]))], referenceAttribute: "name", identityProperties: ["name"])
    }
    func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] {
        guard let name = properties["name"]?.stringValue else { return [:] }
        let account = context.environment.mapValue?["aws"]?.mapValue?["account_id"]?.stringValue ?? "?"
        return ["arn": .string("arn:aws:iam::\(account):role/\(name)")]
    }
    func read(_ identities: [String]) async throws -> [String: LiveObject] { cloud.objects["role"]?.filter { identities.contains($0.key) } ?? [:] }
    func create(_ r: DesiredResource) async throws -> LiveObject {
        let o = LiveObject(identity: r.identity, properties: r.properties, attributes: ["arn": .string("arn:aws:iam::123456789012:role/\(r.identity)")])
        cloud.put("role", o)
        return o
    }
    func update(_ r: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject { try await create(r) }
    func delete(_ object: LiveObject) async throws { cloud.remove("role", object.identity) }
}

struct IntegrationKind: ResourceKind {
    let cloud: MemoryCloud
    var schema: KindSchema {
        KindSchema(name: "test.integration", summary: "", properties: [
            PropertySchema("name", .string, required: true, forcesReplacement: true),
            PropertySchema("role_arn", .string, required: true),
        ], attributes: [AttributeSchema("external_id", .afterApply)], referenceAttribute: "name", identityProperties: ["name"])
    }
    func read(_ identities: [String]) async throws -> [String: LiveObject] { cloud.objects["integration"]?.filter { identities.contains($0.key) } ?? [:] }
    func create(_ r: DesiredResource) async throws -> LiveObject {
        let o = LiveObject(identity: r.identity, properties: r.properties, attributes: ["external_id": .string("EXT_\(r.identity)")])
        cloud.put("integration", o)
        return o
    }
    func update(_ r: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject { try await create(r) }
    func delete(_ object: LiveObject) async throws { cloud.remove("integration", object.identity) }
}

struct NullObserver: ApplyObserver {
    func started(_ change: ResourceChange) {}
    func finished(_ change: ResourceChange, seconds: Double, error: (any Error)?) {}
}

final class HandshakeTests: XCTestCase {
    func testRoleAndIntegrationResolveInOneApply() async throws {
        let dir = try CLI.project([
            "stacks/h.yaml": """
                stack: h
                resources:
                  reader:
                    type: test.role
                    name: snowflake-reader
                    trusted_external_id: ${access.external_id}
                  access:
                    type: test.integration
                    name: ACCESS
                    role_arn: ${reader.arn}
                """,
            "environments/dev.yaml": "name: dev\naws: {account_id: \"123456789012\"}\n",
        ])
        let cloud = MemoryCloud()
        let kinds = KindRegistry([RoleKind(cloud: cloud), IntegrationKind(cloud: cloud)])
        let layout = ProjectLayout(root: dir)
        let loader = StackLoader(schemas: kinds.kinds.values.map(\.schema), layout: layout)
        let stack = try loader.load(stackFile: "\(dir)/stacks/h.yaml", environment: try loader.loadEnvironment(file: "\(dir)/environments/dev.yaml"))

        let plan = try await Planner.plan(stack: stack, kinds: kinds, state: nil, options: PlanOptions())
        let reader = plan.changes.first { $0.address == "reader" }!
        let access = plan.changes.first { $0.address == "access" }!
        XCTAssertEqual(access.after?["role_arn"], .string("arn:aws:iam::123456789012:role/snowflake-reader"), "the ARN is known at plan time")
        XCTAssertEqual(reader.after?["trusted_external_id"], .unknown, "the external id is known only after apply")
        XCTAssertEqual(reader.dependsOn, ["access"])
        XCTAssertEqual(access.dependsOn, [], "a plan-time ARN creates no ordering edge")

        let store = LocalStateStore(path: "\(dir)/state.json")
        let recorder = StateRecorder(document: StateDocument(stack: "h", environment: "dev"), store: store)
        let report = await Applier(stack: stack, kinds: kinds, plan: plan, live: LiveSnapshot(), recorder: recorder)
            .run(parallelism: 4, observer: NullObserver(), stop: StopFlag())
        XCTAssertTrue(report.isSuccess)
        XCTAssertEqual(cloud.log, ["create integration ACCESS", "create role snowflake-reader"])
        XCTAssertEqual(cloud.objects["role"]?["snowflake-reader"]?.properties["trusted_external_id"], .string("EXT_ACCESS"))

        let state = try await store.read()
        let again = try await Planner.plan(stack: stack, kinds: kinds, state: state, options: PlanOptions())
        XCTAssertFalse(again.hasChanges, "a second plan after apply shows no changes")
    }
}

final class TemplateTests: XCTestCase {
    func testNestedTemplatesExpandWithPrefixedNamesAndParameters() throws {
        let dir = try CLI.project([
            "stacks/t.yaml": """
                stack: t
                vars:
                  base: 2
                use:
                  orders: {template: lane, with: {slots: "${var.base}", label: orders}}
                  customers: {template: lane, with: {slots: 3, label: customers}}
                resources:
                  summary:
                    type: pool
                    slots: 1
                    description: ${orders.lane_pool} and ${customers.inner.extra.name}
                """,
            "templates/lane.yaml": """
                template: lane
                params:
                  slots: {type: int, required: true}
                  label: {type: string, default: lane}
                resources:
                  lane_pool:
                    type: pool
                    slots: ${param.slots}
                    description: ${param.label | upper}
                use:
                  inner: {template: extra, with: {of: "${lane_pool}"}}
                pipelines:
                  verify:
                    - name: check
                      pool: lane_pool
                      sql: SELECT '${param.label}'
                """,
            "templates/extra.yaml": """
                template: extra
                params:
                  of: {type: string}
                resources:
                  extra: {type: pool, slots: 1, description: "next to ${param.of}"}
                """,
        ])
        let r = try CLI.run(["plan", "t", "--env", "dev", "--json"], in: dir)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let plan = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["plan"] as! [String: Any]
        let changes = plan["changes"] as! [[String: Any]]
        let byAddress = Dictionary(uniqueKeysWithValues: changes.map { ($0["address"] as! String, $0["after"] as! [String: Any]) })
        XCTAssertEqual(Set(byAddress.keys), ["summary", "orders.lane_pool", "orders.inner.extra", "customers.lane_pool", "customers.inner.extra"])
        XCTAssertEqual(byAddress["orders.lane_pool"]?["slots"] as? Int, 2)
        XCTAssertEqual(byAddress["orders.lane_pool"]?["description"] as? String, "ORDERS")
        XCTAssertEqual(byAddress["orders.lane_pool"]?["name"] as? String, "lane_pool")
        XCTAssertEqual(byAddress["customers.inner.extra"]?["description"] as? String, "next to lane_pool")
        XCTAssertEqual(byAddress["summary"]?["description"] as? String, "lane_pool and extra")
        let v = try CLI.run(["validate", "t", "--env", "dev"], in: dir)
        XCTAssertEqual(v.stdout, "Stack t is valid for environment dev: 5 resources, 1 pipelines (verify).\n")
    }
}

/// A kind whose create fails for names starting with "bad": to see what apply does around a failure.
struct FlakyKind: ResourceKind {
    let cloud: MemoryCloud
    var schema: KindSchema {
        KindSchema(name: "test.flaky", summary: "", properties: [PropertySchema("name", .string, required: true)],
                   attributes: [], referenceAttribute: "name", identityProperties: ["name"])
    }
    func read(_ identities: [String]) async throws -> [String: LiveObject] { cloud.objects["flaky"]?.filter { identities.contains($0.key) } ?? [:] }
    func create(_ r: DesiredResource) async throws -> LiveObject {
        if r.identity.hasPrefix("bad") { throw Diagnostic("quota exceeded creating \(r.identity)", at: nil) }
        let o = LiveObject(identity: r.identity, properties: r.properties)
        cloud.put("flaky", o)
        return o
    }
    func update(_ r: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject { try await create(r) }
    func delete(_ object: LiveObject) async throws { cloud.remove("flaky", object.identity) }
}

final class ApplyFailureTests: XCTestCase {
    func testFailureSkipsDependentsOnlyAndStateRecordsExactlyWhatExists() async throws {
        let dir = try CLI.project(["stacks/f.yaml": """
            stack: f
            resources:
              a: {type: test.flaky, name: a}
              broken: {type: test.flaky, name: bad-one}
              after_broken: {type: test.flaky, name: c, depends_on: [broken]}
              independent: {type: test.flaky, name: d, depends_on: [a]}
            """])
        let cloud = MemoryCloud()
        let kinds = KindRegistry([FlakyKind(cloud: cloud)])
        let loader = StackLoader(schemas: kinds.kinds.values.map(\.schema), layout: ProjectLayout(root: dir))
        let stack = try loader.load(stackFile: "\(dir)/stacks/f.yaml", environment: try loader.loadEnvironment(file: "\(dir)/environments/dev.yaml"))
        let plan = try await Planner.plan(stack: stack, kinds: kinds, state: nil, options: PlanOptions())
        let store = LocalStateStore(path: "\(dir)/state.json")
        let recorder = StateRecorder(document: StateDocument(stack: "f", environment: "dev"), store: store)
        let report = await Applier(stack: stack, kinds: kinds, plan: plan, live: LiveSnapshot(), recorder: recorder)
            .run(parallelism: 4, observer: NullObserver(), stop: StopFlag())
        XCTAssertEqual(Set(report.succeeded.map(\.address)), ["a", "independent"])
        XCTAssertEqual(report.failed.map(\.change.address), ["broken"])
        XCTAssertEqual(report.failed.first?.error, "error: quota exceeded creating bad-one")
        XCTAssertEqual(report.skipped.map(\.change.address), ["after_broken"])
        XCTAssertEqual(report.skipped.first?.because, "broken")
        let state = try await store.read()
        XCTAssertEqual(Set(state!.resources.keys), ["a", "independent"])
        XCTAssertEqual(Set(cloud.objects["flaky"]!.keys), ["a", "d"])
    }
}
