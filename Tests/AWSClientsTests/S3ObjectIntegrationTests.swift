import AWSClients
import Foundation
import SigV4
import XCTest

final class S3ObjectIntegrationTests: MotoTestCase {
    var s3: S3Client!
    var bucket: String!

    override func setUp() async throws {
        try await super.setUp()
        s3 = S3Client(configuration: configuration)
        bucket = uniqueName("objects")
        try await s3.createBucket(bucket)
    }

    func testAwkwardKeysRoundTripExactly() async throws {
        let keys = [
            "with space/and  two  spaces.txt", "unicode/ключ-ሴ-日本.txt", "plus+sign=equals&amp.txt",
            "dots/../parent", "dots/./same", "double//slash", "../leading", "trailing/..", "percent%20literal",
            "tilde~and*star(paren)'quote!", " leading-space",
        ]
        for (index, key) in keys.enumerated() {
            try await s3.putObject(bucket: bucket, key: key, body: Data("body \(index)".utf8), contentType: "text/plain")
        }
        let listed = try await s3.listAllObjects(bucket: bucket).map(\.key)
        XCTAssertEqual(Set(listed), Set(keys))
        for (index, key) in keys.enumerated() {
            let object = try await s3.getObject(bucket: bucket, key: key)
            XCTAssertEqual(String(decoding: object.body, as: UTF8.self), "body \(index)", key)
            let head = try await s3.headObject(bucket: bucket, key: key)
            XCTAssertEqual(head?.contentLength, "body \(index)".utf8.count, key)
        }
        let deleted = try await s3.deleteObjects(bucket: bucket, keys.map { ObjectIdentifier(key: $0) })
        XCTAssertEqual(deleted.errors, [])
        let remaining = try await s3.listAllObjects(bucket: bucket)
        XCTAssertEqual(remaining.map(\.key), [])
    }
}
