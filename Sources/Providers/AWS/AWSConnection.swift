import AWSClients
import Foundation
import InfraEngine

/// The environment's AWS connection, opened on first use: credentials resolved as the AWS tools do (the
/// environment file's profile and credentials file, then the SDKs' chain: AWS_* variables, ~/.aws profiles
/// with role_arn, web identity, SSO, static keys or credential_process, container credentials, instance
/// metadata), then an optional `assume_role` into the target account. Temporary credentials are refreshed
/// before they expire. Loading a stack never reaches this.
public final class AWSConnection: @unchecked Sendable {
    public struct Settings: Sendable {
        public var region: String?
        public var endpoint: String?
        public var profile: String?
        public var credentialsFile: String?
        public var configFile: String?
        public var assumeRoleARN: String?
        public var assumeRoleExternalID: String?
        public var assumeRoleSessionName: String?
        public var origin: String

        /// From an environment's `aws:` block; relative paths are relative to the project.
        public init(block: [String: Value], projectRoot: String, origin: String) {
            func path(_ p: String?) -> String? { p.map { $0.hasPrefix("/") || $0.hasPrefix("~") ? $0 : "\(projectRoot)/\($0)" } }
            region = block["region"]?.stringValue
            endpoint = block["endpoint"]?.stringValue
            profile = block["profile"]?.stringValue
            credentialsFile = path(block["credentials_file"]?.stringValue)
            configFile = path(block["config_file"]?.stringValue)
            let assume = block["assume_role"]?.mapValue
            assumeRoleARN = assume?["role_arn"]?.stringValue
            assumeRoleExternalID = assume?["external_id"]?.stringValue
            assumeRoleSessionName = assume?["session_name"]?.stringValue
            self.origin = origin
        }
    }

    public let settings: Settings
    /// Every call any client of this connection makes, by `service:Action`.
    public let calls = CallCounter()
    private let environment: [String: String]
    private let lock = NSLock()
    private var opened: Opened?

    /// Region, endpoints and transport, with the credentials that sign (refreshed before they expire).
    private struct Opened: Sendable {
        var base: AWSClientConfiguration
        var credentials: RefreshingCredentials
    }

    public init(settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.settings = settings
        self.environment = environment
    }

    public var region: String { settings.region ?? AWSEnvironment(variables: environment).region(profile: settings.profile) }

    /// A configuration with current credentials: clients are made per operation, so each one signs with
    /// credentials valid for at least the refresh margin.
    func configuration() async throws -> AWSClientConfiguration {
        let connection: Opened = lock.withLock {
            if let opened { return opened }
            let fresh = open()
            opened = fresh
            return fresh
        }
        var configuration = connection.base
        configuration.credentials = try await connection.credentials.current().credentials
        return configuration
    }

    private func open() -> Opened {
        var variables = environment
        if let configFile = settings.configFile { variables["AWS_CONFIG_FILE"] = configFile }
        if let region = settings.region { variables["AWS_REGION"] = region }
        let aws = AWSEnvironment(variables: variables)
        let explicit = settings.profile != nil || settings.credentialsFile != nil
            ? ExplicitProfile(credentialsFile: settings.credentialsFile, profile: settings.profile) : nil
        let base = aws.baseConfiguration(explicit: explicit, endpointURL: settings.endpoint.flatMap(URL.init(string:)))
        let settings = self.settings
        let chain = RefreshingCredentials {
            do {
                return try await aws.credentials(explicit: explicit, base: base)
            } catch CredentialsError.sourceFailed(let source, let reason, let hint) {
                // The source that applied failed: its own hint says what to do.
                throw Diagnostic("no usable AWS credentials for \(settings.origin): \(source): \(reason)", at: nil, hint: hint)
            } catch {
                let local = settings.credentialsFile?.hasSuffix(".infra/local/aws-credentials") == true
                throw Diagnostic("no usable AWS credentials for \(settings.origin): \(error)", at: nil,
                                 hint: local ? "start the local endpoints with: infra local up"
                                    : "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or name a profile in the environment's aws block")
            }
        }
        guard let role = settings.assumeRoleARN else { return Opened(base: base, credentials: chain) }
        let calls = self.calls
        let assumed = RefreshingCredentials {
            let source = try await chain.current()
            var configuration = base
            configuration.credentials = source.credentials
            let result = try await STSClient(configuration: configuration, calls: calls).assumeRole(
                roleArn: role, sessionName: settings.assumeRoleSessionName ?? "infra", externalId: settings.assumeRoleExternalID)
            return ResolvedCredentials(credentials: result.credentials, source: "role \(role) (\(source.source))",
                                       expiration: result.expiration)
        }
        return Opened(base: base, credentials: assumed)
    }

