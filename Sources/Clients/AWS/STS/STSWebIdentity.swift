import Foundation
import SigV4

extension STSClient {
    /// AssumeRoleWithWebIdentity: the web identity token is the proof, so the request is not signed
    /// (there are no credentials yet). Sent once; its errors are AWSErrors as for the signed calls.
    public func assumeRoleWithWebIdentity(roleArn: String, sessionName: String, webIdentityToken: String,
                                          durationSeconds: Int? = nil) async throws -> AssumedRoleCredentials {
        let action = "AssumeRoleWithWebIdentity"
        let fields: [(String, String?)] = [
            ("Action", action), ("Version", query.version), ("RoleArn", roleArn), ("RoleSessionName", sessionName),
            ("WebIdentityToken", webIdentityToken), ("DurationSeconds", durationSeconds.map(String.init)),
        ]
        let body = fields.compactMap { name, value in
            value.map { "\(QueryProtocolClient.formEncode(name))=\(QueryProtocolClient.formEncode($0))" }
        }.joined(separator: "&")
        var url = endpoint.url
        if !url.absoluteString.hasSuffix("/") { url = URL(string: url.absoluteString + "/")! }
        calls.record(service: "sts", action: action)
        let response = try await query.executor.transport.send(
            HTTPRequest(method: "POST", url: url,
                        headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                        body: Data(body.utf8)),
            timeout: query.executor.timeout)
        guard (200..<300).contains(response.status) else {
            throw AWSError.parse(service: "sts", status: response.status, body: response.body, headers: response.headers)
        }
        guard let tree = try? XMLTree.parse(response.body), tree.name == "\(action)Response",
              let result = tree.child("\(action)Result") else {
            throw AWSResponseError(service: "sts", action: action,
                                   reason: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        return try Self.assumedCredentials(result, action: action)
    }
}
