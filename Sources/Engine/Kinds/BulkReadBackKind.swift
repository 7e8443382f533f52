import Foundation

/// A kind whose writes say nothing about the object they made (Snowflake's DDL answers "Statement executed
/// successfully."), so what was written has to be read back. It only sends the write; the applier reads back
/// every object of the kind written at about the same time with one `readBack`, so applying a thousand schemas
/// costs a few SHOWs instead of one per schema. Kinds whose write answers with the object (AWS, pools) need not
/// adopt it: what `create` returns is recorded without a read.
public protocol BulkReadBackKind: ResourceKind {
    /// Sends the create and returns the identity to read back.
    func sendCreate(_ resource: DesiredResource) async throws -> String
    /// Sends the changes and returns the identity to read back.
    func sendUpdate(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> String
    /// The objects as they are after writes, by identity (absent: not found). Defaults to `read(_:)`; a kind may
    /// narrow the listing when every identity lies in one container.
    func readBack(_ identities: [String]) async throws -> [String: LiveObject]
}

extension BulkReadBackKind {
    public func readBack(_ identities: [String]) async throws -> [String: LiveObject] { try await read(identities) }

    public func create(_ resource: DesiredResource) async throws -> LiveObject {
        try await readBackOne(try await sendCreate(resource))
    }

    public func update(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        try await readBackOne(try await sendUpdate(resource, from: live, changes: changes))
    }

    func readBackOne(_ identity: String) async throws -> LiveObject {
        guard let object = try await readBack([identity])[identity] else { throw WrittenButNotFound(kind: schema.name, identity: identity) }
        return object
    }
}

/// A write succeeded but reading the object back does not find it (someone dropped it at once, or the kind's
/// listing cannot see it).
public struct WrittenButNotFound: Error, CustomStringConvertible {
    public var kind: String
    public var identity: String
    public var description: String { "\(kind) \(identity) was written, but reading it back does not find it" }
}
