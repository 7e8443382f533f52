import Foundation
import InfraEngine

/// `aws.s3.bucket`: a bucket and the sub-resources a landing zone needs. Refresh reads only the
/// sub-resources the stack declares or state recorded: one shared ListBuckets, then one call each.
public struct BucketKind: ResourceKind {
    let connect: @Sendable () async throws -> any S3BucketOperations
    let defaultRegion: String
    let owner: OwnerStamp?

    public init(defaultRegion: String, owner: OwnerStamp? = nil, connect: @escaping @Sendable () async throws -> any S3BucketOperations) {
        self.connect = connect
        self.defaultRegion = defaultRegion
        self.owner = owner
    }

    static let publicAccessFields = ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"]

    public var schema: KindSchema {
        KindSchema(
            name: "aws.s3.bucket", summary: "an S3 bucket",
            properties: [
                PropertySchema("name", .string, required: true, forcesReplacement: true),
                PropertySchema("region", .string, forcesReplacement: true, summary: "the environment's region when left out"),
                PropertySchema("versioning", .bool, default: false),
                PropertySchema("encryption", .oneOf([
                    .enumeration(["AES256", "aws:kms"], caseInsensitive: false),
                    .object([
                        PropertySchema("algorithm", .enumeration(["AES256", "aws:kms", "aws:kms:dsse"], caseInsensitive: false), required: true),
                        PropertySchema("kms_key_id", .string), PropertySchema("bucket_key", .bool, default: false),
                    ]),
                ]), summary: "default encryption: AES256, aws:kms, or {algorithm, kms_key_id, bucket_key}"),
                PropertySchema("public_access", .oneOf([
                    .enumeration(["blocked", "open"], caseInsensitive: true),
                    .object(Self.publicAccessFields.map { PropertySchema($0, .bool, default: true) }),
                ]), summary: "blocked (all four public access blocks), open, or each flag"),
                PropertySchema("lifecycle_rules", .list(.object([
                    PropertySchema("id", .string), PropertySchema("prefix", .string, default: ""),
                    PropertySchema("enabled", .bool, default: true), PropertySchema("expire_days", .int),
                    PropertySchema("noncurrent_expire_days", .int), PropertySchema("abort_incomplete_upload_days", .int),
                    PropertySchema("transitions", .list(.object([
                        PropertySchema("days", .int, required: true), PropertySchema("storage_class", .string, required: true),
                    ]))),
                ])), summary: "expiry rules: [{prefix, expire_days, noncurrent_expire_days, …}] (`lifecycle:` is the per-resource guard)"),
                PropertySchema("tags", .map(.string), default: .map([:])),
                PropertySchema("policy", .oneOf([.object([PropertySchema("Version", .string), PropertySchema("Id", .string),
                                                          PropertySchema("Statement", .any, required: true)]), .string]),
                               summary: "a bucket policy document"),
                PropertySchema("notifications", .list(.object([
                    PropertySchema("id", .string), PropertySchema("queue", .string), PropertySchema("topic", .string),
                    PropertySchema("lambda", .string),
                    PropertySchema("events", .list(.string), default: .list([.string("s3:ObjectCreated:*")])),
                    PropertySchema("prefix", .string), PropertySchema("suffix", .string),
                ])), summary: "event notifications to SQS (Snowpipe auto-ingest), SNS or Lambda"),
                PropertySchema("force_destroy", .bool, default: false, summary: "on delete, remove every object version first"),
            ],
            attributes: [AttributeSchema("arn", .planTime(inputs: ["name"]))],
            referenceAttribute: "name", identityProperties: ["name"])
    }

    public func identity(of properties: [String: Value]) -> String? { properties["name"]?.stringValue }

    public func plannedAttributes(_ properties: [String: Value], context: PlanningContext) -> [String: Value] {
        guard let name = properties["name"]?.stringValue else { return [:] }
        return ["arn": .string("arn:aws:s3:::\(name)")]
    }

    // MARK: Normal forms

