import Foundation

/// One lifecycle rule: what it applies to and what happens to current and noncurrent versions.
public struct LifecycleRule: Sendable, Equatable {
    public var id: String?
    public var enabled: Bool
    public var filter: Filter
    public var expiration: Expiration?
    public var transitions: [Transition]
    public var noncurrentVersionExpiration: NoncurrentExpiration?
    public var noncurrentVersionTransitions: [Transition]
    public var abortIncompleteMultipartUploadDays: Int?

    public init(id: String? = nil, enabled: Bool = true, filter: Filter = .all, expiration: Expiration? = nil,
                transitions: [Transition] = [], noncurrentVersionExpiration: NoncurrentExpiration? = nil,
                noncurrentVersionTransitions: [Transition] = [], abortIncompleteMultipartUploadDays: Int? = nil) {
        self.id = id
        self.enabled = enabled
        self.filter = filter
        self.expiration = expiration
        self.transitions = transitions
        self.noncurrentVersionExpiration = noncurrentVersionExpiration
        self.noncurrentVersionTransitions = noncurrentVersionTransitions
        self.abortIncompleteMultipartUploadDays = abortIncompleteMultipartUploadDays
    }

    public enum Filter: Sendable, Equatable {
        case all
        case prefix(String)
        case tag(S3Tag)
        /// Prefix and/or several tags together.
        case and(prefix: String?, tags: [S3Tag])
    }

    public enum Expiration: Sendable, Equatable {
        case days(Int)
        /// ISO 8601 midnight UTC, e.g. `2030-01-01T00:00:00Z`.
        case date(String)
        case expiredObjectDeleteMarker
    }

    /// `days` counts from creation (current) or from becoming noncurrent.
    public struct Transition: Sendable, Equatable {
        public var days: Int
        public var storageClass: String
        public init(days: Int, storageClass: String) {
            self.days = days
            self.storageClass = storageClass
        }
    }

    public struct NoncurrentExpiration: Sendable, Equatable {
        public var days: Int
        public var newerNoncurrentVersions: Int?
        public init(days: Int, newerNoncurrentVersions: Int? = nil) {
            self.days = days
            self.newerNoncurrentVersions = newerNoncurrentVersions
        }
    }
}
