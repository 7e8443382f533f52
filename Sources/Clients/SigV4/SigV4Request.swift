import Foundation

/// One HTTP header as sent; names keep their case, repeated names stay separate entries in order.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, decoded (the signer encodes it).
public struct QueryParameter: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String = "") {
        self.name = name
        self.value = value
    }
}

/// What the signer hashes as the payload.
public enum SigningPayload: Sendable, Equatable {
    /// The body bytes; the signer hashes them.
    case bytes(Data)
    /// A SHA-256 hex digest computed elsewhere (e.g. for a streamed file).
    case precomputedHash(String)
    /// `UNSIGNED-PAYLOAD` (S3 over TLS, and presigned URLs).
    case unsigned

    public static let empty = SigningPayload.bytes(Data())

    var hash: String {
        switch self {
        case .bytes(let data): return Hex.sha256(data)
        case .precomputedHash(let hash): return hash
        case .unsigned: return "UNSIGNED-PAYLOAD"
        }
    }
}

/// The parts of an HTTP request that SigV4 covers.
public struct SigV4Request: Sendable, Equatable {
    public var method: String
    /// The path as it goes on the wire: percent-encoded, though raw characters are tolerated.
    public var path: String
    public var query: [QueryParameter]
    /// Must include `Host` (with `:port` when the port is not the scheme's default).
    public var headers: [HTTPHeader]
    public var payload: SigningPayload

    public init(method: String, path: String, query: [QueryParameter] = [], headers: [HTTPHeader],
                payload: SigningPayload = .empty) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }

    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append(HTTPHeader(name, value))
    }
}
