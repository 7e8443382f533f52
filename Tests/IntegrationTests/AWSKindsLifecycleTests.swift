import Foundation
import TestSupport
import XCTest

/// Buckets and roles through the real CLI against the local AWS (moto, signatures enforced): create,
/// read back with boto3, no-op re-plan within the call budget, drift, non-empty delete refused, force_destroy.
final class AWSKindsLifecycleTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        try FileManager.default.createDirectory(atPath: NSTemporaryDirectory() + "creds-\(suffix)", withIntermediateDirectories: true)
        let credentials = NSTemporaryDirectory() + "creds-\(suffix)/credentials"
        try "[test]\naws_access_key_id = \(local.awsAccessKeyID)\naws_secret_access_key = \(local.awsSecretAccessKey)\n"
            .write(toFile: credentials, atomically: true, encoding: .utf8)
        project = try CLI.project([
            "environments/dev.yaml": """
                name: dev
                aws: {region: us-east-1, account_id: "000000000000", endpoint: "\(local.awsEndpoint)", credentials_file: "\(credentials)", profile: test}
                """,
        ])
        try writeStack(forceDestroy: false, tags: "{team: data}")
    }

    override func tearDownWithError() throws {
        guard let project else { return }
        try writeStack(forceDestroy: true, tags: "{team: data}")
        _ = try? CLI.run(["apply", "s", "--env", "dev", "--auto-approve"], in: project)
        _ = try? CLI.run(["destroy", "s", "--env", "dev", "--auto-approve", "--allow-data-loss"], in: project)
    }

    func writeStack(forceDestroy: Bool, tags: String) throws {
        try """
            stack: s
            resources:
              landing:
                type: aws.s3.bucket
                name: it-landing-\(suffix)
                versioning: true
                encryption: AES256
                public_access: blocked
                lifecycle_rules:
                  - {prefix: raw/, expire_days: 90}
                tags: \(tags)
                force_destroy: \(forceDestroy)
              reader:
                type: aws.iam.role
                name: it-reader-\(suffix)
                path: /snowflake/
                trust:
                  aws: ["arn:aws:iam::000000000000:user/snowflake-principal"]
                  external_id: ext-\(suffix)
                policy:
                  - allow: [s3:GetObject, s3:GetObjectVersion]
                    on: "${landing.arn}/raw/*"
                  - allow: [s3:ListBucket]
                    on: ${landing.arn}
                tags: \(tags)
            """.write(toFile: "\(project!)/stacks/s.yaml", atomically: true, encoding: .utf8)
    }

    func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }

    func boto(_ body: String) throws -> String {
        try local.python("""
            import boto3, json, os
            s3 = boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            iam = boto3.client('iam', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            \(body)
            """)
    }

    func testBucketAndRoleLifecycle() throws {
        var r = try infra("apply", "s", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("2 added"), r.stdout)

        // Independent read-back.
        let bucket = "it-landing-\(suffix)", role = "it-reader-\(suffix)"
        XCTAssertEqual(try boto("print(s3.get_bucket_versioning(Bucket='\(bucket)')['Status'])"), "Enabled\n")
        XCTAssertEqual(try boto("print(s3.get_bucket_lifecycle_configuration(Bucket='\(bucket)')['Rules'][0]['Expiration']['Days'])"), "90\n")
        XCTAssertEqual(try boto("print(s3.get_public_access_block(Bucket='\(bucket)')['PublicAccessBlockConfiguration']['BlockPublicPolicy'])"), "True\n")
        let trust = try boto("print(json.dumps(iam.get_role(RoleName='\(role)')['Role']['AssumeRolePolicyDocument']))")
        XCTAssertTrue(trust.contains("ext-\(suffix)") && trust.contains("snowflake-principal"), trust)
        XCTAssertEqual(try boto("print(iam.get_role(RoleName='\(role)')['Role']['Arn'])"), "arn:aws:iam::000000000000:role/snowflake/\(role)\n",
                       "the ARN the plan promised")

        // No perpetual diff, within the refresh budget: ListBuckets + one call per declared sub-resource.
        r = try infra("plan", "s", "--env", "dev", "--detailed-exitcode", "--trace")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("aws s3: 6 calls"), r.stderr)  // versioning, encryption, PAB, lifecycle, tags + ListBuckets
        XCTAssertTrue(r.stderr.contains("ListRoles 1"), r.stderr)

        // Drift made with boto3 shows as exactly that.
        _ = try boto("s3.put_bucket_versioning(Bucket='\(bucket)', VersioningConfiguration={'Status': 'Suspended'})")
        r = try infra("plan", "s", "--env", "dev")
        XCTAssertTrue(r.stdout.contains("changed outside infra") && r.stdout.contains("versioning: true -> false"), r.stdout)

        // An in-place change.
        try writeStack(forceDestroy: false, tags: "{team: data, owner: ana}")
        r = try infra("apply", "s", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(try boto("print(iam.list_role_tags(RoleName='\(role)')['Tags'])").contains("ana"))
        // infra's owner tags are on both objects, and never part of the `tags:` diff.
        let bucketTags = try boto("print(sorted((t['Key'], t['Value']) for t in s3.get_bucket_tagging(Bucket='\(bucket)')['TagSet']))")
        XCTAssertTrue(bucketTags.contains("('infra:stack', 's')") && bucketTags.contains("('infra:address', 'landing')")
                      && bucketTags.contains("('infra:environment', 'dev')") && bucketTags.contains("('owner', 'ana')"), bucketTags)
        XCTAssertTrue(try boto("print(iam.list_role_tags(RoleName='\(role)')['Tags'])").contains("'infra:address', 'Value': 'reader'"))
        XCTAssertEqual(try infra("plan", "s", "--env", "dev", "--detailed-exitcode").exitCode, 0)

        // A non-empty bucket is not deleted without force_destroy, and the message says why.
        _ = try boto("s3.put_object(Bucket='\(bucket)', Key='raw/a.json', Body=b'1'); s3.put_object(Bucket='\(bucket)', Key='raw/a.json', Body=b'2')")
        r = try infra("destroy", "s", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stdout.contains("Data at risk:") && r.stdout.contains("\(bucket) (bucket, landing): 2 objects, deleted"), r.stdout)
        XCTAssertTrue(r.stderr.contains("this plan destroys data: \(bucket) (2 objects); refusing without --allow-data-loss"), r.stderr)
        r = try infra("destroy", "s", "--env", "dev", "--auto-approve", "--allow-data-loss")
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue((r.stdout + r.stderr).contains("is not empty: 2 objects (or versions) block its deletion"), r.stdout + r.stderr)

        try writeStack(forceDestroy: true, tags: "{team: data, owner: ana}")
        XCTAssertEqual(try infra("apply", "s", "--env", "dev", "--auto-approve").exitCode, 0)
        r = try infra("destroy", "s", "--env", "dev", "--auto-approve", "--allow-data-loss")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertEqual(try boto("print([b['Name'] for b in s3.list_buckets()['Buckets'] if b['Name'] == '\(bucket)'])"), "[]\n")
        XCTAssertEqual(try boto("print([r['RoleName'] for r in iam.list_roles()['Roles'] if r['RoleName'] == '\(role)'])"), "[]\n")
    }

    /// `trust` as a whole IAM document (as the console shows it), and one principal written as a string: both apply,
    /// read back as written, and re-plan clean.
    func testTrustAsAFullDocumentOrASinglePrincipal() throws {
        let full = "it-doc-\(suffix)", single = "it-one-\(suffix)"
        try """
            stack: t
            resources:
              full:
                type: aws.iam.role
                name: \(full)
                trust:
                  Version: "2012-10-17"
                  Statement:
                    - Effect: Allow
                      Principal: {Service: glue.amazonaws.com}
                      Action: sts:AssumeRole
              single:
                type: aws.iam.role
                name: \(single)
                trust: {aws: "arn:aws:iam::000000000000:user/snowflake-principal", external_id: ext-\(suffix)}
            """.write(toFile: "\(project!)/stacks/t.yaml", atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(["destroy", "t", "--env", "dev", "--auto-approve"], in: project) }
        XCTAssertEqual(try infra("validate", "t", "--env", "dev").exitCode, 0)
        let r = try infra("apply", "t", "--env", "dev", "--auto-approve")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(try boto("print(json.dumps(iam.get_role(RoleName='\(full)')['Role']['AssumeRolePolicyDocument']))").contains("glue.amazonaws.com"))
        let trust = try boto("print(json.dumps(iam.get_role(RoleName='\(single)')['Role']['AssumeRolePolicyDocument']))")
        XCTAssertTrue(trust.contains("snowflake-principal") && trust.contains("ext-\(suffix)"), trust)
        let plan = try infra("plan", "t", "--env", "dev", "--detailed-exitcode")
        XCTAssertEqual(plan.exitCode, 0, plan.stdout + plan.stderr)
    }
}
