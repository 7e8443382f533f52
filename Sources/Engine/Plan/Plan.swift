import Foundation

/// What apply will do to one resource. Display symbols follow Terraform's.
public enum Action: String, Codable, Sendable, CaseIterable {
    case noop
    case create
    case update
    /// Delete the live object, then create it anew: a property that cannot change in place changed.
    case replace
    case delete
    /// The object exists but infra has no record of it: take it under management (and update it if needed).
    case adopt

    public var symbol: String {
        switch self {
        case .noop: return " "
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        case .adopt: return "<="
        }
    }
}

/// One resource's planned change. `before` is the live object as refreshed; `after` what the stack wants,
/// with values known only after apply marked unknown. Sensitive values are masked here: a plan file holds no secrets.
public struct ResourceChange: Codable, Sendable, Equatable {
    public var address: String
    public var kind: String
    public var action: Action
    public var identity: String?
    public var before: [String: Value]?
    public var after: [String: Value]?
    public var changes: [PropertyChange]
    /// The properties that force a replacement, when action is replace.
    public var replaceReasons: [String]
    /// Resources that must exist before this one (apply order); recorded in state for destroy order.
    public var dependsOn: [String]

    enum CodingKeys: String, CodingKey {
        case address, kind, action, identity, before, after, changes, replaceReasons = "replace_reasons", dependsOn = "depends_on"
    }
}

/// A difference between what infra recorded and what it found live: someone changed it outside infra.
public struct Drift: Codable, Sendable, Equatable {
    public var address: String
    public var kind: String
    public var deleted: Bool
    public var changes: [PropertyChange]
}

public enum PlanMode: String, Codable, Sendable { case apply, destroy }

public struct Plan: Codable, Sendable {
    public static let formatVersion = 1

    public var formatVersion: Int
    public var mode: PlanMode
    public var stack: String
    public var stackFile: String
    public var environment: String
    public var revision: String
    public var stateSerial: Int
    public var stateLineage: String?
    public var createdAt: String
    /// A digest of every live object read: `apply PLANFILE` refuses if a new refresh differs.
    public var liveDigest: String
    public var changes: [ResourceChange]
    public var drift: [Drift]
    /// Records whose objects are gone live and which the stack no longer declares: dropped from state.
    public var forgotten: [String]

    public var summary: Summary { Summary(changes) }

    public var hasChanges: Bool { changes.contains { $0.action != .noop } || !forgotten.isEmpty }

    public struct Summary: Codable, Sendable, Equatable {
        public var add: Int
        public var change: Int
        public var destroy: Int
        public var adopt: Int

        init(_ changes: [ResourceChange]) {
            add = changes.filter { $0.action == .create || $0.action == .replace }.count
            change = changes.filter { $0.action == .update || ($0.action == .adopt && !$0.changes.isEmpty) }.count
            destroy = changes.filter { $0.action == .delete || $0.action == .replace }.count
            adopt = changes.filter { $0.action == .adopt }.count
        }

        public var line: String {
            var text = "Plan: \(add) to add, \(change) to change, \(destroy) to destroy"
            if adopt > 0 { text += ", \(adopt) to adopt" }
            return text + "."
        }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", mode, stack, stackFile = "stack_file", environment, revision
        case stateSerial = "state_serial", stateLineage = "state_lineage", createdAt = "created_at", liveDigest = "live_digest"
        case changes, drift, forgotten
    }
}
