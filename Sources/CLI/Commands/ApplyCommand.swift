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
    @Option(name: .long, help: "How many resources to change at once.") var parallelism = 10
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
            if !autoApprove {
                guard Terminal.confirm("\nDo you want to perform these actions on \(session.address)? Only 'yes' will be accepted.") else {
                    throw Diagnostic("apply cancelled: not confirmed", at: nil,
                                     hint: "answer 'yes' at the prompt, or pass --auto-approve when running without a terminal")
                }
            }
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
    @Option(name: .long, help: "How many resources to delete at once.") var parallelism = 10

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
                if session.stack.pipelines["teardown"] != nil, !skipTeardown, let state = try await session.store.read(), !state.resources.isEmpty {
                    let report = try await PipelineSession(session: session).run("teardown", state: state, json: false)
                    guard report.succeeded else {
                        throw Diagnostic("the teardown pipeline failed: nothing was destroyed", at: nil,
                                         hint: "fix what it reports, or pass --skip-teardown to delete the resources anyway")
                    }
                    Terminal.out("")
                }
                let planned = try await steps.plan(mode: .destroy, refresh: true)
                Terminal.out(PlanRenderer(style: Terminal.style).render(planned.plan))
                guard planned.plan.hasChanges else { return true }
                if !autoApprove {
                    guard Terminal.confirm("\nReally destroy everything in \(session.address)? Only 'yes' will be accepted.") else {
                        throw Diagnostic("destroy cancelled: not confirmed", at: nil, hint: "pass --auto-approve when running without a terminal")
                    }
                }
                Terminal.out("")
                return try await steps.execute(planned, parallelism: parallelism)
            }
            if !ok { throw ExitCode(1) }
        }
    }
}
