import Foundation
import InfraEngine
import SnowflakeProvider

/// One task as Airflow operator code: the class, its import, its arguments (Python source), and whether the
/// arguments call the DAG file's check functions (AirflowChecks).
struct AirflowOperator {
    var className: String
    var module: String
    var arguments: [(String, String)]
    var usesChecks = false
}

/// `${run.*}` at export time: a marker made of characters every value check accepts (a stage path, a key), replaced
/// by Airflow's own run values in the arguments Airflow renders as templates.
enum RunValueMarker {
    static let prefix = "__infra_run_"
    static func marker(_ field: String) -> String { "\(prefix)\(field)__" }
    /// What each run value is in Airflow. A run id may hold ':' and '+', which S3 keys and stage paths avoid.
    static let jinja: [String: String] = [
        "id": "{{ run_id | replace(':', '') | replace('+', '') }}",
        "batch_id": "{{ dag_run.run_after | ts_nodash }}Z",
        "started_at": "{{ dag_run.start_date.strftime('%Y-%m-%dT%H:%M:%SZ') }}",
    ]
}

/// Translates resolved tasks (the model the embedded runner executes) into Airflow operators. Each task kind is
/// handled in one exhaustive switch: a new kind does not compile until it is exported too.
struct AirflowTaskTranslator {
    let decl: TaskDecl
    let task: ResolvedTask
    /// The Airflow connection of a task's `as:` user.
    let userConnectionID: (TaskUser) -> String

    static let awsConnection = "AWS_CONN_ID"
    static let snowflakeConnection = "SNOWFLAKE_CONN_ID"

    func translate() throws -> AirflowOperator {
        let body = task.body.mapValue ?? [:]
        var op: AirflowOperator
        switch task.kind {
        case .s3_wait:
            let prefix = body["prefix"]?.stringValue
            if let prefix, prefix.contains(where: { "*?[]".contains($0) }) {
                throw refusal("the prefix '\(prefix)' holds a wildcard character, which S3KeySensor's pattern would read as one",
                              hint: "use a prefix without * ? [ ]")
            }
            op = AirflowOperator(className: "S3KeySensor", module: "airflow.providers.amazon.aws.sensors.s3", arguments: [
                ("bucket_name", try templated(body["bucket"])),
                ("bucket_key", try templated(prefix.map { .string($0 + "*") } ?? body["key"])),
                ("wildcard_match", prefix == nil ? "False" : "True"),
                ("poke_interval", PythonSource.literal(body["poke_interval"] ?? .double(5))),
                ("timeout", PythonSource.literal(body["timeout"] ?? .double(300))),
                ("deferrable", "True"),
                ("aws_conn_id", Self.awsConnection),
            ])
        case .s3_put:
            let gzip = body["gzip"]?.boolValue == true
            if let file = body["file"] {
                op = AirflowOperator(className: "LocalFilesystemToS3Operator", module: "airflow.providers.amazon.aws.transfers.local_to_s3",
                                     arguments: [
                                         ("filename", "os.path.join(PROJECT_DIR, \(try templated(file)))"),
                                         ("dest_bucket", try templated(body["bucket"])), ("dest_key", try templated(body["key"])),
                                         ("replace", "True"), ("gzip", gzip ? "True" : "False"), ("aws_conn_id", Self.awsConnection),
                                     ])
            } else {
                op = AirflowOperator(className: "S3CreateObjectOperator", module: "airflow.providers.amazon.aws.operators.s3", arguments: [
                    ("s3_bucket", try templated(body["bucket"])), ("s3_key", try templated(body["key"])),
                    ("data", try templated(body["content"])), ("replace", "True"),
                ] + (gzip ? [("compression", "\"gzip\"")] : []) + [("aws_conn_id", Self.awsConnection)])
            }
        case .s3_delete:
            let target = body["key"] != nil ? ("keys", try templated(body["key"])) : ("prefix", try templated(body["prefix"]))
            op = AirflowOperator(className: "S3DeleteObjectsOperator", module: "airflow.providers.amazon.aws.operators.s3", arguments: [
                ("bucket", try templated(body["bucket"])), target, ("aws_conn_id", Self.awsConnection),
            ])
        case .sql:
            if let expectedError = task.expect?.mapValue?["error"]?.stringValue {
                op = expectingErrorOperator(try templated(task.body, sql: true), expectedError: expectedError)
                break
            }
            let expect = try expectation(allowed: ["rows", "value", "files_loaded", "rows_loaded"])
            op = sqlOperator(try templated(task.body, sql: true),
                             handler: expect.map { "_rows_expecting(\($0))" })
        case .copy:
            let statement: String
            do { statement = try CopyTaskExecutor.statement(body) } catch { throw refusal("\(error)") }
            let expect = try expectation(allowed: ["files_loaded", "rows_loaded"]) ?? "{}"
            op = sqlOperator(try templated(.string(statement), sql: true), handler: "_copy_result(\(expect))")
        case .assert:
            let checks = try AssertTaskExecutor.checks(body)
            guard !checks.isEmpty else { throw refusal("an assert task needs at least one test") }
            let rules = checks.map { check -> Value in
                switch check.rule {
                case .noRows(let singular, let plural): return [.string(check.name), ["none": [.string(singular), .string(plural)]]]
                case .rowCount(let equals, let low, let high):
                    return [.string(check.name), ["row_count": [equals.map(Value.int) ?? .null, low.map(Value.int) ?? .null,
                                                                high.map(Value.int) ?? .null]]]
                }
            }
            op = sqlOperator(try templated(.string(AssertTaskExecutor.measuringQuery(checks)), sql: true),
                             handler: "_assert_checks(\(try plain(.list(rules))))")
        case .command:
            op = try commandOperator(task.body)
        }
        op.arguments.insert(("task_id", PythonSource.string(task.name)), at: 0)
        op.arguments += commonArguments()
        return op
    }

