import Foundation

/// A declared resource whose object already exists but is not this resource's: taking it over silently could
/// hand another deployment's data to this one (and its destroy).
public struct OwnershipConflict: Sendable, Equatable {
    public var address: String
    public var kind: String
    public var identity: String
    public var location: SourceLocation?
    /// Another address of this same deployment records the object: a rename without a `moved:` entry.
    public var managedHereAs: String?

    public init(address: String, kind: String, identity: String, location: SourceLocation? = nil, managedHereAs: String? = nil) {
        self.address = address
        self.kind = kind
        self.identity = identity
        self.location = location
        self.managedHereAs = managedHereAs
    }
}

/// Every conflict of one plan. `diagnostics(owners:)` words them, given the owners the CLI could find
/// (other deployments' state files, owner tags on the objects).
public struct OwnershipConflicts: Error, Sendable {
    public var conflicts: [OwnershipConflict]
    public var stack: String
    public var environment: String

    public init(conflicts: [OwnershipConflict], stack: String, environment: String) {
        self.conflicts = conflicts
        self.stack = stack
        self.environment = environment
    }

    public static func key(kind: String, identity: String) -> String { "\(kind)\t\(identity)" }

    public func diagnostics(owners: [String: String]) -> [Diagnostic] {
        conflicts.map { conflict in
            if let other = conflict.managedHereAs {
                return Diagnostic(
                    "'\(conflict.address)' declares \(conflict.kind) \(conflict.identity), which this deployment manages as '\(other)'",
                    at: conflict.location,
                    hint: "if you renamed '\(other)' to '\(conflict.address)', say so and keep the object and its data: "
                        + "add `moved: [{from: \(other), to: \(conflict.address)}]` to the stack (or run `infra state mv \(other) \(conflict.address)`)")
            }
            let owner = owners[Self.key(kind: conflict.kind, identity: conflict.identity)]
            let who = owner.map { "it is managed by \($0)" } ?? "no deployment of this project records it"
            return Diagnostic(
                "\(conflict.kind) \(conflict.identity) already exists and is not managed by \(stack) in \(environment) (\(who))",
                at: conflict.location,
                hint: owner != nil
                    ? "two deployments must not manage one object: give '\(conflict.address)' another name, or remove it from the other stack first"
                    : "to manage the existing object here, add `import: [{to: \(conflict.address), id: \"\(conflict.identity)\"}]` to the stack "
                        + "or run `infra import STACK \(conflict.address) '\(conflict.identity)' --env \(environment)`; otherwise give it another name")
        }
    }
}
