import Foundation

/// A task with every expression resolved, ready for its executor.
public struct ResolvedTask: Sendable {
    public var name: String
    public var kind: TaskKind
    public var body: Value
    public var expect: Value?
    public var after: [String]
    public var pool: String?
    public var retries: Int
    public var retryDelaySeconds: Double
    public var timeoutSeconds: Double?
    /// The Snowflake role the task runs as, as SHOW ROLES spells it; nil for the connection's.
    public var role: String?
    /// The service user the task runs as (`as:`); nil for the connection's user.
    public var user: TaskUser?

    public init(name: String, kind: TaskKind, body: Value, expect: Value?, after: [String], pool: String?, retries: Int,
                retryDelaySeconds: Double, timeoutSeconds: Double?, role: String? = nil, user: TaskUser? = nil)
    {
        self.name = name
        self.kind = kind
        self.body = body
        self.expect = expect
        self.after = after
        self.pool = pool
        self.retries = retries
        self.retryDelaySeconds = retryDelaySeconds
        self.timeoutSeconds = timeoutSeconds
        self.role = role
        self.user = user
    }
}

/// A task's `as:`: a service user and where its private key is. The key's path is as written (relative to the
/// project); the key itself is read only by the connection that signs in with it.
public struct TaskUser: Sendable, Hashable {
    public var name: String
    public var privateKeyFile: String
    public var passphraseVariable: String?

    public init(name: String, privateKeyFile: String, passphraseVariable: String? = nil) {
        self.name = name
        self.privateKeyFile = privateKeyFile
        self.passphraseVariable = passphraseVariable
    }

    init?(_ value: Value) {
        guard let map = value.mapValue, let name = map["user"]?.stringValue, let file = map["private_key_file"]?.stringValue else { return nil }
        self.init(name: name, privateKeyFile: file, passphraseVariable: map["private_key_passphrase_env"]?.stringValue)
    }
}

/// What a task produced: a line for people and values that `expect:` can check.
public struct TaskOutput: Sendable {
    public var summary: String
    public var values: [String: Value]

    public init(summary: String, values: [String: Value] = [:]) {
        self.summary = summary
        self.values = values
    }
}

/// Runs one kind of task. Providers register executors for the kinds they serve (sql, s3_put, …).
public protocol TaskExecutor: Sendable {
    func run(_ task: ResolvedTask) async throws -> TaskOutput
}

public struct TaskFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct TaskTimedOut: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "timed out after \(Self.format(seconds))" }
    static func format(_ s: Double) -> String { s.rounded() == s ? "\(Int(s))s" : String(format: "%.1fs", s) }
}

/// Counting semaphores, one per pool: a task holds one slot of its pool while an attempt runs.
public actor PoolSlots {
    private var free: [String: Int]
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    public private(set) var peakInUse: [String: Int] = [:]
    private let capacity: [String: Int]

    public init(_ capacity: [String: Int]) {
        self.capacity = capacity
        self.free = capacity
    }

    public func acquire(_ pool: String) async {
        if free[pool, default: 0] > 0 {
            free[pool]! -= 1
        } else {
            await withCheckedContinuation { waiters[pool, default: []].append($0) }
        }
        peakInUse[pool] = max(peakInUse[pool] ?? 0, capacity[pool, default: 0] - free[pool, default: 0])
    }

    public func release(_ pool: String) {
        if var queue = waiters[pool], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[pool] = queue
            next.resume()  // The slot passes straight to the next waiter.
        } else {
            free[pool, default: 0] += 1
        }
    }
}

public protocol RunObserver: Sendable {
    func taskStarted(_ task: ResolvedTask, attempt: Int)
    func taskFinished(_ result: TaskResult)
}

public struct TaskResult: Sendable, Codable {
    public enum Outcome: String, Sendable, Codable { case succeeded, failed, skipped }
    public var name: String
    public var kind: String
    public var outcome: Outcome
    public var attempts: Int
    public var seconds: Double
    public var message: String
}

public struct RunReport: Sendable, Codable {
    public var pipeline: String
    public var runID: String
    public var startedAt: String
    public var seconds: Double
    public var tasks: [TaskResult]
    public var succeeded: Bool { tasks.allSatisfy { $0.outcome == .succeeded } }

    /// "task 'x' failed: message" for each failed task: the cause, for a command that stops because of it.
    public var failureSummary: String {
        tasks.filter { $0.outcome == .failed }.map { "task '\($0.name)' failed: \($0.message)" }.joined(separator: "; ")
    }

    enum CodingKeys: String, CodingKey { case pipeline, runID = "run_id", startedAt = "started_at", seconds, tasks, succeeded }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(runID, forKey: .runID)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(tasks, forKey: .tasks)
        try c.encode(succeeded, forKey: .succeeded)
    }

    public init(pipeline: String, runID: String, startedAt: String, seconds: Double, tasks: [TaskResult]) {
        self.pipeline = pipeline
        self.runID = runID
        self.startedAt = startedAt
        self.seconds = seconds
        self.tasks = tasks
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pipeline = try c.decode(String.self, forKey: .pipeline)
        runID = try c.decode(String.self, forKey: .runID)
        startedAt = try c.decode(String.self, forKey: .startedAt)
        seconds = try c.decode(Double.self, forKey: .seconds)
        tasks = try c.decode([TaskResult].self, forKey: .tasks)
    }
}

