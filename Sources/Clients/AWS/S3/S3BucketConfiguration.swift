import Foundation
import SigV4

/// Bucket sub-resources. Getters return nil where S3 reports "not configured" rather than failing.
extension S3Client {
    public func getBucketVersioning(_ bucket: String) async throws -> BucketVersioning {
        let tree = try parse(try await send("GetBucketVersioning", "GET", bucket: bucket,
                                            query: [QueryParameter("versioning")]), "GetBucketVersioning")
        return BucketVersioning(status: tree.value("Status").flatMap { VersioningStatus(rawValue: $0.trimmed) },
                                mfaDelete: tree.value("MfaDelete")?.trimmed == "Enabled")
    }

    public func putBucketVersioning(_ bucket: String, status: VersioningStatus) async throws {
        try await putConfiguration("PutBucketVersioning", bucket: bucket, subresource: "versioning",
                                   document: XMLTree("VersioningConfiguration", [XMLTree("Status", text: status.rawValue)]))
    }

    public func getBucketEncryption(_ bucket: String) async throws -> BucketEncryption? {
        guard let tree = try await getConfiguration(
            "GetBucketEncryption", bucket: bucket, subresource: "encryption",
            notConfigured: "ServerSideEncryptionConfigurationNotFoundError"),
            let rule = tree.child("Rule"),
            let sse = rule.child("ApplyServerSideEncryptionByDefault"),
            let algorithm = sse.value("SSEAlgorithm").flatMap({ BucketEncryption.Algorithm(rawValue: $0.trimmed) })
        else { return nil }
        return BucketEncryption(algorithm: algorithm, kmsMasterKeyId: sse.value("KMSMasterKeyID")?.trimmed,
                                bucketKeyEnabled: rule.bool("BucketKeyEnabled") ?? false)
    }

    public func putBucketEncryption(_ bucket: String, _ encryption: BucketEncryption) async throws {
        var byDefault = [XMLTree("SSEAlgorithm", text: encryption.algorithm.rawValue)]
        if let key = encryption.kmsMasterKeyId { byDefault.append(XMLTree("KMSMasterKeyID", text: key)) }
        var rule = [XMLTree("ApplyServerSideEncryptionByDefault", byDefault)]
        if encryption.algorithm != .aes256 || encryption.bucketKeyEnabled {
            rule.append(XMLTree("BucketKeyEnabled", text: String(encryption.bucketKeyEnabled)))
        }
        try await putConfiguration("PutBucketEncryption", bucket: bucket, subresource: "encryption",
                                   document: XMLTree("ServerSideEncryptionConfiguration", [XMLTree("Rule", rule)]),
                                   contentMD5: true)
    }

    public func deleteBucketEncryption(_ bucket: String) async throws {
        try await deleteConfiguration("DeleteBucketEncryption", bucket: bucket, subresource: "encryption")
    }

    public func getPublicAccessBlock(_ bucket: String) async throws -> PublicAccessBlock? {
        guard let tree = try await getConfiguration(
            "GetPublicAccessBlock", bucket: bucket, subresource: "publicAccessBlock",
            notConfigured: "NoSuchPublicAccessBlockConfiguration") else { return nil }
        return PublicAccessBlock(blockPublicAcls: tree.bool("BlockPublicAcls") ?? false,
                                 ignorePublicAcls: tree.bool("IgnorePublicAcls") ?? false,
                                 blockPublicPolicy: tree.bool("BlockPublicPolicy") ?? false,
                                 restrictPublicBuckets: tree.bool("RestrictPublicBuckets") ?? false)
    }

    public func putPublicAccessBlock(_ bucket: String, _ block: PublicAccessBlock) async throws {
        let document = XMLTree("PublicAccessBlockConfiguration", [
            XMLTree("BlockPublicAcls", text: String(block.blockPublicAcls)),
            XMLTree("IgnorePublicAcls", text: String(block.ignorePublicAcls)),
            XMLTree("BlockPublicPolicy", text: String(block.blockPublicPolicy)),
            XMLTree("RestrictPublicBuckets", text: String(block.restrictPublicBuckets)),
        ])
        try await putConfiguration("PutPublicAccessBlock", bucket: bucket, subresource: "publicAccessBlock",
                                   document: document, contentMD5: true)
    }

