import Foundation

/// Caches resolved credentials and resolves again when temporary ones come within `margin` of their
/// expiry (5 minutes, as the SDKs' refresh window), so long runs never sign with expired keys.
/// One resolution at a time: concurrent callers share it. If a refresh fails while the cached
/// credentials are still valid, those are used (the SDKs' advisory window) and the next call tries again.
public actor RefreshingCredentials {
    private let resolve: @Sendable () async throws -> ResolvedCredentials
    private let margin: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: ResolvedCredentials?
    private var inFlight: Task<ResolvedCredentials, Error>?
    /// How many times the source was asked (for tests and `--trace`).
    public private(set) var resolutions = 0

    public init(margin: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() },
                resolve: @escaping @Sendable () async throws -> ResolvedCredentials) {
        self.resolve = resolve
        self.margin = margin
        self.now = now
    }

    public func current() async throws -> ResolvedCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        let task: Task<ResolvedCredentials, Error>
        if let inFlight {
            task = inFlight
        } else {
            resolutions += 1
            task = Task { try await resolve() }
            inFlight = task
        }
        do {
            let fresh = try await task.value
            if inFlight == task { inFlight = nil }
            cached = fresh
            return fresh
        } catch {
            if inFlight == task { inFlight = nil }
            if let cached, let expiry = cached.expiresAt, expiry > now() { return cached }
            throw error
        }
    }

    func needsRefresh(_ credentials: ResolvedCredentials) -> Bool {
        guard let expiry = credentials.expiresAt else { return false }
        return expiry.timeIntervalSince(now()) < margin
    }
}
