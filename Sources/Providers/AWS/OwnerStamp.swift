import Foundation
import InfraEngine

/// Who manages an AWS object, written on it as tags when infra creates it or sets its tags: `infra:stack`,
/// `infra:environment`, `infra:address`. Another deployment's plan names this owner when it refuses to take the
/// object over. The tags are infra's own: reading a `tags:` property leaves them out, so they never show as a diff.
public struct OwnerStamp: Sendable, Equatable {
    public var stack: String
    public var environment: String

    public init(stack: String, environment: String) {
        self.stack = stack
        self.environment = environment
    }

    static let prefix = "infra:"

    public func tags(address: String) -> [String: String] {
        ["infra:stack": stack, "infra:environment": environment, "infra:address": address]
    }

    /// The user's tags, without infra's.
    static func declared(_ tags: [String: String]) -> [String: String] { tags.filter { !$0.key.hasPrefix(prefix) } }

    /// Whether an object carrying `tags` was created by this deployment for the resource at `address`: a create
    /// repeated after an attempt that was carried out finds it there, and counts as done only then.
    public func owns(tags: [String: String], address: String) -> Bool {
        self.tags(address: address).allSatisfy { tags[$0.key] == $0.value }
    }

    /// "stack S in E (as A)" when the tags carry an owner.
    static func owner(in tags: [String: String]) -> String? {
        guard let stack = tags["infra:stack"], let environment = tags["infra:environment"] else { return nil }
        return "stack \(stack) in \(environment)" + (tags["infra:address"].map { " (as '\($0)')" } ?? "")
    }

    /// Declared tags plus the stamp, for a call that replaces the whole tag set.
    static func merged(_ declared: [String: String], stamp: OwnerStamp?, address: String) -> [String: String] {
        guard let stamp else { return declared }
        return declared.merging(stamp.tags(address: address)) { _, ours in ours }
    }
}

extension BucketKind: OwnerTaggingKind {
    public func owners(of identities: [String]) async throws -> [String: String] {
        let s3 = try await connect()
        var out: [String: String] = [:]
        for bucket in identities {
            if let tags = try? await s3.tags(bucket), let owner = OwnerStamp.owner(in: tags ?? [:]) { out[bucket] = owner }
        }
        return out
    }
}

extension BucketKind: DataHoldingKind {
    /// Counted up to 1,000 objects and versions (one listing call): enough to say a bucket is not empty.
    public func storedData(_ identities: [String]) async throws -> [String: StoredData] {
        let s3 = try await connect()
        var out: [String: StoredData] = [:]
        for bucket in identities {
            let count = try await s3.countObjects(bucket, limit: 1000)
            out[bucket] = StoredData(objects: count, atLeast: count >= 1000)
        }
        return out
    }
}

extension RoleKind: OwnerTaggingKind {
    public func owners(of identities: [String]) async throws -> [String: String] {
        let iam = try await connect()
        var out: [String: String] = [:]
        for role in identities {
            if let tags = try? await iam.roleTags(role), let owner = OwnerStamp.owner(in: tags) { out[role] = owner }
        }
        return out
    }
}