    public func deletePublicAccessBlock(_ bucket: String) async throws {
        try await deleteConfiguration("DeletePublicAccessBlock", bucket: bucket, subresource: "publicAccessBlock")
    }

    public func getBucketLifecycleConfiguration(_ bucket: String) async throws -> [LifecycleRule]? {
        guard let tree = try await getConfiguration(
            "GetBucketLifecycleConfiguration", bucket: bucket, subresource: "lifecycle",
            notConfigured: "NoSuchLifecycleConfiguration") else { return nil }
        return tree.children("Rule").map(LifecycleXML.rule)
    }

    /// S3 requires `Content-MD5` on this call.
    public func putBucketLifecycleConfiguration(_ bucket: String, rules: [LifecycleRule]) async throws {
        try await putConfiguration("PutBucketLifecycleConfiguration", bucket: bucket, subresource: "lifecycle",
                                   document: XMLTree("LifecycleConfiguration", rules.map(LifecycleXML.element)),
                                   contentMD5: true)
    }

    public func deleteBucketLifecycle(_ bucket: String) async throws {
        try await deleteConfiguration("DeleteBucketLifecycle", bucket: bucket, subresource: "lifecycle")
    }

    public func getBucketTagging(_ bucket: String) async throws -> [S3Tag]? {
        guard let tree = try await getConfiguration("GetBucketTagging", bucket: bucket, subresource: "tagging",
                                                    notConfigured: "NoSuchTagSet") else { return nil }
        return (tree.child("TagSet")?.children("Tag") ?? []).map { S3Tag($0.value("Key") ?? "", $0.value("Value") ?? "") }
    }

    public func putBucketTagging(_ bucket: String, tags: [S3Tag]) async throws {
        let document = XMLTree("Tagging", [XMLTree("TagSet", tags.map {
            XMLTree("Tag", [XMLTree("Key", text: $0.key), XMLTree("Value", text: $0.value)])
        })])
        try await putConfiguration("PutBucketTagging", bucket: bucket, subresource: "tagging", document: document,
                                   contentMD5: true)
    }

    public func deleteBucketTagging(_ bucket: String) async throws {
        try await deleteConfiguration("DeleteBucketTagging", bucket: bucket, subresource: "tagging")
    }

    /// The policy JSON exactly as stored, or nil when the bucket has none.
    public func getBucketPolicy(_ bucket: String) async throws -> String? {
        do {
            let response = try await send("GetBucketPolicy", "GET", bucket: bucket, query: [QueryParameter("policy")])
            return String(decoding: response.body, as: UTF8.self)
        } catch let error as AWSError where error.code == "NoSuchBucketPolicy" {
            return nil
        }
    }

    public func putBucketPolicy(_ bucket: String, policy: String) async throws {
        _ = try await send("PutBucketPolicy", "PUT", bucket: bucket, query: [QueryParameter("policy")],
                           headers: [HTTPHeader("Content-Type", "application/json")], body: Data(policy.utf8))
    }

    public func deleteBucketPolicy(_ bucket: String) async throws {
        try await deleteConfiguration("DeleteBucketPolicy", bucket: bucket, subresource: "policy")
    }

    /// An unconfigured bucket answers with an empty configuration (S3 has no "not found" code here).
    public func getBucketNotificationConfiguration(_ bucket: String) async throws -> NotificationConfiguration {
        let tree = try parse(try await send("GetBucketNotificationConfiguration", "GET", bucket: bucket,
                                            query: [QueryParameter("notification")]),
                             "GetBucketNotificationConfiguration")
        return NotificationXML.configuration(tree)
    }

    /// Replaces the whole configuration; an empty one removes every notification.
    public func putBucketNotificationConfiguration(_ bucket: String, _ configuration: NotificationConfiguration) async throws {
        try await putConfiguration("PutBucketNotificationConfiguration", bucket: bucket, subresource: "notification",
                                   document: NotificationXML.element(configuration))
    }
}
