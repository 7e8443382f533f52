import Foundation

/// The embedded default for integration tests: one `infra_emulator` per test process, on free ports in a
/// scratch folder, started on first use and stopped when the process exits. Tests talk to it over HTTP only.
public final class LocalEndpoints: @unchecked Sendable {
    public let projectRoot: String
    public let directory: String
    public let awsEndpoint: String
    public let snowflakeEndpoint: String
    public let connectorPort: Int
    public let privateKeyFile: String
    public let awsAccessKeyID: String
    public let awsSecretAccessKey: String

    nonisolated(unsafe) private static var started: Result<LocalEndpoints, Error>?
    private static let lock = NSLock()

    public struct Unavailable: Error, CustomStringConvertible { public var description: String }

    /// The shared instance; the first call starts it (a few seconds).
    public static func shared() throws -> LocalEndpoints {
        try lock.withLock {
            if started == nil {
                started = Result { try LocalEndpoints() }
                if case .success = started { atexit { LocalEndpoints.stopShared() } }
            }
            return try started!.get()
        }
    }

    static func stopShared() {
        guard case .success(let endpoints)? = started else { return }
        _ = try? endpoints.launcher(["down"])
        try? FileManager.default.removeItem(atPath: endpoints.directory)
    }

    public static var projectRootPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    private init() throws {
        projectRoot = Self.projectRootPath
        guard FileManager.default.isExecutableFile(atPath: "\(projectRoot)/.venv/bin/python") else {
            throw Unavailable(description: "the local emulator is not set up: run scripts/setup (it creates .venv)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("infra-local-\(ProcessInfo.processInfo.processIdentifier)").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ports = try (0..<3).map { _ in try Self.freePort() }
        try launcherRun(projectRoot: projectRoot, directory: directory,
                        ["up", "--aws-port", "\(ports[0])", "--snowflake-port", "\(ports[1])", "--connector-port", "\(ports[2])"])
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/status.json"))
        let status = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let aws = status["aws"] as! [String: Any], snowflake = status["snowflake"] as! [String: Any]
        awsEndpoint = aws["endpoint"] as! String
        awsAccessKeyID = aws["access_key_id"] as! String
        awsSecretAccessKey = aws["secret_access_key"] as! String
        snowflakeEndpoint = snowflake["endpoint"] as! String
        connectorPort = snowflake["connector_port"] as! Int
        privateKeyFile = snowflake["private_key_file"] as! String
    }

    /// A fresh project whose environments (`dev`, and `prod` when asked, protected) point at these endpoints,
    /// with the deployer's key in a credentials file of the project's own.
    public func project(_ files: [String: String] = [:], prod: Bool = false) throws -> String {
        let project = try CLI.project(files)
        try "[local]\naws_access_key_id = \(awsAccessKeyID)\naws_secret_access_key = \(awsSecretAccessKey)\n"
            .write(toFile: "\(project)/aws-credentials", atomically: true, encoding: .utf8)
        for (env, protected) in [("dev", false)] + (prod ? [("prod", true)] : []) {
            try """
                name: \(env)
                protected: \(protected)
                aws: {region: us-east-1, account_id: "000000000000", endpoint: "\(awsEndpoint)", credentials_file: aws-credentials, profile: local}
                snowflake: {account: LOCAL, user: DEPLOYER, private_key_file: "\(privateKeyFile)", endpoint: "\(snowflakeEndpoint)"}
                """.write(toFile: "\(project)/environments/\(env).yaml", atomically: true, encoding: .utf8)
        }
        return project
    }

    func launcher(_ arguments: [String]) throws { try launcherRun(projectRoot: projectRoot, directory: directory, arguments) }

    /// Runs a Python snippet in the project's .venv (boto3, snowflake-connector-python): the independent
    /// client tests use to check what infra did. Returns stdout; throws with stderr on failure.
    public func python(_ script: String, environment extra: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(projectRoot)/.venv/bin/python")
        process.arguments = ["-c", script]
        var env = ProcessInfo.processInfo.environment
        env["INFRA_AWS_ENDPOINT"] = awsEndpoint
        env["AWS_ACCESS_KEY_ID"] = awsAccessKeyID
        env["AWS_SECRET_ACCESS_KEY"] = awsSecretAccessKey
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        env["INFRA_CONNECTOR_PORT"] = String(connectorPort)
        env.merge(extra) { _, b in b }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Unavailable(description: "python failed: " + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Rows of one statement through snowflake-connector-python on the emulator's connector endpoint: an
    /// independent client reading back what infra made. Every value as text (nil for NULL).
    public func connectorRows(_ sql: String) throws -> [[String?]] {
        let output = try python("""
            import json, os, snowflake.connector
            conn = snowflake.connector.connect(account='LOCAL', user='DEPLOYER', password='x', host='127.0.0.1',
                                               port=int(os.environ['INFRA_CONNECTOR_PORT']), protocol='http')
            cur = conn.cursor()
            cur.execute(os.environ['SQL'])
            print(json.dumps([[None if v is None else str(v) for v in row] for row in cur.fetchall()]))
            """, environment: ["SQL": sql])
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Any]] ?? []).map { $0.map { $0 as? String } }
    }

    /// Lowers (or restores) the local Snowflake's SHOW row ceiling, Snowflake's 10,000.
    public func setShowRowCeiling(_ rows: Int) throws {
        _ = try adminRequest("POST", "\(snowflakeEndpoint)/_infra/limits", body: ["show_row_ceiling": rows])
    }

    /// Sets fault injection on one endpoint ("aws" or "snowflake") through its admin API.
    public func setFaults(_ endpoint: String, _ settings: [String: Any]) throws {
        let base = endpoint == "aws" ? awsEndpoint : snowflakeEndpoint
        _ = try adminRequest("POST", "\(base)/_infra/faults", body: settings)
    }

    /// Reads an admin endpoint (`/_infra/requests`, …) as JSON.
    public func admin(_ endpoint: String, _ path: String, method: String = "GET") throws -> [String: Any] {
        let base = endpoint == "aws" ? awsEndpoint : snowflakeEndpoint
        return try adminRequest(method, base + path, body: method == "POST" ? [:] : nil)
    }

    private func adminRequest(_ method: String, _ url: String, body: [String: Any]?) throws -> [String: Any] {
        let script = """
            import json, sys, urllib.request
            data = None if sys.argv[3] == '-' else sys.argv[3].encode()
            req = urllib.request.Request(sys.argv[2], data=data, method=sys.argv[1], headers={'Content-Type': 'application/json'})
            print(urllib.request.urlopen(req).read().decode())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(projectRoot)/.venv/bin/python")
        let payload = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? "-"
        process.arguments = ["-c", script, method, url, payload]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Unavailable(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

private func launcherRun(projectRoot: String, directory: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "\(projectRoot)/.venv/bin/python")
    process.arguments = ["-m", "infra_emulator"] + arguments + ["--dir", directory]
    process.currentDirectoryURL = URL(fileURLWithPath: projectRoot)
    var env = ProcessInfo.processInfo.environment
    env["PYTHONPATH"] = "\(projectRoot)/emulator"
    process.environment = env
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw LocalEndpoints.Unavailable(description: "infra_emulator \(arguments.joined(separator: " ")) failed: " + String(decoding: errors, as: UTF8.self))
    }
}
