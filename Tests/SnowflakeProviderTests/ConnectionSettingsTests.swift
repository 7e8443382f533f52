import Foundation
import XCTest
@testable import InfraEngine
@testable import SnowflakeProvider

/// Connection settings follow the Snowflake CLI's precedence ("Managing Snowflake connections":
/// command line, SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>, connection files, generic SNOWFLAKE_* variables).
final class ConnectionSettingsTests: XCTestCase {
    var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("sf-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: home) }

    func write(_ relativePath: String, _ text: String) throws {
        let url = home.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func resolve(_ block: [String: Value] = [:], _ environment: [String: String] = [:]) throws -> SnowflakeConnectionSettings {
        try SnowflakeConnectionSettings.resolve(block: block, environment: environment, home: home.path, projectRoot: "/project",
                                                environmentFile: "environments/prod.yaml")
    }

    /// A task's `as:` keeps where Snowflake is and nothing of who the deployer is: its own key, the user's defaults.
    func testSigningInAsAServiceUserKeepsOnlyTheAccountAndEndpoint() throws {
        let deployer = try resolve(["account": .string("acme-prod"), "user": .string("DEPLOYER"), "role": .string("SYSADMIN"),
                                    "warehouse": .string("DEPLOY_WH"), "database": .string("SALES"), "authenticator": .string("oauth"),
                                    "endpoint": .string("http://127.0.0.1:8091")], ["SNOWFLAKE_TOKEN": "a-token"])
        let user = TaskUser(name: "LOADER_SVC", privateKeyFile: "keys/loader.p8", passphraseVariable: "LOADER_KEY_PASSPHRASE")
        var loader = deployer.signingIn(as: user, role: nil, projectRoot: "/project", environment: ["LOADER_KEY_PASSPHRASE": "s3cret"])
        XCTAssertEqual(loader.account, "acme-prod")
        XCTAssertEqual(loader.endpoint, "http://127.0.0.1:8091")
        XCTAssertEqual(loader.user, "LOADER_SVC")
        XCTAssertEqual(loader.authenticator, "snowflake_jwt")
        XCTAssertEqual(loader.privateKeyFile, "/project/keys/loader.p8")
        XCTAssertEqual(loader.privateKeyPassphrase, "s3cret")
        XCTAssertNil(loader.token)
        XCTAssertNil(loader.role)
        XCTAssertNil(loader.warehouse)
        XCTAssertNil(loader.database)
        loader = deployer.signingIn(as: TaskUser(name: "LOADER_SVC", privateKeyFile: "/keys/l.p8"), role: "LOADER", projectRoot: "/project",
                                    environment: [:])
        XCTAssertEqual(loader.role, "LOADER")
        XCTAssertEqual(loader.privateKeyFile, "/keys/l.p8")
        XCTAssertNil(loader.privateKeyPassphrase)
    }

    func testPrecedenceFollowsTheSnowflakeCLI() throws {
        try write(".snowflake/connections.toml", """
            default_connection_name = "prod"
            [prod]
            account = "from-connections-toml"
            user = "toml_user"
            role = "TOML_ROLE"
            """)
        try write(".snowflake/config.toml", """
            [connections.prod]
            account = "from-config-toml"
            warehouse = "CONFIG_WH"
            database = "CONFIG_DB"
            """)
        let generic = ["SNOWFLAKE_USER": "generic_user", "SNOWFLAKE_ROLE": "GENERIC_ROLE", "SNOWFLAKE_WAREHOUSE": "GENERIC_WH",
                       "SNOWFLAKE_SCHEMA": "GENERIC_SCHEMA", "SNOWFLAKE_DATABASE": "GENERIC_DB"]
        var settings = try resolve([:], generic)
        XCTAssertEqual(settings.account, "from-connections-toml", "connections.toml before config.toml")
        XCTAssertEqual(settings.user, "toml_user", "the named connection before SNOWFLAKE_USER")
        XCTAssertEqual(settings.warehouse, "GENERIC_WH", "with a connections.toml, config.toml's connections are not read")
        XCTAssertEqual(settings.schema, "GENERIC_SCHEMA", "generic variables fill what no connection sets")

        settings = try resolve(["role": .string("BLOCK_ROLE")], generic.merging(["SNOWFLAKE_CONNECTIONS_PROD_USER": "per_connection_user",
                                                                               "SNOWFLAKE_CONNECTIONS_PROD_ROLE": "PER_CONNECTION_ROLE"]) { a, _ in a })
        XCTAssertEqual(settings.user, "per_connection_user", "SNOWFLAKE_CONNECTIONS_<NAME>_<KEY> before the files")
        XCTAssertEqual(settings.role, "BLOCK_ROLE", "the environment file's block first")

        try FileManager.default.removeItem(at: home.appendingPathComponent(".snowflake/connections.toml"))
        settings = try resolve([:], generic.merging(["SNOWFLAKE_DEFAULT_CONNECTION_NAME": "prod"]) { a, _ in a })
        XCTAssertEqual(settings.account, "from-config-toml")
        XCTAssertEqual(settings.warehouse, "CONFIG_WH", "config.toml [connections.prod] before SNOWFLAKE_WAREHOUSE")
        XCTAssertEqual(settings.user, "generic_user")
    }

    func testConnectionNameAndSnowflakeHome() throws {
        let custom = home.appendingPathComponent("custom-sf").path
        try write("custom-sf/config.toml", """
            default_connection_name = "ci"
            [connections.ci]
            account = "ci-account"
            [connections.other]
            account = "other-account"
            """)
        XCTAssertEqual(try resolve([:], ["SNOWFLAKE_HOME": custom]).account, "ci-account")
        XCTAssertEqual(try resolve([:], ["SNOWFLAKE_HOME": custom, "SNOWFLAKE_DEFAULT_CONNECTION_NAME": "other"]).account, "other-account")
        XCTAssertEqual(try resolve(["connection": .string("other")], ["SNOWFLAKE_HOME": custom]).snowflakeHome, custom)
        do {
            _ = try resolve(["connection": .string("missing")], ["SNOWFLAKE_HOME": custom])
            XCTFail("unknown connection")
        } catch let error as Diagnostic {
            XCTAssertTrue(error.message.contains("\(custom)/connections.toml"), error.message)
            XCTAssertFalse(error.message.contains("~/.snowflake"), error.message)
        }
        do {
            _ = try resolve([:], ["SNOWFLAKE_HOME": custom]).client()
            XCTFail("no user")
        } catch let error as Diagnostic {
            XCTAssertTrue(error.hint?.contains("\(custom)/connections.toml") == true, "\(error.hint ?? "")")
        }
    }

    func testHostPortAndProtocol() throws {
        try write(".snowflake/connections.toml", """
            [local]
            account = "acme-prod"
            host = "127.0.0.1"
            port = 8085
            protocol = "http"
            """)
        XCTAssertEqual(try resolve(["connection": .string("local")]).sqlAPIURL().absoluteString, "http://127.0.0.1:8085")
        XCTAssertEqual(try resolve(["account": .string("acme_prod")]).sqlAPIURL().absoluteString, "https://acme-prod.snowflakecomputing.com")
        XCTAssertEqual(try resolve(["account": .string("acme")], ["SNOWFLAKE_HOST": "acme.privatelink.snowflakecomputing.com"])
            .sqlAPIURL().absoluteString, "https://acme.privatelink.snowflakecomputing.com")
        XCTAssertEqual(try resolve(["account": .string("acme"), "port": .int(8443)]).sqlAPIURL().absoluteString,
                       "https://acme.snowflakecomputing.com:8443")
        XCTAssertEqual(try resolve(["connection": .string("local"), "endpoint": .string("http://localhost:9999")]).sqlAPIURL().absoluteString,
                       "http://localhost:9999", "our endpoint: wins over host/port/protocol")
        XCTAssertThrowsError(try resolve(["account": .string("a"), "protocol": .string("ftp")]).sqlAPIURL())
        XCTAssertThrowsError(try resolve(["account": .string("a")], ["SNOWFLAKE_PORT": "99999"]).sqlAPIURL())
    }

    func testMalformedFilesAreReportedWithLineAndColumn() throws {
        try write(".snowflake/connections.toml", "[prod]\naccount = \"acme\"\nuser = jdoe\n")
        do {
            _ = try resolve()
            XCTFail("bare string value")
        } catch let error as Diagnostic {
            XCTAssertEqual(error.location, SourceLocation(file: home.path + "/.snowflake/connections.toml", line: 3, column: 12))
            XCTAssertTrue(error.message.contains("strings need quotes"), error.message)
        }
    }

    func testTOMLReader() throws {
        let document = try TOMLParser.parse(#"""
            # leading comment
            default_connection_name = 'prod'   # trailing comment
            title = "tab\there \"quoted\" \u00e9 \U0001F600 # not a comment"
            [connections."my prod"]
            account = 'C:\literal\path'
            port = 1_443
            hex = 0xff
            ratio = 1.5e3
            enabled = true
            when = 2024-05-01T10:00:00Z
            nested.deep.key = "dotted"
            "quoted.key" = "one key"
            params = { query_tag = "infra", retries = 3, inner = { a = 1 } }
            list = [ "a", 'b',
                     "c", # comment inside
                   ]
            notes = """
            first \
                continued
            second"""
            raw = '''
            C:\no\escapes "here"'''
            [connections.other]
            account = "x"
            """#, file: "config.toml")
        XCTAssertEqual(document["default_connection_name"], .string("prod"))
        XCTAssertEqual(document["title"], .string("tab\there \"quoted\" é 😀 # not a comment"))
        let prod = try XCTUnwrap(document["connections"]?.table?["my prod"]?.table)
        XCTAssertEqual(prod["account"], .string(#"C:\literal\path"#))
        XCTAssertEqual(prod["port"], .integer(1443))
        XCTAssertEqual(prod["hex"], .integer(255))
        XCTAssertEqual(prod["ratio"], .float(1500))
        XCTAssertEqual(prod["enabled"], .boolean(true))
        XCTAssertEqual(prod["when"], .dateTime("2024-05-01T10:00:00Z"))
        XCTAssertEqual(prod["nested"], .table(["deep": .table(["key": .string("dotted")])]))
        XCTAssertEqual(prod["quoted.key"], .string("one key"))
        XCTAssertEqual(prod["params"], .table(["query_tag": .string("infra"), "retries": .integer(3), "inner": .table(["a": .integer(1)])]))
        XCTAssertEqual(prod["list"], .array([.string("a"), .string("b"), .string("c")]))
        XCTAssertEqual(prod["notes"], .string("first continued\nsecond"))
        XCTAssertEqual(prod["raw"], .string(#"C:\no\escapes "here""#))
        XCTAssertEqual(document["connections"]?.table?["other"]?.table?["account"], .string("x"))

        for (text, line, column, message) in [
            ("a = 1\na = 2\n", 2, 6, "defined twice"),
            ("[x]\n[x]\n", 2, 4, "defined twice"),
            ("a = \"open\n", 1, 10, "unterminated string"),
            ("a = \"\\q\"\n", 1, 8, "unknown escape"),
            ("a = 1 b = 2\n", 1, 7, "end of the line"),
            ("[[arr]]\n", 1, 1, "arrays of tables"),
            ("t = {a = 1}\n[t]\n", 2, 4, "defined twice"),
            ("a = 012\n", 1, 8, "leading zeros"),
        ] {
            XCTAssertThrowsError(try TOMLParser.parse(text, file: "f.toml"), text) { error in
                guard let error = error as? TOMLError else { return XCTFail("\(error)") }
                XCTAssertEqual([error.line, error.column], [line, column], "\(text): \(error)")
                XCTAssertTrue(error.message.contains(message), "\(text): \(error)")
            }
        }
    }
}
