import Foundation
import TestSupport
import XCTest

/// Every stack in stacks/ on the embedded default: validate, plan, apply, a clean re-plan, verify, promote to
/// prod, destroy both environments; then boto3 and snowflake-connector-python find nothing left behind. The data
/// stacks' least-privilege roles (issue 16) are read by the connector: the same grants in dev and prod, and verify
/// proves each role's refusals as its own service user.
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

    /// What exists, by independent clients: buckets, IAM roles, integrations, databases, warehouses, Snowflake roles and users.
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
            for kind, show in [('integration', 'SHOW INTEGRATIONS'), ('database', 'SHOW DATABASES'), ('warehouse', 'SHOW WAREHOUSES'),
                               ('snowflake-role', 'SHOW ROLES'), ('snowflake-user', 'SHOW USERS')]:
                cur.execute(show)
                names = [d[0] for d in cur.description]
                found += [kind + ':' + row[names.index('name')] for row in cur.fetchall()]
            print(json.dumps(found))
            """)
        return Set(try JSONDecoder().decode([String].self, from: Data(output.utf8)))
    }

    /// The grants of a deployment's loader, transformer and reader roles and of their service users, as SHOW GRANTS
    /// TO ROLE / SHOW FUTURE GRANTS TO ROLE / SHOW GRANTS TO USER list them, with the environment's name made `ENV`
    /// so that dev and prod compare.
    func accessShape(prefix: String, environment: String) throws -> Set<String> {
        let output = try local.python("""
            import json, os, snowflake.connector
            conn = snowflake.connector.connect(account='LOCAL', user='DEPLOYER', password='x', host='127.0.0.1',
                                               port=int(os.environ['INFRA_CONNECTOR_PORT']), protocol='http')
            cur = conn.cursor()
            shape = []
            base = os.environ['PREFIX'] + '_' + os.environ['ENVIRONMENT'].upper()
            for role in ['LOADER', 'TRANSFORMER', 'READER']:
                for show in ['SHOW GRANTS TO ROLE', 'SHOW FUTURE GRANTS TO ROLE', 'SHOW GRANTS TO USER']:
                    name = base + '_' + role + ('_SVC' if show.endswith('USER') else '')
                    cur.execute(show + ' ' + name)
                    cols = [d[0] for d in cur.description]
                    for row in cur.fetchall():
                        r = dict(zip(cols, row))
                        what = r.get('privilege') or 'ROLE'
                        shape.append(' '.join([show.split()[1], name, what, r.get('granted_on') or r.get('grant_on') or '', r.get('name') or r['role']]))
            print(json.dumps([line.replace('_' + os.environ['ENVIRONMENT'].upper(), '_ENV') for line in shape]))
            """, environment: ["PREFIX": prefix, "ENVIRONMENT": environment])
        return Set(try JSONDecoder().decode([String].self, from: Data(output.utf8)))
    }

    /// Each role's refusals, proven by verify as the role's own service user.
    static let refusals = [
        "access.loader-cannot-drop-raw: succeeded after", "access.loader-cannot-read-mart: succeeded after",
        "access.reader-cannot-write-mart: succeeded after", "access.reader-cannot-read-raw: succeeded after",
    ]

    func fullCycle(_ stack: String, createsCloudObjects: Bool = true, accessPrefix: String? = nil,
                   file: StaticString = #filePath, line: UInt = #line) throws {
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
        if let prefix = accessPrefix {
            for refusal in Self.refusals {
                XCTAssertTrue(verify.stdout.contains(refusal), "\(refusal) in:\n\(verify.stdout)", file: file, line: line)
            }
            XCTAssertEqual(verify.stdout.components(separatedBy: "failed as expected").count - 1, 4, verify.stdout, file: file, line: line)
            let dev = try accessShape(prefix: prefix, environment: "dev"), prod = try accessShape(prefix: prefix, environment: "prod")
            XCTAssertEqual(dev, prod, "promotion keeps the roles' shape", file: file, line: line)
            // The loader: usage down to RAW and nothing on the marts; no role owns anything it was given.
            XCTAssertTrue(dev.contains("GRANTS \(prefix)_ENV_LOADER USAGE SCHEMA \(prefix)_ENV.\(stack == "reviews-lake" ? "STAGING" : "RAW")"),
                          dev.sorted().joined(separator: "\n"), file: file, line: line)
            XCTAssertFalse(dev.contains { $0.hasPrefix("GRANTS \(prefix)_ENV_LOADER") && $0.contains("MART") }, file: file, line: line)
            XCTAssertFalse(dev.contains { $0.contains(" OWNERSHIP ") }, dev.sorted().joined(separator: "\n"), file: file, line: line)
            XCTAssertTrue(dev.contains("GRANTS \(prefix)_ENV_LOADER_SVC ROLE ROLE \(prefix)_ENV_LOADER")
                            || dev.contains { $0.hasPrefix("GRANTS \(prefix)_ENV_LOADER_SVC") && $0.hasSuffix("\(prefix)_ENV_LOADER") },
                          dev.sorted().joined(separator: "\n"), file: file, line: line)
        }
        _ = try step(["destroy", stack, "--env", "prod", "--auto-approve"], expect: 1)  // protected
        _ = try step(["destroy", stack, "--env", "prod", "--auto-approve", "--force", "--allow-data-loss"])
        _ = try step(["destroy", stack, "--env", "dev", "--auto-approve", "--allow-data-loss"])
        let left = try inventory().subtracting(before)
        XCTAssertEqual(left, [], "nothing of \(stack) is left behind", file: file, line: line)
    }

    func testEcommerceEvents() throws { try fullCycle("ecommerce-events", accessPrefix: "ECOMMERCE") }
    func testReviewsLake() throws { try fullCycle("reviews-lake", accessPrefix: "REVIEWS") }
    func testGithubGlue() throws { try fullCycle("github-glue", accessPrefix: "GITHUB") }
    func testCustomerOrders() throws { try fullCycle("customer-orders", accessPrefix: "STREAMLINE") }
    func testPools() throws { try fullCycle("pools", createsCloudObjects: false) }

    /// The seed's hourly DAG as `infra run STACK load`: wait for files, COPY INTO, check; the second run loads nothing new.
    func testEcommerceLoadPipeline() throws {
        let applied = try infra("apply", "ecommerce-events", "--env", "dev", "--auto-approve")
        XCTAssertEqual(applied.exitCode, 0, applied.stdout + applied.stderr)
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