    public func s3() async throws -> S3Adapter { S3Adapter(client: S3Client(configuration: try await configuration(), calls: calls)) }
    public func iam() async throws -> IAMAdapter { IAMAdapter(client: IAMClient(configuration: try await configuration(), calls: calls)) }
    public func sts() async throws -> STSClient { STSClient(configuration: try await configuration(), calls: calls) }

    /// `s3: 5 calls (GetBucketVersioning 1, …)`-style lines for `--trace`.
    public func summary() -> [String] {
        let snapshot = calls.snapshot
        guard !snapshot.isEmpty else { return ["aws: no calls"] }
        var byService: [String: [(String, Int)]] = [:]
        for (key, count) in snapshot {
            let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
            byService[parts[0], default: []].append((parts.count > 1 ? parts[1] : key, count))
        }
        return byService.keys.sorted().map { service in
            let actions = byService[service]!.sorted { $0.0 < $1.0 }
            return "aws \(service): \(actions.reduce(0) { $0 + $1.1 }) calls (" + actions.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"
        } + (calls.retryCount > 0 ? ["aws: \(calls.retryCount) retries"] : [])
    }
}

/// The kinds' S3 operations over the SigV4 S3 client.
public struct S3Adapter: S3BucketOperations, S3ObjectOperations, S3StateObjects {
    let client: S3Client

    public func listBucketNames() async throws -> Set<String> { Set(try await client.listBuckets().map(\.name)) }
    public func bucketRegion(_ bucket: String) async throws -> String { try await client.headBucket(bucket) ?? client.region }
    public func createBucket(_ bucket: String, region: String) async throws { try await client.createBucket(bucket, region: region) }
    public func deleteBucket(_ bucket: String) async throws { try await client.deleteBucket(bucket) }

    public func versioningEnabled(_ bucket: String) async throws -> Bool { try await client.getBucketVersioning(bucket).status == .enabled }
    public func setVersioning(_ bucket: String, enabled: Bool) async throws {
        try await client.putBucketVersioning(bucket, status: enabled ? .enabled : .suspended)
    }

    public func encryption(_ bucket: String) async throws -> BucketEncryption? {
        guard let e = try await client.getBucketEncryption(bucket) else { return nil }
        return BucketEncryption(algorithm: e.algorithm.rawValue, kmsKeyID: e.kmsMasterKeyId, bucketKeyEnabled: e.bucketKeyEnabled)
    }
    public func setEncryption(_ bucket: String, _ value: BucketEncryption?) async throws {
        guard let value else { return try await client.deleteBucketEncryption(bucket) }
        guard let algorithm = AWSClients.BucketEncryption.Algorithm(rawValue: value.algorithm) else {
            throw AWSProviderError("unknown encryption algorithm \(value.algorithm)")
        }
        try await client.putBucketEncryption(bucket, AWSClients.BucketEncryption(algorithm: algorithm, kmsMasterKeyId: value.kmsKeyID,
                                                                                  bucketKeyEnabled: value.bucketKeyEnabled))
    }

    public func publicAccessBlock(_ bucket: String) async throws -> PublicAccessBlock? {
        guard let p = try await client.getPublicAccessBlock(bucket) else { return nil }
        return PublicAccessBlock(blockPublicAcls: p.blockPublicAcls, ignorePublicAcls: p.ignorePublicAcls,
                                 blockPublicPolicy: p.blockPublicPolicy, restrictPublicBuckets: p.restrictPublicBuckets)
    }
    public func setPublicAccessBlock(_ bucket: String, _ value: PublicAccessBlock?) async throws {
        guard let value else { return try await client.deletePublicAccessBlock(bucket) }
        try await client.putPublicAccessBlock(bucket, AWSClients.PublicAccessBlock(
            blockPublicAcls: value.blockPublicAcls, ignorePublicAcls: value.ignorePublicAcls,
            blockPublicPolicy: value.blockPublicPolicy, restrictPublicBuckets: value.restrictPublicBuckets))
    }

    public func lifecycleRules(_ bucket: String) async throws -> [LifecycleRule]? {
        guard let rules = try await client.getBucketLifecycleConfiguration(bucket) else { return nil }
        return rules.map { r in
            let prefix: String
            switch r.filter {
            case .all: prefix = ""
            case .prefix(let p): prefix = p
            case .and(let p, _): prefix = p ?? ""
            case .tag: prefix = ""
            }
            var expiration: Int?
            if case .days(let d)? = r.expiration { expiration = d }
            return LifecycleRule(id: r.id ?? "", prefix: prefix, enabled: r.enabled, expirationDays: expiration,
                                 noncurrentExpirationDays: r.noncurrentVersionExpiration?.days,
                                 abortIncompleteUploadDays: r.abortIncompleteMultipartUploadDays,
                                 transitions: r.transitions.map { LifecycleRule.Transition(days: $0.days, storageClass: $0.storageClass) }
                                     .sorted { $0.days < $1.days })
        }
    }
    public func setLifecycleRules(_ bucket: String, _ rules: [LifecycleRule]) async throws {
        guard !rules.isEmpty else { return try await client.deleteBucketLifecycle(bucket) }
        try await client.putBucketLifecycleConfiguration(bucket, rules: rules.map { r in
            AWSClients.LifecycleRule(
                id: r.id, enabled: r.enabled, filter: .prefix(r.prefix), expiration: r.expirationDays.map { .days($0) },
                transitions: r.transitions.map { .init(days: $0.days, storageClass: $0.storageClass) },
                noncurrentVersionExpiration: r.noncurrentExpirationDays.map { .init(days: $0) },
                abortIncompleteMultipartUploadDays: r.abortIncompleteUploadDays)
        })
    }

