import Foundation
import InfraEngine

/// How many buckets or roles a refresh reads at once. Each has its sub-resource reads in flight together
/// (up to eight), so a refresh keeps at most 256 requests outstanding, and pays the round trip once per 32
/// objects (100 buckets: ListBuckets and 4 rounds): neither AWS's request rates nor a small local emulator
/// are swamped.
let objectsReadAtOnce = 32

/// `body` over `items` with at most `limit` running at once; results in the order of `items`. The first
/// error cancels the rest and is thrown.
func concurrentMap<Item: Sendable, Output: Sendable>(_ items: [Item], limit: Int,
                                                       _ body: @escaping @Sendable (Item) async throws -> Output) async throws -> [Output] {
    try await withThrowingTaskGroup(of: (Int, Output).self) { group in
        var results = [Output?](repeating: nil, count: items.count)
        var started = 0
        func startNext() {
            let index = started
            group.addTask { (index, try await body(items[index])) }
            started += 1
        }
        while started < min(max(limit, 1), items.count) { startNext() }
        while let (index, output) = try await group.next() {
            results[index] = output
            if started < items.count { startNext() }
        }
        return results.map { $0! }
    }
}

/// Independent calls, all at once; results in the order given.
func concurrently<Output: Sendable>(_ calls: [@Sendable () async throws -> Output]) async throws -> [Output] {
    try await concurrentMap(calls, limit: calls.count) { try await $0() }
}

/// A property that one call reads.
struct PropertyRead: Sendable {
    let property: String
    let read: @Sendable () async throws -> Value

    init(_ property: String, _ read: @escaping @Sendable () async throws -> Value) {
        self.property = property
        self.read = read
    }

    /// The wanted properties among `reads`, their calls all at once.
    static func values(_ reads: [PropertyRead], wanted: Set<String>) async throws -> [String: Value] {
        let chosen = reads.filter { wanted.contains($0.property) }
        let values = try await concurrently(chosen.map(\.read))
        return Dictionary(uniqueKeysWithValues: zip(chosen.map(\.property), values))
    }
}
