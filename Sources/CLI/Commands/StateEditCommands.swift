import ArgumentParser
import Foundation
import InfraEngine

/// `infra import`: takes an existing object under management at once, as Terraform's import does. Only state
/// changes; the next plan shows how the object differs from the stack, and apply changes it.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Record an existing object as a declared resource, without changing it.",
        discussion: "ID is the object's identity as `infra state list` shows them: a bucket or role name, DB, DB.SCHEMA or DB.SCHEMA.NAME.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The resource's logical name in the stack.") var address: String
    @Argument(help: "The existing object's identity.") var id: String

    func run() async throws {
        try await reportingErrors {
            let session = try Session.load(deployment)
            try session.resolveStatically()
            guard let decl = session.stack.resource(address), let kind = session.kinds[decl.kind] else {
                throw Diagnostic("no resource '\(address)' in stack \(session.stack.name)", at: nil,
                                 hint: Suggestion.hint(for: address, in: session.stack.resources.map(\.logicalName), kind: "resource")
                                    + "; declare it in the stack first, then import it")
            }
            let identity = kind.canonical(identity: id)
            let wanted = try Resolver(stack: session.stack, kinds: session.kinds).properties(of: address)
            if let declared = kind.identity(of: wanted), declared != identity {
                throw Diagnostic("'\(address)' declares \(declared), not \(identity)", at: decl.location,
                                 hint: "import the object the stack declares, or change the resource's name to \(identity) first")
            }
            try await session.withLock("import") {
                var state = try await session.store.read() ?? StateDocument(stack: session.stack.name, environment: session.environment.name)
                if let record = state.resources[address] {
                    throw Diagnostic("'\(address)' is already managed (\(record.identity))", at: nil,
                                     hint: "to manage another object as '\(address)', forget this one first: infra state rm \(session.stack.name) \(address) --env \(session.environment.name)")
                }
                if let other = state.address(of: decl.kind, identity: identity) {
                    throw Diagnostic("\(decl.kind) \(identity) is already managed here as '\(other)'", at: nil,
                                     hint: "to rename, run: infra state mv \(session.stack.name) \(other) \(address) --env \(session.environment.name)")
                }
                let conflict = OwnershipConflicts(conflicts: [OwnershipConflict(address: address, kind: decl.kind, identity: identity)],
                                                  stack: session.stack.name, environment: session.environment.name)
                if let owner = await Deployment(session: session).owners(of: conflict).values.first {
                    throw Diagnostic("\(decl.kind) \(identity) is managed by \(owner)", at: nil,
                                     hint: "two deployments must not manage one object: remove it from the other deployment first (infra state rm there)")
                }
                guard let object = try await kind.read([identity])[identity] else {
                    throw Diagnostic("no \(decl.kind) \(identity) exists", at: nil, hint: "check the id: `infra state list` shows identities in this form")
                }
                let dependsOn = ReferenceWalker(stack: session.stack, schemas: session.kinds.kinds.mapValues(\.schema))
                    .references(of: decl).filter { $0.strength == .existence && $0.target != address }.map(\.target)
                state.resources[address] = ResourceRecord(kind: decl.kind, identity: identity, properties: Self.recordable(object.properties, kind: kind),
                                                          attributes: Self.recordable(object.attributes, kind: kind),
                                                          dependsOn: Array(Set(dependsOn)).sorted())
                state.pending.removeValue(forKey: address)
                try await StateRecorder(document: state, store: session.store).update { _ in }
                Terminal.out("Imported \(decl.kind) \(identity) as \(address). Nothing in the cloud changed.")
                Terminal.out("Run `infra plan \(session.stack.name) --env \(session.environment.name)` to see how it differs from the stack.")
            }
        }
    }

    /// Sensitive values never reach state in clear.
    static func recordable(_ values: [String: Value], kind: any ResourceKind) -> [String: Value] {
        var out = values
        for (key, value) in values where kind.schema.isSensitive(key) { out[key] = SensitiveValue.digest(value) }
        return out
    }
}

extension StateCommand {
    /// `infra state mv`: the same object under a new address (what a `moved:` entry does, by hand).
    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mv", abstract: "Record a resource under a new address; nothing in the cloud changes.")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The recorded address.") var source: String
        @Argument(help: "The new address.") var destination: String

        func run() async throws {
            try await reportingErrors {
                let session = try Session.load(deployment)
                try await session.withLock("state mv") {
                    var (state, record) = try await session.recorded(source)
                    if state.resources[destination] != nil {
                        throw Diagnostic("'\(destination)' is already recorded in the state of \(session.address)", at: nil,
                                         hint: "forget it first with `infra state rm`, or choose another address")
                    }
                    if let decl = session.stack.resource(destination), decl.kind != record.kind {
                        throw Diagnostic("'\(destination)' is declared as \(decl.kind), but '\(source)' is a \(record.kind)", at: decl.location)
                    }
                    state.rename(from: source, to: destination, record: record)
                    try await StateRecorder(document: state, store: session.store).update { _ in }
                    Terminal.out("Moved \(source) to \(destination) (\(record.kind) \(record.identity)). Nothing in the cloud changed.")
                    if session.stack.resource(destination) == nil {
                        Terminal.err("warning: '\(destination)' is not declared in stack \(session.stack.name): the next plan will delete it")
                    }
                }
            }
        }
    }

    /// `infra state rm`: stop managing an object without deleting it.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget a resource: infra stops managing it and leaves the object as it is.")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The recorded address.") var address: String

        func run() async throws {
            try await reportingErrors {
                let session = try Session.load(deployment)
                try await session.withLock("state rm") {
                    var (state, record) = try await session.recorded(address)
                    state.resources.removeValue(forKey: address)
                    state.pending.removeValue(forKey: address)
                    try await StateRecorder(document: state, store: session.store).update { _ in }
                    Terminal.out("Forgot \(address): \(record.kind) \(record.identity) still exists, and infra no longer manages it.")
                    if session.stack.resource(address) != nil {
                        Terminal.err("warning: '\(address)' is still declared: the next plan will refuse to take the existing object over unless you import it")
                    }
                }
            }
        }
    }
}

extension Session {
    /// The state and the record at `address`, or an error that says how to see what is recorded.
    func recorded(_ address: String) async throws -> (StateDocument, ResourceRecord) {
        guard let state = try await store.read(), let record = state.resources[address] else {
            throw Diagnostic("no resource '\(address)' in the state of \(self.address)", at: nil,
                             hint: "`infra state list \(stack.name) --env \(environment.name)` shows what is recorded")
        }
        return (state, record)
    }
}
