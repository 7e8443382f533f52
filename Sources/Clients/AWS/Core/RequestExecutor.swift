import Foundation
import SigV4

/// One API call before signing: the path is already in its wire form (percent-encoded).
struct OperationRequest: Sendable {
    var action: String
    var method: String
    /// Scheme, host and port (virtual-hosted S3 puts the bucket in the host).
    var origin: URL
    var path: String
    var query: [QueryParameter] = []
    var headers: [HTTPHeader] = []
    var body = Data()
    /// Error codes that, answered to a repeat of this call after an attempt that may have been carried out,
    /// mean that attempt did the work (CreateBucket: BucketAlreadyOwnedByYou): the call counts as done.
    var doneIfRepeatAnswers: Set<String> = []
}

/// Signs, sends, retries and counts the calls of one service.
struct RequestExecutor: Sendable {
    let service: String
    let endpoint: ServiceEndpoint
    let rules: SigningRules
    let credentials: SigningCredentials
    let transport: any HTTPTransport
    let retryPolicy: RetryPolicy
    let retryBudget: SharedRetryBudget
    let timeout: TimeInterval
    let counter: CallCounter
    var now: @Sendable () -> Date = { Date() }
    var sleep: @Sendable (TimeInterval) async throws -> Void = { seconds in
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }

    init(service: String, endpoint: ServiceEndpoint, rules: SigningRules, configuration: AWSClientConfiguration,
         counter: CallCounter) {
        self.service = service
        self.endpoint = endpoint
        self.rules = rules
        self.credentials = configuration.credentials
        self.transport = configuration.transport
        self.retryPolicy = configuration.retryPolicy
        self.retryBudget = configuration.retryBudget
        self.timeout = configuration.timeout
        self.counter = counter
    }

    /// Returns 2xx answers; throws `AWSError` for the others once retries are exhausted, or the
    /// `TransportError` of the last attempt. Every call is retried through throttling and transient
    /// failures, within the shared retry budget.
    func send(_ operation: OperationRequest) async throws -> HTTPResponse {
        counter.record(service: service, action: operation.action)
        var attempt = 1
        var spent = 0
        var mayHaveBeenCarriedOut = false
        while true {
            let failure: AttemptFailure
            let thrown: Error
            do {
                let response = try await transport.send(signed(operation), timeout: timeout)
                if (200..<300).contains(response.status) {
                    retryBudget.succeeded(havingSpent: spent)
                    return response
                }
                let error = AWSError.parse(service: service, status: response.status, body: response.body,
                                           headers: response.headers)
                if mayHaveBeenCarriedOut, operation.doneIfRepeatAnswers.contains(error.code) {
                    retryBudget.succeeded(havingSpent: spent)
                    return HTTPResponse(status: 200, headers: response.headers)
                }
                failure = .service(status: error.status, code: error.code)
                thrown = error
            } catch let error as TransportError {
                failure = .transport(error)
                thrown = error
            }
            switch retryBudget.decide(retryPolicy, attempt: attempt, failure: failure) {
            case .giveUp:
                throw thrown
            case .retry(let delay):
                spent += RetryBudget.cost(of: failure)
                mayHaveBeenCarriedOut = mayHaveBeenCarriedOut || RetryPolicy.mayHaveBeenCarriedOut(failure)
                counter.recordRetry()
                try await sleep(delay)
                attempt += 1
            }
        }
    }

    /// Signed afresh for every attempt, so a retry after a long back-off carries a current date.
    func signed(_ operation: OperationRequest) throws -> HTTPRequest {
        let origin = operation.origin
        let host = ServiceEndpoint.hostHeader(for: origin)
        let signer = SigV4Signer(credentials: credentials, region: endpoint.signingRegion, service: service, rules: rules)
        let request = SigV4Request(method: operation.method, path: operation.path.isEmpty ? "/" : operation.path,
                                   query: operation.query, headers: [HTTPHeader("Host", host)] + operation.headers,
                                   payload: .bytes(operation.body))
        let signed = signer.sign(request, date: now())
        var text = origin.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += request.path
        if !operation.query.isEmpty {
            text += "?" + operation.query
                .map { "\(URIEncoding.encode($0.name))=\(URIEncoding.encode($0.value))" }.joined(separator: "&")
        }
        guard let url = URL(string: text) else {
            throw TransportError.other("cannot form a URL from \(text)")
        }
        return HTTPRequest(method: operation.method, url: url, headers: signed.request.headers, body: operation.body)
    }
}
