import Foundation
import TestSupport
import XCTest

/// Every stack in stacks/ on the embedded default: validate, plan, apply, a clean re-plan, verify, promote to
/// prod, destroy both environments; then boto3 and snowflake-connector-python find nothing left behind.
final class SeedStacksTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!

    override func setUpWithError() throws {
        local = try LocalEndpoints.shared()
        project = try local.project(prod: true)
        let root = LocalEndpoints.projectRootPath
        for folder in ["stacks", "templates", "fixtures"] {
            try? FileManager.default.removeItem(atPath: "\(project!)/\(folder)")
            try FileManager.default.copyItem(atPath: "\(root)/\(folder)", toPath: "\(project!)/\(folder)")
        }
    }

    func infra(_ args: String...) throws -> CLIResult { try CLI.run(args, in: project) }

    /// What exists, by independent clients: buckets, roles, integrations, databases, warehouses.
    func inventory() throws -> Set<String> {
        let output = try local.python("""
            import boto3, json, os, snowflake.connector
            s3 = boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            iam = boto3.client('iam', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            found = ['bucket:' + b['Name'] for b in s3.list_buckets()['Buckets']]
            found += ['role:' + r['RoleName'] for r in iam.get_paginator('list_roles').paginate().build_full_result()['Roles']]
            conn = snowflake.connector.connect(account='LOCAL', user='DEPLOYER', password='x', host='127.0.0.1',
                                               port=int(os.environ['INFRA_CONNECTOR_PORT']), protocol='http')
            cur = conn.cursor()
            for kind, show in [('integration', 'SHOW INTEGRATIONS'), ('database', 'SHOW DATABASES'), ('warehouse', 'SHOW WAREHOUSES')]:
                cur.execute(show)
                names = [d[0] for d in cur.description]
                found += [kind + ':' + row[names.index('name')] for row in cur.fetchall()]
            print(json.dumps(found))
            """)
        return Set(try JSONDecoder().decode([String].self, from: Data(output.utf8)))
    }

    func fullCycle(_ stack: String, createsCloudObjects: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try inventory()
        func step(_ args: [String], expect: Int32 = 0) throws -> CLIResult {
            let r = try CLI.run(args, in: project)
            XCTAssertEqual(r.exitCode, expect, "infra \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)", file: file, line: line)
            return r
        }
        _ = try step(["validate", stack, "--env", "dev"])
        _ = try step(["validate", stack, "--env", "prod"])
        _ = try step(["plan", stack, "--env", "dev", "--detailed-exitcode"], expect: 2)
        _ = try step(["apply", stack, "--env", "dev", "--auto-approve"])
        let created = try inventory().subtracting(before)
        XCTAssertEqual(!created.isEmpty, createsCloudObjects, "apply created cloud objects: \(created.sorted())", file: file, line: line)
        _ = try step(["plan", stack, "--env", "dev", "--detailed-exitcode"], expect: 0)
        let verify = try step(["verify", stack, "--env", "dev"])
        XCTAssertTrue(verify.stdout.contains("Pipeline verify passed"), verify.stdout, file: file, line: line)
        _ = try step(["promote", stack, "--from", "dev", "--to", "prod", "--auto-approve"])
        _ = try step(["plan", stack, "--env", "prod", "--detailed-exitcode"], expect: 0)
        _ = try step(["destroy", stack, "--env", "prod", "--auto-approve"], expect: 1)  // protected
        _ = try step(["destroy", stack, "--env", "prod", "--auto-approve", "--force", "--allow-data-loss"])
        _ = try step(["destroy", stack, "--env", "dev", "--auto-approve", "--allow-data-loss"])
        let left = try inventory().subtracting(before)
        XCTAssertEqual(left, [], "nothing of \(stack) is left behind", file: file, line: line)
    }

    func testEcommerceEvents() throws { try fullCycle("ecommerce-events") }
    func testReviewsLake() throws { try fullCycle("reviews-lake") }
    func testGithubGlue() throws { try fullCycle("github-glue") }
    func testCustomerOrders() throws { try fullCycle("customer-orders") }
    func testPools() throws { try fullCycle("pools", createsCloudObjects: false) }

    /// The seed's hourly DAG as `infra run STACK load`: wait for files, COPY INTO, check; the second run loads nothing new.
    func testEcommerceLoadPipeline() throws {
        XCTAssertEqual(try infra("apply", "ecommerce-events", "--env", "dev", "--auto-approve").exitCode, 0)
        defer { _ = try? infra("destroy", "ecommerce-events", "--env", "dev", "--auto-approve", "--allow-data-loss") }
        _ = try local.python("""
            import boto3, gzip, os
            body = gzip.compress(open(os.environ['FIXTURE'], 'rb').read())
            boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT']).put_object(
                Bucket='ecommerce-streaming-data-dev', Key='raw-events/2026/02/06/18/events_001.json.gz', Body=body)
            """, environment: ["FIXTURE": "\(LocalEndpoints.projectRootPath)/fixtures/events.ndjson"])
        var r = try infra("run", "ecommerce-events", "load", "--env", "dev")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("1 file loaded (3 rows)"), r.stdout)
        r = try infra("run", "ecommerce-events", "load", "--env", "dev")
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("0 files loaded (0 rows); nothing new to load"), r.stdout)
    }

    /// A role that trusts the wrong external ID: verify fails with Snowflake's message and points at the cause.
    func testBrokenHandshakeFailsVerifyWithAHint() throws {
        XCTAssertEqual(try infra("apply", "ecommerce-events", "--env", "dev", "--auto-approve").exitCode, 0)
        defer { _ = try? infra("destroy", "ecommerce-events", "--env", "dev", "--auto-approve", "--allow-data-loss") }
        _ = try local.python("""
            import boto3, json, os
            iam = boto3.client('iam', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            name = 'snowflake-dev-ecommerce-reader'
            doc = json.loads(json.dumps(iam.get_role(RoleName=name)['Role']['AssumeRolePolicyDocument']))
            doc['Statement'][0]['Condition']['StringEquals']['sts:ExternalId'] = 'not-the-integrations-id'
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(doc))
            """)
        let r = try infra("verify", "ecommerce-events", "--env", "dev")
        XCTAssertEqual(r.exitCode, 1)
        let text = r.stdout + r.stderr
        XCTAssertTrue(text.contains("Error assuming AWS_ROLE"), text)
        XCTAssertTrue(text.contains("hint: the IAM role's trust policy must allow the integration's STORAGE_AWS_IAM_USER_ARN"), text)
        // And the plan sees the change made outside infra; apply repairs it and verify passes again.
        XCTAssertTrue(try infra("plan", "ecommerce-events", "--env", "dev").stdout.contains("changed outside infra"))
        XCTAssertEqual(try infra("apply", "ecommerce-events", "--env", "dev", "--auto-approve").exitCode, 0)
        XCTAssertEqual(try infra("verify", "ecommerce-events", "--env", "dev").exitCode, 0)
    }
}
