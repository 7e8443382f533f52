import Foundation
import SigV4

public struct BucketSummary: Sendable, Equatable {
    public var name: String
    public var creationDate: String?
}

extension S3Client {
    /// Creates the bucket in this client's region (`LocationConstraint` everywhere but us-east-1).
    public func createBucket(_ bucket: String, region: String? = nil) async throws {
        let region = region ?? self.region
        let body = region == "us-east-1" ? Data()
            : XMLTree("CreateBucketConfiguration", [XMLTree("LocationConstraint", text: region)])
                .document(namespace: Self.namespace)
        // A repeat after an attempt that may have created the bucket finds it ours: that attempt did the work.
        _ = try await send("CreateBucket", "PUT", bucket: bucket, body: body, doneIfRepeatAnswers: ["BucketAlreadyOwnedByYou"])
    }

    /// The bucket's region when it exists and is reachable; nil when it does not exist.
    /// A bucket owned by someone else answers 403, which is thrown.
    public func headBucket(_ bucket: String) async throws -> String? {
        do {
            let response = try await send("HeadBucket", "HEAD", bucket: bucket)
            return response.header("x-amz-bucket-region") ?? region
        } catch let error as AWSError where error.status == 404 {
            return nil
        }
    }

    public func deleteBucket(_ bucket: String) async throws {
        _ = try await send("DeleteBucket", "DELETE", bucket: bucket, doneIfRepeatAnswers: ["NoSuchBucket"])
    }

    public func listBuckets() async throws -> [BucketSummary] {
        let tree = try parse(try await send("ListBuckets", "GET", bucket: nil), "ListBuckets")
        return (tree.child("Buckets")?.children("Bucket") ?? []).map {
            BucketSummary(name: $0.value("Name") ?? "", creationDate: $0.value("CreationDate"))
        }
    }
}