    public func normalize(_ value: Value, property: String) -> Value {
        switch property {
        case "encryption": return Self.encryptionValue(Self.encryption(value))
        case "public_access": return Self.publicAccessValue(Self.publicAccess(value))
        case "lifecycle_rules": return .list(Self.lifecycle(value).map(Self.lifecycleValue))
        case "notifications": return .list(Self.notifications(value).map(Self.notificationValue).sorted { $0.canonicalJSON < $1.canonicalJSON })
        case "policy": return PolicyDocument.from(value).map(PolicyDocument.canonical) ?? value
        case "region": return value == .null ? .string(defaultRegion) : value
        default: return value
        }
    }

    static func encryption(_ value: Value) -> BucketEncryption? {
        switch value {
        case .string(let algorithm): return BucketEncryption(algorithm: algorithm)
        case .map(let m):
            guard let algorithm = m["algorithm"]?.stringValue else { return nil }
            return BucketEncryption(algorithm: algorithm, kmsKeyID: m["kms_key_id"]?.stringValue, bucketKeyEnabled: m["bucket_key"]?.boolValue ?? false)
        default: return nil
        }
    }

    static func encryptionValue(_ e: BucketEncryption?) -> Value {
        guard let e else { return .null }
        var m: [String: Value] = ["algorithm": .string(e.algorithm), "bucket_key": .bool(e.bucketKeyEnabled)]
        if let key = e.kmsKeyID { m["kms_key_id"] = .string(key) }
        return .map(m)
    }

    static func publicAccess(_ value: Value) -> PublicAccessBlock? {
        switch value {
        case .string(let s): return s.lowercased() == "open" ? .open : .allBlocked
        case .map(let m):
            func flag(_ k: String) -> Bool { m[k]?.boolValue ?? true }
            return PublicAccessBlock(blockPublicAcls: flag("block_public_acls"), ignorePublicAcls: flag("ignore_public_acls"),
                                     blockPublicPolicy: flag("block_public_policy"), restrictPublicBuckets: flag("restrict_public_buckets"))
        default: return nil
        }
    }

    static func publicAccessValue(_ p: PublicAccessBlock?) -> Value {
        let p = p ?? .open  // no configuration blocks nothing
        if p == .allBlocked { return "blocked" }
        if p == .open { return "open" }
        return .map(["block_public_acls": .bool(p.blockPublicAcls), "ignore_public_acls": .bool(p.ignorePublicAcls),
                     "block_public_policy": .bool(p.blockPublicPolicy), "restrict_public_buckets": .bool(p.restrictPublicBuckets)])
    }

    /// Rules without an id get `rule-N` by position, so the ids infra writes are the ids it reads back.
    static func lifecycle(_ value: Value) -> [LifecycleRule] {
        (value.listValue ?? []).enumerated().compactMap { index, item in
            guard let m = item.mapValue else { return nil }
            let transitions = (m["transitions"]?.listValue ?? []).compactMap { t -> LifecycleRule.Transition? in
                guard let d = t.mapValue?["days"]?.intValue, let c = t.mapValue?["storage_class"]?.stringValue else { return nil }
                return LifecycleRule.Transition(days: d, storageClass: c.uppercased())
            }.sorted { $0.days < $1.days }
            return LifecycleRule(id: m["id"]?.stringValue ?? "rule-\(index + 1)", prefix: m["prefix"]?.stringValue ?? "",
                                 enabled: m["enabled"]?.boolValue ?? true, expirationDays: m["expire_days"]?.intValue,
                                 noncurrentExpirationDays: m["noncurrent_expire_days"]?.intValue,
                                 abortIncompleteUploadDays: m["abort_incomplete_upload_days"]?.intValue, transitions: transitions)
        }
    }

    static func lifecycleValue(_ r: LifecycleRule) -> Value {
        var m: [String: Value] = ["id": .string(r.id), "prefix": .string(r.prefix), "enabled": .bool(r.enabled)]
        if let v = r.expirationDays { m["expire_days"] = .int(v) }
        if let v = r.noncurrentExpirationDays { m["noncurrent_expire_days"] = .int(v) }
        if let v = r.abortIncompleteUploadDays { m["abort_incomplete_upload_days"] = .int(v) }
        if !r.transitions.isEmpty {
            m["transitions"] = .list(r.transitions.map { .map(["days": .int($0.days), "storage_class": .string($0.storageClass)]) })
        }
        return .map(m)
    }

