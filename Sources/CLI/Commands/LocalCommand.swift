import ArgumentParser
import Foundation

struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local", abstract: "Start, stop or inspect the embedded local AWS and Snowflake endpoints.")
    @Argument(help: "up, down or status") var action: String
    @Flag(name: .long, help: "Print status as JSON.") var json = false
    func run() async throws {
        // Said plainly rather than pretended: this build has no local emulator yet.
        Terminal.err("error: `infra local \(action)` is not available in this build: the local emulator has not landed yet")
        throw ExitCode(1)
    }
}
