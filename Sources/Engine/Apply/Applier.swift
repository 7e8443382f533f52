import Foundation

/// Hears about each resource as apply works on it: the CLI prints progress lines from this.
public protocol ApplyObserver: Sendable {
    func started(_ change: ResourceChange)
    func finished(_ change: ResourceChange, seconds: Double, error: (any Error)?)
}

public struct ApplyReport: Sendable {
    public var succeeded: [ResourceChange] = []
    public var failed: [(change: ResourceChange, error: String)] = []
    public var skipped: [(change: ResourceChange, because: String)] = []

    public var isSuccess: Bool { failed.isEmpty && skipped.isEmpty }

    public var counts: (added: Int, changed: Int, destroyed: Int) {
        let added = succeeded.filter { $0.action == .create || $0.action == .replace }.count
        let changed = succeeded.filter { [.update, .adopt, .importExisting].contains($0.action) }.count
        let destroyed = succeeded.filter { $0.action == .delete || $0.action == .replace }.count
        return (added, changed, destroyed)
    }
}

/// Raised when a run is asked to stop: in-flight operations finish, nothing new starts.
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted before it started" }
}

/// A flag the CLI's signal handler sets; the applier checks it before starting each resource.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    public init() {}
    public func stop() { lock.lock(); stopped = true; lock.unlock() }
    public var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
}

/// Executes a plan: independent resources concurrently, dependencies first (deletes in reverse),
/// re-resolving each resource's values once what it depends on exists. Every resource whose dependencies are
/// done starts at once; what bounds the calls in flight is `AdaptiveConcurrency` (the ceiling, halved when a
/// service pushes back). A kind whose writes answer nothing (`BulkReadBackKind`) has its objects read back
/// together, one read per kind for everything written at about the same time.
public final class Applier: Sendable {
    let stack: LoadedStack
    let kinds: KindRegistry
    let plan: Plan
    let live: LiveSnapshot
    let recorder: StateRecorder
    /// Creates an earlier run started and did not record (state's `pending` when this plan was made).
    let earlierIntents: [String: PendingCreate]
    public let coordinator: ApplyCoordinator

    public init(stack: LoadedStack, kinds: KindRegistry, plan: Plan, live: LiveSnapshot, recorder: StateRecorder,
                earlierIntents: [String: PendingCreate] = [:])
    {
        self.earlierIntents = earlierIntents
        self.stack = stack
        self.kinds = kinds
        self.plan = plan
        self.live = live
        self.recorder = recorder
        self.coordinator = ApplyCoordinator(stack: stack, kinds: kinds, plan: plan, live: live)
    }