    func sqlOperator(_ sql: String, handler: String?) -> AirflowOperator {
        var arguments = [("conn_id", task.user.map { PythonSource.string(userConnectionID($0)) } ?? Self.snowflakeConnection),
                         ("sql", sql), ("autocommit", "True")]
        if let role = task.role, task.user != nil {
            // A service user's session holds its own roles (SnowflakeConnectionSettings.signingIn): the role is its primary one.
            arguments.append(("hook_params", "{\"role\": \(PythonSource.string(SnowflakeName(parsing: role).stored))}"))
        } else if let role = task.role {
            // As the runner does (SQLAPIRunner.assuming(role:)): the role as the session's, and no secondary roles,
            // in one connection; the handler reads the last statement's result.
            arguments[1] = ("sql", "[\"USE SECONDARY ROLES NONE\", \(sql)]")
            arguments.append(("hook_params", "{\"role\": \(PythonSource.string(SnowflakeName(parsing: role).stored))}"))
        }
        // Each statement commits on its own, as through the SQL API the embedded runner uses.
        return AirflowOperator(className: "SQLExecuteQueryOperator", module: "airflow.providers.common.sql.operators.sql",
                               arguments: arguments + (handler.map { [("handler", $0)] } ?? []), usesChecks: handler != nil)
    }

    /// `expect: {error: …}`: the statement on the same connection and role as `sqlOperator`'s, through the DAG file's
    /// `_expect_error`, which succeeds only if it fails with that text (as SQLTaskExecutor decides).
    func expectingErrorOperator(_ sql: String, expectedError: String) -> AirflowOperator {
        let query = sqlOperator(sql, handler: nil)
        let argument = Dictionary(query.arguments, uniquingKeysWith: { a, _ in a })
        let kwargs = ["conn_id": argument["conn_id"]!, "sql": argument["sql"]!, "expected": PythonSource.string(expectedError),
                      "hook_params": argument["hook_params"] ?? "{}"]
        let source = "{" + ["conn_id", "sql", "expected", "hook_params"].map { "\(PythonSource.string($0)): \(kwargs[$0]!)" }.joined(separator: ", ") + "}"
        return AirflowOperator(className: "PythonOperator", module: "airflow.providers.standard.operators.python",
                               arguments: [("python_callable", "_expect_error"), ("op_kwargs", source)], usesChecks: true)
    }

