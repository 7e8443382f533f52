import Foundation

public struct PlanOptions: Sendable {
    public var mode: PlanMode
    /// false: trust the recorded state instead of reading live objects (fast, offline).
    public var refresh: Bool

    public init(mode: PlanMode = .apply, refresh: Bool = true) {
        self.mode = mode
        self.refresh = refresh
    }
}

/// Live objects as read in one refresh, by kind and identity.
public struct LiveSnapshot: Sendable {
    public var objects: [String: [String: LiveObject]] = [:]

    public func object(kind: String, identity: String) -> LiveObject? { objects[kind]?[identity] }

    /// Stable over equal snapshots: plan files compare it to detect that live state moved.
    public var digest: String {
        var lines: [String] = []
        for kind in objects.keys.sorted() {
            for identity in objects[kind]!.keys.sorted() {
                let object = objects[kind]![identity]!
                lines.append("\(kind)\t\(identity)\t\(Value.map(object.properties).canonicalJSON)\t\(Value.map(object.attributes).canonicalJSON)")
            }
        }
        return SHA256Hex.of(lines.joined(separator: "\n"))
    }
}

/// Reads every live object the stack or state mentions: one bulk read per kind, kinds concurrently.
public enum Refresher {
    public static func refresh(stack: LoadedStack, state: StateDocument?, kinds: KindRegistry, resolver: Resolver) async throws -> LiveSnapshot {
        var wanted: [String: Set<String>] = [:]
        var declared: [String: Set<String>] = [:]
        for resource in stack.resources {
            guard let kind = kinds[resource.kind] else { continue }
            if let record = state?.resources[resource.logicalName] { wanted[record.kind, default: []].insert(record.identity) }
            if let identity = try desiredIdentity(resource, kind: kind, resolver: resolver) { wanted[resource.kind, default: []].insert(identity) }
            declared[resource.kind, default: []].formUnion(resource.propertyOrder)
            declared[resource.kind, default: []].formUnion(kind.schema.properties.filter { $0.defaultValue != nil }.map(\.name))
        }
        for (_, record) in state?.resources ?? [:] {
            wanted[record.kind, default: []].insert(record.identity)
            declared[record.kind, default: []].formUnion(record.properties.keys)
        }
        for (_, intent) in state?.pending ?? [:] { wanted[intent.kind, default: []].insert(intent.identity) }
        for entry in stack.imports {
            guard let decl = stack.resource(entry.to), let kind = kinds[decl.kind] else { continue }
            wanted[decl.kind, default: []].insert(try importIdentity(entry, kind: kind, resolver: resolver))
        }
        let requests = wanted.map { (kind: $0.key, identities: $0.value.sorted(), properties: declared[$0.key] ?? []) }
        var snapshot = LiveSnapshot()
        try await withThrowingTaskGroup(of: (String, [String: LiveObject]).self) { group in
            for request in requests {
                guard let kind = kinds[request.kind] else {
                    throw Diagnostic("state records a resource of kind '\(request.kind)', which no provider offers", at: nil,
                                     hint: "use the infra version that created this state")
                }
                group.addTask { (request.kind, try await kind.read(request.identities, properties: request.properties)) }
            }
            for try await (kind, objects) in group { snapshot.objects[kind] = objects }
        }
        return snapshot
    }

    static func desiredIdentity(_ resource: ResourceDecl, kind: any ResourceKind, resolver: Resolver) throws -> String? {
        var properties: [String: Value] = [:]
        for name in kind.schema.identityProperties { properties[name] = try resolver.property(resource.logicalName, name) }
        return kind.identity(of: properties)
    }

    /// An `import:` entry's id, in the kind's own spelling.
    public static func importIdentity(_ entry: ImportDecl, kind: any ResourceKind, resolver: Resolver) throws -> String {
        let value = try resolver.evaluate(entry.id)
        guard let text = value.stringValue, !text.isEmpty else {
            throw Diagnostic("import: the id for '\(entry.to)' must be a non-empty string", at: entry.location)
        }
        return kind.canonical(identity: text)
    }

    /// The state as if it were live: what `--refresh=false` plans against.
    public static func fromState(_ state: StateDocument?) -> LiveSnapshot {
        var snapshot = LiveSnapshot()
        for record in state?.resources.values.map({ $0 }) ?? [] { snapshot.objects[record.kind, default: [:]][record.identity] = record.liveObject }
        return snapshot
    }
}

