import Foundation
import SigV4

extension S3Client {
    /// One page of ListObjectsV2. Keys are requested URL-encoded (`encoding-type=url`) so that
    /// characters XML cannot carry survive, and decoded here.
    public func listObjectsV2(bucket: String, prefix: String? = nil, delimiter: String? = nil,
                              maxKeys: Int? = nil, continuationToken: String? = nil) async throws -> ListObjectsPage {
        var query = [QueryParameter("list-type", "2"), QueryParameter("encoding-type", "url")]
        if let prefix { query.append(QueryParameter("prefix", prefix)) }
        if let delimiter { query.append(QueryParameter("delimiter", delimiter)) }
        if let maxKeys { query.append(QueryParameter("max-keys", String(maxKeys))) }
        if let continuationToken { query.append(QueryParameter("continuation-token", continuationToken)) }
        let tree = try parse(try await send("ListObjectsV2", "GET", bucket: bucket, query: query), "ListObjectsV2")
        let decode = Self.keyDecoder(tree)
        return ListObjectsPage(
            objects: tree.children("Contents").map {
                ObjectSummary(key: decode($0.value("Key") ?? ""), size: $0.int("Size") ?? 0, eTag: $0.value("ETag"),
                              lastModified: $0.value("LastModified"), storageClass: $0.value("StorageClass"))
            },
            commonPrefixes: tree.children("CommonPrefixes").compactMap { $0.value("Prefix").map(decode) },
            isTruncated: tree.bool("IsTruncated") ?? false,
            nextContinuationToken: tree.value("NextContinuationToken"))
    }

    /// Every object under `prefix`, following continuation tokens.
    public func listAllObjects(bucket: String, prefix: String? = nil, pageSize: Int? = nil) async throws -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        var token: String?
        repeat {
            let page = try await listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: pageSize, continuationToken: token)
            objects += page.objects
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return objects
    }

    public func listObjectVersions(bucket: String, prefix: String? = nil, maxKeys: Int? = nil, keyMarker: String? = nil,
                                   versionIdMarker: String? = nil) async throws -> ListObjectVersionsPage {
        var query = [QueryParameter("versions"), QueryParameter("encoding-type", "url")]
        if let prefix { query.append(QueryParameter("prefix", prefix)) }
        if let maxKeys { query.append(QueryParameter("max-keys", String(maxKeys))) }
        if let keyMarker { query.append(QueryParameter("key-marker", keyMarker)) }
        if let versionIdMarker { query.append(QueryParameter("version-id-marker", versionIdMarker)) }
        let tree = try parse(try await send("ListObjectVersions", "GET", bucket: bucket, query: query), "ListObjectVersions")
        let decode = Self.keyDecoder(tree)
        func version(_ element: XMLTree, deleteMarker: Bool) -> ObjectVersion {
            ObjectVersion(key: decode(element.value("Key") ?? ""), versionId: element.value("VersionId") ?? "null",
                          isLatest: element.bool("IsLatest") ?? false, isDeleteMarker: deleteMarker,
                          size: element.int("Size"), eTag: element.value("ETag"), lastModified: element.value("LastModified"))
        }
        return ListObjectVersionsPage(
            versions: tree.children("Version").map { version($0, deleteMarker: false) },
            deleteMarkers: tree.children("DeleteMarker").map { version($0, deleteMarker: true) },
            commonPrefixes: tree.children("CommonPrefixes").compactMap { $0.value("Prefix").map(decode) },
            isTruncated: tree.bool("IsTruncated") ?? false,
            nextKeyMarker: tree.value("NextKeyMarker").map(decode),
            nextVersionIdMarker: tree.value("NextVersionIdMarker"))
    }

    /// Every version and delete marker under `prefix`, following key/version markers.
    public func listAllObjectVersions(bucket: String, prefix: String? = nil,
                                      pageSize: Int? = nil) async throws -> (versions: [ObjectVersion], deleteMarkers: [ObjectVersion]) {
        var versions: [ObjectVersion] = []
        var markers: [ObjectVersion] = []
        var keyMarker: String?
        var versionMarker: String?
        while true {
            let page = try await listObjectVersions(bucket: bucket, prefix: prefix, maxKeys: pageSize,
                                                    keyMarker: keyMarker, versionIdMarker: versionMarker)
            versions += page.versions
            markers += page.deleteMarkers
            guard page.isTruncated, page.nextKeyMarker != nil else { break }
            keyMarker = page.nextKeyMarker
            versionMarker = page.nextVersionIdMarker
        }
        return (versions, markers)
    }

    /// S3 URL-encodes keys with `+` for spaces when asked to (`encoding-type=url` echoed back);
    /// a server that ignores the request sends them plain.
    static func keyDecoder(_ tree: XMLTree) -> @Sendable (String) -> String {
        guard tree.value("EncodingType")?.trimmed == "url" else { return { $0 } }
        return { URIEncoding.decode($0.replacingOccurrences(of: "+", with: " ")) }
    }
}
