/// The version `infra --version` prints; bumped with each release.
enum InfraVersion {
    static let current = "0.5.0"
}
