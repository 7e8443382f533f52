import ArgumentParser
import Foundation
import InfraEngine
import AWSClients
import AWSProvider
import PoolProvider
import SnowflakeProvider
import SnowflakeSQLAPI

/// Everything one command needs about a deployment: the checked stack, its environment, the kinds
/// that can act on it, and its state store. Built with no network call.
struct Session {
    let layout: ProjectLayout
    let stack: LoadedStack
    let providers: ProviderSet
    let store: any StateStore
    /// `--trace`: report request counts when the command's work is done.
    var trace = false
    var kinds: KindRegistry { providers.kinds }

    var environment: EnvironmentConfig { stack.environment }
    var address: String { "\(stack.name) in \(environment.name)" }

    static func load(_ options: DeploymentOptions) throws -> Session {
        var session = try load(stack: options.stack, environment: options.env, project: options.project)
        session.trace = options.trace
        return session
    }

    static func load(stack stackArgument: String, environment environmentArgument: String, project: String?) throws -> Session {
        let cwd = FileManager.default.currentDirectoryPath
        let searchLayout = ProjectLayout(root: project ?? cwd)
        let stackFile = try searchLayout.stackFile(for: stackArgument)
        let layout = project.map(ProjectLayout.init(root:)) ?? ProjectLayout.containing(stackFile: stackFile, fallback: cwd)
        let schemas = ProviderSet(layout: layout, stack: "", environment: nil).kinds.kinds.values.map(\.schema)
        let loader = StackLoader(schemas: schemas, layout: layout)
        let environment = try loader.loadEnvironment(file: try layout.environmentFile(for: environmentArgument))
        let stack = try loader.load(stackFile: stackFile, environment: environment)
        let providers = ProviderSet(layout: layout, stack: stack.name, environment: environment)
        return Session(layout: layout, stack: stack, providers: providers, store: try ProviderSet.stateStore(layout: layout, stack: stack))
    }

    /// Checks that need values (types after interpolation, value cycles), with nothing live known.
    func resolveStatically() throws { try Resolver.checkValues(of: stack, kinds: kinds) }

    /// Holds the state lock around `body`. A lock left by a process that died on this host is broken, with a
    /// warning (atomically: of several runs that find it, one takes it). A signal that quits the run releases it.
    func withLock<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let info = LockInfo(operation: operation)
        do {
            try await store.lock(info)
        } catch let locked as StateLockedError where locked.stale {
            guard let holder = locked.holder else { throw locked }
            Terminal.err("warning: breaking a stale state lock: \(holder) is no longer running")
            try await store.breakLock(holder, taking: info)
        }
        let store = self.store
        Interruption.holdingLock { Self.releaseWaiting(store, id: info.id) }
        defer {
            Interruption.lockReleased()
            if trace { Terminal.err(providers.traceSummary()) }
        }
        do {
            let result = try await body()
            try? await store.unlock(id: info.id)
            return result
        } catch {
            try? await store.unlock(id: info.id)
            throw error
        }
    }

    /// Releases the lock from a signal handler's thread, waiting at most a few seconds for a remote store.
    static func releaseWaiting(_ store: any StateStore, id: String) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            try? await store.unlock(id: id)
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
    }
}

/// The providers this build offers, with their connections for one environment. Each contributes resource kinds
/// through the one `ResourceKind` protocol. Connections open lazily: building the set reads no key and makes no call.
struct ProviderSet {
    let kinds: KindRegistry
    let snowflake: LazySQLRunner
    let aws: AWSConnection