    public func tags(_ bucket: String) async throws -> [String: String]? {
        try await client.getBucketTagging(bucket).map { Dictionary($0.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) }
    }
    public func setTags(_ bucket: String, _ tags: [String: String]) async throws {
        guard !tags.isEmpty else { return try await client.deleteBucketTagging(bucket) }
        try await client.putBucketTagging(bucket, tags: tags.sorted { $0.key < $1.key }.map { S3Tag($0.key, $0.value) })
    }

    public func policy(_ bucket: String) async throws -> String? { try await client.getBucketPolicy(bucket) }
    public func setPolicy(_ bucket: String, _ json: String?) async throws {
        guard let json else { return try await client.deleteBucketPolicy(bucket) }
        try await client.putBucketPolicy(bucket, policy: json)
    }

    public func notifications(_ bucket: String) async throws -> [BucketNotification] {
        let c = try await client.getBucketNotificationConfiguration(bucket)
        func convert(_ targets: [NotificationTarget], _ kind: BucketNotification.Target) -> [BucketNotification] {
            targets.map { t in
                BucketNotification(id: t.id, target: kind, arn: t.arn, events: t.events,
                                   prefix: t.filterRules.first { $0.name.lowercased() == "prefix" }?.value,
                                   suffix: t.filterRules.first { $0.name.lowercased() == "suffix" }?.value)
            }
        }
        return convert(c.queues, .queue) + convert(c.topics, .topic) + convert(c.lambdaFunctions, .lambda)
    }
    public func setNotifications(_ bucket: String, _ notifications: [BucketNotification]) async throws {
        func targets(_ kind: BucketNotification.Target) -> [NotificationTarget] {
            notifications.filter { $0.target == kind }.map { n in
                var rules: [NotificationTarget.FilterRule] = []
                if let p = n.prefix, !p.isEmpty { rules.append(.init(name: "prefix", value: p)) }
                if let s = n.suffix, !s.isEmpty { rules.append(.init(name: "suffix", value: s)) }
                return NotificationTarget(id: n.id, arn: n.arn, events: n.events, filterRules: rules)
            }
        }
        try await client.putBucketNotificationConfiguration(bucket, NotificationConfiguration(
            queues: targets(.queue), topics: targets(.topic), lambdaFunctions: targets(.lambda)))
    }

    public func countObjects(_ bucket: String, limit: Int) async throws -> Int {
        // Versions and delete markers block a delete too: count them, one page at most.
        let page = try await client.listObjectVersions(bucket: bucket, maxKeys: limit)
        return page.versions.count + page.deleteMarkers.count
    }
    public func objectVersions(_ bucket: String, keyMarker: String?, versionMarker: String?) async throws -> ObjectVersionPage {
        let page = try await client.listObjectVersions(bucket: bucket, maxKeys: 1000, keyMarker: keyMarker, versionIdMarker: versionMarker)
        return ObjectVersionPage(objects: (page.versions + page.deleteMarkers).map { ObjectVersionReference(key: $0.key, versionID: $0.versionId) },
                                 nextKeyMarker: page.isTruncated ? page.nextKeyMarker : nil,
                                 nextVersionMarker: page.isTruncated ? page.nextVersionIdMarker : nil)
    }
    public func deleteObjects(_ bucket: String, _ objects: [ObjectVersionReference]) async throws {
        for chunk in stride(from: 0, to: objects.count, by: 1000).map({ Array(objects[$0..<min($0 + 1000, objects.count)]) }) {
            let result = try await client.deleteObjects(bucket: bucket, chunk.map { ObjectIdentifier(key: $0.key, versionId: $0.versionID) })
            if let failure = result.errors.first {
                throw AWSProviderError("could not delete s3://\(bucket)/\(failure.key): \(failure.code) \(failure.message) (\(result.errors.count) failures)")
            }
        }
    }

    // Objects, for pipeline tasks and remote state.

