import Foundation
import TestSupport
import XCTest

/// The exported ecommerce-events load pipeline, run by Apache Airflow (`airflow dags test`) against the local
/// endpoints: the rows land exactly once, and a second run (Airflow's, then `infra run`'s) loads nothing new.
/// Takes several minutes (Airflow's CLI starts slowly): runs with INFRA_AIRFLOW_RUN=1, which `scripts/test` (CI) sets.
final class AirflowRunTests: XCTestCase {
    var local: LocalEndpoints!
    var project: String!
    var environment: [String: String] = [:]

    func airflow(_ arguments: String...) throws -> CLIResult {
        let result = try CLI.run(executable: try AirflowVenv.airflow(), arguments, in: project, environment: environment)
        XCTAssertEqual(result.exitCode, 0, "airflow \(arguments.joined(separator: " ")):\n\(result.stdout)\n\(result.stderr)")
        return result
    }

    func infra(_ arguments: String...) throws -> CLIResult {
        let result = try CLI.run(arguments, in: project)
        XCTAssertEqual(result.exitCode, 0, "infra \(arguments.joined(separator: " ")):\n\(result.stdout)\n\(result.stderr)")
        return result
    }

    /// The last line of `airflow … -o json`: what the command printed after its warnings.
    func json(_ result: CLIResult) throws -> Any {
        let line = result.stdout.split(separator: "\n").last { $0.hasPrefix("[") || $0.hasPrefix("{") } ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8))
    }

    func testExportedLoadPipelineRunsOnAirflowAndLandsRowsOnce() throws {
        guard ProcessInfo.processInfo.environment["INFRA_AIRFLOW_RUN"] == "1" else {
            throw XCTSkip("runs Apache Airflow for minutes: set INFRA_AIRFLOW_RUN=1 (scripts/test sets it)")
        }
        _ = try AirflowVenv.python()
        local = try LocalEndpoints.shared()
        project = try SeedProject.make()
        let base = try local.project()
        try FileManager.default.copyItem(atPath: "\(base)/aws-credentials", toPath: "\(project!)/aws-credentials")
        // Airflow's Snowflake provider speaks https only; the local connector port speaks http: TLS in front of it.
        let front = try TLSFront(connectorPort: local.connectorPort, directory: project)
        defer { front.stop() }
        let dev = try String(contentsOfFile: "\(base)/environments/dev.yaml", encoding: .utf8)
            .replacingOccurrences(of: "endpoint: \"\(local.snowflakeEndpoint)\"}",
                                  with: "endpoint: \"\(local.snowflakeEndpoint)\", host: localhost, port: \(front.port), protocol: https}")
        try dev.write(toFile: "\(project!)/environments/dev.yaml", atomically: true, encoding: .utf8)

        _ = try infra("apply", "ecommerce-events", "--env", "dev", "--auto-approve")
        defer { _ = try? CLI.run(["destroy", "ecommerce-events", "--env", "dev", "--auto-approve", "--allow-data-loss"], in: project) }
        _ = try local.python("""
            import boto3, gzip, os
            body = gzip.compress(open(os.environ['FIXTURE'], 'rb').read())
            s3 = boto3.client('s3', endpoint_url=os.environ['INFRA_AWS_ENDPOINT'])
            for hour in ('17', '18'):
                s3.put_object(Bucket='ecommerce-streaming-data-dev', Key=f'raw-events/2026/02/06/{hour}/events_001.json.gz', Body=body)
            """, environment: ["FIXTURE": "\(project!)/fixtures/events.ndjson"])

        let out = "\(project!)/airflow"
        _ = try infra("export", "airflow", "ecommerce-events", "--env", "dev", "--pipeline", "load", "--out", out)
        environment = AirflowVenv.isolatedHome(project)
        environment["AIRFLOW__CORE__DAGS_FOLDER"] = "\(out)/dags"
        environment["REQUESTS_CA_BUNDLE"] = front.certificateAuthority
        for line in try String(contentsOfFile: "\(out)/connections.env", encoding: .utf8).split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            let name = assignment.prefix { $0 != "=" }
            environment[String(name)] = String(assignment.dropFirst(name.count + 2).dropLast())  // the value is in '…'
        }

        _ = try airflow("db", "migrate")
        _ = try airflow("pools", "import", "\(out)/pools.json")
        let pool = try json(try airflow("pools", "get", "snowflake_pool", "-o", "json")) as? [[String: Any]]
        XCTAssertEqual(pool?.first?["slots"] as? String ?? (pool?.first?["slots"] as? Int).map(String.init), "5")

        let dag = "ecommerce-events__dev__load"
        let count = "SELECT COUNT(*), COUNT(DISTINCT source_file) FROM ECOMMERCE_DEV.RAW.RAW_EVENTS"
        for run in 1...2 {
            _ = try airflow("dags", "test", dag)
            let runs = try json(try airflow("dags", "list-runs", dag, "-o", "json")) as? [[String: Any]] ?? []
            XCTAssertEqual(runs.map { $0["state"] as? String }, Array(repeating: "success", count: run), "run \(run): \(runs)")
            XCTAssertEqual(try local.connectorRows(count), [["6", "2"]], "after Airflow's run \(run): both files, each row once")
        }
        let again = try infra("run", "ecommerce-events", "load", "--env", "dev")
        XCTAssertTrue(again.stdout.contains("0 files loaded (0 rows); nothing new to load"), again.stdout)
        XCTAssertEqual(try local.connectorRows(count), [["6", "2"]])
    }
}

