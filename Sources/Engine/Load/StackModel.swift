import Foundation

/// Where names in an expression are looked up. The stack is the root scope; each template instance
/// gets a child scope whose own resources carry the instance's prefix and which sees only its params.
public final class Scope: Sendable {
    public let prefix: String
    /// nil at the root (which sees `var.*`); a template instance sees `param.*` instead.
    public let params: [String: ScopedNode]?
    public let parent: Scope?
    public let templateName: String?

    public init(prefix: String, params: [String: ScopedNode]?, parent: Scope?, templateName: String?) {
        self.prefix = prefix
        self.params = params
        self.parent = parent
        self.templateName = templateName
    }

    public static let root = Scope(prefix: "", params: nil, parent: nil, templateName: nil)
    public var isRoot: Bool { params == nil }
}

/// A source node together with the scope its expressions are evaluated in.
public struct ScopedNode: Sendable {
    public var node: SourceNode
    public var scope: Scope
}

public struct ResourceDecl: Sendable {
    public var logicalName: String
    public var kind: String
    public var location: SourceLocation
    public var properties: [String: ScopedNode]
    /// Keys in the order written, for stable output.
    public var propertyOrder: [String]
    public var explicitDependencies: [String]
    public var scope: Scope
    public var lifecycle: Lifecycle = Lifecycle()
}

/// Per-resource guards: `lifecycle: {prevent_destroy: true, ignore_changes: [comment]}`.
public struct Lifecycle: Sendable, Equatable {
    /// Any plan that deletes or replaces the object is an error.
    public var preventDestroy = false
    /// Properties whose differences from the live object are never acted on (someone else owns them).
    public var ignoreChanges: [String] = []
    public init(preventDestroy: Bool = false, ignoreChanges: [String] = []) {
        self.preventDestroy = preventDestroy
        self.ignoreChanges = ignoreChanges
    }
}

/// `moved: [{from: OLD, to: NEW}]`: the object recorded as OLD is now declared as NEW; nothing changes in the cloud.
public struct MoveDecl: Sendable, Equatable {
    public var from: String
    public var to: String
    public var location: SourceLocation
}

/// `import: [{to: ADDRESS, id: ID}]`: take an existing object under management as ADDRESS.
public struct ImportDecl: Sendable {
    public var to: String
    public var id: ScopedNode
    public var location: SourceLocation
}

public enum TaskKind: String, CaseIterable, Sendable, Codable {
    case sql, s3_put, s3_wait, s3_delete, copy, assert, command
}

public struct TaskDecl: Sendable {
    public var name: String
    public var location: SourceLocation
    public var kind: TaskKind
    public var body: ScopedNode
    public var after: [String]
    public var pool: String?
    public var retries: Int
    public var retryDelaySeconds: Double
    public var timeoutSeconds: Double?
    public var expect: ScopedNode?
    /// The Snowflake role the task's statements run as (sql, copy, assert); the connection's role when nil.
    public var role: ScopedNode?
    /// `as: {user, private_key_file, private_key_passphrase_env}`: the service user the statements run as.
    public var runAs: ScopedNode?
}

public struct PipelineDecl: Sendable {
    public var name: String
    public var location: SourceLocation
    public var failFast: Bool
    public var tasks: [TaskDecl]
    /// `schedule:` (a cron expression or preset such as @hourly) and `catchup:`: for schedulers the pipeline
    /// is exported to (`infra export airflow`); `infra run` runs on demand and ignores them.
    public var schedule: PipelineSchedule?
    public var catchup: (value: Bool, location: SourceLocation)?
}

/// A pipeline's `schedule:`: five cron fields or one of the presets schedulers share.
public struct PipelineSchedule: Sendable, Equatable {
    public var text: String
    public var location: SourceLocation

    public static let presets = ["@once", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"]

    /// nil when `text` is neither a preset nor five cron fields (minute hour day month weekday).
    public init?(_ text: String, at location: SourceLocation) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        let cronField = #"^[0-9A-Za-z*/,\-?LW#]+$"#
        guard Self.presets.contains(text) || (fields.count == 5 && fields.allSatisfy { $0.range(of: cronField, options: .regularExpression) != nil })
        else { return nil }
        self.text = fields.joined(separator: " ")
        self.location = location
    }
}

public struct OutputDecl: Sendable {
    public var name: String
    public var value: ScopedNode
    public var sensitive: Bool
}

/// A stack after loading, template expansion and static checks: ready to resolve and plan.
public struct LoadedStack: Sendable {
    public var name: String
    public var description: String?
    public var file: String
    public var vars: [String: ScopedNode]
    public var varOrder: [String]
    public var resources: [ResourceDecl]
    public var pipelines: [String: PipelineDecl]
    public var outputs: [OutputDecl]
    public var moves: [MoveDecl] = []
    public var imports: [ImportDecl] = []
    public var environment: EnvironmentConfig
    /// A content hash of the stack file and the templates it uses: what `promote` compares between environments.
    public var revision: String

    public func resource(_ logicalName: String) -> ResourceDecl? { resourceIndex[logicalName].map { resources[$0] } }
    var resourceIndex: [String: Int]
}
