import Foundation

// What the AWS kinds need from S3 and IAM, in the provider's own terms. The SigV4 clients (AWSClients)
// implement these through a thin adapter; the kinds only decide which calls to make.

public struct BucketEncryption: Sendable, Equatable {
    public var algorithm: String  // AES256 | aws:kms | aws:kms:dsse
    public var kmsKeyID: String?
    public var bucketKeyEnabled: Bool
    public init(algorithm: String, kmsKeyID: String? = nil, bucketKeyEnabled: Bool = false) {
        self.algorithm = algorithm
        self.kmsKeyID = kmsKeyID
        self.bucketKeyEnabled = bucketKeyEnabled
    }
}

public struct PublicAccessBlock: Sendable, Equatable {
    public var blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets: Bool
    public init(blockPublicAcls: Bool, ignorePublicAcls: Bool, blockPublicPolicy: Bool, restrictPublicBuckets: Bool) {
        self.blockPublicAcls = blockPublicAcls
        self.ignorePublicAcls = ignorePublicAcls
        self.blockPublicPolicy = blockPublicPolicy
        self.restrictPublicBuckets = restrictPublicBuckets
    }
    public static let allBlocked = PublicAccessBlock(blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true)
    public static let open = PublicAccessBlock(blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false)
}

public struct LifecycleRule: Sendable, Equatable {
    public struct Transition: Sendable, Equatable {
        public var days: Int
        public var storageClass: String
        public init(days: Int, storageClass: String) { self.days = days; self.storageClass = storageClass }
    }
    public var id: String
    public var prefix: String
    public var enabled: Bool
    public var expirationDays: Int?
    public var noncurrentExpirationDays: Int?
    public var abortIncompleteUploadDays: Int?
    public var transitions: [Transition]
    public init(id: String, prefix: String, enabled: Bool = true, expirationDays: Int? = nil, noncurrentExpirationDays: Int? = nil,
                abortIncompleteUploadDays: Int? = nil, transitions: [Transition] = []) {
        self.id = id
        self.prefix = prefix
        self.enabled = enabled
        self.expirationDays = expirationDays
        self.noncurrentExpirationDays = noncurrentExpirationDays
        self.abortIncompleteUploadDays = abortIncompleteUploadDays
        self.transitions = transitions
    }
}

public struct BucketNotification: Sendable, Equatable {
    public enum Target: String, Sendable { case queue, topic, lambda }
    public var id: String?
    public var target: Target
    public var arn: String
    public var events: [String]
    public var prefix: String?
    public var suffix: String?
    public init(id: String?, target: Target, arn: String, events: [String], prefix: String?, suffix: String?) {
        self.id = id
        self.target = target
        self.arn = arn
        self.events = events
        self.prefix = prefix
        self.suffix = suffix
    }
}

public struct ObjectVersionReference: Sendable, Equatable {
    public var key: String
    public var versionID: String?
    public init(key: String, versionID: String?) { self.key = key; self.versionID = versionID }
}

public struct ObjectVersionPage: Sendable {
    public var objects: [ObjectVersionReference]
    public var nextKeyMarker: String?
    public var nextVersionMarker: String?
    public init(objects: [ObjectVersionReference], nextKeyMarker: String?, nextVersionMarker: String?) {
        self.objects = objects
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionMarker = nextVersionMarker
    }
}

/// Bucket sub-resources: a getter answers nil when that sub-resource is not configured.
public protocol S3BucketOperations: Sendable {
    func listBucketNames() async throws -> Set<String>
    func bucketRegion(_ bucket: String) async throws -> String
    func createBucket(_ bucket: String, region: String) async throws
    func deleteBucket(_ bucket: String) async throws

    func versioningEnabled(_ bucket: String) async throws -> Bool
    func setVersioning(_ bucket: String, enabled: Bool) async throws
    func encryption(_ bucket: String) async throws -> BucketEncryption?
    func setEncryption(_ bucket: String, _ value: BucketEncryption?) async throws
    func publicAccessBlock(_ bucket: String) async throws -> PublicAccessBlock?
    func setPublicAccessBlock(_ bucket: String, _ value: PublicAccessBlock?) async throws
    func lifecycleRules(_ bucket: String) async throws -> [LifecycleRule]?
    func setLifecycleRules(_ bucket: String, _ rules: [LifecycleRule]) async throws
    func tags(_ bucket: String) async throws -> [String: String]?
    func setTags(_ bucket: String, _ tags: [String: String]) async throws
    func policy(_ bucket: String) async throws -> String?
    func setPolicy(_ bucket: String, _ json: String?) async throws
    func notifications(_ bucket: String) async throws -> [BucketNotification]
    func setNotifications(_ bucket: String, _ notifications: [BucketNotification]) async throws

