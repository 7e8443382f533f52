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

    /// The owner each object's tags name, where they name one; the objects' tags are read `objectsReadAtOnce`
    /// at a time, and one that cannot be read names no owner.
    static func owners(of identities: [String], tags: @escaping @Sendable (String) async throws -> [String: String]?) async throws -> [String: String] {
        let found = try await concurrentMap(identities, limit: objectsReadAtOnce) { identity in (try? await tags(identity)) ?? nil }
        var out: [String: String] = [:]
        for (identity, tags) in zip(identities, found) {
            if let owner = OwnerStamp.owner(in: tags ?? [:]) { out[identity] = owner }
        }
        return out
    }
}

extension BucketKind: OwnerTaggingKind {
    public func owners(of identities: [String]) async throws -> [String: String] {
        let s3 = try await connect()
        return try await OwnerStamp.owners(of: identities) { try await s3.tags($0) }
    }
}

extension BucketKind: DataHoldingKind {
    /// Counted up to 1,000 objects and versions (one listing call): enough to say a bucket is not empty.
    public func storedData(_ identities: [String]) async throws -> [String: StoredData] {
        let s3 = try await connect()
        let counts = try await concurrentMap(identities, limit: objectsReadAtOnce) { try await s3.countObjects($0, limit: 1000) }
        return Dictionary(zip(identities, counts.map { StoredData(objects: $0, atLeast: $0 >= 1000) }), uniquingKeysWith: { first, _ in first })
    }
}

extension RoleKind: OwnerTaggingKind {
    public func owners(of identities: [String]) async throws -> [String: String] {
        let iam = try await connect()
        return try await OwnerStamp.owners(of: identities) { try await iam.roleTags($0) }
    }
}
