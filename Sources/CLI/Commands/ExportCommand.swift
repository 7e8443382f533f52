import AirflowExport
import ArgumentParser
import Foundation
import InfraEngine

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a stack's pipelines for a scheduler that runs them beyond one machine.",
        subcommands: [ExportAirflowCommand.self])
}

struct ExportAirflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airflow",
        abstract: "Write each pipeline as an Apache Airflow 3 DAG, the pools file and the connections. No network.",
        discussion: "Writes OUT/dags/STACK__ENV__PIPELINE.py, OUT/pools.json (airflow pools import), OUT/connections.json "
            + "(airflow connections import) and OUT/connections.env (AIRFLOW_CONN_* variables). Secrets are never written: "
            + "connections name key files and profiles. Default OUT: .infra/airflow/STACK/ENV. See docs/airflow.md.")
    @OptionGroup var deployment: DeploymentOptions
    @Option(name: .long, help: "Export only this pipeline.") var pipeline: String?
    @Option(name: .long, help: "The folder to write to.") var out: String?

    func run() async throws {
        try await reportingErrors {
            let session = try Session.load(deployment)
            try session.resolveStatically()
            let connector = ConnectorEndpoint.find(session)
            let exporter = AirflowExporter(stack: session.stack, kinds: session.kinds, projectRoot: session.layout.root,
                                           connector: connector,
                                           commandEnvironment: PipelineSession(session: session).connectionEnvironment())
            let files = try exporter.files(pipeline: pipeline)
            let folder = out ?? "\(session.layout.workDirectory)/airflow/\(session.stack.name)/\(session.environment.name)"
            for file in files { try AtomicFile.write(Data(file.content.utf8), to: "\(folder)/\(file.path)") }
            let dags = files.filter { $0.path.hasPrefix("dags/") }.count
            Terminal.out("Wrote \(dags) DAG\(dags == 1 ? "" : "s"), pools.json, connections.json and connections.env to \(folder).")
            if connector?.scheme == "http" {
                Terminal.err("warning: Snowflake's connector endpoint \(connector!.host):\(connector!.port) speaks http; Airflow's Snowflake "
                    + "provider connects over https only: put TLS in front of it (see docs/airflow.md)")
            }
        }
    }
}

/// Where the environment's Snowflake connector endpoint is: the environment's host/port/protocol; else, for the
/// local emulator started by `infra local up`, its connector port; else the SQL API endpoint's host; else
/// nil (the account's own host, https).
enum ConnectorEndpoint {
    static func find(_ session: Session) -> AirflowExporter.ConnectorAddress? {
        guard let snowflake = session.environment.snowflake else { return nil }
        let https = snowflake["protocol"]?.stringValue?.lowercased() != "http"
        if let host = snowflake["host"]?.stringValue {
            return .init(host: host, port: snowflake["port"]?.intValue ?? (https ? 443 : 80), scheme: https ? "https" : "http")
        }
        guard let endpoint = snowflake["endpoint"]?.stringValue, let url = URL(string: endpoint), let host = url.host else { return nil }
        let status = "\(session.layout.workDirectory)/local/status.json"
        if let data = FileManager.default.contents(atPath: status),
           let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let local = document["snowflake"] as? [String: Any], local["endpoint"] as? String == endpoint,
           let connectorHost = local["connector_host"] as? String, let port = local["connector_port"] as? Int
        {
            return .init(host: connectorHost, port: port, scheme: "http")
        }
        let scheme = url.scheme ?? "https"
        return .init(host: host, port: url.port ?? (scheme == "http" ? 80 : 443), scheme: scheme)
    }
}
