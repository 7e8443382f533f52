import Foundation
import InfraEngine
import SnowflakeProvider
import TestSupport
import XCTest

/// `infra export airflow`: what it writes for each task kind, what it refuses, and that Airflow itself (the pinned
/// .venv-airflow) loads every seed stack's DAGs and runs their checks with infra's messages.
final class AirflowExportTests: XCTestCase {
    /// The operator each task kind becomes. A task kind missing here fails `testEveryTaskKindBecomesAnOperator`.
    static let operatorByKind: [TaskKind: String] = [
        .sql: "SQLExecuteQueryOperator", .copy: "SQLExecuteQueryOperator", .assert: "SQLExecuteQueryOperator",
        .s3_put: "S3CreateObjectOperator", .s3_wait: "S3KeySensor", .s3_delete: "S3DeleteObjectsOperator", .command: "BashOperator",
    ]

    /// A task of each kind, as a stack writes it.
    static let sampleTask: [TaskKind: String] = [
        .sql: "sql: SELECT '${run.batch_id}'",
        .copy: "copy: {into: DB.RAW.T, from: \"@DB.RAW.STAGE/${run.id}/\", on_error: SKIP_FILE}\n      expect: {files_loaded: 1}",
        .assert: "assert: {table: DB.RAW.T, not_null: [a], row_count: {min: 1}}\n      role: reporting",
        .s3_put: "s3_put: {bucket: b, key: \"k/${run.id}.json\", content: '{\"a\": 1}', gzip: true}",
        .s3_wait: "s3_wait: {bucket: b, prefix: \"in/\", poke_interval: 2, timeout: 60}",
        .s3_delete: "s3_delete: {bucket: b, prefix: \"in/\"}",
        .command: "command: {run: \"echo {{not jinja}} ${run.started_at}\", cwd: sub, env: {A: x}}",
    ]

    static let root = LocalEndpoints.projectRootPath

    func export(_ stack: String, files: [String: String] = [:], arguments: [String] = []) throws -> (CLIResult, String) {
        let project = try CLI.project(files)
        let out = "\(project)/out"
        return (try CLI.run(["export", "airflow", stack, "--env", "dev", "--out", out] + arguments, in: project), out)
    }

    func testEveryTaskKindBecomesAnOperator() throws {
        XCTAssertEqual(Set(Self.operatorByKind.keys), Set(TaskKind.allCases), "every task kind needs its Airflow operator here and in AirflowTaskTranslator")
        XCTAssertEqual(Set(Self.sampleTask.keys), Set(TaskKind.allCases), "every task kind needs a sample task here")
        let tasks = TaskKind.allCases.map { kind in
            "    - name: \(kind.rawValue)-task\n      pool: lane\n      retries: 2\n      retry_delay: 3\n      timeout: 90\n      \(Self.sampleTask[kind]!)"
        }
        let stack = "stack: kinds\nresources:\n  lane: {type: pool, slots: 3}\npipelines:\n  every:\n    schedule: \"0 * * * *\"\n    catchup: true\n    tasks:\n"
            + tasks.joined(separator: "\n") + "\n"
        let (result, out) = try export("kinds", files: ["stacks/kinds.yaml": stack])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let dag = try String(contentsOfFile: "\(out)/dags/kinds__dev__every.py", encoding: .utf8)
        for kind in TaskKind.allCases {
            XCTAssertTrue(dag.contains("\(kind.rawValue)_task = \(Self.operatorByKind[kind]!)("), "\(kind.rawValue):\n\(dag)")
        }
        for line in ["schedule=\"0 * * * *\",", "catchup=True,", "fail_fast=True,", "pool=\"lane\",", "retries=2,",
                     "retry_delay=timedelta(seconds=3.0),", "execution_timeout=timedelta(seconds=90.0),", "compression=\"gzip\",",
                     "bucket_key=\"in/*\",", "wildcard_match=True,", "deferrable=True,", "skip_on_exit_code=None,",
                     "cwd=os.path.join(PROJECT_DIR, \"sub\"),",
                     // A task's role is the session's, with no secondary roles, as the runner runs it.
                     "hook_params={\"role\": \"REPORTING\"},", "sql=[\"USE SECONDARY ROLES NONE\", ",
                     // Run values become Airflow's; Jinja syntax in the stack's text stays text.
                     "sql=\"SELECT '{{ dag_run.run_after | ts_nodash }}Z'\",",
                     "bash_command=\"echo {{ '{{' }}not jinja}} {{ dag_run.start_date.strftime('%Y-%m-%dT%H:%M:%SZ') }}\","] {
            XCTAssertTrue(dag.contains(line), "missing \(line) in\n\(dag)")
        }
        let pools = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/pools.json"))) as? [String: [String: Any]]
        XCTAssertEqual(pools?["lane"]?["slots"] as? Int, 3)
    }

