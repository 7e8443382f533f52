import AWSClients
import Foundation
import SigV4
import XCTest

final class S3ListingIntegrationTests: MotoTestCase {
    var s3: S3Client!

    override func setUp() async throws {
        try await super.setUp()
        s3 = S3Client(configuration: configuration)
    }

    /// Uploads concurrently (a few at a time) to keep the suite fast.
    func put(_ keys: [String], bucket: String) async throws {
        let s3 = self.s3!
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<8 where next < keys.count {
                let key = keys[next]
                next += 1
                group.addTask { try await s3.putObject(bucket: bucket, key: key, body: Data(key.utf8)) }
            }
            while try await group.next() != nil, next < keys.count {
                let key = keys[next]
                next += 1
                group.addTask { try await s3.putObject(bucket: bucket, key: key, body: Data(key.utf8)) }
            }
        }
    }

    func testListObjectsV2PagesThroughTwelveHundredObjects() async throws {
        let bucket = uniqueName("many")
        try await s3.createBucket(bucket)
        let keys = (0..<1200).map { String(format: "data/part-%05d.csv", $0) }
        try await put(keys, bucket: bucket)
        try await s3.putObject(bucket: bucket, key: "other/x", body: Data("x".utf8))

        let first = try await s3.listObjectsV2(bucket: bucket, prefix: "data/", maxKeys: 1000)
        XCTAssertEqual(first.objects.count, 1000)
        XCTAssertTrue(first.isTruncated)
        let token = try XCTUnwrap(first.nextContinuationToken)
        let second = try await s3.listObjectsV2(bucket: bucket, prefix: "data/", maxKeys: 1000, continuationToken: token)
        XCTAssertEqual(second.objects.count, 200)
        XCTAssertFalse(second.isTruncated)
        XCTAssertEqual((first.objects + second.objects).map(\.key), keys)

        s3.calls.reset()
        let all = try await s3.listAllObjects(bucket: bucket)
        XCTAssertEqual(all.count, 1201)
        XCTAssertEqual(s3.calls.snapshot, ["s3:ListObjectsV2": 2])

        let delimited = try await s3.listObjectsV2(bucket: bucket, delimiter: "/")
        XCTAssertEqual(delimited.commonPrefixes, ["data/", "other/"])

        let result = try await s3.deleteObjects(bucket: bucket, all.map { ObjectIdentifier(key: $0.key) })
        XCTAssertEqual(result.deleted.count, 1201)
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(s3.calls.snapshot["s3:DeleteObjects"], 2, "1,201 keys take two batches")
        let empty = try await s3.listObjectsV2(bucket: bucket)
        XCTAssertEqual(empty.objects, [])
        try await s3.deleteBucket(bucket)
    }

    func testVersionsAndDeleteMarkersPageAndDeleteCompletely() async throws {
        let bucket = uniqueName("versions")
        try await s3.createBucket(bucket)
        try await s3.putBucketVersioning(bucket, status: .enabled)
        let keys = ["a", "b c", "d+e", "f/ключ"]
        for key in keys {
            for revision in 0..<3 {
                try await s3.putObject(bucket: bucket, key: key, body: Data("\(key) \(revision)".utf8))
            }
        }
        try await s3.deleteObject(bucket: bucket, key: "a")
        try await s3.deleteObject(bucket: bucket, key: "d+e")
        let head = try await s3.headObject(bucket: bucket, key: "a")
        XCTAssertNil(head, "a delete marker hides the object")

        let page = try await s3.listObjectVersions(bucket: bucket, maxKeys: 5)
        XCTAssertTrue(page.isTruncated)
        XCTAssertNotNil(page.nextKeyMarker)
        XCTAssertEqual(page.versions.count + page.deleteMarkers.count, 5)

        let all = try await s3.listAllObjectVersions(bucket: bucket, pageSize: 5)
        XCTAssertEqual(all.versions.count, 12)
        XCTAssertEqual(all.deleteMarkers.count, 2)
        XCTAssertEqual(Set(all.deleteMarkers.map(\.key)), ["a", "d+e"])
        XCTAssertTrue(all.deleteMarkers.allSatisfy { $0.isDeleteMarker && $0.isLatest })
        XCTAssertEqual(Set(all.versions.map(\.key)), Set(keys))
        XCTAssertEqual(all.versions.filter(\.isLatest).count, 2, "b c and f/ключ; a and d+e end in markers")
        XCTAssertEqual(Set(all.versions.map(\.versionId)).count, 12)

        let old = try XCTUnwrap(all.versions.first { $0.key == "b c" && !$0.isLatest })
        let oldBody = try await s3.getObject(bucket: bucket, key: "b c", versionId: old.versionId).body
        XCTAssertTrue(String(decoding: oldBody, as: UTF8.self).hasPrefix("b c "))

        let everything = (all.versions + all.deleteMarkers).map(\.identifier)
        let result = try await s3.deleteObjects(bucket: bucket, everything)
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.deleted.count, 14)
        let after = try await s3.listAllObjectVersions(bucket: bucket)
        XCTAssertEqual(after.versions.count + after.deleteMarkers.count, 0)
        try await s3.deleteBucket(bucket)
    }

    func testConditionalPutAndContentHeaders() async throws {
        let bucket = uniqueName("cond")
        try await s3.createBucket(bucket)
        let body = Data("{\"a\":1}".utf8)
        let first = try await s3.putObject(bucket: bucket, key: "once.json", body: body, contentType: "application/json",
                                           ifNoneMatch: true, metadata: ["origin": "test"])
        XCTAssertNotNil(first.eTag)
        do {
            try await s3.putObject(bucket: bucket, key: "once.json", body: body, ifNoneMatch: true)
            XCTFail("a second conditional put should fail")
        } catch let error as AWSError {
            XCTAssertEqual(error.status, 412)
            XCTAssertEqual(error.code, "PreconditionFailed")
        }
        let object = try await s3.getObject(bucket: bucket, key: "once.json")
        XCTAssertEqual(object.body, body)
        XCTAssertEqual(object.metadata.contentType, "application/json")
        XCTAssertEqual(object.metadata.userMetadata["origin"], "test")
        do {
            _ = try await s3.getObject(bucket: bucket, key: "missing")
            XCTFail("missing object")
        } catch let error as AWSError {
            XCTAssertEqual(error.code, "NoSuchKey")
            XCTAssertEqual(error.status, 404)
        }
    }

    /// GetObject must hand back the stored bytes, not let the HTTP stack decode them. moto's S3 stores an
    /// upload marked gzip as sent (boto3 reads back the same bytes), so what goes up comes back.
    func testGzipEncodedObjectComesBackAsStored() async throws {
        let bucket = uniqueName("gzip")
        try await s3.createBucket(bucket)
        let gzipped = try XCTUnwrap(Data(base64Encoded: "H4sIAAAAAAACA8tIzcnJV0ivyiwAABlq0t8KAAAA"))
        try await s3.putObject(bucket: bucket, key: "data.json.gz", body: gzipped, contentType: "application/json",
                               contentEncoding: "gzip")
        let object = try await s3.getObject(bucket: bucket, key: "data.json.gz")
        XCTAssertEqual(object.metadata.contentEncoding, "gzip")
        XCTAssertEqual(object.body, gzipped)
    }
}