    init(layout: ProjectLayout, stack: String, environment: EnvironmentConfig?) {
        let pools = PoolKind(registry: .forStack(projectRoot: layout.root, stack: stack, environment: environment?.name ?? ""))
        let root = layout.root
        @Sendable func settings() throws -> SnowflakeConnectionSettings {
            guard let environment else { throw Diagnostic("no environment selected for Snowflake", at: nil) }
            return try SnowflakeConnectionSettings.resolve(
                block: environment.snowflake ?? [:], environment: ProcessInfo.processInfo.environment,
                home: FileManager.default.homeDirectoryForCurrentUser.path, projectRoot: root, environmentFile: environment.file)
        }
        snowflake = LazySQLRunner({ SQLAPIRunner(client: try settings().client()) }, signIn: { user, role in
            let signed = try settings().signingIn(as: user, role: role, projectRoot: root, environment: ProcessInfo.processInfo.environment)
            return SQLAPIRunner(client: try signed.client())
        })
        let aws = AWSConnection(settings: .init(block: environment?.aws ?? [:], projectRoot: layout.root,
                                                origin: environment?.file ?? "the environment"))
        self.aws = aws
        let owner = environment.map { OwnerStamp(stack: stack, environment: $0.name) }
        kinds = KindRegistry([pools] + SnowflakeKinds.all(sql: snowflake, projectRoot: layout.root) + [
            BucketKind(defaultRegion: environment?.aws?["region"]?.stringValue ?? "us-east-1", owner: owner) { try await aws.s3() },
            RoleKind(owner: owner) { try await aws.iam() },
        ])
    }

    /// Requests each provider made, for `--trace` (and the request counts in docs/performance.md).
    func traceSummary() -> String {
        var lines = ["trace:"]
        if let m = snowflake.metrics {
            lines.append("  snowflake: \(m.requests) SQL API requests, \(m.statements) statements, \(m.retries) retries")
            let sorts = (snowflake.statementSorts ?? [:]).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            if !sorts.isEmpty { lines.append("  snowflake statements: " + sorts.map { "\($0.value) \($0.key)" }.joined(separator: ", ")) }
        } else {
            lines.append("  snowflake: no connection opened")
        }
        lines += aws.summary().map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    static func stateStore(layout: ProjectLayout, stack: LoadedStack) throws -> any StateStore {
        switch stack.environment.backend {
        case .local(let path):
            let file = path.map { $0.hasPrefix("/") ? $0 : "\(layout.root)/\($0)" }
                ?? "\(layout.workDirectory)/state/\(stack.name)/\(stack.environment.name).json"
            return LocalStateStore(path: file)
        case .s3(let bucket, let key, let region):
            var block = stack.environment.aws ?? [:]
            if let region { block["region"] = .string(region) }
            let connection = AWSConnection(settings: .init(block: block, projectRoot: layout.root,
                                                           origin: stack.environment.file ?? "the environment"))
            return S3StateStore(bucket: bucket, key: key) { try await connection.s3() }
        }
    }
}

/// Runs a command body, turning errors into messages on stderr and exit code 1.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let diagnostic as Diagnostic {
        Terminal.err(diagnostic.relative(to: FileManager.default.currentDirectoryPath).description)
        throw ExitCode(1)
    } catch let list as DiagnosticList {
        for d in list.diagnostics { Terminal.err(d.relative(to: FileManager.default.currentDirectoryPath).description) }
        if list.omitted > 0 { Terminal.err("… and \(list.omitted) more errors not shown") }
        if list.total > 1 { Terminal.err("\(list.total) errors") }
        throw ExitCode(1)
    } catch let unreachable as TransportError {
        Terminal.err(Diagnostic(unreachable.description, at: nil, hint: endpointHint(unreachable.description)).description)
        throw ExitCode(1)
    } catch let unreachable as SQLAPITransportError {
        Terminal.err(Diagnostic(unreachable.description, at: nil, hint: endpointHint(unreachable.description)).description)
        throw ExitCode(1)
    } catch {
        Terminal.err("error: \(error)")
        throw ExitCode(1)
    }
}

/// What to do about an endpoint that does not answer: the local ones are started by `infra local up`.
func endpointHint(_ message: String) -> String {
    if message.contains("127.0.0.1") || message.contains("localhost") {
        return "the local endpoints are not running: start them with `infra local up` (the environment file names their ports)"
    }
    return "check the endpoint, region and account in the environment file, and that this machine can reach it"
}
