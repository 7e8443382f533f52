/// Builds the pieces of the canonical request from a `SigV4Request`.
enum Canonical {
    static func path(_ wirePath: String, rules: SigningRules) -> String {
        let path = wirePath.isEmpty ? "/" : wirePath
        if rules.doubleEncodesPath {
            let normalised = rules.normalizesPath ? normalise(path) : path
            return URIEncoding.encode(normalised, keepingSlash: true)
        }
        // S3: decode what was sent and encode each segment once, the way S3 sees the key.
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { URIEncoding.encode(URIEncoding.decode(String($0))) }
        let joined = segments.joined(separator: "/")
        return rules.normalizesPath ? normalise(joined) : joined
    }

    /// Removes `.`/`..` and empty segments (RFC 3986 dot-segment removal plus slash merging).
    static func normalise(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        var kept: [Substring] = []
        for part in parts {
            switch part {
            case "", ".": continue
            case "..": _ = kept.popLast()
            default: kept.append(part)
            }
        }
        let endsAsDirectory = path.hasSuffix("/") || parts.last == "." || parts.last == ".."
        var result = "/" + kept.joined(separator: "/")
        if endsAsDirectory && !kept.isEmpty { result += "/" }
        return result
    }

    static func query(_ parameters: [QueryParameter]) -> String {
        parameters
            .map { (URIEncoding.encode($0.name), URIEncoding.encode($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 != rhs.0 ? lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
                    : lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Lower-cased names in byte order with their values joined by commas in the order sent.
    static func headers(_ headers: [HTTPHeader]) -> (canonical: String, signed: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            if name == "authorization" { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(trimmed(header.value))
        }
        let names = order.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// Trims the value and collapses inner whitespace runs (including folded lines) to one space.
    static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            .joined(separator: " ")
    }
}