    func commandOperator(_ body: Value) throws -> AirflowOperator {
        var run = body.stringValue ?? body.mapValue?["run"]?.stringValue ?? ""
        let expectedExit = task.expect?.mapValue?["exit_code"]?.intValue ?? 0
        if expectedExit != 0 {
            run = "( \(run) ); code=$?; if [ \"$code\" -ne \(expectedExit) ]; then echo \"exited with $code\"; exit 1; fi"
        }
        // BashOperator reads a command ending in .sh or .bash as a template file's name; a trailing space prevents it.
        if run.hasSuffix(".sh") || run.hasSuffix(".bash") { run += " " }
        var arguments = [("bash_command", try templated(.string(run)))]
        let env = body.mapValue?["env"]?.mapValue ?? [:]
        var envSource = "{**INFRA_ENV"
        for key in env.keys.sorted() { envSource += ", \(PythonSource.string(key)): \(try templated(env[key]))" }
        arguments.append(("env", envSource + "}"))
        arguments.append(("append_env", "True"))
        var cwd = "PROJECT_DIR"
        if let dir = body.mapValue?["cwd"] { cwd = "os.path.join(PROJECT_DIR, \(try templated(dir)))" }
        arguments.append(("cwd", cwd))
        // infra fails a command on any unexpected exit code; BashOperator would skip the task on 99 by default.
        arguments.append(("skip_on_exit_code", "None"))
        return AirflowOperator(className: "BashOperator", module: "airflow.providers.standard.operators.bash", arguments: arguments)
    }

    /// pool, retries (infra doubles the delay each time, at most 30 s), timeout.
    func commonArguments() -> [(String, String)] {
        var out: [(String, String)] = []
        if let pool = task.pool { out.append(("pool", PythonSource.string(pool))) }
        if task.retries > 0 {
            out += [("retries", String(task.retries)), ("retry_delay", "timedelta(seconds=\(PythonSource.literal(.double(task.retryDelaySeconds))))"),
                    ("retry_exponential_backoff", "2.0"), ("max_retry_delay", "timedelta(seconds=30)")]
        }
        if let timeout = task.timeoutSeconds { out.append(("execution_timeout", "timedelta(seconds=\(PythonSource.literal(.double(timeout))))")) }
        return out
    }

    /// The task's `expect:` as a Python dict of infra's keys, or nil without one; keys Airflow cannot check are refused.
    func expectation(allowed: Set<String>) throws -> String? {
        guard let expect = task.expect?.mapValue, !expect.isEmpty else { return nil }
        for key in expect.keys.sorted() where !allowed.contains(key) {
            throw refusal(at: decl.expect?.node.location,"`expect: {\(key): …}` on a \(task.kind.rawValue) task cannot be exported to Airflow",
                          hint: key == "error" ? "a task that must fail is a check for `infra verify`; keep it in the verify pipeline and export the others"
                              : "expect one of: \(allowed.sorted().joined(separator: ", "))")
        }
        return try plain(.map(expect.mapValues { want in ["want": want, "display": .string(want.displayText)] }))
    }

    /// A Python literal for an argument Airflow renders as a template: Jinja syntax in the value is escaped and
    /// `${run.*}` becomes Airflow's run value.
    func templated(_ value: Value?, sql: Bool = false) throws -> String {
        guard case .string(var text)? = value else { return try plain(value ?? .null) }
        text = PythonSource.jinjaEscaped(text)
        for (field, jinja) in RunValueMarker.jinja { text = text.replacingOccurrences(of: RunValueMarker.marker(field), with: jinja) }
        if text.range(of: RunValueMarker.prefix, options: .caseInsensitive) != nil {
            throw refusal("a filter changes a `${run.…}` value here; Airflow fills run values in when the task runs, after any filter",
                          hint: "use `${run.id}`, `${run.batch_id}` or `${run.started_at}` without filters in pipelines you export")
        }
        // SQLExecuteQueryOperator reads a statement ending in .sql as a template file's name.
        if sql && text.hasSuffix(".sql") { text += " " }
        return PythonSource.string(text)
    }

    /// A Python literal for an argument Airflow passes as it is: a `${run.*}` value cannot appear in it.
    func plain(_ value: Value) throws -> String {
        if value.canonicalJSON.range(of: RunValueMarker.prefix, options: .caseInsensitive) != nil {
            throw refusal("`${run.…}` cannot be used here in Airflow: this value is not rendered as a template when the task runs",
                          hint: "run values may appear in statements, S3 buckets and keys, and commands")
        }
        return PythonSource.literal(value)
    }

    func refusal(at location: SourceLocation? = nil, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic("task '\(task.name)': \(message)", at: location ?? decl.location, hint: hint)
    }
}
