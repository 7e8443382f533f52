import Foundation
import SigV4

/// A request from the AWS suite's `.req` files: raw HTTP/1.1 with folded header lines,
/// repeated headers, and unencoded paths (spaces, UTF-8).
struct RawHTTPRequest {
    var method: String
    var path: String
    var query: [QueryParameter]
    var headers: [HTTPHeader]
    var body: Data

    init(parsing text: String) throws {
        var lines = text.components(separatedBy: "\n")
        guard !lines.isEmpty else { throw ParseError.empty }
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "),
              let versionStart = requestLine.range(of: " HTTP/", options: .backwards) else {
            throw ParseError.requestLine(requestLine)
        }
        method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<versionStart.lowerBound])
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0])
        query = parts.count > 1 ? Self.parseQuery(String(parts[1])) : []

        headers = []
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw ParseError.header(line) }
            headers.append(HTTPHeader(String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        if !lines.isEmpty { lines.removeFirst() }
        body = Data(lines.joined(separator: "\n").utf8)
    }

    static func parseQuery(_ query: String) -> [QueryParameter] {
        query.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return QueryParameter(URIEncoding.decode(String(kv[0])), kv.count > 1 ? URIEncoding.decode(String(kv[1])) : "")
        }
    }

    enum ParseError: Error {
        case empty
        case requestLine(String)
        case header(String)
    }
}
