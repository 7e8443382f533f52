import Foundation

public struct PutObjectResult: Sendable, Equatable {
    public var eTag: String?
    public var versionId: String?
}

public struct ObjectMetadata: Sendable, Equatable {
    public var contentLength: Int?
    public var contentType: String?
    public var contentEncoding: String?
    public var eTag: String?
    public var versionId: String?
    public var lastModified: String?
    /// `x-amz-meta-*` headers, names without the prefix.
    public var userMetadata: [String: String]

    init(headers: [String: String]) {
        contentLength = headers["content-length"].flatMap { Int($0) }
        contentType = headers["content-type"]
        contentEncoding = headers["content-encoding"]
        eTag = headers["etag"]
        versionId = headers["x-amz-version-id"]
        lastModified = headers["last-modified"]
        userMetadata = Dictionary(uniqueKeysWithValues: headers.compactMap { name, value in
            name.hasPrefix("x-amz-meta-") ? (String(name.dropFirst("x-amz-meta-".count)), value) : nil
        })
    }
}

public struct S3Object: Sendable, Equatable {
    public var body: Data
    public var metadata: ObjectMetadata
}

public struct ObjectIdentifier: Sendable, Equatable, Hashable {
    public var key: String
    public var versionId: String?
    public init(key: String, versionId: String? = nil) {
        self.key = key
        self.versionId = versionId
    }
}

public struct DeleteObjectsResult: Sendable, Equatable {
    public var deleted: [ObjectIdentifier]
    public var errors: [Failure]

    public struct Failure: Sendable, Equatable {
        public var key: String
        public var versionId: String?
        public var code: String
        public var message: String
    }
}

public struct ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var eTag: String?
    public var lastModified: String?
    public var storageClass: String?
}

public struct ListObjectsPage: Sendable, Equatable {
    public var objects: [ObjectSummary]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextContinuationToken: String?
}

/// A version of an object, or a delete marker (which has no size or ETag).
public struct ObjectVersion: Sendable, Equatable {
    public var key: String
    public var versionId: String
    public var isLatest: Bool
    public var isDeleteMarker: Bool
    public var size: Int?
    public var eTag: String?
    public var lastModified: String?

    public var identifier: ObjectIdentifier { ObjectIdentifier(key: key, versionId: versionId) }
}

public struct ListObjectVersionsPage: Sendable, Equatable {
    public var versions: [ObjectVersion]
    public var deleteMarkers: [ObjectVersion]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextKeyMarker: String?
    public var nextVersionIdMarker: String?
}
