import Foundation

/// What infra knows it manages in one stack × environment. Sensitive values are stored as digests only.
public struct StateDocument: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// Grows by one on every write: a plan file records it and refuses to apply over a newer state.
    public var serial: Int
    /// Identifies this state's history; a plan made for another lineage is refused.
    public var lineage: String
    public var stack: String
    public var environment: String
    public var revision: String?
    public var updatedAt: String
    public var resources: [String: ResourceRecord]
    public var outputs: [String: Value]
    public var events: [StateEvent]

    public init(stack: String, environment: String) {
        formatVersion = Self.currentFormatVersion
        serial = 0
        lineage = UUID().uuidString.lowercased()
        self.stack = stack
        self.environment = environment
        revision = nil
        updatedAt = Timestamp.now()
        resources = [:]
        outputs = [:]
        events = []
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", serial, lineage, stack, environment, revision
        case updatedAt = "updated_at", resources, outputs, events
    }
}

public struct ResourceRecord: Codable, Sendable, Equatable {
    public var kind: String
    public var identity: String
    public var properties: [String: Value]
    public var attributes: [String: Value]
    /// Resources that had to exist before this one: destroy removes this one first.
    public var dependsOn: [String]
    public var updatedAt: String

    public init(kind: String, identity: String, properties: [String: Value], attributes: [String: Value], dependsOn: [String]) {
        self.kind = kind
        self.identity = identity
        self.properties = properties
        self.attributes = attributes
        self.dependsOn = dependsOn
        self.updatedAt = Timestamp.now()
    }

    public var liveObject: LiveObject { LiveObject(identity: identity, properties: properties, attributes: attributes) }

    enum CodingKeys: String, CodingKey {
        case kind, identity, properties, attributes, dependsOn = "depends_on", updatedAt = "updated_at"
    }
}

/// Things that happened to a deployment besides resource changes: applies, verify runs, promotions.
public struct StateEvent: Codable, Sendable, Equatable {
    public var kind: String
    public var at: String
    public var revision: String?
    public var outcome: String
    public var detail: [String: Value]

    public init(kind: String, revision: String?, outcome: String, detail: [String: Value] = [:]) {
        self.kind = kind
        self.at = Timestamp.now()
        self.revision = revision
        self.outcome = outcome
        self.detail = detail
    }
}

enum Timestamp {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

/// Secrets never reach state: a sensitive value is kept as a digest, enough to notice it changed.
public enum SensitiveValue {
    public static let mask = Value.string("(sensitive)")

    public static func digest(_ value: Value) -> Value {
        guard value.isKnown, value != .null else { return value }
        return .string("sha256:" + SHA256Hex.of(value.canonicalJSON))
    }
}
