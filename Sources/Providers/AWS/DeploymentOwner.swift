import Foundation

/// The deployment an AWS object belongs to, written as tags on the objects it creates (`infra:stack`,
/// `infra:env`, `infra:address`). A create repeated after an attempt that was carried out finds the object
/// already there; these tags tell ours (counts as done) from someone else's (an error).
public struct DeploymentOwner: Sendable, Equatable {
    public static let tagPrefix = "infra:"

    public var stack: String
    public var environment: String

    public init(stack: String, environment: String) {
        self.stack = stack
        self.environment = environment
    }

    public func tags(address: String) -> [String: String] {
        ["infra:stack": stack, "infra:env": environment, "infra:address": address]
    }

    /// Whether an object carrying `tags` was created by this deployment for the resource at `address`.
    public func owns(tags: [String: String], address: String) -> Bool {
        self.tags(address: address).allSatisfy { tags[$0.key] == $0.value }
    }

    /// The tags a stack declares, without the owner tags infra adds itself.
    public static func declaredTags(_ tags: [String: String]) -> [String: String] {
        tags.filter { !$0.key.hasPrefix(tagPrefix) }
    }
}
