import Foundation

/// What apply will do to one resource. Display symbols follow Terraform's.
public enum Action: String, Codable, Sendable, CaseIterable {
    case noop
    case create
    case update
    /// Delete the live object, then create it anew: a property that cannot change in place changed.
    case replace
    case delete
    /// infra's own create was interrupted after the object was made: record it (and update it if needed).
    case adopt
    /// An existing object named by an `import:` entry: take it under management (and update it if needed).
    case importExisting = "import"

    public var symbol: String {
        switch self {
        case .noop: return " "
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        case .adopt, .importExisting: return "<="
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
    /// Why, when it is not a property of this resource: "recreated: its schema raw is replaced".
    public var note: String?
    /// The container whose delete removes this object too: apply records it gone then, and makes no call of its own.
    public var removedWith: String?
    /// For a container that is deleted or replaced: every object inside it that goes with it.
    public var contents: [ContainedObject]?

    public init(address: String, kind: String, action: Action, identity: String?, before: [String: Value]?, after: [String: Value]?,
                changes: [PropertyChange], replaceReasons: [String], dependsOn: [String])
    {
        self.address = address
        self.kind = kind
        self.action = action
        self.identity = identity
        self.before = before
        self.after = after
        self.changes = changes
        self.replaceReasons = replaceReasons
        self.dependsOn = dependsOn
    }

    enum CodingKeys: String, CodingKey {
        case address, kind, action, identity, before, after, changes, replaceReasons = "replace_reasons", dependsOn = "depends_on"
        case note, removedWith = "removed_with", contents
    }

    public var destroysObject: Bool { action == .delete || action == .replace }
}

/// How much a live object holds, as far as the service reports it.
public struct StoredData: Codable, Sendable, Equatable, CustomStringConvertible {
    public var rows: Int?
    public var bytes: Int?
    /// Objects (and object versions) in a bucket.
    public var objects: Int?
    /// The count stopped at a bound: "at least".
    public var atLeast: Bool

    public init(rows: Int? = nil, bytes: Int? = nil, objects: Int? = nil, atLeast: Bool = false) {
        self.rows = rows
        self.bytes = bytes
        self.objects = objects
        self.atLeast = atLeast
    }

    public var isEmpty: Bool { (rows ?? 0) == 0 && (objects ?? 0) == 0 }

    public var description: String {
        var parts: [String] = []
        let prefix = atLeast ? "at least " : ""
        if let rows { parts.append("\(prefix)\(rows) row\(rows == 1 ? "" : "s")") }
        if let objects { parts.append("\(prefix)\(objects) object\(objects == 1 ? "" : "s")") }
        if let bytes { parts.append(StoredData.size(bytes)) }
        return parts.isEmpty ? "empty" : parts.joined(separator: ", ")
    }

    static func size(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    enum CodingKeys: String, CodingKey { case rows, bytes, objects, atLeast = "at_least" }
}

/// An object inside a container (a table in a schema), as the container's refresh lists it.
public struct ContainedObject: Codable, Sendable, Equatable {
    /// A short type name as the service calls it: "table", "stage", "schema".
    public var type: String
    public var identity: String
    /// The address that manages it in this deployment; nil for an object infra does not manage.
    public var address: String?
    public var data: StoredData?

    public init(type: String, identity: String, address: String? = nil, data: StoredData? = nil) {
        self.type = type
        self.identity = identity
        self.address = address
        self.data = data
    }
}

/// Data a plan destroys: a non-empty table or bucket it deletes or replaces, or an object it does not manage
/// that goes with a container. Applying such a plan needs `--allow-data-loss` or a confirmation naming it.
public struct DataAtRisk: Codable, Sendable, Equatable, CustomStringConvertible {
    public var address: String?
    public var type: String
    public var identity: String
    public var data: StoredData?
    /// "deleted", "replaced", "dropped with schema raw", "unmanaged, dropped with database db".
    public var reason: String

    public init(address: String?, type: String, identity: String, data: StoredData?, reason: String) {
        self.address = address
        self.type = type
        self.identity = identity
        self.data = data
        self.reason = reason
    }

    public var description: String {
        "\(identity) (\(type)\(address.map { ", \($0)" } ?? "")): " + ([data?.description].compactMap { $0 } + [reason]).joined(separator: ", ")
    }
}

/// A record that changes address without any change in the cloud.
public struct MovedAddress: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public init(from: String, to: String) {
        self.from = from
        self.to = to
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
    /// `moved:` entries that take effect with this plan: state changes, the cloud does not.
    public var moved: [MovedAddress] = []
    /// What this plan destroys that holds data or is not infra's: needs `--allow-data-loss` to apply.
    public var dataAtRisk: [DataAtRisk] = []

    public var summary: Summary { Summary(changes) }

    public var hasChanges: Bool { changes.contains { $0.action != .noop } || !forgotten.isEmpty || !moved.isEmpty }

    public struct Summary: Codable, Sendable, Equatable {
        public var add: Int
        public var change: Int
        public var destroy: Int
        public var adopt: Int
        public var importCount: Int

        init(_ changes: [ResourceChange]) {
            add = changes.filter { $0.action == .create || $0.action == .replace }.count
            change = changes.filter { $0.action == .update || ([.adopt, .importExisting].contains($0.action) && !$0.changes.isEmpty) }.count
            destroy = changes.filter { $0.action == .delete || $0.action == .replace }.count
            adopt = changes.filter { $0.action == .adopt }.count
            importCount = changes.filter { $0.action == .importExisting }.count
        }

        public var line: String {
            var text = "Plan: \(add) to add, \(change) to change, \(destroy) to destroy"
            if importCount > 0 { text += ", \(importCount) to import" }
            if adopt > 0 { text += ", \(adopt) to adopt" }
            return text + "."
        }

        enum CodingKeys: String, CodingKey { case add, change, destroy, adopt, importCount = "import" }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", mode, stack, stackFile = "stack_file", environment, revision
        case stateSerial = "state_serial", stateLineage = "state_lineage", createdAt = "created_at", liveDigest = "live_digest"
        case changes, drift, forgotten, moved, dataAtRisk = "data_at_risk"
    }

    public init(formatVersion: Int, mode: PlanMode, stack: String, stackFile: String, environment: String, revision: String,
                stateSerial: Int, stateLineage: String?, createdAt: String, liveDigest: String, changes: [ResourceChange],
                drift: [Drift], forgotten: [String], moved: [MovedAddress] = [], dataAtRisk: [DataAtRisk] = [])
    {
        self.formatVersion = formatVersion
        self.mode = mode
        self.stack = stack
        self.stackFile = stackFile
        self.environment = environment
        self.revision = revision
        self.stateSerial = stateSerial
        self.stateLineage = stateLineage
        self.createdAt = createdAt
        self.liveDigest = liveDigest
        self.changes = changes
        self.drift = drift
        self.forgotten = forgotten
        self.moved = moved
        self.dataAtRisk = dataAtRisk
    }
}
