import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `HTTPTransport` over Foundation's URLSession (libcurl underneath on Linux).
///
/// URLSession on Linux gives a body without `Content-Type` the type
/// `application/x-www-form-urlencoded`; servers that parse forms (moto) then swallow the body,
/// so callers always set `Content-Type` when they send one.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: HTTPRequest, timeout: TimeInterval) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        for header in request.headers where header.name.lowercased() != "host" {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        if !request.body.isEmpty || ["PUT", "POST"].contains(request.method) {
            urlRequest.httpBody = request.body
        }
        let outcome = Outcome()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    if let error {
                        outcome.finish(continuation, .failure(Self.classify(error)))
                        return
                    }
                    guard let http = response as? HTTPURLResponse else {
                        outcome.finish(continuation, .failure(TransportError.other("not an HTTP response")))
                        return
                    }
                    var headers: [String: String] = [:]
                    for (name, value) in http.allHeaderFields {
                        headers[String(describing: name).lowercased()] = String(describing: value)
                    }
                    outcome.finish(continuation, .success(HTTPResponse(status: http.statusCode, headers: headers,
                                                                       body: data ?? Data())))
                }
                outcome.start(task)
                // URLSession on Linux does not reliably end a request whose server goes silent
                // (seen against a loopback server that accepts and never answers), so the
                // deadline is enforced here as well.
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                    outcome.finish(continuation, .failure(TransportError.timedOut))
                }
                task.resume()
            }
        } onCancel: {
            outcome.cancel()
        }
    }

    static let brokenConnectionWords = ["Send failure", "Recv failure", "Connection reset", "Broken pipe"]

    public static func classify(_ error: Error) -> TransportError {
        guard let urlError = error as? URLError else { return .other(String(describing: error)) }
        switch urlError.code {
        case .timedOut:
            return .timedOut
        case .networkConnectionLost, .cannotParseResponse, .badServerResponse, .zeroByteResource:
            return .connectionLost(urlError.localizedDescription)
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
            return .cannotConnect(urlError.localizedDescription)
        case .unknown where brokenConnectionWords.contains(where: urlError.localizedDescription.contains):
            // libcurl's CURLE_SEND_ERROR / CURLE_RECV_ERROR (a reused connection the server had closed, a
            // reset) arrive as code -1 with curl's message.
            return .connectionLost(urlError.localizedDescription)
        default:
            return .other("\(urlError.code.rawValue): \(urlError.localizedDescription)")
        }
    }
}

/// Resumes the continuation exactly once, whichever of answer, deadline or cancellation comes first.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    private var task: URLSessionDataTask?

    func start(_ task: URLSessionDataTask) {
        lock.lock()
        self.task = task
        lock.unlock()
    }

    func finish(_ continuation: CheckedContinuation<HTTPResponse, Error>, _ result: Result<HTTPResponse, Error>) {
        lock.lock()
        let first = !finished
        finished = true
        let task = self.task
        lock.unlock()
        guard first else { return }
        if case .failure = result { task?.cancel() }
        continuation.resume(with: result)
    }

    func cancel() {
        lock.lock()
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
