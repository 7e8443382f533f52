import CurlHTTP
import Foundation
import SigV4

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [HTTPHeader]
    public var body: Data

    public init(method: String, url: URL, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The transport's answer as it is: status, lower-cased headers, body.
public typealias HTTPResponse = CurlResponse

extension CurlResponse {
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends one HTTP exchange. Redirects are not followed: S3 answers a wrong region with one, and the
/// caller must see it as an error rather than a silently re-sent (and wrongly signed) request.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest, timeout: TimeInterval) async throws -> HTTPResponse
}

/// `HTTPTransport` over libcurl (the CurlHTTP module), for http and https alike: one process-wide transfer
/// thread that sleeps while it waits, and connections reused per host.
public struct CurlTransport: HTTPTransport {
    public init() {}

    public func send(_ request: HTTPRequest, timeout: TimeInterval) async throws -> HTTPResponse {
        let outgoing = CurlRequest(method: request.method, url: request.url,
                                   headers: request.headers.map { (name: $0.name, value: $0.value) }, body: request.body)
        do {
            let response = try await CurlClient.shared.send(outgoing, timeout: timeout)
            return response
        } catch let failure as CurlFailure {
            throw TransportError(failure, endpoint: request.url)
        }
    }
}

/// Failures below HTTP, classified for the retry decision.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    case timedOut
    case connectionLost(String)
    case cannotConnect(String)
    case other(String)

    /// A connection failure names the endpoint first (`127.0.0.1:4566`), so the message says where, then curl's why.
    init(_ failure: CurlFailure, endpoint: URL) {
        switch failure {
        case .timedOut: self = .timedOut
        case .connectionLost(let why): self = .connectionLost(why)
        case .cannotConnect(let why):
            let port = endpoint.port ?? (endpoint.scheme == "https" ? 443 : 80)
            self = .cannotConnect("\(endpoint.host ?? "?"):\(port) (\(why))")
        case .other(let why): self = .other(why)
        }
    }

    public var description: String {
        switch self {
        case .timedOut: return "the AWS endpoint did not answer in time"
        case .connectionLost(let why): return "the connection to the AWS endpoint was lost: \(why)"
        case .cannotConnect(let why): return "cannot reach the AWS endpoint: \(why)"
        case .other(let why): return "AWS request failed below HTTP: \(why)"
        }
    }
}
