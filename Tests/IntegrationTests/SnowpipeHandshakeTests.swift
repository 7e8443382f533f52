import Foundation
import TestSupport
import XCTest

/// Snowpipe's handshake in one apply: the bucket's SQS notification needs the pipe's notification_channel
/// (known only after the pipe exists), the pipe needs the stage, the stage the integration, the integration
/// the role's ARN (known at plan time), the role the integration's principal and external ID. One apply,
/// no second run; then a file landing in S3 arrives in the table with no COPY from us.
final class SnowpipeHandshakeTests: XCTestCase {
    func testOneApplyWiresAutoIngest() throws {
        let local = try LocalEndpoints.shared()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let project = try local.project()
        try """
            stack: pipe
            resources:
              landing:
                type: aws.s3.bucket
                name: pipe-landing-\(suffix)
                force_destroy: true
                notifications:
                  - {queue: "${events_pipe.notification_channel}", prefix: stream/, suffix: .json}
              reader:
                type: aws.iam.role
                name: pipe-reader-\(suffix)
                trust: {snowflake_integration: "${access}"}
                policy:
                  - {allow: [s3:GetObject, s3:GetObjectVersion], on: "${landing.arn}/stream/*"}
                  - {allow: [s3:ListBucket], on: "${landing.arn}"}
              access:
                type: snowflake.storage_integration
                name: PIPE_INT_\(suffix.uppercased())
                role_arn: ${reader.arn}
                allowed_locations: ["s3://${landing.name}/stream/"]
                external_id: preset-\(suffix)
              db: {type: snowflake.database, name: "PIPE_\(suffix.uppercased())"}
              raw: {type: snowflake.schema, database: "${db}", name: RAW}
              json: {type: snowflake.file_format, schema: "${raw}", name: JSON_LINES, format: json}
              stage: {type: snowflake.stage, schema: "${raw}", name: STREAM, url: "s3://${landing.name}/stream/", storage_integration: "${access}", file_format: "${json}"}
              events:
                type: snowflake.table
                schema: ${raw}
                name: EVENTS
                columns: [{name: PAYLOAD, type: VARIANT}]
              events_pipe:
                type: snowflake.pipe
                schema: ${raw}
                name: EVENTS_PIPE
                copy: {into: "${events}", from: "@${stage}"}
            pipelines:
              verify:
                - name: land
                  s3_put: {bucket: "${landing}", key: "stream/${run.id}.json", content: '{"id": 1}'}
                - name: arrives-by-itself
                  after: [land]
                  retries: 6
                  retry_delay: 0.5
                  sql: SELECT COUNT(*) FROM ${events}
                  expect: {value: 1}
            """.write(toFile: "\(project)/stacks/pipe.yaml", atomically: true, encoding: .utf8)

        var r = try CLI.run(["plan", "pipe", "--env", "dev"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        r = try CLI.run(["apply", "pipe", "--env", "dev", "--auto-approve"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("9 added"), r.stdout)
        let queue = try local.python("""
            import boto3, os
            s3 = boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            print(s3.get_bucket_notification_configuration(Bucket='pipe-landing-\(suffix)')['QueueConfigurations'][0]['QueueArn'])
            """)
        XCTAssertTrue(queue.hasPrefix("arn:aws:sqs:"), queue)
        let trust = try local.python("""
            import boto3, json, os
            print(json.dumps(boto3.client('iam', endpoint_url=os.environ['INFRA_AWS_ENDPOINT']).get_role(RoleName='pipe-reader-\(suffix)')['Role']['AssumeRolePolicyDocument']))
            """)
        XCTAssertTrue(trust.contains("preset-\(suffix)"), "the preset external id is honoured: \(trust)")
        XCTAssertEqual(try CLI.run(["plan", "pipe", "--env", "dev", "--detailed-exitcode"], in: project).exitCode, 0)
        r = try CLI.run(["verify", "pipe", "--env", "dev"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        r = try CLI.run(["destroy", "pipe", "--env", "dev", "--auto-approve", "--allow-data-loss"], in: project)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
    }
}