/// A TLS endpoint in front of the local connector port, with a certificate from a CA made for the test: what a
/// client that speaks only https (Airflow's Snowflake provider) needs to reach the local Snowflake.
final class TLSFront {
    let process = Process()
    let port: Int
    let certificateAuthority: String

    init(connectorPort: Int, directory: String) throws {
        let script = #"""
            import datetime, ipaddress, os, socket, ssl, sys, threading
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

            directory, target_port = sys.argv[1], int(sys.argv[2])
            now = datetime.datetime.now(datetime.timezone.utc)

            def certificate(subject, key, issuer, issuer_key, extensions):
                builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                           .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                           .not_valid_after(now + datetime.timedelta(days=1)))
                for extension, critical in extensions:
                    builder = builder.add_extension(extension, critical=critical)
                return builder.sign(issuer_key, hashes.SHA256())

            ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "infra test CA")])
            ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
            ca = certificate(ca_name, ca_key, ca_name, ca_key, [
                (x509.BasicConstraints(ca=True, path_length=None), True),
                (x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                               key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
                               decipher_only=False), True),
                (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)])
            server = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), key, ca_name, ca_key, [
                (x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)])
            pem = serialization.Encoding.PEM
            paths = {name: os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key")}
            open(paths["ca.pem"], "wb").write(ca.public_bytes(pem))
            open(paths["server.pem"], "wb").write(server.public_bytes(pem))
            open(paths["server.key"], "wb").write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(paths["server.pem"], paths["server.key"])
            listener = socket.create_server(("127.0.0.1", 0))
            print(listener.getsockname()[1], flush=True)

            def pipe(source, sink):
                try:
                    while data := source.recv(65536):
                        sink.sendall(data)
                except OSError:
                    pass
                finally:
                    for end in (source, sink):
                        try:
                            end.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass

            def serve(client):
                try:
                    secure = context.wrap_socket(client, server_side=True)
                except (ssl.SSLError, OSError):
                    client.close()
                    return
                upstream = socket.create_connection(("127.0.0.1", target_port))
                threading.Thread(target=pipe, args=(secure, upstream), daemon=True).start()
                pipe(upstream, secure)

            while True:
                connection, _ = listener.accept()
                threading.Thread(target=serve, args=(connection,), daemon=True).start()
            """#
        process.executableURL = URL(fileURLWithPath: "\(LocalEndpoints.projectRootPath)/.venv/bin/python")
        process.arguments = ["-c", script, directory, String(connectorPort)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = CLI.read(output) { $0.contains("\n") }.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(line) else {
            process.terminate()
            throw NotStarted(description: "the TLS front did not start (printed '\(line)')")
        }
        self.port = port
        certificateAuthority = "\(directory)/ca.pem"
    }

    struct NotStarted: Error, CustomStringConvertible { var description: String }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
