import Foundation

public enum VersioningStatus: String, Sendable, Equatable {
    case enabled = "Enabled"
    case suspended = "Suspended"
}

/// A bucket that was never versioned has no status.
public struct BucketVersioning: Sendable, Equatable {
    public var status: VersioningStatus?
    public var mfaDelete: Bool
    public init(status: VersioningStatus?, mfaDelete: Bool = false) {
        self.status = status
        self.mfaDelete = mfaDelete
    }
}

/// Default encryption: SSE-S3 (`AES256`) or SSE-KMS (`aws:kms`, optionally with a key and S3 Bucket Keys).
public struct BucketEncryption: Sendable, Equatable {
    public enum Algorithm: String, Sendable, Equatable {
        case aes256 = "AES256"
        case kms = "aws:kms"
        case kmsDSSE = "aws:kms:dsse"
    }

    public var algorithm: Algorithm
    public var kmsMasterKeyId: String?
    public var bucketKeyEnabled: Bool

    public init(algorithm: Algorithm, kmsMasterKeyId: String? = nil, bucketKeyEnabled: Bool = false) {
        self.algorithm = algorithm
        self.kmsMasterKeyId = kmsMasterKeyId
        self.bucketKeyEnabled = bucketKeyEnabled
    }
}

public struct PublicAccessBlock: Sendable, Equatable {
    public var blockPublicAcls: Bool
    public var ignorePublicAcls: Bool
    public var blockPublicPolicy: Bool
    public var restrictPublicBuckets: Bool

    public init(blockPublicAcls: Bool = true, ignorePublicAcls: Bool = true, blockPublicPolicy: Bool = true,
                restrictPublicBuckets: Bool = true) {
        self.blockPublicAcls = blockPublicAcls
        self.ignorePublicAcls = ignorePublicAcls
        self.blockPublicPolicy = blockPublicPolicy
        self.restrictPublicBuckets = restrictPublicBuckets
    }

    public static let all = PublicAccessBlock()
}

public struct S3Tag: Sendable, Equatable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// One notification target (SQS queue, SNS topic or Lambda function) with its events and key filter.
public struct NotificationTarget: Sendable, Equatable {
    public var id: String?
    public var arn: String
    public var events: [String]
    /// `prefix`/`suffix` rules, in order.
    public var filterRules: [FilterRule]

    public init(id: String? = nil, arn: String, events: [String], filterRules: [FilterRule] = []) {
        self.id = id
        self.arn = arn
        self.events = events
        self.filterRules = filterRules
    }

    public struct FilterRule: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
        public static func prefix(_ value: String) -> FilterRule { FilterRule(name: "prefix", value: value) }
        public static func suffix(_ value: String) -> FilterRule { FilterRule(name: "suffix", value: value) }
    }
}

public struct NotificationConfiguration: Sendable, Equatable {
    public var queues: [NotificationTarget]
    public var topics: [NotificationTarget]
    public var lambdaFunctions: [NotificationTarget]
    public var eventBridgeEnabled: Bool

    public init(queues: [NotificationTarget] = [], topics: [NotificationTarget] = [],
                lambdaFunctions: [NotificationTarget] = [], eventBridgeEnabled: Bool = false) {
        self.queues = queues
        self.topics = topics
        self.lambdaFunctions = lambdaFunctions
        self.eventBridgeEnabled = eventBridgeEnabled
    }

    public var isEmpty: Bool { queues.isEmpty && topics.isEmpty && lambdaFunctions.isEmpty && !eventBridgeEnabled }
}
