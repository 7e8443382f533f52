import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP and HTTPS for the whole process over libcurl's multi interface. One thread runs every transfer:
/// it sleeps in `curl_multi_poll` until a socket is ready, a transfer's deadline comes, or a caller wakes it
/// (`curl_multi_wakeup`) with a new request or a cancellation. A wait on the network so costs no CPU, and
/// connections (with their TLS sessions) are kept and reused per host by every client of the process.
///
/// Redirects are not followed (S3 answers a wrong region with one; the caller must see it). Answers are
/// not decompressed: a body stored with `Content-Encoding: gzip` arrives as stored.
public final class CurlClient: @unchecked Sendable {
    public static let shared = CurlClient()

    /// Easy handles kept for reuse after their transfer ends (a reset handle keeps libcurl's caches).
    static let spareHandleLimit = 32
    /// How long the loop sleeps with nothing to do; libcurl shortens it to its own next timeout.
    static let longestSleepMilliseconds: Int32 = 10_000

    private let multi: UnsafeMutableRawPointer
    // Handed from callers to the loop thread, under `lock`.
    private let lock = NSLock()
    private var arriving: [Transfer] = []
    private var withdrawn: [Transfer] = []
    // The loop thread's own.
    private var running: [UnsafeMutableRawPointer: Transfer] = [:]
    private var spareHandles: [UnsafeMutableRawPointer] = []

    private init() {
        guard ccurl_global_init() == CURLE_OK, let multi = curl_multi_init() else {
            fatalError("libcurl could not be initialised")
        }
        self.multi = multi
        let thread = Thread { [self] in runLoop() }
        thread.name = "curl transfers"
        thread.start()
    }

    /// Sends one request and returns its answer, whatever its status. Throws `CurlFailure` below HTTP
    /// (`.timedOut` once `timeout` seconds have passed since the call), or `CancellationError` when the
    /// calling task is cancelled: its transfer is then abandoned at once.
    public func send(_ request: CurlRequest, timeout: TimeInterval) async throws -> CurlResponse {
        let transfer = Transfer(request: request, timeout: timeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                lock.withLock { arriving.append(transfer) }
                curl_multi_wakeup(multi)
            }
        } onCancel: {
            lock.withLock {
                transfer.cancelled = true
                withdrawn.append(transfer)
            }
            curl_multi_wakeup(multi)
        }
    }

    // MARK: The loop thread

    private func runLoop() {
        // A write to a connection the server closed must fail with EPIPE, not end the process.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        while true {
            let (arrived, cancelled) = lock.withLock {
                defer { arriving.removeAll(); withdrawn.removeAll() }
                return (arriving.map { ($0, $0.cancelled) }, withdrawn)
            }
            for (transfer, isCancelled) in arrived {
                if isCancelled { transfer.complete(.failure(CancellationError())) } else { start(transfer) }
            }
            for transfer in cancelled where transfer.handle.map({ running[$0] === transfer }) == true {
                finish(transfer, .failure(CancellationError()))
            }
            var active: Int32 = 0
            curl_multi_perform(multi, &active)
            collectFinished()
            curl_multi_poll(multi, nil, 0, Self.longestSleepMilliseconds, nil)
        }
    }

    private func start(_ transfer: Transfer) {
        guard let handle = spareHandles.popLast() ?? curl_easy_init() else {
            return transfer.complete(.failure(CurlFailure.other("libcurl could not make an easy handle")))
        }
        transfer.handle = handle
        let configured = transfer.configure(handle)
        guard configured == CURLE_OK else {
            return finish(transfer, .failure(CurlFailure(code: configured, detail: String(cString: curl_easy_strerror(configured)))))
        }
        running[handle] = transfer
        curl_multi_add_handle(multi, handle)
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                  let transfer = running[handle] else { continue }
            let code = message.pointee.data.result
            finish(transfer, code == CURLE_OK ? .success(transfer.response()) : .failure(CurlFailure(code: code, detail: transfer.failureDetail(code))))
        }
    }

    /// Detaches the transfer's handle (kept for reuse) and answers the caller.
    private func finish(_ transfer: Transfer, _ result: Result<CurlResponse, Error>) {
        if let handle = transfer.handle {
            if running.removeValue(forKey: handle) != nil { curl_multi_remove_handle(multi, handle) }
            transfer.handle = nil
            curl_easy_reset(handle)
            if spareHandles.count < Self.spareHandleLimit { spareHandles.append(handle) } else { curl_easy_cleanup(handle) }
        }
        transfer.complete(result)
    }
}
