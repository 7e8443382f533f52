import ArgumentParser
import Foundation
import InfraEngine

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Refresh live state and show what apply would change.")

    @OptionGroup var deployment: DeploymentOptions
    @Flag(name: .long, help: "Print the plan as JSON (schema: docs/json-output.md).") var json = false
    @Option(name: .long, help: "Save the plan to FILE; `infra apply FILE` applies exactly it.") var out: String?
    @Flag(name: .long, help: "Exit 0 when there are no changes, 2 when there are, 1 on error.") var detailedExitcode = false
    @Option(name: .long, help: "Read live objects (true) or trust recorded state (false).") var refresh = true
    @Flag(name: .long, help: "Plan the destruction of everything in state.") var destroy = false

    func run() async throws {
        let hasChanges = try await reportingErrors {
            let session = try Session.load(deployment)
            let planned = try await session.withLock("plan") {
                try await Deployment(session: session).plan(mode: destroy ? .destroy : .apply, refresh: refresh)
            }
            if json {
                Terminal.write(try PlanJSON.encode(planned.plan))
            } else {
                Terminal.out(PlanRenderer(style: Terminal.style).render(planned.plan))
            }
            if let out {
                try AtomicFile.write(try PlanJSON.encode(planned.plan), to: out)
                if !json { Terminal.out("\nSaved the plan to \(out). To apply exactly this plan: infra apply \(out)") }
            }
            return planned.plan.hasChanges
        }
        if detailedExitcode, hasChanges { throw ExitCode(2) }
    }
}