    static func notifications(_ value: Value) -> [BucketNotification] {
        (value.listValue ?? []).enumerated().compactMap { index, item in
            guard let m = item.mapValue else { return nil }
            let target: (BucketNotification.Target, String)?
            if let arn = m["queue"]?.stringValue { target = (.queue, arn) } else if let arn = m["topic"]?.stringValue { target = (.topic, arn) }
            else if let arn = m["lambda"]?.stringValue { target = (.lambda, arn) } else { target = nil }
            guard let target else { return nil }
            let events = (m["events"]?.listValue?.compactMap(\.stringValue) ?? ["s3:ObjectCreated:*"]).sorted()
            return BucketNotification(id: m["id"]?.stringValue ?? "infra-\(index + 1)", target: target.0, arn: target.1, events: events,
                                      prefix: m["prefix"]?.stringValue, suffix: m["suffix"]?.stringValue)
        }
    }

    /// Ids are S3's bookkeeping (it invents one when none is given): compared without them.
    static func notificationValue(_ n: BucketNotification) -> Value {
        var m: [String: Value] = [n.target.rawValue: .string(n.arn), "events": .list(n.events.sorted().map(Value.string))]
        if let p = n.prefix, !p.isEmpty { m["prefix"] = .string(p) }
        if let s = n.suffix, !s.isEmpty { m["suffix"] = .string(s) }
        return .map(m)
    }

