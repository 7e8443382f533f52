import Foundation
import AWSClients
import InfraEngine

/// `aws.iam.role`: a role with its trust policy (including the `snowflake_integration:` shorthand, which
/// trusts the integration's AWS principal with its external ID), permissions, managed policies and tags.
/// Its ARN is known at plan time, so a storage integration can name it before it exists.
public struct RoleKind: ResourceKind {
    let connect: @Sendable () async throws -> any IAMRoleOperations
    /// Tags every role it creates; nil (tests of normal forms) tags nothing and adopts nothing.
    let owner: OwnerStamp?

    public init(owner: OwnerStamp? = nil, connect: @escaping @Sendable () async throws -> any IAMRoleOperations) {
        self.owner = owner
        self.connect = connect
    }

    /// The inline policy that holds the `policy:` shorthand; other inline policies are `inline_policies`.
    static let shorthandPolicyName = "infra-policy"

    public var schema: KindSchema {
        KindSchema(
            name: "aws.iam.role", summary: "an IAM role",
            properties: [
                PropertySchema("name", .string, required: true, forcesReplacement: true),
                PropertySchema("path", .string, default: "/", forcesReplacement: true),
                PropertySchema("description", .string, default: ""),
                PropertySchema("max_session_duration", .int, default: 3600, summary: "seconds, 3600 to 43200"),
                PropertySchema("trust", .object([
                    PropertySchema("snowflake_integration", .resource(kind: "snowflake.storage_integration"),
                                   summary: "trust the integration's AWS principal with its external ID"),
                    PropertySchema("services", .oneOf([.string, .list(.string)]), summary: "service principals, e.g. glue.amazonaws.com"),
                    PropertySchema("aws", .oneOf([.string, .list(.string)]), summary: "account or role ARNs"),
                    PropertySchema("external_id", .string, summary: "required of the `aws` principals"),
                    PropertySchema("statements", .list(.any), summary: "further trust statements, verbatim"),
                    PropertySchema("Version", .string, summary: "with `Statement`: a whole IAM trust policy document, as IAM shows it"),
                    PropertySchema("Statement", .oneOf([.list(.any), .map(.any)]),
                                   summary: "the document's statements; any shorthands above are added to them"),
                    PropertySchema("Id", .string),
                ]), required: true, summary: "who may assume the role: shorthands, a full IAM policy document, or both"),
                PropertySchema("policy", .list(.object([
                    PropertySchema("allow", .list(.string)), PropertySchema("deny", .list(.string)),
                    PropertySchema("on", .oneOf([.string, .list(.string)])), PropertySchema("condition", .any),
                    PropertySchema("sid", .string),
                ])), summary: "permissions in shorthand: [{allow: [s3:GetObject], on: arn…}]"),
                PropertySchema("inline_policies", .map(.any), summary: "name → policy document; read (one call each) only when declared"),
                PropertySchema("managed_policies", .set(.string), summary: "policy ARNs to attach; read only when declared"),
                PropertySchema("tags", .map(.string), default: .map([:])),
            ],
            attributes: [
                AttributeSchema("arn", .planTime(inputs: ["name", "path"]), summary: "arn:aws:iam::ACCOUNT:role/PATH/NAME"),
                AttributeSchema("unique_id", .afterApply),
            ],
            referenceAttribute: "arn", identityProperties: ["name"])
    }

    public func identity(of properties: [String: Value]) -> String? { properties["name"]?.stringValue }

