@testable import AWSClients
import Foundation
import SigV4
import XCTest

final class IAMSTSIntegrationTests: MotoTestCase {
    var iam: IAMClient!
    var sts: STSClient!

    let trust = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},\
        "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-42"}}}]}
        """

    override func setUp() async throws {
        try await super.setUp()
        iam = IAMClient(configuration: configuration)
        sts = STSClient(configuration: configuration)
    }

    func testRoleLifecycleWithTagsAndDecodedPolicies() async throws {
        let name = uniqueName("role")
        let created = try await iam.createRole(name: name, assumeRolePolicyDocument: trust, path: "/infra/",
                                               description: "loader & friends", maxSessionDuration: 3600,
                                               tags: [IAMTag("team", "data")])
        XCTAssertEqual(created.roleName, name)
        XCTAssertEqual(created.path, "/infra/")
        XCTAssertTrue(created.arn.hasSuffix(":role/infra/\(name)"))

        let fetched = try await iam.getRole(name: name)
        let role = try XCTUnwrap(fetched)
        XCTAssertEqual(try json(role.assumeRolePolicyDocument), try json(trust))
        XCTAssertEqual(role.description, "loader & friends")
        XCTAssertEqual(role.maxSessionDuration, 3600)

        try await iam.updateRole(name: name, description: "updated", maxSessionDuration: 7200)
        let newTrust = trust.replacingOccurrences(of: "ext-42", with: "ext-43")
        try await iam.updateAssumeRolePolicy(roleName: name, policyDocument: newTrust)
        let updated = try await iam.getRole(name: name)
        XCTAssertEqual(updated?.description, "updated")
        XCTAssertEqual(updated?.maxSessionDuration, 7200)
        XCTAssertEqual(try json(updated?.assumeRolePolicyDocument), try json(newTrust))

        try await iam.tagRole(name: name, tags: [IAMTag("env", "test"), IAMTag("cost center", "a+b=c")])
        try await iam.untagRole(name: name, keys: ["team"])
        let tags = try await iam.listRoleTags(name: name)
        XCTAssertEqual(Set(tags), [IAMTag("env", "test"), IAMTag("cost center", "a+b=c")])

        let inline = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],\
            "Resource":["arn:aws:s3:::my-bucket","arn:aws:s3:::my-bucket/with space/*"]}]}
            """
        try await iam.putRolePolicy(roleName: name, policyName: "read", policyDocument: inline)
        try await iam.putRolePolicy(roleName: name, policyName: "second", policyDocument: inline)
        let names = try await iam.listRolePolicies(roleName: name)
        XCTAssertEqual(names, ["read", "second"])
        let document = try await iam.getRolePolicy(roleName: name, policyName: "read")
        XCTAssertEqual(try json(document), try json(inline))
        let missing = try await iam.getRolePolicy(roleName: name, policyName: "nope")
        XCTAssertNil(missing)

        // moto's server starts without AWS-managed policies, so attach a customer-managed one.
        let policy = try await iam.query.call("CreatePolicy", [
            ("PolicyName", "\(name)-managed"), ("PolicyDocument", inline),
        ])
        let managed = try XCTUnwrap(policy.child("Policy")?.value("Arn"))
        try await iam.attachRolePolicy(roleName: name, policyArn: managed)
        let attached = try await iam.listAttachedRolePolicies(roleName: name)
        XCTAssertEqual(attached.map(\.policyArn), [managed])
        XCTAssertEqual(attached.map(\.policyName), ["\(name)-managed"])

        // IAM refuses to delete a role that still has policies.
        do {
            try await iam.deleteRole(name: name)
            XCTFail("delete with policies attached")
        } catch let error as AWSError {
            XCTAssertEqual(error.service, "iam")
            XCTAssertEqual(error.code, "DeleteConflict")
            XCTAssertEqual(error.status, 409)
        }
        try await iam.detachRolePolicy(roleName: name, policyArn: managed)
        try await iam.deleteRolePolicy(roleName: name, policyName: "read")
        try await iam.deleteRolePolicy(roleName: name, policyName: "second")
        try await iam.deleteRole(name: name)
        let gone = try await iam.getRole(name: name)
        XCTAssertNil(gone)
        XCTAssertEqual(iam.calls.snapshot["iam:GetRole"], 3)
    }

    func testListRolesPaginatesWithMaxItems() async throws {
        let prefix = "/\(uniqueName("paged"))/"
        let names = (0..<23).map { String(format: "paged-%02d", $0) + "-" + UUID().uuidString.prefix(6) }
        for name in names {
            _ = try await iam.createRole(name: name, assumeRolePolicyDocument: trust, path: prefix)
        }
        let first = try await iam.listRoles(pathPrefix: prefix, maxItems: 10)
        XCTAssertEqual(first.items.count, 10)
        XCTAssertTrue(first.isTruncated)
        XCTAssertNotNil(first.marker)

        iam.calls.reset()
        let all = try await iam.listAllRoles(pathPrefix: prefix, pageSize: 10)
        XCTAssertEqual(Set(all.map(\.roleName)), Set(names))
        XCTAssertEqual(all.count, 23)
        XCTAssertEqual(iam.calls.snapshot, ["iam:ListRoles": 3])
        for name in names { try await iam.deleteRole(name: name) }
    }

    func testCallerIdentityAndAssumeRoleWithExternalId() async throws {
        let identity = try await sts.getCallerIdentity()
        XCTAssertEqual(identity.account, "123456789012")
        XCTAssertTrue(identity.arn.hasPrefix("arn:aws:"))
        XCTAssertFalse(identity.userId.isEmpty)

        let user = try await iam.getUser()
        XCTAssertFalse(user.arn.isEmpty)

        let role = try await iam.createRole(name: uniqueName("assume"), assumeRolePolicyDocument: trust)
        let assumed = try await sts.assumeRole(roleArn: role.arn, sessionName: "infra-test", externalId: "ext-42",
                                               durationSeconds: 900)
        XCTAssertFalse(assumed.credentials.accessKeyId.isEmpty)
        XCTAssertNotNil(assumed.credentials.sessionToken)
        XCTAssertNotNil(assumed.expiration)
        XCTAssertEqual(assumed.assumedRoleArn?.hasSuffix("/infra-test"), true)
        XCTAssertFalse(assumed.credentials.description.contains(assumed.credentials.secretAccessKey))

        // The temporary credentials sign requests moto attributes to the assumed role.
        var roleConfiguration = configuration!
        roleConfiguration.credentials = assumed.credentials
        let asRole = try await STSClient(configuration: roleConfiguration).getCallerIdentity()
        XCTAssertTrue(asRole.arn.contains(":assumed-role/\(role.roleName)/infra-test"), asRole.arn)
    }

    /// A `role_arn` profile resolved end to end: source keys from the credentials file, AssumeRole
    /// with the external id against moto's STS, then calls signed with the temporary credentials.
    func testRoleProfileFromSharedFilesAssumesTheRole() async throws {
        let role = try await iam.createRole(name: uniqueName("profile-role"), assumeRolePolicyDocument: trust)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n"
            .write(to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try """
            [profile loader]
            role_arn = \(role.arn)
            source_profile = base
            external_id = ext-42
            role_session_name = from-profile
            region = eu-west-1
            """.write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        let environment = AWSEnvironment(variables: [
            "HOME": home.path, "AWS_PROFILE": "loader", "AWS_ENDPOINT_URL": Self.server!.url.absoluteString,
        ])
        let resolved = try await environment.configuration()
        XCTAssertNotEqual(resolved.credentials.accessKeyId, "AKIDBASE")
        XCTAssertNotNil(resolved.credentials.sessionToken)
        let identity = try await STSClient(configuration: resolved).getCallerIdentity()
        XCTAssertTrue(identity.arn.contains(":assumed-role/\(role.roleName)/from-profile"), identity.arn)
    }

    func json(_ text: String?) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(text).utf8)) as? NSDictionary)
    }
}
