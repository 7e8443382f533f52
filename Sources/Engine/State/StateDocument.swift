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
    /// Creates started but not yet recorded, by address: written before the create call, so the next plan can
    /// tell infra's own interrupted work (adopted) from an object someone else made (refused).
    public var pending: [String: PendingCreate]

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
        pending = [:]
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", serial, lineage, stack, environment, revision
        case updatedAt = "updated_at", resources, outputs, events, pending
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        serial = try c.decode(Int.self, forKey: .serial)
        lineage = try c.decode(String.self, forKey: .lineage)
        stack = try c.decode(String.self, forKey: .stack)
        environment = try c.decode(String.self, forKey: .environment)
        revision = try c.decodeIfPresent(String.self, forKey: .revision)
        updatedAt = try c.decode(String.self, forKey: .updatedAt)
        resources = try c.decode([String: ResourceRecord].self, forKey: .resources)
        outputs = try c.decode([String: Value].self, forKey: .outputs)
        events = try c.decode([StateEvent].self, forKey: .events)
        // Written by versions before intents were recorded: none pending.
        pending = try c.decodeIfPresent([String: PendingCreate].self, forKey: .pending) ?? [:]
    }

    /// The address that records this object, if any.
    public func address(of kind: String, identity: String) -> String? {
        resources.first { $0.value.kind == kind && $0.value.identity == identity }?.key
    }

    /// The state with `moved:` entries applied: each record found under its old address now sits under its new
    /// one, and every dependency on it follows. Returns the moves that took effect; a move whose target is
    /// already recorded (done earlier) is skipped, and one whose source and target are both recorded is an error.
    public func applying(_ moves: [MoveDecl]) throws -> (StateDocument, [MoveDecl]) {
        var document = self
        var applied: [MoveDecl] = []
        for move in moves {
            guard let record = document.resources[move.from] else { continue }
            if document.resources[move.to] != nil {
                throw Diagnostic("moved: both '\(move.from)' and '\(move.to)' are recorded in state", at: move.location,
                                 hint: "one of them is a different object: remove the entry, or forget one with `infra state rm`")
            }
            document.rename(from: move.from, to: move.to, record: record)
            applied.append(move)
        }
        return (document, applied)
    }

    /// Moves a record to a new address, with what depends on it and any pending intent.
    public mutating func rename(from: String, to: String, record: ResourceRecord) {
        resources.removeValue(forKey: from)
        resources[to] = record
        for (address, var other) in resources where other.dependsOn.contains(from) {
            other.dependsOn = other.dependsOn.map { $0 == from ? to : $0 }
            resources[address] = other
        }
        if let intent = pending.removeValue(forKey: from) { pending[to] = intent }
    }
}

/// A create infra started: kind and identity of the object it was about to make.
public struct PendingCreate: Codable, Sendable, Equatable {
    public var kind: String
    public var identity: String
    public var startedAt: String

    public init(kind: String, identity: String) {
        self.kind = kind
        self.identity = identity
        startedAt = Timestamp.now()
    }

    enum CodingKeys: String, CodingKey { case kind, identity, startedAt = "started_at" }
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