    /// The order apply takes: an edge from each change to the changes it must wait for.
    public static func graph(for plan: Plan, state: StateDocument?) -> Graph<String> {
        var graph = Graph<String>()
        let active = plan.changes.filter { $0.action != .noop }
        let byAddress = Dictionary(active.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        for change in active {
            graph.addNode(change.address)
            if change.action != .delete {
                for dependency in change.dependsOn {
                    if let other = byAddress[dependency], other.action != .delete { graph.addEdge(from: change.address, to: dependency) }
                }
            }
        }
        // An object is deleted only after everything recorded as depending on it has been deleted or changed.
        for change in active where change.action == .delete {
            for (address, record) in state?.resources ?? [:] where record.dependsOn.contains(change.address) && byAddress[address] != nil {
                graph.addEdge(from: change.address, to: address)
            }
        }
        return graph
    }

    /// `parallelism` is the most provider calls in flight at once (the adaptive limit's ceiling).
    public func run(parallelism: Int, observer: any ApplyObserver, stop: StopFlag) async -> ApplyReport {
        await run(limiter: AdaptiveConcurrency(ceiling: parallelism), observer: observer, stop: stop)
    }

    public func run(limiter: AdaptiveConcurrency, observer: any ApplyObserver, stop: StopFlag) async -> ApplyReport {
        let graph = Applier.graph(for: plan, state: await recorder.document)
        let changes = Dictionary(plan.changes.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let readBacks = ReadBackBatcher(limiter: limiter)
        // Resources waiting for the limiter cost nothing; one waiting for its read-back holds no call slot.
        let outcomes = await GraphWalker.walk(graph, parallelism: max(1, graph.nodes.count)) { [self] address in
            let progress = ChangeProgress(change: changes[address]!, observer: observer, stop: stop, limiter: limiter)
            do {
                try await self.execute(progress.change, progress, readBacks)
                progress.finished(error: nil)
            } catch {
                progress.finished(error: error)
                throw error
            }
        }
        var report = ApplyReport()
        for change in plan.changes where change.action != .noop {
            switch outcomes[change.address] {
            case .succeeded?: report.succeeded.append(change)
            case .failed(let message)?: report.failed.append((change, message))
            case .skipped(let cause)?: report.skipped.append((change, cause))
            case nil: break
            }
        }
        return report
    }

    func execute(_ change: ResourceChange, _ progress: ChangeProgress, _ readBacks: ReadBackBatcher) async throws {
        guard let kind = kinds[change.kind] else { throw Diagnostic("no provider offers kind '\(change.kind)'", at: nil) }
        let recordedObject = await recorder.document.resources[change.address]?.liveObject
        var liveObject = change.identity.flatMap { live.object(kind: change.kind, identity: $0) }
            ?? recordedObject.flatMap { live.object(kind: change.kind, identity: $0.identity) }
        // Properties only state knows (a bucket's force_destroy) stay visible to delete and update.
        if var object = liveObject, let recordedObject, recordedObject.identity == object.identity {
            object.properties.merge(recordedObject.properties) { current, _ in current }
            liveObject = object
        }
        let writer = Writer(kind: kind, progress: progress, readBacks: readBacks)
        switch change.action {
        case .noop:
            return
        case .delete:
            let object = liveObject ?? recordedObject ?? LiveObject(identity: change.identity ?? change.address, properties: [:])
            try await progress.call { try await kind.delete(object) }
            try await removeWithContents(change)
        case .create:
            let desired = try await coordinator.desired(change.address)
            let created = try await create(change, desired: desired, writer: writer)
            try await finish(change, desired: desired, object: created)
        case .replace:
            let desired = try await coordinator.desired(change.address)
            if change.removedWith != nil {
                // Its container's replacement dropped it, and recorded that: nothing left to delete.
                try await recorder.remove(change.address)
            } else if let old = liveObject ?? recordedObject {
                try await progress.call { try await kind.delete(old) }
                try await removeWithContents(change)
            }
            let created = try await create(change, desired: desired, writer: writer)
            try await finish(change, desired: desired, object: created)
        case .update, .adopt, .importExisting:
            let desired = try await coordinator.desired(change.address)
            guard let current = liveObject else {
                throw Diagnostic("'\(change.address)' disappeared since the plan was made", at: nil, hint: "run plan again")
            }
            let differences = await coordinator.differences(desired, current: current)
            let updated = differences.isEmpty ? current : try await writer.update(desired.resource, from: current, changes: differences)
            try await finish(change, desired: desired, object: updated)
        }
    }

    /// The object is gone, and so is everything inside it: state forgets them in the same write.
    func removeWithContents(_ change: ResourceChange) async throws {
        let contained = (change.contents ?? []).compactMap(\.address)
        try await recorder.update { state in
            state.resources.removeValue(forKey: change.address)
            for address in contained { state.resources.removeValue(forKey: address) }
        }
    }

    /// Records the intent first, so a crash after the service made the object leaves a trace the next plan trusts.
    /// If an earlier, interrupted run's create of the same object finished after this run refreshed, the create
    /// fails (already exists): the object is infra's own, so it is read back and brought to the stack's values.
    func create(_ change: ResourceChange, desired: ApplyCoordinator.Resolved, writer: Writer) async throws -> LiveObject {
        let identity = desired.resource.identity
        let earlier = earlierIntents[change.address]
        let intent = PendingCreate(kind: change.kind, identity: identity)
        do {
            return try await writer.create(desired.resource) { try await self.recorder.update { $0.pending[change.address] = intent } }
        } catch {
            let kind = writer.kind
            guard let earlier, earlier.kind == change.kind, earlier.identity == identity,
                  let existing = try? await writer.progress.call({ try await kind.read([identity])[identity] })
            else { throw error }
            let differences = await coordinator.differences(desired, current: existing)
            return differences.isEmpty ? existing : try await writer.update(desired.resource, from: existing, changes: differences)
        }
    }

    func finish(_ change: ResourceChange, desired: ApplyCoordinator.Resolved, object: LiveObject) async throws {
        await coordinator.completed(change.address, object)
        let schema = kinds[change.kind]!.schema
        var properties = desired.normalized
        for (key, value) in properties where schema.isSensitive(key) { properties[key] = SensitiveValue.digest(value) }
        var attributes = object.attributes
        for (key, value) in attributes where schema.isSensitive(key) { attributes[key] = SensitiveValue.digest(value) }
        let record = ResourceRecord(kind: change.kind, identity: object.identity, properties: properties, attributes: attributes,
                                    dependsOn: change.dependsOn)
        try await recorder.update { state in
            state.resources[change.address] = record
            state.pending.removeValue(forKey: change.address)
        }
    }
}

/// One change's progress: it is announced (and checked against a stop) when its first call gets a slot, and
/// timed from then, so resources queued behind the limit neither print nor count time.
final class ChangeProgress: @unchecked Sendable {
    let change: ResourceChange
    let observer: any ApplyObserver
    let stop: StopFlag
    let limiter: AdaptiveConcurrency
    private let lock = NSLock()
    private var startedAt: Date?

    init(change: ResourceChange, observer: any ApplyObserver, stop: StopFlag, limiter: AdaptiveConcurrency) {
        self.change = change
        self.observer = observer
        self.stop = stop
        self.limiter = limiter
    }

    /// One provider call, within the limit.
    func call<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await limiter.run {
            try begin()
            return try await body()
        }
    }

    /// A change that has not started yet does not start once a stop is asked for.
    private func begin() throws {
        let first = try lock.withLock { () throws -> Bool in
            guard startedAt == nil else { return false }
            if stop.isStopped { throw Interrupted() }
            startedAt = Date()
            return true
        }
        if first { observer.started(change) }
    }

    /// A change that never made a call (nothing to change, or it failed resolving) is announced as it finishes;
    /// one stopped before it started is not announced at all.
    func finished(error: (any Error)?) {
        let (started, announce) = lock.withLock { () -> (Date?, Bool) in
            guard startedAt == nil else { return (startedAt, false) }
            if error is Interrupted { return (nil, false) }
            startedAt = Date()
            return (startedAt, true)
        }
        guard let started else { return }
        if announce { observer.started(change) }
        observer.finished(change, seconds: Date().timeIntervalSince(started), error: error)
    }
}

/// Sends creates and updates for one change: a `BulkReadBackKind` only writes within the limit, then waits,
/// holding no slot, for the read-back it shares with the other objects of its kind.
struct Writer {
    let kind: any ResourceKind
    let progress: ChangeProgress
    let readBacks: ReadBackBatcher

