import ArgumentParser
import Foundation

struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local", abstract: "Start, stop or inspect the embedded local AWS and Snowflake endpoints.")
    @Argument(help: "up, down or status") var action: String
    @Flag(name: .long, help: "Print status as JSON.") var json = false
    func run() async throws { try NotYetAvailable.fail("local \(action)", "the local emulator has not landed yet") }
}
