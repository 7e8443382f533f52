import ArgumentParser
import Foundation

public struct InfraCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "infra",
        abstract: "Provision and verify an S3 → Snowflake landing zone from one YAML stack.",
        discussion: """
            Exit codes: 0 success (and, with --detailed-exitcode, no changes), 1 error, 2 changes present,
            64 a command line that cannot be parsed (an unknown option, a missing argument).
            Colour is used only on a terminal and never when NO_COLOR is set to a non-empty value.
            """,
        version: InfraVersion.current,
        subcommands: [
            InitCommand.self, ValidateCommand.self, PlanCommand.self, ApplyCommand.self, DestroyCommand.self,
            VerifyCommand.self, RunCommand.self, PromoteCommand.self, LocalCommand.self, ExportCommand.self,
            ImportCommand.self, StateCommand.self, OutputCommand.self, ShowCommand.self, GraphCommand.self, KindsCommand.self,
        ])

    public init() {}
}

/// STACK and --env, shared by every command that works on one deployment.
struct DeploymentOptions: ParsableArguments {
    @Argument(help: "A stack file, or the name of a stack in stacks/.")
    var stack: String

    @Option(name: .long, help: "The environment: a name in environments/ or a path to an environment file.")
    var env: String

    @Option(name: .long, help: "The project folder (holding stacks/, templates/, environments/). Default: found from the stack.")
    var project: String?

    @Flag(name: .long, help: "Print, on stderr, how many API requests and statements each provider made.")
    var trace = false
}
