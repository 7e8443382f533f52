@testable import AWSClients
import Foundation
import SigV4
import XCTest

final class CredentialsTests: XCTestCase {
    var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: home)
    }

    func write(_ relativePath: String, _ text: String) throws {
        let url = home.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func environment(_ variables: [String: String] = [:]) -> AWSEnvironment {
        // Instance metadata off: these tests never reach for 169.254.169.254.
        AWSEnvironment(variables: variables.merging(["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true"]) { a, _ in a })
    }

    func base(_ transport: any HTTPTransport = FakeTransport([])) -> AWSClientConfiguration {
        AWSClientConfiguration(credentials: SigningCredentials(accessKeyId: "", secretAccessKey: ""), region: "eu-west-1",
                               retryPolicy: .never, transport: transport)
    }

    let sharedFiles = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret

        [dev]
        aws_access_key_id=AKIDDEV
        aws_secret_access_key=dev-secret
        aws_session_token = dev-token # trailing comment
        """

    func testEnvironmentKeysComeFirst() async throws {
        try write(".aws/credentials", sharedFiles)
        let resolved = try await environment([
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_PROFILE": "dev",
        ]).credentials(base: base())
        XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "AKIDENV", secretAccessKey: "env-secret",
                                                                sessionToken: "env-token"))
        XCTAssertEqual(resolved.source, "environment")
    }

    func testDefaultAndNamedProfilesFromTheCredentialsFile() async throws {
        try write(".aws/credentials", sharedFiles)
        let fallback = try await environment().credentials(base: base())
        XCTAssertEqual(fallback.credentials.accessKeyId, "AKIDDEFAULT")
        XCTAssertNil(fallback.credentials.sessionToken)
        let dev = try await environment(["AWS_PROFILE": "dev"]).credentials(base: base())
        XCTAssertEqual(dev.credentials, SigningCredentials(accessKeyId: "AKIDDEV", secretAccessKey: "dev-secret",
                                                           sessionToken: "dev-token"))
        XCTAssertTrue(dev.source.hasPrefix("profile dev in "))
    }

    func testConfigFileProfilesAndFileOverrides() async throws {
        try write("elsewhere/creds", "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n")
        try write("elsewhere/config", """
            [profile other]
            region = ap-south-1
            [profile config-only]
            aws_access_key_id = AKIDCONFIG
            aws_secret_access_key = c
            s3 =
              addressing_style = path
            region = sa-east-1
            [sso-session corp]
            sso_region = us-east-1
            """)
        let env = environment([
            "AWS_SHARED_CREDENTIALS_FILE": home.appendingPathComponent("elsewhere/creds").path,
            "AWS_CONFIG_FILE": home.appendingPathComponent("elsewhere/config").path, "AWS_PROFILE": "other",
        ])
        let other = try await env.credentials(base: base())
        XCTAssertEqual(other.credentials.accessKeyId, "AKIDOTHER")
        XCTAssertEqual(env.region(), "ap-south-1")
        var configOnly = env
        configOnly.variables["AWS_PROFILE"] = "config-only"
        let fromConfig = try await configOnly.credentials(base: base())
        XCTAssertEqual(fromConfig.credentials.accessKeyId, "AKIDCONFIG")
        XCTAssertEqual(configOnly.region(), "sa-east-1", "settings after a nested block still count")
    }

    func testRegionPrecedence() throws {
        try write(".aws/config", "[default]\nregion = eu-central-1\n")
        XCTAssertEqual(environment().region(), "eu-central-1")
        XCTAssertEqual(environment(["AWS_DEFAULT_REGION": "us-west-1"]).region(), "us-west-1")
        XCTAssertEqual(environment(["AWS_DEFAULT_REGION": "us-west-1", "AWS_REGION": "us-west-2"]).region(), "us-west-2")
        try FileManager.default.removeItem(at: home.appendingPathComponent(".aws/config"))
        XCTAssertEqual(environment().region(), "us-east-1")
    }

    func testExplicitProfileFromOurEnvironmentFileWins() async throws {
        try write("project/aws-credentials", "[infra-local]\naws_access_key_id = AKIDLOCAL\naws_secret_access_key = l\n")
        let resolved = try await environment(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e"])
            .credentials(explicit: ExplicitProfile(credentialsFile: home.appendingPathComponent("project/aws-credentials").path,
                                                   profile: "infra-local"), base: base())
        XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDLOCAL")
    }

    func testMissingAndBrokenProfilesAreReportedWithoutSecrets() async throws {
        do {
            _ = try await environment().credentials(base: base())
            XCTFail("no credentials anywhere")
        } catch let error as CredentialsError {
            guard case .noCredentials = error else { return XCTFail("\(error)") }
        }
        try write(".aws/credentials", "[half]\naws_access_key_id = AKIDHALF\n[loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n[loop-b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop-a\n")
        do {
            _ = try await environment(["AWS_PROFILE": "half"]).credentials(base: base())
            XCTFail("incomplete profile")
        } catch let error as CredentialsError {
            XCTAssertEqual(error, .incompleteProfile(profile: "half",
                                                     reason: "needs aws_access_key_id and aws_secret_access_key, or role_arn"))
        }
        do {
            _ = try await environment().credentials(explicit: ExplicitProfile(profile: "nope"), base: base())
            XCTFail("unknown profile")
        } catch let error as CredentialsError {
            guard case .profileNotFound(let profile, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(profile, "nope")
        }
        do {
            _ = try await environment(["AWS_PROFILE": "loop-a"]).credentials(base: base())
            XCTFail("cycle")
        } catch let error as CredentialsError {
            XCTAssertEqual(error, .sourceProfileCycle(["loop-a", "loop-b", "loop-a"]))
        }
    }

    func testRoleProfileAssumesTheRoleWithTheSourceCredentials() async throws {
        try write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n")
        try write(".aws/config", """
            [profile loader]
            role_arn = arn:aws:iam::123456789012:role/loader
            source_profile = base
            external_id = ext-42
            role_session_name = nightly
            duration_seconds = 1800
            region = eu-north-1
            """)
        let transport = FakeTransport([FakeTransport.xml(200, """
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleResult>
                <Credentials>
                  <AccessKeyId>ASIATEMP</AccessKeyId>
                  <SecretAccessKey>temp-secret</SecretAccessKey>
                  <SessionToken>temp-token</SessionToken>
                  <Expiration>2030-01-01T00:00:00Z</Expiration>
                </Credentials>
                <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/loader/nightly</Arn>\
            <AssumedRoleId>AROA:nightly</AssumedRoleId></AssumedRoleUser>
              </AssumeRoleResult>
            </AssumeRoleResponse>
            """)])
        let resolved = try await environment(["AWS_PROFILE": "loader"]).credentials(base: base(transport))
        XCTAssertEqual(resolved.credentials, SigningCredentials(accessKeyId: "ASIATEMP", secretAccessKey: "temp-secret",
                                                                sessionToken: "temp-token"))
        XCTAssertEqual(resolved.expiration, "2030-01-01T00:00:00Z")
        XCTAssertTrue(resolved.source.contains("arn:aws:iam::123456789012:role/loader"))

        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertEqual(request.url.absoluteString, "https://sts.eu-north-1.amazonaws.com/")
        XCTAssertEqual(request.form, [
            "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/loader",
            "RoleSessionName": "nightly", "ExternalId": "ext-42", "DurationSeconds": "1800",
        ])
        XCTAssertEqual(request.header("Authorization")?.contains("Credential=AKIDBASE/"), true, "signed by the source profile")
        XCTAssertEqual(request.header("Authorization")?.contains("/eu-north-1/sts/aws4_request"), true)
    }

    func testEndpointVariables() throws {
        let env = environment(["AWS_ENDPOINT_URL": "http://localhost:4566", "AWS_ENDPOINT_URL_IAM": "http://localhost:5000"])
        let urls = env.endpointURLs()
        XCTAssertEqual(urls.all?.absoluteString, "http://localhost:4566")
        XCTAssertEqual(urls.perService, ["iam": URL(string: "http://localhost:5000")!])
        let configuration = AWSClientConfiguration(credentials: SigningCredentials(accessKeyId: "a", secretAccessKey: "b"),
                                                   region: "eu-west-1", endpointURL: urls.all,
                                                   serviceEndpointURLs: urls.perService)
        XCTAssertEqual(configuration.endpoint(for: "s3").url.absoluteString, "http://localhost:4566")
        XCTAssertEqual(configuration.endpoint(for: "iam").url.absoluteString, "http://localhost:5000")
        XCTAssertEqual(configuration.endpoint(for: "iam").signingRegion, "us-east-1")
        XCTAssertEqual(configuration.endpoint(for: "sts").signingRegion, "eu-west-1")
    }

    func testConfigurationResolvesEverythingTogether() async throws {
        try write(".aws/credentials", sharedFiles)
        let configuration = try await environment(["AWS_PROFILE": "dev", "AWS_REGION": "us-west-2",
                                                   "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"])
            .configuration(transport: FakeTransport([]))
        XCTAssertEqual(configuration.credentials.accessKeyId, "AKIDDEV")
        XCTAssertEqual(configuration.region, "us-west-2")
        XCTAssertEqual(configuration.endpoint(for: "s3").url.absoluteString, "http://127.0.0.1:9000")
        XCTAssertEqual(configuration.endpoint(for: "sts").url.absoluteString, "https://sts.us-west-2.amazonaws.com")
        XCTAssertEqual(configuration.endpoint(for: "iam").url.absoluteString, "https://iam.amazonaws.com")
        XCTAssertEqual(configuration.timeout, 30)
    }

    func testSecretsAreNeverPrinted() async throws {
        try write(".aws/credentials", sharedFiles)
        let resolved = try await environment(["AWS_PROFILE": "dev"]).credentials(base: base())
        let configuration = AWSClientConfiguration(credentials: resolved.credentials, region: "eu-west-1",
                                                   transport: FakeTransport([]))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [resolved.description, "\(resolved)", String(reflecting: resolved), "\(configuration)",
                     String(reflecting: configuration), dumped, resolved.credentials.description,
                     resolved.credentials.debugDescription] {
            XCTAssertTrue(text.contains("AKIDDEV"), text)
            XCTAssertFalse(text.contains("dev-secret"), text)
            XCTAssertFalse(text.contains("dev-token"), text)
        }
    }
}
