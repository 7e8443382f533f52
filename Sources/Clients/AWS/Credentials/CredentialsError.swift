/// Why no credentials could be resolved. Messages name profiles, files and endpoints, never secrets.
public enum CredentialsError: Error, Equatable, CustomStringConvertible {
    case noCredentials(tried: [String])
    case profileNotFound(profile: String, files: [String])
    case incompleteProfile(profile: String, reason: String)
    case sourceProfileCycle([String])
    /// A source that applies (its settings are present) but failed: which one, why, and what to do.
    case sourceFailed(source: String, reason: String, hint: String)

    public var description: String {
        switch self {
        case .noCredentials(let tried):
            return "no AWS credentials found (tried: \(tried.joined(separator: "; ")))"
        case .profileNotFound(let profile, let files):
            return "AWS profile '\(profile)' not found in \(files.joined(separator: ", "))"
        case .incompleteProfile(let profile, let reason):
            return "AWS profile '\(profile)' cannot be used: \(reason)"
        case .sourceProfileCycle(let chain):
            return "AWS profiles refer to each other in a cycle: \(chain.joined(separator: " -> "))"
        case .sourceFailed(let source, let reason, let hint):
            return "\(source): \(reason) (hint: \(hint))"
        }
    }
}