    /// Whether the bucket holds anything, and how much (stops counting at `limit`).
    func countObjects(_ bucket: String, limit: Int) async throws -> Int
    func objectVersions(_ bucket: String, keyMarker: String?, versionMarker: String?) async throws -> ObjectVersionPage
    func deleteObjects(_ bucket: String, _ objects: [ObjectVersionReference]) async throws
}

public struct RoleSummary: Sendable, Equatable {
    public var name: String
    public var path: String
    public var arn: String
    public var roleID: String
    public var description: String
    public var maxSessionDuration: Int
    /// Decoded JSON text of the trust policy.
    public var trustPolicy: String
    public init(name: String, path: String, arn: String, roleID: String, description: String, maxSessionDuration: Int, trustPolicy: String) {
        self.name = name
        self.path = path
        self.arn = arn
        self.roleID = roleID
        self.description = description
        self.maxSessionDuration = maxSessionDuration
        self.trustPolicy = trustPolicy
    }
}

public protocol IAMRoleOperations: Sendable {
    /// Every role, through paginated ListRoles (which carries the trust policy, so no GetRole per role).
    func listRoles() async throws -> [RoleSummary]
    /// Throws `RoleAlreadyExistsError` when a role of that name exists.
    func createRole(name: String, path: String, description: String, maxSessionDuration: Int, trustPolicy: String,
                    tags: [String: String]) async throws -> RoleSummary
    /// nil when there is no such role.
    func role(_ name: String) async throws -> RoleSummary?
    func updateRole(name: String, description: String, maxSessionDuration: Int) async throws
    func updateTrustPolicy(role: String, _ json: String) async throws
    /// A role that does not exist counts as deleted (a repeat of a DeleteRole that was carried out).
    func deleteRole(_ name: String) async throws

    func roleTags(_ role: String) async throws -> [String: String]
    func tagRole(_ role: String, _ tags: [String: String]) async throws
    func untagRole(_ role: String, keys: [String]) async throws

    func inlinePolicyNames(_ role: String) async throws -> [String]
    /// Decoded JSON text, or nil if the role has no inline policy of that name.
    func inlinePolicy(_ role: String, name: String) async throws -> String?
    func putInlinePolicy(_ role: String, name: String, _ json: String) async throws
    func deleteInlinePolicy(_ role: String, name: String) async throws

    func attachedPolicyARNs(_ role: String) async throws -> [String]
    func attachPolicy(_ role: String, arn: String) async throws
    func detachPolicy(_ role: String, arn: String) async throws
}

public struct RoleAlreadyExistsError: Error, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "role \(name) already exists and was not created by this deployment" }
}

public struct AWSProviderError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the s3_* pipeline tasks need.
public protocol S3ObjectOperations: Sendable {
    func putObject(_ bucket: String, key: String, body: Data, contentType: String?, contentEncoding: String?) async throws
    /// Keys under a prefix (every page), up to `limit`.
    func listKeys(_ bucket: String, prefix: String, limit: Int) async throws -> [String]
    func objectExists(_ bucket: String, key: String) async throws -> Bool
    func deleteKeys(_ bucket: String, _ keys: [String]) async throws
}

/// Whole-object reads and writes for remote state, with S3's conditional create.
public protocol S3StateObjects: Sendable {
    func getObject(_ bucket: String, key: String) async throws -> Data?
    func putObject(_ bucket: String, key: String, body: Data, contentType: String?, contentEncoding: String?) async throws
    /// PutObject with `If-None-Match: *`: false (not an error) when the key already exists (412).
    func putObjectIfAbsent(_ bucket: String, key: String, body: Data) async throws -> Bool
    func deleteKeys(_ bucket: String, _ keys: [String]) async throws
}