/// The embedded runner: tasks run when everything in their `after:` succeeded, bounded by their pools,
/// retried with exponential backoff, stopped at their timeout. With fail-fast, the first failure stops
/// new tasks from starting; otherwise only its dependents are skipped.
public struct PipelineRunner: Sendable {
    public var executors: [TaskKind: any TaskExecutor]
    public var pools: [String: Int]
    public var failFast: Bool
    /// How long a backoff may sleep; tests shorten it.
    public var maximumBackoffSeconds: Double = 30

    public init(executors: [TaskKind: any TaskExecutor], pools: [String: Int], failFast: Bool) {
        self.executors = executors
        self.pools = pools
        self.failFast = failFast
    }

    public func run(name: String, tasks: [ResolvedTask], observer: any RunObserver) async -> (RunReport, PoolSlots) {
        let started = Date()
        var graph = Graph<String>()
        for task in tasks {
            graph.addNode(task.name)
            for dependency in task.after { graph.addEdge(from: task.name, to: dependency) }
        }
        let byName = Dictionary(uniqueKeysWithValues: tasks.map { ($0.name, $0) })
        let slots = PoolSlots(pools)
        let stop = StopFlag()
        let results = ResultBox()
        let outcomes = await GraphWalker.walk(graph, parallelism: max(1, tasks.count)) { name in
            let task = byName[name]!
            guard !stop.isStopped else { throw Interrupted() }
            let result = await attempt(task, slots: slots, observer: observer)
            await results.add(result)
            observer.taskFinished(result)
            if result.outcome == .failed {
                if failFast { stop.stop() }
                throw TaskFailure(result.message)
            }
        }
        var finished = await results.all
        for task in tasks where finished[task.name] == nil {
            let reason: String
            switch outcomes[task.name] {
            case .skipped(let cause)?: reason = "not run: \(cause) failed"
            default: reason = "not run: stopped after a failure (fail-fast)"
            }
            let skipped = TaskResult(name: task.name, kind: task.kind.rawValue, outcome: .skipped, attempts: 0, seconds: 0, message: reason)
            finished[task.name] = skipped
            observer.taskFinished(skipped)
        }
        let report = RunReport(pipeline: name, runID: "", startedAt: Timestamp.now(), seconds: Date().timeIntervalSince(started),
                               tasks: tasks.map { finished[$0.name]! })
        return (report, slots)
    }

    actor ResultBox {
        var all: [String: TaskResult] = [:]
        func add(_ r: TaskResult) { all[r.name] = r }
    }

    func attempt(_ task: ResolvedTask, slots: PoolSlots, observer: any RunObserver) async -> TaskResult {
        let started = Date()
        guard let executor = executors[task.kind] else {
            return TaskResult(name: task.name, kind: task.kind.rawValue, outcome: .failed, attempts: 0, seconds: 0,
                              message: "no executor for \(task.kind.rawValue) tasks in this build")
        }
        var lastError = ""
        for attempt in 1...(task.retries + 1) {
            if let pool = task.pool { await slots.acquire(pool) }
            observer.taskStarted(task, attempt: attempt)
            do {
                let output = try await withTimeout(task.timeoutSeconds) { try await executor.run(task) }
                if let pool = task.pool { await slots.release(pool) }
                try Expectation.check(task.expect, against: output)
                return TaskResult(name: task.name, kind: task.kind.rawValue, outcome: .succeeded, attempts: attempt,
                                  seconds: Date().timeIntervalSince(started), message: output.summary)
            } catch {
                if let pool = task.pool, !(error is ExpectationFailed) { await slots.release(pool) }
                lastError = String(describing: error)
                if error is ExpectationFailed && task.retries == 0 { break }
            }
            if attempt <= task.retries {
                let delay = min(maximumBackoffSeconds, task.retryDelaySeconds * pow(2, Double(attempt - 1)))
                try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            }
        }
        return TaskResult(name: task.name, kind: task.kind.rawValue, outcome: .failed, attempts: task.retries + 1,
                          seconds: Date().timeIntervalSince(started), message: lastError)
    }

    func withTimeout<T: Sendable>(_ seconds: Double?, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let seconds else { return try await body() }
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                throw TaskTimedOut(seconds: seconds)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

public struct ExpectationFailed: Error, CustomStringConvertible {
    public var description: String
}

/// `expect:` checks against what a task produced.
public enum Expectation {
    public static func check(_ expect: Value?, against output: TaskOutput) throws {
        guard case .map(let wanted)? = expect else { return }
        for key in wanted.keys.sorted() {
            let want = wanted[key]!
            if key == "error" { continue }  // Checked by executors that expect a failure.
            let got = output.values[key]
            switch (key, want) {
            case ("rows", .int(let count)):
                let actual = got?.intValue ?? got?.listValue?.count
                if actual != count { throw ExpectationFailed(description: "expected \(count) rows, got \(actual.map(String.init) ?? "none")") }
            default:
                if !matches(got, want) {
                    throw ExpectationFailed(description: "expected \(key) \(want.displayText), got \(got?.displayText ?? "nothing")")
                }
            }
        }
    }

    /// Results come back as text (the SQL API returns strings): compare by meaning, not representation.
    static func matches(_ got: Value?, _ want: Value) -> Bool {
        guard let got else { return false }
        if got == want { return true }
        switch (got, want) {
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1) }
        default: return got.interpolationText == want.interpolationText
        }
    }
}