    public func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] {
        guard let name = properties["name"]?.stringValue,
              let account = context.environment.mapValue?["aws"]?.mapValue?["account_id"]?.stringValue else { return [:] }
        // The ARN's partition follows the region: arn:aws-cn:… in China, arn:aws-us-gov:… in GovCloud.
        let partition = AWSPartition(region: context.environment.mapValue?["aws"]?.mapValue?["region"]?.stringValue ?? "").name
        return ["arn": .string(Self.arn(account: account, path: properties["path"]?.stringValue ?? "/", name: name, partition: partition))]
    }

    static func arn(account: String, path: String, name: String, partition: String = "aws") -> String {
        "arn:\(partition):iam::\(account):role\(path)\(name)"
    }

    // MARK: Normal forms

    public func normalize(_ value: Value, property: String) -> Value {
        switch property {
        case "trust": return Self.trustDocument(value).map(PolicyDocument.canonical) ?? value
        case "policy": return Self.shorthandDocument(value).map(PolicyDocument.canonical) ?? value
        case "inline_policies":
            guard case .map(let m) = value else { return value }
            return .map(m.mapValues { PolicyDocument.from($0).map(PolicyDocument.canonical) ?? $0 })
        default: return value
        }
    }

    /// The trust policy: a document as written (`Version`/`Statement`), the shorthands turned into statements, or
    /// both, the shorthands' statements after the document's.
    static func trustDocument(_ value: Value) -> Value? {
        guard case .map(let m) = value else { return nil }
        let shorthand = PolicyDocument.trust(m.filter { !["Version", "Statement", "Id"].contains($0.key) })
        guard let written = m["Statement"] else { return shorthand }
        let statements = (written.listValue ?? [written]) + (shorthand.mapValue?["Statement"]?.listValue ?? [])
        var document: [String: Value] = ["Version": m["Version"] ?? "2012-10-17", "Statement": .list(statements)]
        if let id = m["Id"] { document["Id"] = id }
        return .map(document)
    }

    static func shorthandDocument(_ value: Value) -> Value? {
        switch value {
        case .list(let statements): return statements.isEmpty ? nil : PolicyDocument.fromShorthand(statements)
        case .map(let m) where m["Statement"] != nil: return value
        default: return nil
        }
    }

    // MARK: Read

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        try await read(identities, properties: Set(schema.properties.map(\.name)))
    }

    /// One paginated ListRoles for every role of the stack (it carries trust, description and session length);
    /// then, `objectsReadAtOnce` roles at a time, only the calls for what the stack declares, all at once: tags,
    /// the shorthand policy, other inline policies (one call each, after one listing), attached policies.
    public func read(_ identities: [String], properties: Set<String>) async throws -> [String: LiveObject] {
        guard !identities.isEmpty else { return [:] }
        let iam = try await connect()
        let wanted = Set(identities)
        let roles = try await iam.listRoles().filter { wanted.contains($0.name) }
        let objects = try await concurrentMap(roles, limit: objectsReadAtOnce) { try await Self.readRole($0, properties: properties, iam: iam) }
        return Dictionary(objects.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func readRole(_ role: RoleSummary, properties: Set<String>, iam: any IAMRoleOperations) async throws -> LiveObject {
        var p: [String: Value] = [
            "name": .string(role.name), "path": .string(role.path), "description": .string(role.description),
            "max_session_duration": .int(role.maxSessionDuration),
            "trust": PolicyDocument.parse(role.trustPolicy).map(PolicyDocument.canonical) ?? .null,
        ]
        let name = role.name
        let values = try await PropertyRead.values([
            PropertyRead("tags") { .map(OwnerStamp.declared(try await iam.roleTags(name)).mapValues(Value.string)) },
            PropertyRead("policy") { try await iam.inlinePolicy(name, name: shorthandPolicyName).flatMap(PolicyDocument.parse).map(PolicyDocument.canonical) ?? .null },
            PropertyRead("inline_policies") { .map(try await inlinePolicies(of: name, iam: iam)) },
            PropertyRead("managed_policies") { .list(try await iam.attachedPolicyARNs(name).sorted().map(Value.string)) },
        ], wanted: properties)
        p.merge(values) { _, read in read }
        return LiveObject(identity: role.name, properties: p, attributes: ["arn": .string(role.arn), "unique_id": .string(role.roleID)])
    }

    /// The inline policies other than the shorthand's: one listing, then every document at once.
    static func inlinePolicies(of role: String, iam: any IAMRoleOperations) async throws -> [String: Value] {
        let names = try await iam.inlinePolicyNames(role).filter { $0 != shorthandPolicyName }
        let documents = try await concurrentMap(names, limit: names.count) { try await iam.inlinePolicy(role, name: $0) }
        var policies: [String: Value] = [:]
        for (name, text) in zip(names, documents) {
            if let doc = text.flatMap(PolicyDocument.parse) { policies[name] = PolicyDocument.canonical(doc) }
        }
        return policies
    }

    // MARK: Change

    public func create(_ resource: DesiredResource) async throws -> LiveObject {
        let iam = try await connect()
        let p = resource.properties
        guard let trust = Self.trustDocument(p["trust"] ?? .null), trust.isKnown else {
            throw AWSProviderError("role \(resource.identity): the trust policy is not known yet")
        }
        let declaredTags = (p["tags"]?.mapValue ?? [:]).compactMapValues(\.stringValue)
        let role: RoleSummary
        do {
            role = try await iam.createRole(
                name: resource.identity, path: p["path"]?.stringValue ?? "/", description: p["description"]?.stringValue ?? "",
                maxSessionDuration: p["max_session_duration"]?.intValue ?? 3600, trustPolicy: PolicyDocument.json(trust),
                tags: OwnerStamp.merged(declaredTags, stamp: owner, address: resource.logicalName))
        } catch let exists as RoleAlreadyExistsError {
            role = try await Self.ownRole(resource, owner: owner, iam: iam) ?? { throw exists }()
        }
        if let policy = Self.shorthandDocument(p["policy"] ?? .null) {
            try await iam.putInlinePolicy(role.name, name: Self.shorthandPolicyName, PolicyDocument.json(policy))
        }
        for (name, value) in (p["inline_policies"]?.mapValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let doc = PolicyDocument.from(value) else { throw AWSProviderError("inline policy \(name) of role \(role.name) is not a policy document") }
            try await iam.putInlinePolicy(role.name, name: name, PolicyDocument.json(doc))
        }
        for arn in p["managed_policies"]?.listValue?.compactMap(\.stringValue) ?? [] { try await iam.attachPolicy(role.name, arn: arn) }
        var properties = p
        for (k, v) in p { properties[k] = normalize(v, property: k) }
        return LiveObject(identity: role.name, properties: properties, attributes: ["arn": .string(role.arn), "unique_id": .string(role.roleID)])
    }

    /// The existing role of that name if this deployment created it for this resource (a CreateRole repeated
    /// after an attempt that was carried out): its owner tags, read back, say so.
    static func ownRole(_ resource: DesiredResource, owner: OwnerStamp?, iam: any IAMRoleOperations) async throws -> RoleSummary? {
        guard let owner, let existing = try await iam.role(resource.identity),
              owner.owns(tags: try await iam.roleTags(resource.identity), address: resource.logicalName) else { return nil }
        return existing
    }

    public func update(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        let iam = try await connect()
        let p = resource.properties
        let name = resource.identity
        let changed = Set(changes.map(\.property))
        if !changed.isDisjoint(with: ["description", "max_session_duration"]) {
            try await iam.updateRole(name: name, description: p["description"]?.stringValue ?? "", maxSessionDuration: p["max_session_duration"]?.intValue ?? 3600)
        }
        if changed.contains("trust"), let trust = Self.trustDocument(p["trust"] ?? .null) {
            try await iam.updateTrustPolicy(role: name, PolicyDocument.json(trust))
        }
        if changed.contains("policy") {
            if let policy = Self.shorthandDocument(p["policy"] ?? .null) {
                try await iam.putInlinePolicy(name, name: Self.shorthandPolicyName, PolicyDocument.json(policy))
            } else {
                try await iam.deleteInlinePolicy(name, name: Self.shorthandPolicyName)
            }
        }
        if changed.contains("inline_policies") {
            let desired = (p["inline_policies"]?.mapValue ?? [:]).compactMapValues(PolicyDocument.from)
            let current = live.properties["inline_policies"]?.mapValue ?? [:]
            for (policy, doc) in desired where current[policy].map({ PolicyDocument.canonical($0) != PolicyDocument.canonical(doc) }) ?? true {
                try await iam.putInlinePolicy(name, name: policy, PolicyDocument.json(doc))
            }
            for policy in current.keys where desired[policy] == nil { try await iam.deleteInlinePolicy(name, name: policy) }
        }
        if changed.contains("managed_policies") {
            let desired = Set(p["managed_policies"]?.listValue?.compactMap(\.stringValue) ?? [])
            let current = Set(live.properties["managed_policies"]?.listValue?.compactMap(\.stringValue) ?? [])
            for arn in desired.subtracting(current).sorted() { try await iam.attachPolicy(name, arn: arn) }
            for arn in current.subtracting(desired).sorted() { try await iam.detachPolicy(name, arn: arn) }
        }
        if changed.contains("tags") {
            let desired = (p["tags"]?.mapValue ?? [:]).compactMapValues(\.stringValue)
            let current = (live.properties["tags"]?.mapValue ?? [:]).compactMapValues(\.stringValue)
            let removed = Set(current.keys).subtracting(desired.keys)
            if !removed.isEmpty { try await iam.untagRole(name, keys: removed.sorted()) }
            let upserts = desired.filter { current[$0.key] != $0.value }
            if !upserts.isEmpty { try await iam.tagRole(name, upserts) }
        }
        var properties = p
        for (k, v) in p { properties[k] = normalize(v, property: k) }
        return LiveObject(identity: name, properties: properties, attributes: live.attributes)
    }

    /// IAM refuses to delete a role that still has policies: inline ones are deleted, managed ones detached first.
    public func delete(_ object: LiveObject) async throws {
        let iam = try await connect()
        let name = object.identity
        for policy in try await iam.inlinePolicyNames(name) { try await iam.deleteInlinePolicy(name, name: policy) }
        for arn in try await iam.attachedPolicyARNs(name) { try await iam.detachPolicy(name, arn: arn) }
        try await iam.deleteRole(name)
    }
}
