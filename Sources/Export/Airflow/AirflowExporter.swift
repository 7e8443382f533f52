import Foundation
import InfraEngine
import SnowflakeProvider

/// `infra export airflow`: a stack's pipelines as Apache Airflow 3 DAG files using the official providers, the
/// pools file (`airflow pools import`) and the connection definitions, from the task model the embedded runner
/// executes. Nothing here calls a cloud API; what Airflow cannot express is refused with the stack's position.
public struct AirflowExporter {
    /// A file to write, its path relative to the output folder.
    public struct File: Sendable, Equatable {
        public var path, content: String
    }

    /// Where Snowflake's connector (which Airflow's Snowflake provider drives) reaches the account.
    public struct ConnectorAddress: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var scheme: String
        public init(host: String, port: Int, scheme: String) { (self.host, self.port, self.scheme) = (host, port, scheme) }
    }

    public let stack: LoadedStack
    public let kinds: KindRegistry
    public let projectRoot: String
    public let connector: ConnectorAddress?
    /// The variables the embedded runner gives `command` tasks (the environment's connection, no secrets).
    public let commandEnvironment: [String: String]
    /// For scheduled pipelines: the day their schedule starts (export day, midnight UTC).
    public var startDate = Date()

    public init(stack: LoadedStack, kinds: KindRegistry, projectRoot: String, connector: ConnectorAddress?, commandEnvironment: [String: String]) {
        self.stack = stack
        self.kinds = kinds
        self.projectRoot = projectRoot
        self.connector = connector
        self.commandEnvironment = commandEnvironment
    }

    var environment: EnvironmentConfig { stack.environment }
    var connectionPrefix: String { "infra_" + environment.name.replacingOccurrences(of: "-", with: "_") }
    public var awsConnectionID: String { connectionPrefix + "_aws" }
    public var snowflakeConnectionID: String { connectionPrefix + "_snowflake" }
    /// A service user's connection (tasks with `as:`): `infra_dev_snowflake_loader_svc_dev`.
    public func snowflakeConnectionID(for user: TaskUser) -> String {
        snowflakeConnectionID + "_" + SnowflakeName(parsing: user.name).stored.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }
    public func dagID(_ pipeline: String) -> String { "\(stack.name)__\(environment.name)__\(pipeline)" }

    /// Every file of the export, paths relative to the output folder: dags/DAG_ID.py per pipeline, pools.json,
    /// connections.json and connections.env. Throws a DiagnosticList naming every task Airflow cannot express.
    public func files(pipeline only: String? = nil) throws -> [File] {
        let names: [String]
        if let only {
            guard stack.pipelines[only] != nil else {
                throw Diagnostic("stack \(stack.name) has no pipeline '\(only)'", at: SourceLocation(file: stack.file, line: 1, column: 1),
                                 hint: Suggestion.hint(for: only, in: stack.pipelines.keys, kind: "pipeline"))
            }
            names = [only]
        } else {
            names = stack.pipelines.keys.sorted()
        }
        let resolver = Resolver(stack: stack, kinds: kinds)
        resolver.runValues = Dictionary(uniqueKeysWithValues: RunValueMarker.jinja.keys.map { ($0, Value.string(RunValueMarker.marker($0))) })
        resolver.runValues["environment"] = .string(environment.name)
        var files: [File] = []
        var problems: [Diagnostic] = []
        var users: Set<TaskUser> = []
        for name in names {
            do {
                files.append(File(path: "dags/\(dagID(name)).py", content: try dag(stack.pipelines[name]!, resolver: resolver, users: &users)))
            } catch let list as DiagnosticList {
                problems += list.diagnostics
            } catch let diagnostic as Diagnostic {
                problems.append(diagnostic)
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        files.append(File(path: "pools.json", content: try pools(resolver)))
        let connections = self.connections(users: users)
        files.append(File(path: "connections.json", content: pretty(.map(connections))))
        files.append(File(path: "connections.env", content: connectionsEnvironment(connections)))
        return files
    }

    func pool(_ task: TaskDecl, _ resolver: Resolver) throws -> String? {
        guard let address = task.poolAddress(in: stack) else { return nil }
        guard stack.resource(address)?.kind == "pool", let name = try resolver.property(address, "name").stringValue else {
            throw Diagnostic("task '\(task.name)' uses pool '\(task.pool ?? address)', which is not a pool resource of the stack", at: task.location,
                             hint: "declare `\(task.pool ?? address): {type: pool, slots: N}` under resources")
        }
        return name
    }

    func dag(_ pipeline: PipelineDecl, resolver: Resolver, users: inout Set<TaskUser>) throws -> String {
        let tasks = try pipeline.resolvedTasks(with: resolver, poolName: { try pool($0, resolver) }, notKnown: { task in
            Diagnostic("task '\(task.name)' uses a value known only after apply", at: task.location,
                       hint: "an exported DAG holds values known before apply (names, ARNs); move the value into a var or the resource's name")
        })
        if pipeline.catchup?.value == true, pipeline.schedule == nil || pipeline.schedule?.text == "@once" {
            throw Diagnostic("pipeline '\(pipeline.name)' asks for catchup without a recurring schedule", at: pipeline.catchup!.location,
                             hint: "catchup runs the intervals missed since the start date: give `schedule:` a cron expression or preset")
        }
        var operators: [(ResolvedTask, AirflowOperator)] = []
        var problems: [Diagnostic] = []
        for (decl, task) in zip(pipeline.tasks, tasks) {
            if let user = task.user { users.insert(user) }
            do {
                operators.append((task, try AirflowTaskTranslator(decl: decl, task: task, userConnectionID: snowflakeConnectionID(for:)).translate()))
            } catch let diagnostic as Diagnostic {
                problems.append(diagnostic)
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return DAGFileWriter(exporter: self, pipeline: pipeline, operators: operators).source()
    }

    /// `airflow pools import` JSON: each pool resource's name, slots and description.
    func pools(_ resolver: Resolver) throws -> String {
        var pools: [String: Value] = [:]
        for resource in stack.resources where resource.kind == "pool" {
            let name = try resolver.property(resource.logicalName, "name").stringValue ?? resource.logicalName
            pools[name] = ["slots": try resolver.property(resource.logicalName, "slots"),
                           "description": .string(try resolver.property(resource.logicalName, "description").stringValue ?? ""),
                           "include_deferred": false]
        }
        return pretty(.map(pools))
    }

    /// The environment's connections as `airflow connections import` JSON. Secrets stay where the environment
    /// keeps them: a key file's path, a profile's name; never their content.
    func connections(users: Set<TaskUser> = []) -> [String: Value] {
        var aws: [String: Value] = [:]
        if let a = environment.aws {
            if let v = a["region"] { aws["region_name"] = v }
            if let v = a["endpoint"] { aws["endpoint_url"] = v }
            if let v = a["profile"] { aws["profile_name"] = v }
            if let role = a["assume_role"]?.mapValue {
                aws["role_arn"] = role["role_arn"] ?? .null
                var kwargs: [String: Value] = [:]
                if let v = role["external_id"] { kwargs["ExternalId"] = v }
                if let v = role["session_name"] { kwargs["RoleSessionName"] = v }
                if !kwargs.isEmpty { aws["assume_role_kwargs"] = .map(kwargs) }
            }
        }
        var snowflake: [String: Value] = [:]
        var login: Value = .null
        if let s = environment.snowflake {
            login = s["user"] ?? .null
            for key in ["account", "warehouse", "database", "role"] { if let v = s[key] { snowflake[key] = v } }
            if let file = s["private_key_file"]?.stringValue {
                snowflake["private_key_file"] = .string(absolute(file))
                snowflake["authenticator"] = "snowflake_jwt"
            } else if let authenticator = s["authenticator"] {
                snowflake["authenticator"] = authenticator
            }
        }
        if let connector {
            snowflake["host"] = .string(connector.host)
            snowflake["port"] = .int(connector.port)
        }
        var out: [String: Value] = [
            awsConnectionID: ["conn_type": "aws", "extra": .map(aws)],
            snowflakeConnectionID: ["conn_type": "snowflake", "login": login, "extra": .map(snowflake)],
        ]
        // Each `as:` user signs in with its own key and gets its own defaults (role, warehouse), as in the runner.
        for user in users {
            var extra: [String: Value] = ["private_key_file": .string(absolute(user.privateKeyFile)), "authenticator": "snowflake_jwt"]
            for key in ["account", "host", "port"] { if let v = snowflake[key] { extra[key] = v } }
            out[snowflakeConnectionID(for: user)] = ["conn_type": "snowflake", "login": .string(SnowflakeName(parsing: user.name).stored),
                                                     "extra": .map(extra)]
        }
        return out
    }

    /// The same connections as AIRFLOW_CONN_* variables, plus the file references the providers read from the
    /// process environment; for `source` before starting Airflow.
    func connectionsEnvironment(_ connections: [String: Value]) -> String {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var lines = [
            "# Airflow connections and settings for \(stack.name) in \(environment.name), written by `infra export airflow`.",
            "# Source this file in the scheduler's and workers' environment. It holds no secret: keys and credentials",
            "# stay in the files and profiles named here.",
        ]
        for id in connections.keys.sorted() {
            lines.append("export AIRFLOW_CONN_\(id.uppercased())=\(quoted(connections[id]!.canonicalJSON))")
        }
        if let file = environment.aws?["credentials_file"]?.stringValue { lines.append("export AWS_SHARED_CREDENTIALS_FILE=\(quoted(absolute(file)))") }
        if let file = environment.aws?["config_file"]?.stringValue { lines.append("export AWS_CONFIG_FILE=\(quoted(absolute(file)))") }
        if let variable = environment.snowflake?["private_key_passphrase_env"]?.stringValue {
            lines.append("# The key's passphrase is in $\(variable): give it to the \(snowflakeConnectionID) connection as its password.")
        }
        lines.append("# Where the project (fixtures, the working directory of commands) is on the workers.")
        lines.append("export INFRA_PROJECT_DIR=\(quoted(projectRoot))")
        return lines.joined(separator: "\n") + "\n"
    }

    func pretty(_ value: Value) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(value.canonicalJSON.utf8))
        let data = object.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) }
        return (data.map { String(decoding: $0, as: UTF8.self) } ?? value.canonicalJSON) + "\n"
    }

    func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : "\(projectRoot)/\(path)" }
}