    // MARK: Read

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        try await read(identities, properties: Set(schema.properties.map(\.name)))
    }

    /// One ListBuckets, then the buckets `objectsReadAtOnce` at a time, each with its sub-resource reads
    /// all in flight together.
    public func read(_ identities: [String], properties: Set<String>) async throws -> [String: LiveObject] {
        guard !identities.isEmpty else { return [:] }
        let s3 = try await connect()
        let existing = try await s3.listBucketNames()
        let buckets = Array(Set(identities).intersection(existing))
        let objects = try await concurrentMap(buckets, limit: objectsReadAtOnce) { try await Self.readBucket($0, properties: properties, s3: s3) }
        return Dictionary(uniqueKeysWithValues: zip(buckets, objects))
    }

    static func readBucket(_ bucket: String, properties: Set<String>, s3: any S3BucketOperations) async throws -> LiveObject {
        let values = try await PropertyRead.values([
            PropertyRead("region") { .string(try await s3.bucketRegion(bucket)) },
            PropertyRead("versioning") { .bool(try await s3.versioningEnabled(bucket)) },
            PropertyRead("encryption") { encryptionValue(try await s3.encryption(bucket)) },
            PropertyRead("public_access") { publicAccessValue(try await s3.publicAccessBlock(bucket)) },
            PropertyRead("lifecycle_rules") { .list((try await s3.lifecycleRules(bucket) ?? []).map(lifecycleValue)) },
            PropertyRead("tags") { .map(OwnerStamp.declared(try await s3.tags(bucket) ?? [:]).mapValues(Value.string)) },
            PropertyRead("policy") { try await s3.policy(bucket).flatMap(PolicyDocument.parse).map(PolicyDocument.canonical) ?? .null },
            PropertyRead("notifications") { .list(try await s3.notifications(bucket).map(notificationValue).sorted { $0.canonicalJSON < $1.canonicalJSON }) },
        ], wanted: properties)
        let p = values.merging(["name": .string(bucket)]) { _, name in name }
        return LiveObject(identity: bucket, properties: p, attributes: ["arn": .string("arn:aws:s3:::\(bucket)")])
    }

    // MARK: Change

    public func create(_ resource: DesiredResource) async throws -> LiveObject {
        let s3 = try await connect()
        let p = resource.properties
        let region = p["region"]?.stringValue ?? defaultRegion
        try await s3.createBucket(resource.identity, region: region)
        let settable = Set(p.keys).subtracting(["name", "region", "force_destroy"])
        // A new bucket has no configuration: set what the stack declares, skipping values equal to that.
        try await apply(resource.identity, address: resource.logicalName, properties: p, only: settable.filter { key in
            switch key {
            case "versioning": return p[key]?.boolValue == true
            case "tags": return p[key] != .map([:]) || owner != nil
            case "lifecycle_rules", "notifications": return p[key] != .list([])
            default: return p[key] != nil && p[key] != .null
            }
        }, s3: s3)
        return LiveObject(identity: resource.identity, properties: normalizedAll(p, region: region),
                          attributes: ["arn": .string("arn:aws:s3:::\(resource.identity)")])
    }

    public func update(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        let s3 = try await connect()
        try await apply(resource.identity, address: resource.logicalName, properties: resource.properties,
                        only: Set(changes.map(\.property)).subtracting(["force_destroy"]), s3: s3)
        return LiveObject(identity: resource.identity, properties: normalizedAll(resource.properties, region: resource.properties["region"]?.stringValue ?? defaultRegion),
                          attributes: ["arn": .string("arn:aws:s3:::\(resource.identity)")])
    }

    func normalizedAll(_ p: [String: Value], region: String) -> [String: Value] {
        var out = p
        for (k, v) in p { out[k] = normalize(v, property: k) }
        out["region"] = .string(region)
        return out
    }

    /// Sub-resources are independent calls, made all at once, except that public access goes before the policy,
    /// so that the policy is judged by the new blocks.
    func apply(_ bucket: String, address: String, properties p: [String: Value], only names: Set<String>, s3: any S3BucketOperations) async throws {
        let owner = self.owner
        var calls: [@Sendable () async throws -> Void] = []
        if names.contains("public_access") || names.contains("policy") {
            calls.append {
                if names.contains("public_access") { try await s3.setPublicAccessBlock(bucket, Self.publicAccess(p["public_access"] ?? .null)) }
                if names.contains("policy") {
                    try await s3.setPolicy(bucket, PolicyDocument.from(p["policy"] ?? .null).map { PolicyDocument.canonical($0).canonicalJSON })
                }
            }
        }
        if names.contains("versioning") { calls.append { try await s3.setVersioning(bucket, enabled: p["versioning"]?.boolValue ?? false) } }
        if names.contains("encryption") { calls.append { try await s3.setEncryption(bucket, Self.encryption(p["encryption"] ?? .null)) } }
        if names.contains("lifecycle_rules") { calls.append { try await s3.setLifecycleRules(bucket, Self.lifecycle(p["lifecycle_rules"] ?? .list([]))) } }
        if names.contains("tags") {
            calls.append {
                try await s3.setTags(bucket, OwnerStamp.merged((p["tags"]?.mapValue ?? [:]).compactMapValues(\.stringValue), stamp: owner, address: address))
            }
        }
        if names.contains("notifications") { calls.append { try await s3.setNotifications(bucket, Self.notifications(p["notifications"] ?? .list([]))) } }
        _ = try await concurrently(calls)
    }

    public func delete(_ object: LiveObject) async throws {
        let s3 = try await connect()
        let bucket = object.identity
        if object.properties["force_destroy"]?.boolValue == true {
            try await Self.empty(bucket, s3: s3)
        } else {
            let count = try await s3.countObjects(bucket, limit: 1000)
            if count > 0 {
                throw AWSProviderError("bucket \(bucket) is not empty: \(count >= 1000 ? "at least 1000 objects block" : count == 1 ? "1 object (or version) blocks" : "\(count) objects (or versions) block") its deletion. Empty it, or set `force_destroy: true` on the bucket and apply before destroying")
            }
        }
        try await s3.deleteBucket(bucket)
    }

    /// Every object version and delete marker, a page (≤1000) at a time, each page one DeleteObjects call.
    static func empty(_ bucket: String, s3: any S3BucketOperations) async throws {
        var keyMarker: String?, versionMarker: String?
        repeat {
            let page = try await s3.objectVersions(bucket, keyMarker: keyMarker, versionMarker: versionMarker)
            if !page.objects.isEmpty { try await s3.deleteObjects(bucket, page.objects) }
            keyMarker = page.nextKeyMarker
            versionMarker = page.nextVersionMarker
        } while keyMarker != nil || versionMarker != nil
    }
}