    func testRefusesWhatAirflowCannotExpressWithPositions() throws {
        let stack = """
            stack: refused
            pipelines:
              checks:
                - name: must-fail
                  copy: {into: DB.RAW.T, from: "@DB.RAW.S/"}
                  expect: {error: does not exist}
                - name: shouting
                  s3_delete: {bucket: b, key: "${run.id | upper}"}
              later:
                catchup: true
                tasks:
                  - {name: one, sql: SELECT 1}

            """
        let (result, out) = try export("refused", files: ["stacks/refused.yaml": stack])
        XCTAssertEqual(result.exitCode, 1, result.stdout)
        for expected in ["stacks/refused.yaml:6:15: error: task 'must-fail': `expect: {error: …}` on a copy task cannot be exported to Airflow",
                         "stacks/refused.yaml:7:13: error: task 'shouting': a filter changes a `${run.…}` value here",
                         "stacks/refused.yaml:10:14: error: pipeline 'later' asks for catchup without a recurring schedule"] {
            XCTAssertTrue(result.stderr.contains(expected), "missing \(expected) in\n\(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written when a pipeline is refused")
    }

    /// A task `as:` a service user runs on that user's own connection (its key, its defaults); `expect: {error: …}`
    /// becomes a call of the DAG's `_expect_error` on the same connection.
    func testServiceUserTasksGetTheirOwnConnection() throws {
        let stack = """
            stack: access
            pipelines:
              verify:
                - name: loader-cannot-drop
                  as: {user: LOADER_SVC, private_key_file: keys/loader.p8}
                  sql: DROP TABLE DB.RAW."T_${run.id}"
                  expect: {error: "003001"}
                - name: loader-loads
                  as: {user: LOADER_SVC, private_key_file: keys/loader.p8}
                  role: loader
                  copy: {into: DB.RAW.T, from: "@DB.RAW.S/"}

            """
        let (result, out) = try export("access", files: ["stacks/access.yaml": stack])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let dag = try String(contentsOfFile: "\(out)/dags/access__dev__verify.py", encoding: .utf8)
        for line in ["loader_cannot_drop = PythonOperator(", "python_callable=_expect_error,",
                     "op_kwargs={\"conn_id\": \"infra_dev_snowflake_loader_svc\", \"sql\": \"DROP TABLE DB.RAW.\\\"T_{{ run_id",
                     "\"expected\": \"003001\", \"hook_params\": {}}",
                     // A service user's role is its session's primary role; its own roles stay its secondary ones.
                     "conn_id=\"infra_dev_snowflake_loader_svc\",", "hook_params={\"role\": \"LOADER\"},"] {
            XCTAssertTrue(dag.contains(line), "missing \(line) in\n\(dag)")
        }
        XCTAssertFalse(dag.contains("USE SECONDARY ROLES NONE"), dag)
        let connections = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/connections.json"))) as? [String: Any]
        let loader = connections?["infra_dev_snowflake_loader_svc"] as? [String: Any]
        XCTAssertEqual(loader?["login"] as? String, "LOADER_SVC")
        let extra = loader?["extra"] as? [String: Any]
        XCTAssertEqual(extra?["private_key_file"] as? String, "\(try XCTUnwrap(out.components(separatedBy: "/out").first))/keys/loader.p8")
        XCTAssertNil(extra?["role"], "the user's default role, not the deployer's")
        XCTAssertFalse(try String(contentsOfFile: "\(out)/connections.env", encoding: .utf8).contains("PRIVATE KEY"))
    }

    func testAScheduleIsCheckedByValidate() throws {
        let project = try CLI.project(["stacks/s.yaml": "stack: s\npipelines:\n  p:\n    schedule: every hour\n    tasks: [{name: t, sql: SELECT 1}]\n"])
        let result = try CLI.run(["validate", "s", "--env", "dev"], in: project)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertTrue(result.stderr.contains("stacks/s.yaml:4:15: error: schedule 'every hour' is neither a cron expression nor a preset"), result.stderr)
    }

    /// Airflow's DagBag loads every seed stack's pipelines with no import error; the DAGs' checks give infra's messages.
    func testSeedStacksLoadInAirflowWithInfrasMessages() throws {
        let python = try AirflowVenv.python()
        let project = try SeedProject.make()
        var folders: [String: Int] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: "\(project)/stacks") where file.hasSuffix(".yaml") {
            let stack = String(file.dropLast(5)), out = "\(project)/airflow/\(stack)"
            let result = try CLI.run(["export", "airflow", stack, "--env", "dev", "--out", out], in: project)
            XCTAssertEqual(result.exitCode, 0, result.stderr)
            folders["\(out)/dags"] = try FileManager.default.contentsOfDirectory(atPath: "\(out)/dags").count
        }
        XCTAssertEqual(folders.count, 5)
        let script = """
            import importlib.util, json, sys
            from airflow.dag_processing.dagbag import DagBag
            bags = {}
            for folder in sys.argv[2:]:
                bag = DagBag(dag_folder=folder)
                bags[folder] = {"dags": len(bag.dag_ids), "errors": {k: str(v) for k, v in bag.import_errors.items()}}
            spec = importlib.util.spec_from_file_location("load_dag", sys.argv[1])
            dag = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(dag)

            class Cursor:
                def __init__(self, names, rows):
                    self.description = [(name,) for name in names]
                    self.rows = rows
                def fetchall(self):
                    return self.rows

            def failure(check):
                try:
                    check()
                except Exception as error:
                    return str(error)

            none = {"none": ["null value", "null values"]}
            messages = {
                "assert": failure(lambda: dag._assert_checks([["not_null(a)", none], ["row_count", {"row_count": [3, None, 5]}]])(
                    Cursor(["CHECK_INDEX", "MEASURED"], [(0, 2), (1, 7)]))),
                "value": failure(lambda: dag._rows_expecting({"value": {"want": 3, "display": "3"}})(Cursor(["C"], [(2,)]))),
                "rows": failure(lambda: dag._rows_expecting({"rows": {"want": 1, "display": "1"}})(Cursor(["C"], [(1,), (2,)]))),
                "copy_failed": failure(lambda: dag._copy_result({})(Cursor(["file", "status", "rows_loaded", "first_error"],
                                                                           [("s3://b/a.gz", "LOAD_FAILED", 0, "bad json")]))),
                "copy_rows": failure(lambda: dag._copy_result({"rows_loaded": {"want": 3, "display": "3"}})(
                    Cursor(["file", "status", "rows_loaded"], [("s3://b/a.gz", "LOADED", 2)]))),
                "passes": failure(lambda: dag._assert_checks([["not_null(a)", none]])(Cursor(["check_index", "measured"], [(0, 0)]))),
            }
            # `expect: {error: …}` against a statement that fails with another error, and one that succeeds.
            from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
            def refused(self, sql, autocommit=False, **kwargs):
                raise Exception("003001 (42501): SQL access control error:\\nInsufficient privileges to operate on table 'T'.")
            SnowflakeHook.run = refused
            messages["error_other"] = failure(lambda: dag._expect_error("c", "DROP TABLE T", "002003", {}))
            messages["error_expected"] = failure(lambda: dag._expect_error("c", "DROP TABLE T", "003001", {"role": "LOADER"}))
            SnowflakeHook.run = lambda self, sql, autocommit=False, **kwargs: None
            messages["error_missing"] = failure(lambda: dag._expect_error("c", "DROP TABLE T", "003001", {}))
            print(json.dumps({"bags": bags, "messages": messages}))
            """
        let loadDAG = "\(project)/airflow/ecommerce-events/dags/ecommerce-events__dev__load.py"
        let result = try CLI.run(executable: python, ["-c", script, loadDAG] + folders.keys.sorted(), in: project,
                                 environment: AirflowVenv.isolatedHome(project))
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
            as? [String: Any]
        let bags = report?["bags"] as? [String: [String: Any]] ?? [:]
        for (folder, files) in folders {
            XCTAssertEqual(bags[folder]?["dags"] as? Int, files, folder)
            XCTAssertEqual((bags[folder]?["errors"] as? [String: String])?.isEmpty, true, "\(folder): \(bags[folder] ?? [:])")
        }
        // The runner's own wording for the same measurements.
        func expectationMessage(_ want: Value, _ got: [String: Value]) -> String? {
            do { try Expectation.check(want, against: TaskOutput(summary: "", values: got)); return nil } catch { return "\(error)" }
        }
        let noNulls = AssertTaskExecutor.Rule.noRows(singular: "null value", plural: "null values")
        let expected: [String: String?] = [
            "assert": "not_null(a): \(noNulls.explain(2)); row_count: \(AssertTaskExecutor.Rule.rowCount(equals: 3, min: nil, max: 5).explain(7))",
            "value": expectationMessage(["value": 3], ["value": "2"]),
            "rows": expectationMessage(["rows": 1], ["rows": [["1"], ["2"]]]),
            "copy_failed": "1 file(s) failed to load: s3://b/a.gz: bad json",
            "copy_rows": expectationMessage(["rows_loaded": 3], ["rows_loaded": 2]),
            "passes": nil,
            "error_other": "expected an error containing '002003', got: 003001 (42501): SQL access control error:\nInsufficient privileges to operate on table 'T'.",
            "error_expected": nil,
            "error_missing": "expected an error containing '003001', but the statement succeeded",
        ]
        let messages = report?["messages"] as? [String: Any] ?? [:]
        for (name, message) in expected {
            XCTAssertEqual(messages[name] as? String, message, name)
        }
    }
}

/// The pinned Apache Airflow (scripts/airflow-venv).
enum AirflowVenv {
    static func python() throws -> String {
        let path = "\(LocalEndpoints.projectRootPath)/.venv-airflow/bin/python"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("Apache Airflow is not set up: run scripts/airflow-venv (scripts/test does)")
        }
        return path
    }

    static func airflow() throws -> String { try python().replacingOccurrences(of: "/bin/python", with: "/bin/airflow") }

    /// A scratch AIRFLOW_HOME (SQLite metadata database) inside `directory`, no example DAGs.
    static func isolatedHome(_ directory: String) -> [String: String] {
        ["AIRFLOW_HOME": "\(directory)/airflow-home", "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": ""]
    }
}

/// A project holding the repository's stacks, templates and fixtures.
enum SeedProject {
    static func make(environment: String? = nil) throws -> String {
        let project = try CLI.project(environment.map { ["environments/dev.yaml": $0] } ?? [:])
        for folder in ["stacks", "templates", "fixtures"] {
            try? FileManager.default.removeItem(atPath: "\(project)/\(folder)")
            try FileManager.default.copyItem(atPath: "\(LocalEndpoints.projectRootPath)/\(folder)", toPath: "\(project)/\(folder)")
        }
        return project
    }
}
