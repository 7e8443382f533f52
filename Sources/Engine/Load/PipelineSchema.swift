import Foundation

/// What a pipeline task may say. Parsed and checked with the stack, so a typo in a verify
/// pipeline fails `infra validate` instead of a deployment.
enum PipelineSchema {
    static let taskKeys: [PropertySchema] = [
        PropertySchema("name", .string, required: true),
        PropertySchema("after", .list(.string), summary: "tasks that must finish first"),
        PropertySchema("pool", .string, summary: "a pool resource bounding concurrency"),
        PropertySchema("retries", .int, default: 0),
        PropertySchema("retry_delay", .number, default: 1, summary: "seconds before the first retry; doubles each time"),
        PropertySchema("timeout", .number, summary: "seconds before the task is stopped"),
        PropertySchema("expect", .object(expectFields)),
        PropertySchema("role", .string, summary: "the Snowflake role a sql, copy or assert task runs as"),
        PropertySchema("as", .object(runAsFields), summary: "the Snowflake service user a sql, copy or assert task runs as"),
    ] + TaskKind.allCases.map { PropertySchema($0.rawValue, bodyType($0)) }

    static let runAsFields: [PropertySchema] = [
        PropertySchema("user", .string, required: true, summary: "the user's name (or a reference to its snowflake.user)"),
        PropertySchema("private_key_file", .string, required: true, summary: "the user's PKCS#8 key, relative to the project"),
        PropertySchema("private_key_passphrase_env", .string, summary: "the variable holding the key's passphrase"),
    ]

    static let expectFields: [PropertySchema] = [
        PropertySchema("rows", .any, summary: "a row count, or the exact rows as lists"),
        PropertySchema("value", .any, summary: "the single value the statement returns"),
        PropertySchema("rows_loaded", .int),
        PropertySchema("files_loaded", .int),
        PropertySchema("error", .string, summary: "text the error message must contain"),
        PropertySchema("exit_code", .int),
    ]

    static func bodyType(_ kind: TaskKind) -> PropertyType {
        switch kind {
        case .sql:
            return .string
        case .command:
            return .any
        case .s3_put:
            return .object([
                PropertySchema("bucket", .string, required: true), PropertySchema("key", .string, required: true),
                PropertySchema("file", .string), PropertySchema("content", .string), PropertySchema("gzip", .bool, default: false),
            ])
        case .s3_wait:
            return .object([
                PropertySchema("bucket", .string, required: true), PropertySchema("key", .string), PropertySchema("prefix", .string),
                PropertySchema("poke_interval", .number, default: 5), PropertySchema("timeout", .number, default: 300),
            ])
        case .s3_delete:
            return .object([
                PropertySchema("bucket", .string, required: true), PropertySchema("key", .string), PropertySchema("prefix", .string),
            ])
        case .copy:
            return .object([
                PropertySchema("into", .string, required: true), PropertySchema("from", .string, required: true),
                PropertySchema("pattern", .string), PropertySchema("files", .list(.string)),
                PropertySchema("on_error", .enumeration(["ABORT_STATEMENT", "CONTINUE", "SKIP_FILE"], caseInsensitive: true)),
                PropertySchema("file_format", .string), PropertySchema("force", .bool),
                PropertySchema("match_by_column_name", .enumeration(["CASE_SENSITIVE", "CASE_INSENSITIVE", "NONE"], caseInsensitive: true)),
                PropertySchema("columns", .list(.string)), PropertySchema("select", .string),
            ])
        case .assert:
            return .object([
                PropertySchema("table", .string, required: true),
                PropertySchema("where", .string),
                PropertySchema("not_null", .list(.string)),
                PropertySchema("unique", .list(.string)),
                PropertySchema("accepted_values", .object([
                    PropertySchema("column", .string, required: true), PropertySchema("values", .list(.any), required: true),
                ])),
                PropertySchema("relationships", .object([
                    PropertySchema("column", .string, required: true), PropertySchema("to", .string, required: true),
                    PropertySchema("field", .string, required: true),
                ])),
                PropertySchema("row_count", .object([
                    PropertySchema("equals", .int), PropertySchema("min", .int), PropertySchema("max", .int),
                ])),
            ])
        }
    }

    static let commandFields: [PropertySchema] = [
        PropertySchema("run", .string, required: true), PropertySchema("cwd", .string), PropertySchema("env", .map(.string)),
    ]
}
