import Foundation

/// The single writer of state during a run: every completed resource is written atomically before it is
/// reported complete, so a crash loses at most the operations in flight. Writes are group commits: changes made
/// while a write is in flight are written together by the next one, and each caller waits for the write that
/// holds its change. A thousand resources finishing together cost a few dozen writes, not a thousand.
public actor StateRecorder {
    public private(set) var document: StateDocument
    let store: any StateStore
    /// The write in flight, which took the document as it was when it started.
    private var writing: Task<Void, Error>?
    /// The write that will take every change made since `writing` started; it starts when `writing` ends.
    /// Without the chain an older snapshot could land after a newer one and drop a resource already reported complete.
    private var next: Task<Void, Error>?

    public init(document: StateDocument, store: any StateStore) {
        self.document = document
        self.store = store
    }

    public func record(_ address: String, _ record: ResourceRecord) async throws {
        document.resources[address] = record
        try await save()
    }

    public func remove(_ address: String) async throws {
        guard document.resources.removeValue(forKey: address) != nil else { return }
        try await save()
    }

    public func update(_ body: @Sendable (inout StateDocument) -> Void) async throws {
        body(&document)
        try await save()
    }

    private func save() async throws {
        if let next {
            try await next.value
            return
        }
        let previous = writing
        let write = Task {
            _ = try? await previous?.value  // its own callers report its failure
            try await self.writeEverythingSoFar()
        }
        next = write
        try await write.value
    }

    private func writeEverythingSoFar() async throws {
        writing = next
        next = nil
        document.serial += 1
        document.updatedAt = Timestamp.now()
        try await store.write(document)
    }
}