    /// `beforeSending` runs within the call's slot, right before the create goes out (the intent's write).
    func create(_ resource: DesiredResource, beforeSending: @Sendable () async throws -> Void) async throws -> LiveObject {
        guard let bulk = kind as? any BulkReadBackKind else {
            return try await progress.call {
                try await beforeSending()
                return try await kind.create(resource)
            }
        }
        return try await readBacks.written(of: bulk) {
            try await progress.call {
                try await beforeSending()
                return try await bulk.sendCreate(resource)
            }
        }
    }

    func update(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        guard let bulk = kind as? any BulkReadBackKind else {
            return try await progress.call { try await kind.update(resource, from: live, changes: changes) }
        }
        return try await readBacks.written(of: bulk) { try await progress.call { try await bulk.sendUpdate(resource, from: live, changes: changes) } }
    }
}

/// Resolves values during apply. An actor because resolution is sequential work over shared results.
public actor ApplyCoordinator {
    let stack: LoadedStack
    let kinds: KindRegistry
    let plan: Plan
    let live: LiveSnapshot
    private var results: [String: LiveObject] = [:]
    private let changes: [String: ResourceChange]

    struct Resolved: Sendable {
        var resource: DesiredResource
        var normalized: [String: Value]
    }

    init(stack: LoadedStack, kinds: KindRegistry, plan: Plan, live: LiveSnapshot) {
        self.stack = stack
        self.kinds = kinds
        self.plan = plan
        self.live = live
        self.changes = Dictionary(plan.changes.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func completed(_ address: String, _ object: LiveObject) { results[address] = object }

    /// The resource's values with every dependency's real attributes; nothing may remain unknown.
    func desired(_ address: String) throws -> Resolved {
        let resolver = Resolver(stack: stack, kinds: kinds)
        resolver.knownAttribute = { [results, changes, live, stack] name, attribute in
            if let object = results[name] { return object.attributes[attribute] ?? object.properties[attribute] }
            guard let change = changes[name], change.action != .create, change.action != .replace, let identity = change.identity,
                  let kind = stack.resource(name)?.kind, let object = live.object(kind: kind, identity: identity)
            else { return nil }
            return object.attributes[attribute] ?? object.properties[attribute]
        }
        let properties = try resolver.properties(of: address)
        if let unknown = properties.first(where: { !$0.value.isKnown }) {
            throw Diagnostic("'\(address).\(unknown.key)' is still unknown after its dependencies were applied", at: stack.resource(address)?.location,
                             hint: "it refers to a value no resource produced; check the references in '\(unknown.key)'")
        }
        let kind = kinds[stack.resource(address)!.kind]!
        var normalized = properties
        for (key, value) in properties { normalized[key] = kind.normalize(value, property: key) }
        let identity = kind.identity(of: properties) ?? address
        return Resolved(resource: DesiredResource(logicalName: address, identity: identity, properties: properties), normalized: normalized)
    }

    func differences(_ desired: Resolved, current: LiveObject) -> [PropertyChange] {
        let kind = kinds[stack.resource(desired.resource.logicalName)!.kind]!
        var out: [PropertyChange] = []
        for property in kind.schema.properties where !property.createOnly {
            guard let wanted = desired.normalized[property.name] else { continue }
            let now = current.properties[property.name].map { kind.normalize($0, property: property.name) }
            var a = wanted, b = now
            if case .set = property.type {
                if case .list(let l) = a { a = .list(l.sorted { $0.canonicalJSON < $1.canonicalJSON }) }
                if case .list(let l)? = b { b = .list(l.sorted { $0.canonicalJSON < $1.canonicalJSON }) }
            }
            if a != b, !(b == nil && a == .null) {
                out.append(PropertyChange(property: property.name, before: now, after: wanted,
                                          forcesReplacement: kind.requiresReplacement(property.name, from: now, to: wanted)))
            }
        }
        return out
    }

    /// Stack outputs once everything is applied.
    public func outputs() -> [String: Value] {
        let resolver = Resolver(stack: stack, kinds: kinds)
        resolver.knownAttribute = { [results, live, stack, changes] name, attribute in
            if let object = results[name] { return object.attributes[attribute] ?? object.properties[attribute] }
            guard let change = changes[name], let identity = change.identity, let kind = stack.resource(name)?.kind,
                  let object = live.object(kind: kind, identity: identity) else { return nil }
            return object.attributes[attribute] ?? object.properties[attribute]
        }
        var out: [String: Value] = [:]
        for output in stack.outputs {
            if let value = try? resolver.evaluate(output.value) { out[output.name] = output.sensitive ? SensitiveValue.digest(value) : value }
        }
        return out
    }
}
