import Foundation
import SigV4

extension S3Client {
    /// Uploads `body`. With `ifNoneMatch` the upload only succeeds when no object has the key
    /// (S3 answers 412 `PreconditionFailed` otherwise, thrown as `AWSError`).
    @discardableResult
    public func putObject(bucket: String, key: String, body: Data, contentType: String = "application/octet-stream",
                          contentEncoding: String? = nil, ifNoneMatch: Bool = false,
                          metadata: [String: String] = [:]) async throws -> PutObjectResult {
        var headers = [HTTPHeader("Content-Type", contentType)]
        if let contentEncoding { headers.append(HTTPHeader("Content-Encoding", contentEncoding)) }
        if ifNoneMatch { headers.append(HTTPHeader("If-None-Match", "*")) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeader("x-amz-meta-\(name)", value))
        }
        let response = try await send("PutObject", "PUT", bucket: bucket, key: key, headers: headers, body: body)
        return PutObjectResult(eTag: response.header("etag"), versionId: response.header("x-amz-version-id"))
    }

    /// The stored bytes: an object stored with `Content-Encoding: gzip` comes back compressed, as stored
    /// (`Accept-Encoding: identity`, and the transport never decompresses).
    public func getObject(bucket: String, key: String, versionId: String? = nil) async throws -> S3Object {
        let response = try await send("GetObject", "GET", bucket: bucket, key: key, query: versionQuery(versionId),
                                      headers: [HTTPHeader("Accept-Encoding", "identity")])
        return S3Object(body: response.body, metadata: ObjectMetadata(headers: response.headers))
    }

    /// nil when there is no such object (or version).
    public func headObject(bucket: String, key: String, versionId: String? = nil) async throws -> ObjectMetadata? {
        do {
            let response = try await send("HeadObject", "HEAD", bucket: bucket, key: key, query: versionQuery(versionId))
            return ObjectMetadata(headers: response.headers)
        } catch let error as AWSError where error.status == 404 {
            return nil
        }
    }

    /// On a versioned bucket without `versionId` this adds a delete marker.
    public func deleteObject(bucket: String, key: String, versionId: String? = nil) async throws {
        _ = try await send("DeleteObject", "DELETE", bucket: bucket, key: key, query: versionQuery(versionId))
    }

    /// Deletes in batches of 1,000 (S3's limit per call), quietly: only failures are listed per
    /// key, deleted ones are what was asked minus those.
    public func deleteObjects(bucket: String, _ objects: [ObjectIdentifier]) async throws -> DeleteObjectsResult {
        var result = DeleteObjectsResult(deleted: [], errors: [])
        var start = 0
        while start < objects.count {
            let batch = Array(objects[start..<min(start + 1000, objects.count)])
            start += batch.count
            let document = XMLTree("Delete", [XMLTree("Quiet", text: "true")] + batch.map { object in
                XMLTree("Object", [XMLTree("Key", text: object.key)]
                    + (object.versionId.map { [XMLTree("VersionId", text: $0)] } ?? []))
            })
            let body = document.document(namespace: Self.namespace)
            // A repeated batch deletes nothing new, so the POST is safe to retry.
            let response = try await send("DeleteObjects", "POST", bucket: bucket, query: [QueryParameter("delete")],
                                          headers: [HTTPHeader("Content-MD5", PayloadHash.md5Base64(body))],
                                          body: body)
            let tree = try parse(response, "DeleteObjects")
            let failures = tree.children("Error").map {
                DeleteObjectsResult.Failure(key: $0.value("Key") ?? "", versionId: $0.value("VersionId"),
                                            code: $0.value("Code") ?? "", message: $0.value("Message") ?? "")
            }
            let failed = Set(failures.map { ObjectIdentifier(key: $0.key, versionId: $0.versionId) })
            result.errors += failures
            result.deleted += batch.filter { !failed.contains($0) }
        }
        return result
    }

    func versionQuery(_ versionId: String?) -> [QueryParameter] {
        versionId.map { [QueryParameter("versionId", $0)] } ?? []
    }
}
