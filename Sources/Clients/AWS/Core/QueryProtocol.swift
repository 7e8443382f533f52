import Foundation
import SigV4

/// The AWS query protocol (IAM, STS, SQS's legacy API): `Action=…&Version=…` in a POST form body,
/// answered by `<ActionResponse><ActionResult>…</ActionResult></ActionResponse>`.
struct QueryProtocolClient: Sendable {
    let executor: RequestExecutor
    let version: String

    /// application/x-www-form-urlencoded as browsers and botocore write it: unreserved characters as they
    /// are, a space as `+`, everything else percent-encoded. AWS reads `%20` too, but servers that rebuild
    /// the body from parsed fields to check a signature (moto) only reproduce the `+` form.
    static func formEncode(_ text: String) -> String {
        URIEncoding.encode(text).replacingOccurrences(of: "%20", with: "+")
    }

    /// Returns the `<ActionResult>` element (an empty one when the action returns nothing).
    func call(_ action: String, _ parameters: [(String, String?)] = []) async throws -> XMLTree {
        let fields = [("Action", action), ("Version", version)]
            + parameters.compactMap { name, value in value.map { (name, $0) } }
        let body = Data(fields.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }
            .joined(separator: "&").utf8)
        let endpoint = executor.endpoint
        let response = try await executor.send(OperationRequest(
            action: action, method: "POST", origin: origin(endpoint.url), path: endpoint.basePath + "/",
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: body))
        guard let tree = try? XMLTree.parse(response.body), tree.name == "\(action)Response" else {
            throw AWSResponseError(service: executor.service, action: action,
                                   reason: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        return tree.child("\(action)Result") ?? XMLTree("\(action)Result")
    }
}

/// `scheme://host[:port]` of a URL: the part before the path.
func origin(_ url: URL) -> URL {
    var components = URLComponents()
    components.scheme = url.scheme
    components.host = url.host
    components.port = url.port
    return components.url ?? url
}

/// `Tags.member.1.Key`-style flattening of lists for query-protocol parameters.
func memberList(_ prefix: String, _ items: [[(String, String)]]) -> [(String, String?)] {
    items.enumerated().flatMap { index, fields in
        fields.map { ("\(prefix).member.\(index + 1).\($0.0)", Optional($0.1)) }
    }
}