/// Compares what the stack wants with what is live and what state recorded, and says what to do.
public final class Planner {
    let stack: LoadedStack
    let kinds: KindRegistry
    let state: StateDocument?
    let live: LiveSnapshot
    let options: PlanOptions
    let resolver: Resolver
    let walker: ReferenceWalker
    let moved: [MovedAddress]
    private var decided: [String: ResourceChange] = [:]
    private var deciding: Set<String> = []
    private var conflicts: [OwnershipConflict] = []
    private var problems: [Diagnostic] = []
    private var importIDs: [String: String] = [:]

    /// `state` is the state with the stack's `moved:` entries applied (`StateDocument.applying`); `moved` lists them.
    public init(stack: LoadedStack, kinds: KindRegistry, state: StateDocument?, live: LiveSnapshot, options: PlanOptions, resolver: Resolver,
                moved: [MovedAddress] = [])
    {
        self.moved = moved
        self.stack = stack
        self.kinds = kinds
        self.state = state
        self.live = live
        self.options = options
        self.resolver = resolver
        self.walker = ReferenceWalker(stack: stack, schemas: kinds.kinds.mapValues(\.schema))
        resolver.knownAttribute = { [unowned self] name, attribute in try self.knownAttribute(name, attribute) }
    }

    /// A refreshed plan: reads live state (or trusts state with refresh off), then diffs.
    public static func plan(stack: LoadedStack, kinds: KindRegistry, state: StateDocument?, options: PlanOptions) async throws -> Plan {
        let resolver = Resolver(stack: stack, kinds: kinds)
        let (movedState, moves) = try state.map { try $0.applying(stack.moves) } ?? (nil, [])
        let live = options.refresh
            ? try await Refresher.refresh(stack: stack, state: movedState, kinds: kinds, resolver: resolver)
            : Refresher.fromState(movedState)
        return try Planner(stack: stack, kinds: kinds, state: movedState, live: live, options: options, resolver: resolver,
                           moved: moves.map { MovedAddress(from: $0.from, to: $0.to) }).makePlan()
    }

    /// Throws `OwnershipConflicts` when the stack would take over objects it was not told to, and a
    /// `DiagnosticList` for other plan-time refusals (prevent_destroy, imports that cannot be done).
    public func makePlan() throws -> Plan {
        var changes: [ResourceChange] = []
        var forgotten: [String] = []
        if options.mode == .apply {
            for entry in stack.imports where state?.resources[entry.to] == nil {
                guard let decl = stack.resource(entry.to), let kind = kinds[decl.kind] else { continue }
                importIDs[entry.to] = try Refresher.importIdentity(entry, kind: kind, resolver: resolver)
            }
            for resource in stack.resources { changes.append(try decide(resource.logicalName)) }
        }
        let desired = options.mode == .apply ? Set(stack.resources.map(\.logicalName)) : []
        for (address, record) in (state?.resources ?? [:]).sorted(by: { $0.key < $1.key }) where !desired.contains(address) {
            if let object = live.object(kind: record.kind, identity: record.identity) {
                changes.append(ResourceChange(address: address, kind: record.kind, action: .delete, identity: record.identity,
                                              before: masked(object.properties, kind: record.kind), after: nil, changes: [],
                                              replaceReasons: [], dependsOn: record.dependsOn))
            } else {
                forgotten.append(address)
            }
        }
        // An interrupted create of a resource no longer declared (or being destroyed): the object is infra's own.
        for (address, intent) in (state?.pending ?? [:]).sorted(by: { $0.key < $1.key })
        where !desired.contains(address) && state?.resources[address] == nil {
            guard let object = live.object(kind: intent.kind, identity: intent.identity) else { continue }
            var change = ResourceChange(address: address, kind: intent.kind, action: .delete, identity: intent.identity,
                                        before: masked(object.properties, kind: intent.kind), after: nil, changes: [], replaceReasons: [], dependsOn: [])
            change.note = "created by an interrupted run of infra and no longer declared"
            changes.append(change)
        }
        ContainmentPlanner(kinds: kinds, state: state).expand(&changes, problems: &problems)
        for change in changes where change.destroysObject {
            guard let decl = stack.resource(change.address), decl.lifecycle.preventDestroy else { continue }
            let why = change.action == .delete ? "delete" : "replace"
            problems.append(Diagnostic("'\(change.address)' has lifecycle.prevent_destroy, and this plan would \(why) it"
                                       + (change.note.map { " (\($0))" } ?? (change.replaceReasons.isEmpty ? "" : " ('\(change.replaceReasons.joined(separator: "', '"))' forces replacement)")),
                                       at: decl.location,
                                       hint: "undo the change that forces this, or remove prevent_destroy if you really mean to lose the object"))
        }
        if !conflicts.isEmpty { throw OwnershipConflicts(conflicts: conflicts, stack: stack.name, environment: stack.environment.name) }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return Plan(formatVersion: Plan.formatVersion, mode: options.mode, stack: stack.name, stackFile: stack.file,
                    environment: stack.environment.name, revision: stack.revision, stateSerial: state?.serial ?? 0,
                    stateLineage: state?.lineage, createdAt: Timestamp.now(), liveDigest: live.digest, changes: changes,
                    drift: drift(), forgotten: forgotten, moved: moved)
    }

