import ArgumentParser
import Foundation
import InfraEngine

/// `infra init [DIR]`: a project of the user's own, ready for `infra local up` and a first apply.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a project: stacks/, environments/dev.yaml on the local endpoints, and a starter stack.",
        discussion: "Existing files are never overwritten. Then: cd DIR && infra local up && infra apply landing --env dev")

    @Argument(help: "The project folder (default: the current folder); created if missing.") var directory: String?

    func run() async throws {
        try await reportingErrors {
            let root = directory ?? FileManager.default.currentDirectoryPath
            let files = ProjectScaffold.files
            let fm = FileManager.default
            let existing = files.keys.filter { fm.fileExists(atPath: "\(root)/\($0)") }.sorted()
            if existing.count == files.count {
                throw Diagnostic("\(root) is already an infra project (\(existing.joined(separator: ", ")) exist)", at: nil,
                                 hint: "nothing to do; run `infra validate landing --env dev` there")
            }
            for (path, text) in files.sorted(by: { $0.key < $1.key }) where !existing.contains(path) {
                let url = URL(fileURLWithPath: "\(root)/\(path)")
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
                Terminal.out("  created \(path)")
            }
            for path in existing { Terminal.out("  kept    \(path) (exists)") }
            for folder in ["stacks", "templates", "environments"] {
                try fm.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            }
            Terminal.out("\nProject ready in \(root). Next:")
            if let directory { Terminal.out("  cd \(directory)") }
            Terminal.out("""
                  infra local up                        # a local AWS and Snowflake, no account needed
                  infra plan landing --env dev          # what apply would do
                  infra apply landing --env dev         # build it
                  infra verify landing --env dev        # prove a file travels S3 -> Snowflake
                  infra destroy landing --env dev --allow-data-loss
                """)
        }
    }
}

/// What `infra init` writes: the environment on the local endpoints and a small but complete landing zone.
enum ProjectScaffold {
    static let files: [String: String] = [
        ".gitignore": """
            # infra's working files: state, local endpoints' keys and logs, pipeline runs
            .infra/

            """,
        "environments/dev.yaml": """
            # The embedded default: everything runs against the local endpoints started by `infra local up`.
            # For a real account, copy this file (say to prod.yaml) and set region/account_id, drop the endpoints,
            # and name your credentials: an AWS profile, and a Snowflake user with its key (see the README).
            name: dev
            aws:
              region: us-east-1
              account_id: "000000000000"
              endpoint: http://127.0.0.1:4566
              credentials_file: .infra/local/aws-credentials
              profile: infra-local
            snowflake:
              account: LOCAL
              user: DEPLOYER
              private_key_file: .infra/local/deployer.p8
              endpoint: http://127.0.0.1:8091

            """,
        "stacks/landing.yaml": """
            stack: landing
            description: JSON files land in S3 and load into a Snowflake table through a storage integration.

            vars:
              bucket: landing-${env.name}-raw
              database: LANDING_${env.name | upper}

            resources:
              raw_bucket:
                type: aws.s3.bucket
                name: ${var.bucket}
                public_access: blocked
                force_destroy: true

              snowflake_reader:
                type: aws.iam.role
                name: snowflake-${env.name}-landing-reader
                trust:
                  snowflake_integration: ${s3_access}
                policy:
                  - allow: [s3:GetObject, s3:GetObjectVersion]
                    on: "${raw_bucket.arn}/*"
                  - allow: [s3:ListBucket, s3:GetBucketLocation]
                    on: ${raw_bucket.arn}

              s3_access:
                type: snowflake.storage_integration
                name: LANDING_S3_${env.name | upper}
                role_arn: ${snowflake_reader.arn}
                allowed_locations: ["s3://${raw_bucket.name}/"]

              db:
                type: snowflake.database
                name: ${var.database}
              raw:
                type: snowflake.schema
                database: ${db}
                name: RAW
              json_lines:
                type: snowflake.file_format
                schema: ${raw}
                name: JSON_LINES
                format: json
              stage:
                type: snowflake.stage
                schema: ${raw}
                name: RAW_STAGE
                url: s3://${raw_bucket.name}/
                storage_integration: ${s3_access}
                file_format: ${json_lines}
              events:
                type: snowflake.table
                schema: ${raw}
                name: EVENTS
                columns:
                  - {name: payload, type: VARIANT}
                  - {name: source_file, type: VARCHAR(500)}

            pipelines:
              verify:
                - name: land-sample
                  s3_put:
                    bucket: ${raw_bucket}
                    key: _infra_check/${run.id}/sample.json
                    content: |
                      {"id": 1, "kind": "click"}
                      {"id": 2, "kind": "view"}
                - name: load-sample
                  after: [land-sample]
                  retries: 3
                  copy:
                    into: ${events}
                    from: "@${stage}/_infra_check/${run.id}/"
                    columns: [payload, source_file]
                    select: $1, METADATA$FILENAME
                  expect: {rows_loaded: 2}
                - name: rows-arrived
                  after: [load-sample]
                  assert:
                    table: ${events}
                    where: source_file LIKE '%${run.id}%'
                    row_count: {equals: 2}
              teardown:
                - name: remove-sample-rows
                  sql: DELETE FROM ${events} WHERE source_file LIKE '_infra_check/%'
                - name: remove-sample-files
                  s3_delete: {bucket: "${raw_bucket}", prefix: _infra_check/}

            """,
    ]
}
