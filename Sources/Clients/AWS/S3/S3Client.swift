import Foundation
import SigV4

/// Amazon S3's REST/XML API: buckets, their configuration, and objects.
public struct S3Client: Sendable {
    public static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    public let endpoint: ServiceEndpoint
    public let addressing: S3Addressing
    public let region: String
    /// Calls made through this client, by `s3:Action`.
    public let calls: CallCounter
    var executor: RequestExecutor

    public init(configuration: AWSClientConfiguration, calls: CallCounter = CallCounter()) {
        endpoint = configuration.endpoint(for: "s3")
        addressing = configuration.s3Addressing
        region = configuration.region
        self.calls = calls
        executor = RequestExecutor(service: "s3", endpoint: endpoint, rules: .s3, configuration: configuration,
                                   counter: calls)
    }

    /// Origin and wire path for a bucket (and key) under the chosen addressing style.
    public func location(bucket: String, key: String? = nil) -> (origin: URL, path: String) {
        let keyPath = key.map { "/" + S3KeyPath.encode($0) } ?? ""
        if addressing.usesVirtualHost(bucket: bucket, endpoint: endpoint) {
            var components = URLComponents()
            components.scheme = endpoint.scheme
            components.host = "\(bucket).\(endpoint.host)"
            components.port = endpoint.port
            let path = endpoint.basePath + (keyPath.isEmpty ? "/" : keyPath)
            return (components.url!, path)
        }
        return (origin(endpoint.url), endpoint.basePath + "/" + URIEncoding.encode(bucket) + keyPath)
    }

    /// Sends one S3 call for `bucket` (nil: the service root, as ListBuckets).
    func send(_ action: String, _ method: String, bucket: String?, key: String? = nil,
              query: [QueryParameter] = [], headers: [HTTPHeader] = [], body: Data = Data(),
              doneIfRepeatAnswers: Set<String> = []) async throws -> HTTPResponse {
        let (origin, path) = bucket.map { location(bucket: $0, key: key) }
            ?? (origin(endpoint.url), endpoint.basePath + "/")
        var headers = headers
        if !body.isEmpty, !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(HTTPHeader("Content-Type", "application/xml"))
        }
        return try await executor.send(OperationRequest(
            action: action, method: method, origin: origin, path: path, query: query, headers: headers, body: body,
            doneIfRepeatAnswers: doneIfRepeatAnswers))
    }

    /// A configuration document, or nil when S3 answers with the "not configured" code given.
    func getConfiguration(_ action: String, bucket: String, subresource: String,
                          notConfigured: String) async throws -> XMLTree? {
        do {
            let response = try await send(action, "GET", bucket: bucket, query: [QueryParameter(subresource)])
            return try parse(response, action)
        } catch let error as AWSError where error.code == notConfigured {
            return nil
        }
    }

    func putConfiguration(_ action: String, bucket: String, subresource: String, document: XMLTree,
                          contentMD5: Bool = false) async throws {
        let body = document.document(namespace: Self.namespace)
        let headers = contentMD5 ? [HTTPHeader("Content-MD5", PayloadHash.md5Base64(body))] : []
        _ = try await send(action, "PUT", bucket: bucket, query: [QueryParameter(subresource)], headers: headers,
                           body: body)
    }

    func deleteConfiguration(_ action: String, bucket: String, subresource: String) async throws {
        _ = try await send(action, "DELETE", bucket: bucket, query: [QueryParameter(subresource)])
    }

    func parse(_ response: HTTPResponse, _ action: String) throws -> XMLTree {
        do {
            return try XMLTree.parse(response.body)
        } catch {
            throw AWSResponseError(service: "s3", action: action,
                                   reason: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
    }
}

extension S3Client {
    /// A copy that waits between retries with `sleep` (tests record the delays instead of waiting).
    func withSleep(_ sleep: @escaping @Sendable (TimeInterval) async throws -> Void) -> S3Client {
        var copy = self
        copy.executor.sleep = sleep
        return copy
    }
}
