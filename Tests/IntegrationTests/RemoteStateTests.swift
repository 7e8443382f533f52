import Foundation
import TestSupport
import XCTest

/// `backend: {s3: …}`: state lives in a bucket of the local AWS, and a conditional write (If-None-Match: *)
/// on a lock object keeps two runs apart.
final class RemoteStateTests: XCTestCase {
    func testStateInS3WithConditionalWriteLock() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let bucket = "it-state-\(suffix)"
        let folder = NSTemporaryDirectory() + "creds-\(suffix)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "[test]\naws_access_key_id = \(local.awsAccessKeyID)\naws_secret_access_key = \(local.awsSecretAccessKey)\n"
            .write(toFile: "\(folder)/credentials", atomically: true, encoding: .utf8)
        _ = try local.python("import boto3, os; boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT']).create_bucket(Bucket='\(bucket)')")
        let project = try CLI.project([
            "environments/dev.yaml": """
                name: dev
                aws: {region: us-east-1, endpoint: "\(local.awsEndpoint)", credentials_file: "\(folder)/credentials", profile: test}
                backend: {s3: {bucket: \(bucket), key: infra/pools/dev.json}}
                """,
            "stacks/p.yaml": "stack: p\nresources:\n  a: {type: pool, slots: 2}\n  b: {type: pool, slots: 3}\n",
        ])
        var r = try CLI.run(["apply", "p", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        let state = try local.python("""
            import boto3, json, os
            s3 = boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            doc = json.loads(s3.get_object(Bucket='\(bucket)', Key='infra/pools/dev.json')['Body'].read())
            keys = [o['Key'] for o in s3.list_objects_v2(Bucket='\(bucket)').get('Contents', [])]
            print(sorted(doc['resources']), keys)
            """)
        XCTAssertEqual(state, "['a', 'b'] ['infra/pools/dev.json']\n", "state written, lock released")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(project)/.infra/state"), "nothing local")

        // Another run holds the lock: refused, naming the holder and since when.
        _ = try local.python("""
            import boto3, json, os
            s3 = boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            s3.put_object(Bucket='\(bucket)', Key='infra/pools/dev.json.lock', Body=json.dumps({'id': 'x1', 'operation': 'apply',
                'who': 'ana@ci-runner', 'host': 'ci-runner', 'pid': 4242, 'created_at': '2026-11-25T10:00:00Z'}))
            """)
        let started = Date()
        r = try CLI.run(["apply", "p", "--env", "dev", "--auto-approve"], in: project)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 1.5, "a refused run exits at once: two requests (the conditional write, the holder's read)")
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertTrue(r.stderr.contains("state is locked: apply by ana@ci-runner (pid 4242) since 2026-11-25T10:00:00Z"), r.stderr)
        XCTAssertTrue(r.stderr.contains("s3://\(bucket)/infra/pools/dev.json.lock"), r.stderr)

        r = try CLI.run(["state", "unlock", "p", "--env", "dev", "x1"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Removed the lock held by apply by ana@ci-runner"), r.stdout)
        r = try CLI.run(["destroy", "p", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
    }
}
