import Foundation
import InfraEngine

/// `copy:` tasks: COPY INTO a table from a stage, built from parts so names are quoted and options checked.
/// Reports files loaded, skipped (already loaded: Snowflake's load metadata) and failed, and rows loaded.
public struct CopyTaskExecutor: TaskExecutor {
    let sql: any SQLRunner

    public init(sql: any SQLRunner) { self.sql = sql }

    public func run(_ task: ResolvedTask) async throws -> TaskOutput {
        let statement = try Self.statement(task.body.mapValue ?? [:])
        let rows: [SQLRow]
        do { rows = try await sql.forTask(task).query(statement) } catch { throw TrustHint.explain(error) }
        let counts = Self.loadCounts(rows) ?? LoadCounts(loaded: 0, failed: 0, partial: 0, rowsLoaded: 0, statuses: [])
        if counts.failed > 0, task.expect?.mapValue?["files_loaded"] == nil {
            let reasons = counts.statuses.filter { $0.status == "LOAD_FAILED" }.map { "\($0.file): \($0.firstError ?? "failed")" }
            throw TaskFailure("\(counts.failed) file(s) failed to load: " + reasons.joined(separator: "; "))
        }
        return TaskOutput(summary: counts.summary, values: counts.values)
    }

    public static func statement(_ body: [String: Value]) throws -> String {
        guard let into = body["into"]?.stringValue, let from = body["from"]?.stringValue else {
            throw TaskFailure("a copy task needs `into` and `from`")
        }
        let stage = try StageLocation(from)
        let table = QualifiedName(parsing: into).sql
        var text = "COPY INTO \(table)"
        if let columns = body["columns"]?.listValue?.compactMap(\.stringValue), !columns.isEmpty {
            text += " (" + columns.map { SnowflakeName(parsing: $0).sql }.joined(separator: ", ") + ")"
        }
        if let select = body["select"]?.stringValue {
            text += " FROM (SELECT \(select) FROM \(stage.sql))"
        } else {
            text += " FROM \(stage.sql)"
        }
        if let files = body["files"]?.listValue?.compactMap(\.stringValue), !files.isEmpty {
            text += " FILES = (" + files.map(SnowflakeLiteral.string).joined(separator: ", ") + ")"
        }
        if let pattern = body["pattern"]?.stringValue { text += " PATTERN = " + SnowflakeLiteral.string(pattern) }
        if let format = body["file_format"]?.stringValue { text += " FILE_FORMAT = (FORMAT_NAME = \(QualifiedName(parsing: format).sql))" }
        if let onError = body["on_error"]?.stringValue { text += " ON_ERROR = " + onError.uppercased() }
        if let match = body["match_by_column_name"]?.stringValue { text += " MATCH_BY_COLUMN_NAME = " + match.uppercased() }
        if body["force"]?.boolValue == true { text += " FORCE = TRUE" }
        return text
    }

    struct FileStatus { var file: String; var status: String; var rowsLoaded: Int; var firstError: String? }

    struct LoadCounts {
        var loaded: Int, failed: Int, partial: Int, rowsLoaded: Int
        var statuses: [FileStatus]

        var summary: String {
            "\(loaded) file\(loaded == 1 ? "" : "s") loaded (\(rowsLoaded) rows)" + (partial > 0 ? ", \(partial) partially" : "")
                + (failed > 0 ? ", \(failed) failed" : "") + (statuses.isEmpty ? "; nothing new to load" : "")
        }

        var values: [String: Value] {
            ["files_loaded": .int(loaded + partial), "files_failed": .int(failed), "rows_loaded": .int(rowsLoaded),
             "files": .list(statuses.map { .map(["file": .string($0.file), "status": .string($0.status), "rows_loaded": .int($0.rowsLoaded)]) })]
        }
    }

    /// Reads COPY's result: one row per file (file, status, rows_loaded, first_error…), or a single
    /// "Copy executed with 0 files processed." row when every file was already loaded.
    static func loadCounts(_ rows: [SQLRow]) -> LoadCounts? {
        guard let first = rows.first else { return nil }
        if first["status"]?.hasPrefix("Copy executed with 0 files") == true {
            return LoadCounts(loaded: 0, failed: 0, partial: 0, rowsLoaded: 0, statuses: [])
        }
        guard first.values.keys.contains("file"), first.values.keys.contains("rows_loaded") else { return nil }
        let statuses = rows.map { FileStatus(file: $0["file"] ?? "", status: ($0["status"] ?? "").uppercased(),
                                             rowsLoaded: Int($0["rows_loaded"] ?? "") ?? 0, firstError: $0["first_error"]) }
        return LoadCounts(loaded: statuses.filter { $0.status == "LOADED" }.count,
                          failed: statuses.filter { $0.status == "LOAD_FAILED" }.count,
                          partial: statuses.filter { $0.status == "PARTIALLY_LOADED" }.count,
                          rowsLoaded: statuses.reduce(0) { $0 + $1.rowsLoaded }, statuses: statuses)
    }
}

/// `@DB.SCHEMA.STAGE/optional/path`: a stage name (quoted part by part) and a path that must not break out.
struct StageLocation {
    var stage: QualifiedName
    var path: String

    init(_ text: String) throws {
        guard text.hasPrefix("@") else { throw TaskFailure("`from` must name a stage, like @DB.SCHEMA.STAGE/path (got \(text))") }
        let rest = text.dropFirst()
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        stage = QualifiedName(parsing: String(rest[..<slash]))
        path = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "/_-.=+"))
        guard path.unicodeScalars.allSatisfy(allowed.contains) else {
            throw TaskFailure("the stage path '\(path)' may hold only letters, digits and / _ - . = +")
        }
    }

    var sql: String { "@" + stage.sql + (path.isEmpty ? "" : "/" + path) }
}
