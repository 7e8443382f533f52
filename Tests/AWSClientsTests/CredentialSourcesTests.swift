@testable import AWSClients
import Crypto
import Foundation
import SigV4
import XCTest

/// Each source of the chain against a local stand-in: a script for credential_process, and a loopback
/// HTTP server playing the SSO portal, STS, the ECS agent and instance metadata. Instance metadata is
/// disabled (AWS_EC2_METADATA_DISABLED) unless a test points it at its server, so nothing leaves 127.0.0.1.
final class CredentialSourcesTests: XCTestCase {
    var home: URL!
    var servers: [LoopbackServer] = []

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-sources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        servers.forEach { $0.stop() }
        try FileManager.default.removeItem(at: home)
    }

    func serve(_ routes: LoopbackServer.Route...) throws -> LoopbackServer {
        let server = try LoopbackServer.start(routes)
        servers.append(server)
        return server
    }

    @discardableResult
    func write(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
        let url = home.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        return url.path
    }

    func environment(_ variables: [String: String] = [:]) -> AWSEnvironment {
        let base = ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true",
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        return AWSEnvironment(variables: base.merging(variables) { _, new in new })
    }


    func credentialsJSON(_ id: String, _ secret: String, token: String, expiration: String, tokenKey: String = "Token") -> String {
        #"{"Code": "Success", "AccessKeyId": "\#(id)", "SecretAccessKey": "\#(secret)", "\#(tokenKey)": "\#(token)", "Expiration": "\#(expiration)"}"#
    }

    func assertFails(_ environment: AWSEnvironment, mentioning parts: [String], secrets: [String] = [],
                     file: StaticString = #filePath, line: UInt = #line) async {
        do {
            let resolved = try await environment.resolveForTest()
            XCTFail("resolved \(resolved)", file: file, line: line)
        } catch {
            let text = "\(error)"
            for part in parts { XCTAssertTrue(text.contains(part), "\(text) lacks \(part)", file: file, line: line) }
            for secret in secrets { XCTAssertFalse(text.contains(secret), text, file: file, line: line) }
        }
    }

    // MARK: credential_process

    func testCredentialProcessRunsTheCommandAndReadsItsJSON() async throws {
        let script = try write("bin/creds helper", """
            #!/bin/sh
            [ "$1" = "--account" ] && [ "$2" = "prod 1" ] || { echo "bad arguments: $*" >&2; exit 2; }
            echo '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "2031-05-01T10:00:00Z"}'
            """, executable: true)
        try write(".aws/config", """
            [profile tool]
            credential_process = "\(script)" --account 'prod 1'
            """)
        let resolved = try await environment(["AWS_PROFILE": "tool"]).resolveForTest()
        XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "ASIAPROC", secretAccessKey: "proc-secret",
                                                                sessionToken: "proc-token"))
        XCTAssertEqual(resolved.expiration, "2031-05-01T10:00:00Z")
        XCTAssertEqual(resolved.source, "credential_process of profile tool")
    }

    func testCredentialProcessFailuresNameTheProfileAndNeverTheSecret() async throws {
        let failing = try write("bin/fail", "#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n", executable: true)
        let version2 = try write("bin/v2", #"#!/bin/sh\#necho '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "v2-secret"}'\#n"#,
                                 executable: true)
        let garbage = try write("bin/garbage", "#!/bin/sh\necho 'AccessKeyId=A SecretAccessKey=plain-secret'\n", executable: true)
        try write(".aws/config", """
            [profile failing]
            credential_process = \(failing)
            [profile v2]
            credential_process = \(version2)
            [profile garbage]
            credential_process = \(garbage)
            """)
        await assertFails(environment(["AWS_PROFILE": "failing"]),
                          mentioning: ["credential_process of profile failing", "exited with status 3", "token expired, run login", "hint:"])
        await assertFails(environment(["AWS_PROFILE": "v2"]), mentioning: ["unsupported Version 2"], secrets: ["v2-secret"])
        await assertFails(environment(["AWS_PROFILE": "garbage"]), mentioning: ["not a JSON credentials document"],
                          secrets: ["plain-secret"])
    }

    // MARK: SSO

    func ssoCache(key: String, token: String, expiresAt: String) throws {
        let name = Insecure.SHA1.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
        try write(".aws/sso/cache/\(name).json", #"{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "\#(token)", "expiresAt": "\#(expiresAt)"}"#)
    }

    func testSSOProfileExchangesTheCachedTokenAtThePortal() async throws {
        let portal = try serve(LoopbackServer.Route("GET", "/federation/credentials?role_name=Deployer&account_id=111122223333",
                                                    require: ["x-amz-sso_bearer_token": "cached-access-token"],
            .init(body: #"{"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "sso-secret", "sessionToken": "sso-token", "expiration": 1924992000000}}"#)))
        try write(".aws/config", """
            [profile dev]
            sso_session = corp
            sso_account_id = 111122223333
            sso_role_name = Deployer
            region = eu-west-1
            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = eu-west-1
            sso_registration_scopes = sso:account:access
            [profile legacy]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = eu-west-1
            sso_account_id = 111122223333
            sso_role_name = Deployer
            """)
        try ssoCache(key: "corp", token: "cached-access-token", expiresAt: "2099-01-01T00:00:00Z")
        try ssoCache(key: "https://corp.awsapps.com/start", token: "cached-access-token", expiresAt: "2099-01-01T00:00:00Z")
        for profile in ["dev", "legacy"] {
            let resolved = try await environment(["AWS_PROFILE": profile, "AWS_ENDPOINT_URL_SSO": portal.url.absoluteString])
                .resolveForTest()
            XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "ASIASSO", secretAccessKey: "sso-secret",
                                                                    sessionToken: "sso-token"))
            XCTAssertEqual(resolved.expiresAt, Date(timeIntervalSince1970: 1_924_992_000))
            XCTAssertEqual(resolved.source, "SSO role Deployer in account 111122223333 via profile \(profile)")
        }
        XCTAssertEqual(portal.requests.count, 2)
        XCTAssertNil(portal.requests[0].headers["authorization"], "the portal takes the bearer token, not a signature")
    }

    func testSSOWithoutAUsableTokenSaysToSignIn() async throws {
        try write(".aws/config", """
            [profile dev]
            sso_session = corp
            sso_account_id = 111122223333
            sso_role_name = Deployer
            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = eu-west-1
            [profile broken]
            sso_session = corp
            sso_account_id = 111122223333
            """)
        let env = environment(["AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9"])
        await assertFails(env, mentioning: ["SSO role Deployer", "no cached SSO token", "aws sso login --profile dev"])
        try ssoCache(key: "corp", token: "old-access-token", expiresAt: "2020-01-01T00:00:00Z")
        await assertFails(env, mentioning: ["expired at 2020-01-01T00:00:00Z", "aws sso login --profile dev"], secrets: ["old-access-token"])
        await assertFails(environment(["AWS_PROFILE": "broken"]), mentioning: ["SSO profile broken", "sso_role_name is missing"])

        let portal = try serve(LoopbackServer.Route("GET", "/federation/credentials",
            .init(status: 401, body: #"{"message": "Session token not found or invalid"}"#)))
        try ssoCache(key: "corp", token: "revoked-access-token", expiresAt: "2099-01-01T00:00:00Z")
        await assertFails(environment(["AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_SSO": portal.url.absoluteString]),
                          mentioning: ["HTTP 401", "Session token not found", "aws sso login"], secrets: ["revoked-access-token"])
    }

    // MARK: web identity

    static func webIdentityAnswer(_ id: String, expiration: String) -> String {
        """
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <Credentials><AccessKeyId>\(id)</AccessKeyId><SecretAccessKey>wi-secret</SecretAccessKey>\
        <SessionToken>wi-token</SessionToken><Expiration>\(expiration)</Expiration></Credentials>
            <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ci/run-7</Arn><AssumedRoleId>AROA:run-7</AssumedRoleId></AssumedRoleUser>
          </AssumeRoleWithWebIdentityResult>
        </AssumeRoleWithWebIdentityResponse>
        """
    }

    func testWebIdentityAssumesTheRoleWithTheTokenFileUnsigned() async throws {
        let sts = try serve(LoopbackServer.Route("POST", "/", .init(body: Self.webIdentityAnswer("ASIAWEB", expiration: "2031-01-01T00:00:00Z"))))
        let tokenFile = try write("ci/token", "header.payload.signature\n")
        // botocore's order: web identity from the environment comes before the default profile's keys.
        try write(".aws/credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n")
        let resolved = try await environment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
            "AWS_ROLE_SESSION_NAME": "run-7", "AWS_ENDPOINT_URL_STS": sts.url.absoluteString,
        ]).resolveForTest()
        XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "ASIAWEB", secretAccessKey: "wi-secret", sessionToken: "wi-token"))
        XCTAssertEqual(resolved.expiration, "2031-01-01T00:00:00Z")
        XCTAssertTrue(resolved.source.hasPrefix("web identity role arn:aws:iam::123456789012:role/ci"))
        let request = try XCTUnwrap(sts.requests.first)
        XCTAssertNil(request.headers["authorization"], "AssumeRoleWithWebIdentity is not signed")
        let form = Dictionary(uniqueKeysWithValues: request.body.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        })
        XCTAssertEqual(form, ["Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                              "RoleArn": "arn:aws:iam::123456789012:role/ci", "RoleSessionName": "run-7",
                              "WebIdentityToken": "header.payload.signature"])
    }

    func testWebIdentityFromAProfileAndItsFailures() async throws {
        let sts = try serve(LoopbackServer.Route("POST", "/", .init(status: 403, body: """
            <ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>
            """)))
        let tokenFile = try write("k8s/token", "secret-oidc-token")
        try write(".aws/config", """
            [profile pod]
            role_arn = arn:aws:iam::123456789012:role/pod
            web_identity_token_file = \(tokenFile)
            """)
        await assertFails(environment(["AWS_PROFILE": "pod", "AWS_ENDPOINT_URL_STS": sts.url.absoluteString]),
                          mentioning: ["web identity role arn:aws:iam::123456789012:role/pod", "AccessDenied", "trust policy"],
                          secrets: ["secret-oidc-token"])
        await assertFails(environment(["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile]), mentioning: ["no role to assume", "AWS_ROLE_ARN"])
        await assertFails(environment(["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/x",
                                       "AWS_ENDPOINT_URL_STS": sts.url.absoluteString]),
                          mentioning: ["cannot read the token file", "AWS_WEB_IDENTITY_TOKEN_FILE"])
    }

    // MARK: container credentials

    func testContainerCredentialsFromTheFullURIWithAnAuthorizationTokenFile() async throws {
        let agent = try serve(LoopbackServer.Route("GET", "/v2/credentials/task", require: ["authorization": "agent-token"],
            .init(body: credentialsJSON("ASIAECS", "ecs-secret", token: "ecs-token", expiration: "2031-02-02T00:00:00Z"))))
        let tokenFile = try write("ecs/token", "agent-token\n")
        let resolved = try await environment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url.absoluteString + "/v2/credentials/task",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-a-file-is-set",
        ]).resolveForTest()
        XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "ASIAECS", secretAccessKey: "ecs-secret", sessionToken: "ecs-token"))
        XCTAssertEqual(resolved.expiration, "2031-02-02T00:00:00Z")
        XCTAssertEqual(resolved.source, "container credentials at \(agent.url.absoluteString)/v2/credentials/task")
    }

    func testContainerCredentialsFromTheRelativeURI() async throws {
        let agent = try serve(LoopbackServer.Route("GET", "/v2/credentials/abc-123", require: ["authorization": "plain-token"],
            .init(body: credentialsJSON("ASIAREL", "rel-secret", token: "rel-token", expiration: "2031-02-02T00:00:00Z"))))
        var env = environment(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc-123",
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "plain-token"])
        env.containerAgent = agent.url
        let resolved = try await env.resolveForTest()
        XCTAssertEqual(resolved.credentials.accessKeyId, "ASIAREL")
        XCTAssertEqual(agent.requests.map(\.path), ["/v2/credentials/abc-123"])
    }

    func testContainerCredentialsRefusePlainHTTPBeyondLoopbackAndReportFailures() async throws {
        // Refused before any request is made.
        await assertFails(environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"]),
                          mentioning: ["container credentials at http://example.com/creds", "plain http is only allowed"])
        let agent = try serve(LoopbackServer.Route("GET", "/creds", require: ["authorization": "right"], .init(body: "{}")))
        await assertFails(environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url.absoluteString + "/creds",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token"]),
                          mentioning: ["container credentials at", "HTTP 401", "hint:"], secrets: ["wrong-token"])
    }

    // MARK: instance metadata

    func imds(role: String = "web-role", _ answer: LoopbackServer.Response) throws -> LoopbackServer {
        try serve(
            LoopbackServer.Route("PUT", "/latest/api/token", require: ["x-aws-ec2-metadata-token-ttl-seconds": "21600"],
                                 .init(body: "imds-session-token")),
            LoopbackServer.Route("GET", "/latest/meta-data/iam/security-credentials/", require: ["x-aws-ec2-metadata-token": "imds-session-token"],
                                 .init(body: role)),
            LoopbackServer.Route("GET", "/latest/meta-data/iam/security-credentials/\(role)",
                                 require: ["x-aws-ec2-metadata-token": "imds-session-token"], answer))
    }

    func testInstanceMetadataV2TokenThenRoleThenCredentials() async throws {
        let metadata = try imds(.init(body: credentialsJSON("ASIAEC2", "ec2-secret", token: "ec2-token", expiration: "2031-03-03T00:00:00Z")))
        let resolved = try await environment(["AWS_EC2_METADATA_DISABLED": "false",
                                              "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.url.absoluteString]).resolveForTest()
        XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "ASIAEC2", secretAccessKey: "ec2-secret", sessionToken: "ec2-token"))
        XCTAssertEqual(resolved.source, "instance metadata role web-role at \(metadata.url.absoluteString)")
        XCTAssertEqual(metadata.requests.map { "\($0.method) \($0.path)" }, [
            "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/web-role",
        ])
    }

    func testInstanceMetadataDisabledOrFailing() async throws {
        let metadata = try imds(.init(body: #"{"Code": "AssumeRoleUnauthorizedAccess", "Message": "cannot assume web-role"}"#))
        await assertFails(environment(["AWS_EC2_METADATA_DISABLED": "true", "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.url.absoluteString]),
                          mentioning: ["no AWS credentials found", "disabled by AWS_EC2_METADATA_DISABLED"])
        XCTAssertTrue(metadata.requests.isEmpty)
        await assertFails(environment(["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.url.absoluteString]),
                          mentioning: ["instance metadata role web-role", "AssumeRoleUnauthorizedAccess", "instance profile"])
    }

    // MARK: order

    func testChainOrder() async throws {
        let agent = try serve(LoopbackServer.Route("GET", "/creds",
            .init(body: credentialsJSON("ASIAECS", "s", token: "t", expiration: "2031-01-01T00:00:00Z"))))
        let metadata = try imds(.init(body: credentialsJSON("ASIAEC2", "s", token: "t", expiration: "2031-01-01T00:00:00Z")))
        var variables = ["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.url.absoluteString]
        try await XCTAssertEqualAsync(try await environment(variables).resolveForTest().credentials.accessKeyId, "ASIAEC2")
        variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = agent.url.absoluteString + "/creds"
        try await XCTAssertEqualAsync(try await environment(variables).resolveForTest().credentials.accessKeyId, "ASIAECS",
                                      "container before instance metadata")
        try write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n")
        try await XCTAssertEqualAsync(try await environment(variables).resolveForTest().credentials.accessKeyId, "AKIDFILE",
                                      "profiles before container")
        variables["AWS_ACCESS_KEY_ID"] = "AKIDENV"
        variables["AWS_SECRET_ACCESS_KEY"] = "e"
        try await XCTAssertEqualAsync(try await environment(variables).resolveForTest().credentials.accessKeyId, "AKIDENV",
                                      "environment first")
        // A role profile may take its source credentials from the container.
        let sts = try serve(LoopbackServer.Route("POST", "/", .init(body: """
            <AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>r</SecretAccessKey>\
            <SessionToken>t</SessionToken><Expiration>2031-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>
            """)))
        variables["AWS_ACCESS_KEY_ID"] = nil
        variables["AWS_SECRET_ACCESS_KEY"] = nil
        try write(".aws/config", "[profile deploy]\nrole_arn = arn:aws:iam::1:role/deploy\ncredential_source = EcsContainer\n")
        variables["AWS_PROFILE"] = "deploy"
        variables["AWS_ENDPOINT_URL_STS"] = sts.url.absoluteString
        let role = try await environment(variables).resolveForTest()
        XCTAssertEqual(role.credentials.accessKeyId, "ASIAROLE")
        XCTAssertTrue(sts.requests.first?.headers["authorization"]?.contains("Credential=ASIAECS/") == true, "signed with the container's keys")
    }

    // MARK: refresh

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Date
        init(_ start: Date) { value = start }
        var now: Date { lock.withLock { value } }
        func advance(_ seconds: TimeInterval) { lock.withLock { value += seconds } }
    }

    func testTemporaryCredentialsAreRefreshedFiveMinutesBeforeTheyExpire() async throws {
        let agent = try serve(LoopbackServer.Route("GET", "/creds",
            .init(body: credentialsJSON("ASIAFIRST", "s1", token: "t1", expiration: "2030-01-01T01:00:00Z")),
            .init(body: credentialsJSON("ASIASECOND", "s2", token: "t2", expiration: "2030-01-01T02:00:00Z"))))
        let env = environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url.absoluteString + "/creds"])
        let configuration = env.testBase
        let clock = Clock(ISO8601DateFormatter().date(from: "2030-01-01T00:00:00Z")!)
        let provider = RefreshingCredentials(now: { clock.now }) { try await env.credentials(base: configuration) }

        // Many operations at once share one resolution.
        let first = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await provider.current().credentials.accessKeyId } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(first, ["ASIAFIRST"])
        XCTAssertEqual(agent.requests.count, 1)
        clock.advance(54 * 60)
        try await XCTAssertEqualAsync(try await provider.current().credentials.accessKeyId, "ASIAFIRST", "6 minutes left: still cached")
        clock.advance(2 * 60)
        try await XCTAssertEqualAsync(try await provider.current().credentials.accessKeyId, "ASIASECOND", "4 minutes left: refreshed")
        XCTAssertEqual(agent.requests.count, 2)
        let resolutions = await provider.resolutions
        XCTAssertEqual(resolutions, 2)
    }

    func testAFailedRefreshKeepsCredentialsThatStillWork() async throws {
        let agent = try serve(LoopbackServer.Route("GET", "/creds",
            .init(body: credentialsJSON("ASIAFIRST", "s1", token: "t1", expiration: "2030-01-01T01:00:00Z")),
            .init(status: 500, body: "agent restarting")))
        let env = environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url.absoluteString + "/creds"])
        let configuration = env.testBase
        let clock = Clock(ISO8601DateFormatter().date(from: "2030-01-01T00:58:00Z")!)
        let provider = RefreshingCredentials(now: { clock.now }) { try await env.credentials(base: configuration) }
        try await XCTAssertEqualAsync(try await provider.current().credentials.accessKeyId, "ASIAFIRST")
        try await XCTAssertEqualAsync(try await provider.current().credentials.accessKeyId, "ASIAFIRST", "refresh failed, 2 minutes left")
        clock.advance(3 * 60)
        do {
            _ = try await provider.current()
            XCTFail("expired and the refresh fails")
        } catch {
            XCTAssertTrue("\(error)".contains("HTTP 500"), "\(error)")
        }
    }
}

extension AWSEnvironment {
    /// Region, endpoints (AWS_ENDPOINT_URL_* point at the loopback servers) and no retries.
    var testBase: AWSClientConfiguration {
        var configuration = baseConfiguration(transport: CurlTransport())
        configuration.retryPolicy = .never
        return configuration
    }

    func resolveForTest() async throws -> ResolvedCredentials { try await credentials(base: testBase) }
}

func XCTAssertEqualAsync<T: Equatable>(_ expression: @autoclosure () async throws -> T, _ expected: T, _ message: String = "",
                                       file: StaticString = #filePath, line: UInt = #line) async throws {
    let value = try await expression()
    XCTAssertEqual(value, expected, message, file: file, line: line)
}
