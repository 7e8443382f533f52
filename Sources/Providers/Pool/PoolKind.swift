import Foundation
import InfraEngine

#if canImport(Glibc)
import Glibc
#endif

/// `pool`: a named number of slots that bounds how many pipeline tasks run at once.
/// It lives in a local registry file the pipeline runner reads, so it needs no network,
/// and it lets the whole plan/apply/destroy cycle run with no cloud provider at all.
public struct PoolKind: ResourceKind {
    public let registry: PoolRegistry

    public init(registry: PoolRegistry) { self.registry = registry }

    public var schema: KindSchema {
        KindSchema(
            name: "pool", summary: "a concurrency pool for pipeline tasks",
            properties: [
                PropertySchema("name", .string, forcesReplacement: true, summary: "defaults to the logical name"),
                PropertySchema("slots", .int, required: true, summary: "how many tasks may hold the pool at once"),
                PropertySchema("description", .string, default: ""),
            ],
            attributes: [AttributeSchema("created_at", .afterApply)],
            referenceAttribute: "name", identityProperties: ["name"], nameDefaultsToLogicalName: "name")
    }

    public func read(_ identities: [String]) async throws -> [String: LiveObject] {
        let pools = try registry.load()
        var out: [String: LiveObject] = [:]
        for identity in identities { if let entry = pools[identity] { out[identity] = object(identity, entry) } }
        return out
    }

    public func create(_ resource: DesiredResource) async throws -> LiveObject {
        let entry = try entry(from: resource)
        try registry.modify { pools in
            if pools[resource.identity] != nil {
                throw PoolError("pool '\(resource.identity)' already exists in \(registry.path)")
            }
            pools[resource.identity] = entry
        }
        return object(resource.identity, entry)
    }

    public func update(_ resource: DesiredResource, from live: LiveObject, changes: [PropertyChange]) async throws -> LiveObject {
        var entry = try entry(from: resource)
        try registry.modify { pools in
            guard let existing = pools[resource.identity] else { throw PoolError("pool '\(resource.identity)' does not exist") }
            entry.createdAt = existing.createdAt
            pools[resource.identity] = entry
        }
        return object(resource.identity, entry)
    }

    public func delete(_ object: LiveObject) async throws {
        try registry.modify { pools in pools.removeValue(forKey: object.identity) }
    }

    private func entry(from resource: DesiredResource) throws -> PoolRegistry.Entry {
        guard let slots = resource.properties["slots"]?.intValue, slots >= 1 else {
            throw PoolError("pool '\(resource.logicalName)' needs at least 1 slot")
        }
        return PoolRegistry.Entry(slots: slots, description: resource.properties["description"]?.stringValue ?? "",
                                  createdAt: ISO8601DateFormatter().string(from: Date()))
    }

    private func object(_ identity: String, _ entry: PoolRegistry.Entry) -> LiveObject {
        LiveObject(identity: identity,
                   properties: ["name": .string(identity), "slots": .int(entry.slots), "description": .string(entry.description)],
                   attributes: ["created_at": .string(entry.createdAt)])
    }
}

public struct PoolError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The local pool registry of one stack and environment: a JSON file, changed under an exclusive
/// file lock and replaced atomically, so concurrent applies and runners never see a torn file.
public struct PoolRegistry: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var slots: Int
        public var description: String
        public var createdAt: String

        enum CodingKeys: String, CodingKey { case slots, description, createdAt = "created_at" }
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// `.infra/pools/STACK/ENV.json` under the project.
    public static func forStack(projectRoot: String, stack: String, environment: String) -> PoolRegistry {
        PoolRegistry(path: "\(projectRoot)/.infra/pools/\(stack)/\(environment).json")
    }

    public func load() throws -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return try JSONDecoder().decode([String: Entry].self, from: data)
    }

    public func modify(_ body: (inout [String: Entry]) throws -> Void) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path + ".lock", O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw POSIXFailure(operation: "open \(path).lock", code: errno) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw POSIXFailure(operation: "lock \(path).lock", code: errno) }
        defer { flock(fd, LOCK_UN) }
        var pools = try load()
        try body(&pools)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(pools), to: path)
    }
}
