import Foundation

/// A live object as a provider reads it: its identity, the properties the stack can declare, and outputs.
public struct LiveObject: Sendable, Hashable, Codable {
    public var identity: String
    public var properties: [String: Value]
    public var attributes: [String: Value]

    public init(identity: String, properties: [String: Value], attributes: [String: Value] = [:]) {
        self.identity = identity
        self.properties = properties
        self.attributes = attributes
    }
}

/// What the stack wants one resource to be, fully resolved (no unknown values) at the moment of apply.
public struct DesiredResource: Sendable {
    public var logicalName: String
    public var identity: String
    public var properties: [String: Value]

    public init(logicalName: String, identity: String, properties: [String: Value]) {
        self.logicalName = logicalName
        self.identity = identity
        self.properties = properties
    }
}

/// One property that differs between the stack and the live object.
public struct PropertyChange: Sendable, Hashable, Codable {
    public var property: String
    public var before: Value?
    public var after: Value?
    public var forcesReplacement: Bool
    /// Why the change cannot be made in place and what would avoid the replacement, when the kind says.
    public var explanation: String?

    enum CodingKeys: String, CodingKey { case property, before, after, forcesReplacement = "forces_replacement", explanation }

    public init(property: String, before: Value?, after: Value?, forcesReplacement: Bool, explanation: String? = nil) {
        self.property = property
        self.before = before
        self.after = after
        self.forcesReplacement = forcesReplacement
        self.explanation = explanation
    }
}

/// Facts about the environment a kind may use to compute plan-time attributes (an account id for ARNs).
public struct PlanningContext: Sendable {
    public var environment: Value
    public init(environment: Value) { self.environment = environment }
}

/// The one small protocol each provider implements, once per resource kind.
///
/// Reads are in bulk: the engine asks once per kind for every identity it needs, so a provider can
/// answer with one `SHOW ... IN ACCOUNT` or one paginated `ListRoles` instead of a call per object.
public protocol ResourceKind: Sendable {
    var schema: KindSchema { get }

    /// Attributes computable before the object exists; given only the properties the attribute lists as inputs.
    func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value]

    /// Brings a value to the form the provider reports, so that equal meanings compare equal.
    func normalize(_ value: Value, property: String) -> Value

    /// The properties as the object will really have them where one implies another (a table's primary key
    /// makes its columns NOT NULL), so the plan compares meanings. Defaults to the properties unchanged.
    func impliedProperties(_ properties: [String: Value]) -> [String: Value]

    /// The identity of the object a set of properties describes; nil while any part is unknown.
    func identity(of properties: [String: Value]) -> String?

    /// Whether changing `property` from `before` to `after` needs the object replaced. Defaults to the
    /// schema's flag; kinds override it where it depends on the change (widening a column vs retyping it).
    func requiresReplacement(_ property: String, from before: Value?, to after: Value) -> Bool

    /// Why a change that `requiresReplacement` cannot be made in place, and the way to keep the object, in
    /// words for the plan; nil when the property's schema says it all. Defaults to nil.
    func replacementExplanation(_ property: String, from before: Value?, to after: Value) -> String?

    /// The live objects that exist, keyed by identity; absent identities do not exist.
    func read(_ identities: [String]) async throws -> [String: LiveObject]

    /// The same, told which properties the stack declares or state recorded for these objects, so a kind whose
    /// properties each cost a call (S3's bucket sub-resources) reads only those. Defaults to `read(_:)`.
    func read(_ identities: [String], properties: Set<String>) async throws -> [String: LiveObject]

    func create(_ resource: DesiredResource) async throws -> LiveObject
    func update(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject
    func delete(_ object: LiveObject) async throws

    /// False for an identity that is a condition over many objects rather than one object (privileges on all
    /// tables of a schema): nothing exists to be taken over, so with no record of it the plan applies it, whatever
    /// is live. Defaults to true.
    func namesOneObject(_ identity: String) -> Bool
}

extension ResourceKind {
    public func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] { [:] }
    public func normalize(_ value: Value, property: String) -> Value { value }
    public func impliedProperties(_ properties: [String: Value]) -> [String: Value] { properties }
    public func replacementExplanation(_ property: String, from before: Value?, to after: Value) -> String? { nil }
    public func namesOneObject(_ identity: String) -> Bool { true }

    public func read(_ identities: [String], properties: Set<String>) async throws -> [String: LiveObject] {
        try await read(identities)
    }

    public func requiresReplacement(_ property: String, from before: Value?, to after: Value) -> Bool {
        schema.property(property)?.forcesReplacement ?? false
    }

    /// The identity of the object a set of properties describes: its identity properties, joined by '.'.
    public func identity(of properties: [String: Value]) -> String? {
        var parts: [String] = []
        for name in schema.identityProperties {
            guard let value = properties[name], value.isKnown, value != .null else { return nil }
            parts.append(value.interpolationText)
        }
        return parts.joined(separator: ".")
    }
}

/// The kinds available to one run, by `type:` name.
public struct KindRegistry: Sendable {
    public private(set) var kinds: [String: any ResourceKind] = [:]

    public init(_ kinds: [any ResourceKind] = []) {
        for kind in kinds { register(kind) }
    }

    public mutating func register(_ kind: any ResourceKind) { kinds[kind.schema.name] = kind }
    public subscript(name: String) -> (any ResourceKind)? { kinds[name] }
    public var names: [String] { kinds.keys.sorted() }
}

/// Where one object lives inside another: a table in its schema, a schema in its database.
public struct ContainerReference: Sendable, Hashable {
    public var kind: String
    public var identity: String
    public init(kind: String, identity: String) {
        self.kind = kind
        self.identity = identity
    }
}

/// A kind whose objects live inside an object of another kind, and go when it goes. The planner uses it to show
/// everything a container's replacement or deletion takes with it.
public protocol ContainedKind: ResourceKind {
    func container(of identity: String) -> ContainerReference?
}

/// A kind whose objects hold other objects (databases, schemas): lists what is inside them live, managed or not.
public protocol ContainerKind: ResourceKind {
    /// Everything live directly or indirectly inside each container, by container identity.
    func contents(of identities: [String]) async throws -> [String: [ContainedObject]]
}

/// A kind whose objects hold data (tables, buckets): how much, for the plan's data-at-risk summary.
public protocol DataHoldingKind: ResourceKind {
    func storedData(_ identities: [String]) async throws -> [String: StoredData]
}

/// A kind that writes its owner (stack, environment, address) on the objects it makes, where the service has a
/// place for it (AWS tags): the planner names that owner when it refuses to take over an object.
public protocol OwnerTaggingKind: ResourceKind {
    /// "stack/environment/address" for each identity that carries infra's owner tags.
    func owners(of identities: [String]) async throws -> [String: String]
}

/// Kinds may accept an identity written another way (`sales_dev` for `SALES_DEV`): `import` ids go through this.
public protocol IdentityNormalizingKind: ResourceKind {
    func canonicalIdentity(_ id: String) -> String
}

extension ResourceKind {
    public func canonical(identity id: String) -> String {
        (self as? any IdentityNormalizingKind)?.canonicalIdentity(id) ?? id
    }
}