    public func putObject(_ bucket: String, key: String, body: Data, contentType: String?, contentEncoding: String?) async throws {
        try await client.putObject(bucket: bucket, key: key, body: body, contentType: contentType ?? "application/octet-stream",
                                   contentEncoding: contentEncoding)
    }
    public func putObjectIfAbsent(_ bucket: String, key: String, body: Data) async throws -> Bool {
        do {
            try await client.putObject(bucket: bucket, key: key, body: body, contentType: "application/json", ifNoneMatch: true)
            return true
        } catch let error as AWSError where error.status == 412 || error.code == "PreconditionFailed" || error.code == "ConditionalRequestConflict" {
            return false
        }
    }
    public func getObject(_ bucket: String, key: String) async throws -> Data? {
        do {
            return try await client.getObject(bucket: bucket, key: key).body
        } catch let error as AWSError where error.status == 404 || error.code == "NoSuchKey" {
            return nil
        }
    }
    public func listKeys(_ bucket: String, prefix: String, limit: Int) async throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            let page = try await client.listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: min(1000, limit - keys.count), continuationToken: token)
            keys += page.objects.map(\.key)
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil && keys.count < limit
        return keys
    }
    public func objectExists(_ bucket: String, key: String) async throws -> Bool { try await client.headObject(bucket: bucket, key: key) != nil }
    public func deleteKeys(_ bucket: String, _ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await deleteObjects(bucket, keys.map { ObjectVersionReference(key: $0, versionID: nil) })
    }
}

/// The role kind's IAM operations over the SigV4 IAM client.
public struct IAMAdapter: IAMRoleOperations {
    let client: IAMClient

    static func summary(_ r: IAMRole) -> RoleSummary {
        RoleSummary(name: r.roleName, path: r.path, arn: r.arn, roleID: r.roleId, description: r.description ?? "",
                    maxSessionDuration: r.maxSessionDuration ?? 3600, trustPolicy: r.assumeRolePolicyDocument ?? "{}")
    }

    public func listRoles() async throws -> [RoleSummary] { try await client.listAllRoles().map(Self.summary) }
    public func createRole(name: String, path: String, description: String, maxSessionDuration: Int, trustPolicy: String,
                           tags: [String: String]) async throws -> RoleSummary {
        do {
            return Self.summary(try await client.createRole(
                name: name, assumeRolePolicyDocument: trustPolicy, path: path, description: description.isEmpty ? nil : description,
                maxSessionDuration: maxSessionDuration, tags: tags.sorted { $0.key < $1.key }.map { IAMTag($0.key, $0.value) }))
        } catch let error as AWSError where error.code == "EntityAlreadyExists" {
            throw RoleAlreadyExistsError(name: name)
        }
    }
    public func role(_ name: String) async throws -> RoleSummary? { try await client.getRole(name: name).map(Self.summary) }
    public func updateRole(name: String, description: String, maxSessionDuration: Int) async throws {
        try await client.updateRole(name: name, description: description, maxSessionDuration: maxSessionDuration)
    }
    public func updateTrustPolicy(role: String, _ json: String) async throws { try await client.updateAssumeRolePolicy(roleName: role, policyDocument: json) }
    public func deleteRole(_ name: String) async throws {
        do { try await client.deleteRole(name: name) } catch let e as AWSError where e.code == "NoSuchEntity" {}
    }
    public func roleTags(_ role: String) async throws -> [String: String] {
        Dictionary(try await client.listRoleTags(name: role).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
    public func tagRole(_ role: String, _ tags: [String: String]) async throws {
        try await client.tagRole(name: role, tags: tags.sorted { $0.key < $1.key }.map { IAMTag($0.key, $0.value) })
    }
    public func untagRole(_ role: String, keys: [String]) async throws { try await client.untagRole(name: role, keys: keys) }
    public func inlinePolicyNames(_ role: String) async throws -> [String] { try await client.listRolePolicies(roleName: role) }
    public func inlinePolicy(_ role: String, name: String) async throws -> String? { try await client.getRolePolicy(roleName: role, policyName: name) }
    public func putInlinePolicy(_ role: String, name: String, _ json: String) async throws {
        try await client.putRolePolicy(roleName: role, policyName: name, policyDocument: json)
    }
    public func deleteInlinePolicy(_ role: String, name: String) async throws {
        do { try await client.deleteRolePolicy(roleName: role, policyName: name) } catch let e as AWSError where e.code == "NoSuchEntity" {}
    }
    public func attachedPolicyARNs(_ role: String) async throws -> [String] { try await client.listAttachedRolePolicies(roleName: role).map(\.policyArn) }
    public func attachPolicy(_ role: String, arn: String) async throws { try await client.attachRolePolicy(roleName: role, policyArn: arn) }
    public func detachPolicy(_ role: String, arn: String) async throws { try await client.detachRolePolicy(roleName: role, policyArn: arn) }
}
