import Foundation

/// The INI files of the AWS tools: `~/.aws/credentials` (sections named after profiles) and
/// `~/.aws/config` (`[default]` and `[profile NAME]`).
public struct SharedConfigFile: Sendable, Equatable {
    /// Profile name → keys (lower-cased) → values.
    public var profiles: [String: [String: String]]
    /// `[sso-session NAME]` sections of the config file, which SSO profiles name in `sso_session`.
    public var ssoSessions: [String: [String: String]]

    public init(profiles: [String: [String: String]] = [:], ssoSessions: [String: [String: String]] = [:]) {
        self.profiles = profiles
        self.ssoSessions = ssoSessions
    }

    /// `isConfigFile` strips the `profile ` prefix the config file uses, keeps `[sso-session x]`
    /// sections apart, and ignores its other section kinds (such as `[services x]`).
    public init(parsing text: String, isConfigFile: Bool) {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var inNestedBlock = false
        for rawLine in text.components(separatedBy: .newlines) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let indented = rawLine.first == " " || rawLine.first == "\t"
            // `s3 =` followed by indented settings is a nested block for one service; not used here.
            if indented && inNestedBlock { continue }
            inNestedBlock = false
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = Self.sectionKey(String(line.dropFirst().dropLast()), isConfigFile: isConfigFile)
                if let current, sections[current] == nil { sections[current] = [:] }
                continue
            }
            guard let profile = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") ?? value.range(of: " ;") {
                value = String(value[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces)
            }
            if value.isEmpty {
                inNestedBlock = true
                continue
            }
            sections[profile]?[key] = value
        }
        var profiles: [String: [String: String]] = [:], ssoSessions: [String: [String: String]] = [:]
        for (key, settings) in sections {
            if key.hasPrefix(Self.ssoSessionPrefix) {
                ssoSessions[String(key.dropFirst(Self.ssoSessionPrefix.count))] = settings
            } else {
                profiles[key] = settings
            }
        }
        self.profiles = profiles
        self.ssoSessions = ssoSessions
    }

    /// Section keys of SSO sessions carry this prefix while parsing (a space never starts a profile name).
    private static let ssoSessionPrefix = " sso-session "

    static func sectionKey(_ section: String, isConfigFile: Bool) -> String? {
        let parts = section.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if isConfigFile, parts.count == 2, parts[0] == "sso-session" { return ssoSessionPrefix + parts[1] }
        return profileName(section: section, isConfigFile: isConfigFile)
    }

    public static func load(path: String, isConfigFile: Bool) -> SharedConfigFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return SharedConfigFile(parsing: String(decoding: data, as: UTF8.self), isConfigFile: isConfigFile)
    }

    static func profileName(section: String, isConfigFile: Bool) -> String? {
        let name = section.trimmingCharacters(in: .whitespaces)
        guard isConfigFile else { return name }
        if name == "default" { return name }
        let parts = name.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, parts[0] == "profile" else { return nil }
        return parts[1]
    }
}
