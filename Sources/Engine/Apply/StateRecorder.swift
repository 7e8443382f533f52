import Foundation

/// The single writer of state during a run: every completed resource is written at once, atomically,
/// so a crash loses at most the operation in flight.
public actor StateRecorder {
    public private(set) var document: StateDocument
    let store: any StateStore
    /// The write in flight. The actor is re-entered while a write awaits the store, so writes are chained:
    /// each starts after the one before and writes the document as it is then. Without the chain an older
    /// snapshot could land after a newer one and drop a resource that was already reported complete.
    private var lastWrite: Task<Void, Error>?

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
        document.serial += 1
        document.updatedAt = Timestamp.now()
        let previous = lastWrite
        let write = Task {
            _ = try? await previous?.value  // its own caller reports its failure
            try await store.write(document)
        }
        lastWrite = write
        try await write.value
    }
}
