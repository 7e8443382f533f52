import Foundation
import SigV4

/// How the bucket appears in S3 URLs.
public enum S3Addressing: Sendable, Equatable {
    /// Virtual-hosted on AWS's own endpoints (for DNS-compatible names without dots, which would
    /// break the TLS wildcard), path-style on custom endpoints and IP addresses.
    case automatic
    /// `https://bucket.s3.region.amazonaws.com/key`
    case virtualHosted
    /// `https://s3.region.amazonaws.com/bucket/key`
    case pathStyle

    public func usesVirtualHost(bucket: String, endpoint: ServiceEndpoint) -> Bool {
        switch self {
        case .pathStyle: return false
        case .virtualHosted: return true
        case .automatic:
            return !endpoint.isCustom && !Self.isIPAddress(endpoint.host) && Self.isDNSCompatible(bucket)
                && !(endpoint.scheme == "https" && bucket.contains("."))
        }
    }

    /// Lower-case letters, digits, dots and hyphens, 3–63 long, starting and ending alphanumerically.
    public static func isDNSCompatible(_ bucket: String) -> Bool {
        guard (3...63).contains(bucket.count), !bucket.contains(".."), !isIPAddress(bucket),
              let first = bucket.unicodeScalars.first, let last = bucket.unicodeScalars.last else { return false }
        func alphanumeric(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("0"..."9").contains(s) }
        return alphanumeric(first) && alphanumeric(last)
            && bucket.unicodeScalars.allSatisfy { alphanumeric($0) || $0 == "-" || $0 == "." }
    }

    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// The wire form of an object key in a URL path.
enum S3KeyPath {
    /// Each `/`-separated segment percent-encoded; `.` and `..` segments have their dots encoded
    /// (`%2E`) so URL handling (Foundation, libcurl) cannot resolve them away. The signer decodes
    /// the path before encoding it once, so the signature covers the literal key S3 stores.
    static func encode(_ key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            if segment == "." || segment == ".." {
                return String(repeating: "%2E", count: segment.count)
            }
            return URIEncoding.encode(String(segment))
        }.joined(separator: "/")
    }
}