    /// After-apply attributes are known for objects that exist and stay; unknown for those (re)created.
    func knownAttribute(_ address: String, _ attribute: String) throws -> Value? {
        let change = try decide(address)
        guard change.action != .create, change.action != .replace, let decl = stack.resource(address),
              let identity = change.identity, let object = live.object(kind: decl.kind, identity: identity)
        else { return nil }
        return object.attributes[attribute] ?? object.properties[attribute]
    }

    func decide(_ address: String) throws -> ResourceChange {
        if let change = decided[address] { return change }
        guard let decl = stack.resource(address), let kind = kinds[decl.kind] else {
            throw Diagnostic("no provider offers resource type for '\(address)'", at: nil)
        }
        let schema = kind.schema
        let record = state?.resources[address]
        let wanted = try resolver.properties(of: address)
        let desiredIdentity = kind.identity(of: wanted)
        let importID = record == nil ? importIDs[address] : nil
        if let importID, let desiredIdentity, importID != desiredIdentity {
            problems.append(Diagnostic("import: id '\(importID)' is not the object '\(address)' declares (\(desiredIdentity))",
                                       at: stack.imports.first { $0.to == address }?.location,
                                       hint: "import the object the stack declares, or change the resource's name to match it"))
        }
        let liveIdentity = record?.identity ?? importID ?? desiredIdentity
        let object = liveIdentity.flatMap { identity in
            record == nil && importID == nil && !kind.namesOneObject(identity) ? nil : live.object(kind: decl.kind, identity: identity)
        }
        if let importID, object == nil {
            problems.append(Diagnostic("import: no \(decl.kind) '\(importID)' exists to import as '\(address)'",
                                       at: stack.imports.first { $0.to == address }?.location,
                                       hint: "check the id (the object's name as the service shows it), or remove the entry to create it"))
        }
        checkOwnership(address, kind: decl.kind, record: record, desiredIdentity: desiredIdentity, importID: importID, exists: object != nil)
        let dependencies = Array(Set(walker.references(of: decl).filter { $0.strength == .existence && $0.target != address }.map(\.target))).sorted()
        let after = masked(wanted, kind: decl.kind)

        var change = ResourceChange(address: address, kind: decl.kind, action: .create, identity: desiredIdentity ?? liveIdentity,
                                    before: object.map { masked($0.properties, kind: decl.kind) }, after: after, changes: [],
                                    replaceReasons: [], dependsOn: dependencies)
        if let object {
            change.identity = object.identity
            for property in schema.properties where !property.createOnly && !decl.lifecycle.ignoreChanges.contains(property.name) {
                guard let desiredValue = wanted[property.name] else { continue }
                let current = object.properties[property.name] ?? record?.properties[property.name]
                let desiredNormal = normalized(desiredValue, property: property, kind: kind)
                let currentNormal = current.map { normalized($0, property: property, kind: kind) }
                if property.sensitive {
                    let digest = SensitiveValue.digest(desiredValue)
                    if let current, current == digest || current == desiredValue { continue }
                    if current == nil, desiredValue == .null { continue }
                    change.changes.append(PropertyChange(property: property.name, before: current.map { _ in SensitiveValue.mask },
                                                         after: SensitiveValue.mask, forcesReplacement: property.forcesReplacement))
                    continue
                }
                if currentNormal == desiredNormal { continue }
                if currentNormal == nil, desiredNormal == .null { continue }
                let forces = kind.requiresReplacement(property.name, from: currentNormal, to: desiredNormal)
                    || schema.identityProperties.contains(property.name)
                change.changes.append(PropertyChange(property: property.name, before: currentNormal, after: desiredNormal, forcesReplacement: forces,
                                                     explanation: forces ? kind.replacementExplanation(property.name, from: currentNormal, to: desiredNormal) : nil))
            }
            if let desiredIdentity, desiredIdentity != object.identity, !change.changes.contains(where: \.forcesReplacement) {
                change.changes.append(PropertyChange(property: "identity", before: .string(object.identity), after: .string(desiredIdentity),
                                                     forcesReplacement: true))
            }
            change.replaceReasons = change.changes.filter(\.forcesReplacement).map(\.property)
            if record == nil {
                // checkOwnership has refused anything but an import or infra's own interrupted create.
                change.action = importID != nil ? .importExisting : .adopt
                if change.action == .adopt { change.note = "created by an interrupted run of infra: it is recorded, not created again" }
                if !change.replaceReasons.isEmpty {
                    problems.append(Diagnostic("'\(address)' would be taken over and then replaced ('\(change.replaceReasons.joined(separator: "', '"))' cannot change in place)",
                                               at: decl.location, hint: "make the stack match the existing object first, then change it in a later apply"))
                }
            } else if !change.replaceReasons.isEmpty {
                change.action = .replace
                change.identity = desiredIdentity ?? object.identity
            } else {
                change.action = change.changes.isEmpty ? .noop : .update
            }
        } else {
            change.changes = schema.properties.compactMap { property in
                guard let value = wanted[property.name] else { return nil }
                return PropertyChange(property: property.name, before: nil,
                                      after: property.sensitive ? SensitiveValue.mask : normalized(value, property: property, kind: kind),
                                      forcesReplacement: false)
            }
        }
        decided[address] = change
        return change
    }

