import Foundation

extension TaskDecl {
    /// The address of the pool resource the task names: a template instance's own pool first, else the stack's.
    public func poolAddress(in stack: LoadedStack) -> String? {
        guard let pool else { return nil }
        return stack.resource(body.scope.prefix + pool) != nil ? body.scope.prefix + pool : pool
    }
}

extension PipelineDecl {
    /// The pipeline's tasks with every expression resolved: what the embedded runner executes and what
    /// `infra export airflow` translates, so the two read one model.
    ///   poolName: the name the task's pool has where the tasks run (nil when the task names none);
    ///   notKnown: the error for a task whose values are not all known (e.g. something not deployed).
    public func resolvedTasks(with resolver: Resolver, poolName: (TaskDecl) throws -> String?,
                              notKnown: (TaskDecl) -> Diagnostic) throws -> [ResolvedTask]
    {
        try tasks.map { task in
            let pool = try poolName(task)
            let body = try resolver.evaluate(task.body, inPipeline: true)
            let expect = try task.expect.map { try resolver.evaluate($0, inPipeline: true) }
            let role = try task.role.map { try resolver.evaluate($0, inPipeline: true) }
            let runAs = try task.runAs.map { try resolver.evaluate($0, inPipeline: true) }
            if !body.isKnown || expect?.isKnown == false || role?.isKnown == false || runAs?.isKnown == false { throw notKnown(task) }
            return ResolvedTask(name: task.name, kind: task.kind, body: body, expect: expect, after: task.after, pool: pool,
                                retries: task.retries, retryDelaySeconds: task.retryDelaySeconds, timeoutSeconds: task.timeoutSeconds,
                                role: role?.stringValue, user: runAs.flatMap(TaskUser.init))
        }
    }
}
