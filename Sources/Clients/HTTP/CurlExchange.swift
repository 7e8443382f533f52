import CCurl
import Foundation

/// One HTTP request as it goes on the wire.
public struct CurlRequest: Sendable {
    public var method: String
    /// Sent exactly as written: `.` and `..` segments and `//` stay (S3 keys may contain them).
    public var url: URL
    /// Sent in this order. `Content-Length` and `Connection` are libcurl's to set.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct CurlResponse: Sendable {
    public var status: Int
    /// Names lower-cased; a header that came more than once has its values joined with ", ".
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Failures below HTTP, classified so that callers can decide whether to try again.
public enum CurlFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The deadline passed before the whole answer arrived.
    case timedOut
    /// The connection broke or the server answered nothing (or not HTTP): the request may have been carried out.
    case connectionLost(String)
    /// No connection was made: the request never left.
    case cannotConnect(String)
    case other(String)

    init(code: CURLcode, detail: String) {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            self = .timedOut
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            self = .cannotConnect(detail)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY,
             CURLE_HTTP2, CURLE_HTTP2_STREAM:
            self = .connectionLost(detail)
        default:
            self = .other(detail)
        }
    }

    public var description: String {
        switch self {
        case .timedOut: return "no answer in time"
        case .connectionLost(let why): return "connection lost: \(why)"
        case .cannotConnect(let why): return "cannot connect: \(why)"
        case .other(let why): return why
        }
    }
}
