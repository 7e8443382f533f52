import ArgumentParser
import Foundation
import InfraEngine

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Plan and apply a stack, or apply a saved plan file exactly.",
        usage: "infra apply STACK --env ENV [--auto-approve]\n       infra apply PLANFILE")

    @Argument(help: "A stack (file or name in stacks/), or a plan file saved by `infra plan --out`.") var target: String
    @Option(name: .long, help: "The environment (not with a plan file).") var env: String?
    @Option(name: .long, help: "The project folder.") var project: String?
    @Flag(name: .long, help: "Apply without asking for confirmation.") var autoApprove = false
    @Flag(name: .long, help: "Allow deletes and replacements in a protected environment.") var force = false
    @Flag(name: .long, help: "Apply a plan that destroys data (non-empty tables or buckets, objects infra does not manage).") var allowDataLoss = false
    @Option(name: .long, help: ArgumentHelp(Parallelism.help)) var parallelism = Parallelism.defaultCeiling
    @Flag(name: .long, help: "Print, on stderr, how many API requests and statements each provider made.") var trace = false

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            if let env {
                var session = try Session.load(stack: target, environment: env, project: project)
                session.trace = trace
                try await applyStack(session)
            } else {
                try await applyPlanFile()
            }
        }
    }

    func applyStack(_ session: Session) async throws {
        let deployment = Deployment(session: session)
        let ok = try await session.withLock("apply") { () async throws -> Bool in
            let planned = try await deployment.plan(mode: .apply, refresh: true)
            Terminal.out(PlanRenderer(style: Terminal.style).render(planned.plan))
            guard planned.plan.hasChanges else { return true }
            try deployment.guardProtected(planned.plan, force: force)
            try deployment.confirm(planned.plan, question: "Do you want to perform these actions on \(session.address)? Only 'yes' will be accepted.",
                                   autoApprove: autoApprove, allowDataLoss: allowDataLoss)
            Terminal.out("")
            return try await deployment.execute(planned, parallelism: parallelism)
        }
        if !ok { throw ExitCode(1) }
    }

    func applyPlanFile() async throws {
        guard let data = FileManager.default.contents(atPath: target) else {
            throw Diagnostic("no plan file \(target)", at: nil, hint: "to apply a stack, give --env: infra apply \(target) --env ENV")
        }
        let saved: Plan
        do { saved = try PlanJSON.decode(data) } catch {
            throw Diagnostic("\(target) is not a plan file saved by `infra plan --out`", at: nil,
                             hint: "to apply a stack, give --env: infra apply \(target) --env ENV")
        }
        var session = try Session.load(stack: saved.stackFile, environment: saved.environment, project: project)
        session.trace = trace
        let deployment = Deployment(session: session)
        let ok = try await session.withLock("apply") { () async throws -> Bool in
            guard session.stack.revision == saved.revision else {
                throw Diagnostic("the stack changed since the plan was made", at: nil, hint: "run `infra plan --out` again")
            }
            let planned = try await deployment.plan(mode: saved.mode, refresh: true)
            let state = planned.state
            guard (state?.serial ?? 0) == saved.stateSerial, state?.lineage == saved.stateLineage else {
                throw Diagnostic("state changed since the plan was made (serial \(saved.stateSerial) → \(state?.serial ?? 0))", at: nil,
                                 hint: "run `infra plan --out` again")
            }
            guard planned.live.digest == saved.liveDigest else {
                throw Diagnostic("live objects changed since the plan was made", at: nil,
                                 hint: "run `infra plan --out` again and review the new plan")
            }
            let actions = { (p: Plan) in p.changes.map { "\($0.address):\($0.action.rawValue)" } }
            guard actions(planned.plan) == actions(saved) else {
                throw Diagnostic("the plan no longer matches what would be done", at: nil, hint: "run `infra plan --out` again")
            }
            guard planned.plan.hasChanges else {
                Terminal.out("No changes.")
                return true
            }
            try deployment.guardProtected(planned.plan, force: force)
            if !planned.plan.dataAtRisk.isEmpty, !allowDataLoss {
                throw Diagnostic("this plan destroys data: \(planned.plan.dataAtRisk.map(\.description).joined(separator: "; "))", at: nil,
                                 hint: "a saved plan applies without a prompt: pass --allow-data-loss if losing this data is intended")
            }
            return try await deployment.execute(planned, parallelism: parallelism)
        }
        if !ok { throw ExitCode(1) }
    }
}

struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy", abstract: "Delete everything a deployment manages, in reverse dependency order.")

    @OptionGroup var deployment: DeploymentOptions
    @Flag(name: .long, help: "Destroy without asking for confirmation.") var autoApprove = false
    @Flag(name: .long, help: "Required to destroy a protected environment.") var force = false
    @Flag(name: .long, help: "Do not run the stack's teardown pipeline first.") var skipTeardown = false
    @Flag(name: .long, help: "Destroy non-empty tables and buckets (and objects infra does not manage inside its containers).") var allowDataLoss = false
    @Option(name: .long, help: ArgumentHelp(Parallelism.help)) var parallelism = Parallelism.defaultCeiling

    /// Confirm (naming what goes), then run the teardown pipeline, then delete: an answer of "no" changes nothing.
    func run() async throws {
        try await reportingErrors {
            let session = try Session.load(deployment)
            let steps = Deployment(session: session)
            let ok = try await session.withLock("destroy") { () async throws -> Bool in
                if session.environment.isProtected, !force {
                    throw Diagnostic("environment \(session.environment.name) is protected: refusing to destroy \(session.stack.name)",
                                     at: session.environment.file.map { SourceLocation(file: $0, line: 1, column: 1) },
                                     hint: "pass --force if you really mean it")
                }
                var planned = try await steps.plan(mode: .destroy, refresh: true)
                Terminal.out(PlanRenderer(style: Terminal.style).render(planned.plan))
                guard planned.plan.hasChanges else { return true }
                try steps.confirm(planned.plan, question: "Really destroy everything in \(session.address)? Only 'yes' will be accepted.",
                                  autoApprove: autoApprove, allowDataLoss: allowDataLoss)
                if session.stack.pipelines["teardown"] != nil, !skipTeardown, let state = planned.state, !state.resources.isEmpty {
                    Terminal.out("")
                    let report = try await PipelineSession(session: session).run("teardown", state: state, json: false)
                    guard report.succeeded else {
                        let cause = report.failureSummary
                        throw Diagnostic("the teardown pipeline failed\(cause.isEmpty ? "" : ": \(cause)"); nothing was destroyed", at: nil,
                                         hint: "fix what it reports and run destroy again, or pass --skip-teardown to delete the resources without it")
                    }
                    // The teardown may have changed what is live (files removed): destroy what is there now.
                    planned = try await steps.plan(mode: .destroy, refresh: true)
                }
                Terminal.out("")
                return try await steps.execute(planned, parallelism: parallelism)
            }
            if !ok { throw ExitCode(1) }
        }
    }
}