    func normalized(_ value: Value, property: PropertySchema, kind: any ResourceKind) -> Value {
        guard value.isKnown else { return value }
        var result = kind.normalize(value, property: property.name)
        if case .set = property.type, case .list(let items) = result {
            result = .list(items.sorted { $0.canonicalJSON < $1.canonicalJSON })
        }
        return result
    }

    func masked(_ properties: [String: Value], kind: String) -> [String: Value] {
        guard let schema = kinds[kind]?.schema else { return properties }
        var out = properties
        for (key, value) in properties where schema.isSensitive(key) && value != .null { out[key] = SensitiveValue.mask }
        return out
    }

    /// An object that exists but is not this resource's record may be taken over only when infra itself was
    /// creating it (a pending intent) or an `import:` entry says so; anything else is refused, naming it.
    func checkOwnership(_ address: String, kind: String, record: ResourceRecord?, desiredIdentity: String?, importID: String?, exists: Bool) {
        guard let desiredIdentity, importID == nil else { return }
        let target = record == nil ? desiredIdentity : (record!.identity != desiredIdentity ? desiredIdentity : nil)
        guard let target else { return }
        let existing = record == nil ? exists : live.object(kind: kind, identity: target) != nil
        guard existing else { return }
        if record == nil, let intent = state?.pending[address], intent.kind == kind, intent.identity == target { return }
        let other = state?.address(of: kind, identity: target)
        conflicts.append(OwnershipConflict(address: address, kind: kind, identity: target, location: stack.resource(address)?.location,
                                           managedHereAs: other == address ? nil : other))
    }

    /// Recorded versus live: what changed outside infra since the last apply.
    func drift() -> [Drift] {
        guard options.refresh, let state else { return [] }
        var out: [Drift] = []
        for (address, record) in state.resources.sorted(by: { $0.key < $1.key }) {
            guard let kind = kinds[record.kind] else { continue }
            guard let object = live.object(kind: record.kind, identity: record.identity) else {
                out.append(Drift(address: address, kind: record.kind, deleted: true, changes: []))
                continue
            }
            var changes: [PropertyChange] = []
            let ignored = stack.resource(address)?.lifecycle.ignoreChanges ?? []
            for property in kind.schema.properties where !property.sensitive && !property.createOnly && !ignored.contains(property.name) {
                guard let recorded = record.properties[property.name], let current = object.properties[property.name] else { continue }
                let a = normalized(recorded, property: property, kind: kind), b = normalized(current, property: property, kind: kind)
                if a != b { changes.append(PropertyChange(property: property.name, before: a, after: b, forcesReplacement: false)) }
            }
            if !changes.isEmpty { out.append(Drift(address: address, kind: record.kind, deleted: false, changes: changes)) }
        }
        return out
    }
}
