import Foundation

/// What a container's replacement or deletion takes with it. Dropping a schema drops every table, stage and
/// format inside it: the plan must show each of them, apply must recreate the managed ones after the container,
/// and state must record them gone the moment the container goes.
struct ContainmentPlanner {
    let kinds: KindRegistry
    let state: StateDocument?

    /// The containers an object sits in, nearest first.
    func ancestors(kind: String, identity: String) -> [ContainerReference] {
        var out: [ContainerReference] = []
        var current = ContainerReference(kind: kind, identity: identity)
        while let contained = kinds[current.kind] as? any ContainedKind, let parent = contained.container(of: current.identity), out.count < 8 {
            out.append(parent)
            current = parent
        }
        return out
    }

    func expand(_ changes: inout [ResourceChange], problems: inout [Diagnostic]) {
        guard let state else { return }
        // The containers this plan destroys, by kind and recorded identity.
        var destroyed: [ContainerReference: Int] = [:]
        for (index, change) in changes.enumerated() where change.destroysObject {
            guard kinds[change.kind] is any ContainerKind, let record = state.resources[change.address] else { continue }
            destroyed[ContainerReference(kind: change.kind, identity: record.identity)] = index
        }
        guard !destroyed.isEmpty else { return }
        let byAddress = Dictionary(changes.enumerated().map { ($1.address, $0) }, uniquingKeysWith: { a, _ in a })
        for (address, record) in state.resources.sorted(by: { $0.key < $1.key }) {
            // The outermost destroyed container wins: a database's replacement takes its schemas' tables too.
            guard let container = ancestors(kind: record.kind, identity: record.identity).last(where: { destroyed[$0] != nil }),
                  let containerIndex = destroyed[container], changes[containerIndex].address != address
            else { continue }
            let containerChange = changes[containerIndex]
            let containerType = Self.shortType(containerChange.kind)
            changes[containerIndex].contents = (changes[containerIndex].contents ?? [])
                + [ContainedObject(type: Self.shortType(record.kind), identity: record.identity, address: address)]
            guard let index = byAddress[address] else { continue }
            var change = changes[index]
            switch (containerChange.action, change.action) {
            case (.replace, .noop), (.replace, .update), (.replace, .replace):
                if change.action != .replace {
                    change.note = "recreated: its \(containerType) \(containerChange.address) is replaced"
                    change.before = change.before ?? record.properties
                }
                change.action = .replace
                change.removedWith = containerChange.address
                if !change.dependsOn.contains(containerChange.address) { change.dependsOn = (change.dependsOn + [containerChange.address]).sorted() }
            case (.delete, .delete):
                change.removedWith = nil  // deleted first, on its own: dependents go before what they depend on
            case (.delete, _):
                problems.append(Diagnostic("'\(address)' is still declared, but it lives in \(containerType) '\(containerChange.address)', which this plan deletes",
                                           at: nil, hint: "remove '\(address)' from the stack too, or keep '\(containerChange.address)'"))
            default:
                break
            }
            changes[index] = change
        }
    }

    /// `snowflake.schema` → `schema`, `aws.s3.bucket` → `bucket`.
    static func shortType(_ kind: String) -> String { String(kind.split(separator: ".").last ?? Substring(kind)) }
}

/// After planning: asks the providers what the destroyed objects hold and what else lives in destroyed containers,
/// so the plan can name the data it destroys before anyone confirms.
public enum DataRiskAssessor {
    public static func assess(_ plan: inout Plan, kinds: KindRegistry, state: StateDocument?) async throws {
        // The object a change destroys is the one recorded (a replacement may give the new one another identity).
        func destroyedIdentity(_ change: ResourceChange) -> String? { state?.resources[change.address]?.identity ?? change.identity }
        var risks: [DataAtRisk] = []
        // Containers: the live listing adds what infra does not manage. A managed object deleted on its own
        // (before its container) is not lost with the container; one recreated after it loses its data.
        var managed: [String: String] = [:]
        for (address, record) in state?.resources ?? [:] { managed[ContainmentPlanner.shortType(record.kind) + "\t" + record.identity] = address }
        let changeOf = Dictionary(plan.changes.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        for index in plan.changes.indices where plan.changes[index].destroysObject && plan.changes[index].removedWith == nil {
            let change = plan.changes[index]
            guard let container = kinds[change.kind] as? any ContainerKind, let identity = destroyedIdentity(change) else { continue }
            let live = (try await container.contents(of: [identity])[identity] ?? []).sorted { ($0.identity, $0.type) < ($1.identity, $1.type) }
            var contents: [ContainedObject] = []
            let with = "dropped with \(ContainmentPlanner.shortType(change.kind)) \(change.address)"
            for var object in live {
                object.address = managed[object.type + "\t" + object.identity]
                if let address = object.address, let own = changeOf[address], own.removedWith != change.address { continue }
                contents.append(object)
                if object.address == nil {
                    risks.append(DataAtRisk(address: nil, type: object.type, identity: object.identity, data: object.data, reason: "not managed by infra, " + with))
                } else if let data = object.data, !data.isEmpty {
                    risks.append(DataAtRisk(address: object.address, type: object.type, identity: object.identity, data: data, reason: with))
                }
            }
            // Managed objects the listing did not show (a refresh race) still go with the container.
            for object in change.contents ?? [] where !contents.contains(where: { $0.identity == object.identity && $0.type == object.type }) {
                if let address = object.address, let own = changeOf[address], own.removedWith != change.address { continue }
                contents.append(object)
            }
            plan.changes[index].contents = contents.sorted { $0.identity < $1.identity }
        }
        // Objects destroyed on their own: a table or bucket that still holds data.
        var byKind: [String: [(index: Int, identity: String)]] = [:]
        for (index, change) in plan.changes.enumerated() where change.destroysObject && change.removedWith == nil {
            guard kinds[change.kind] is any DataHoldingKind, let identity = destroyedIdentity(change) else { continue }
            byKind[change.kind, default: []].append((index, identity))
        }
        for (kindName, entries) in byKind.sorted(by: { $0.key < $1.key }) {
            guard let kind = kinds[kindName] as? any DataHoldingKind else { continue }
            let measured = try await kind.storedData(entries.map(\.identity))
            for entry in entries {
                guard let data = measured[entry.identity], !data.isEmpty else { continue }
                let change = plan.changes[entry.index]
                let why = change.note ?? change.replaceReasons.map { "'\($0)' forces replacement" }.joined(separator: ", ")
                risks.append(DataAtRisk(address: change.address, type: ContainmentPlanner.shortType(kindName), identity: entry.identity, data: data,
                                        reason: change.action == .delete ? "deleted" : "replaced: \(why)"))
            }
        }
        plan.dataAtRisk = risks
    }
}
