import Foundation

/// Snowflake's data types as it reports them: `VARCHAR` is `VARCHAR(16777216)`, `INT` is `NUMBER(38,0)`,
/// `TIMESTAMP_NTZ` is `TIMESTAMP_NTZ(9)`. Both sides of a comparison go through this, so spelling never diffs.
enum ColumnType {
    /// SHOW COLUMNS reports types as JSON (`{"type":"FIXED","precision":38,"scale":0}`); the canonical text is
    /// what DESC TABLE would show.
    static func canonical(showColumnsJSON json: String) -> String {
        guard let data = json.data(using: .utf8), let m = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let type = (m["type"] as? String)?.uppercased() else { return canonical(json) }
        func int(_ k: String) -> Int? { (m[k] as? NSNumber)?.intValue }
        switch type {
        case "FIXED": return "NUMBER(\(int("precision") ?? 38),\(int("scale") ?? 0))"
        case "TEXT": return "VARCHAR(\(int("length") ?? 16_777_216))"
        case "REAL": return "FLOAT"
        case "BINARY": return "BINARY(\(int("length") ?? 8_388_608))"
        case "TIME", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ": return "\(type)(\(int("scale") ?? 9))"
        default: return canonical(type)
        }
    }

    static func canonical(_ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let base: String
        var args: [Int] = []
        if let open = t.firstIndex(of: "("), let close = t.lastIndex(of: ")") {
            base = t[..<open].trimmingCharacters(in: .whitespaces)
            args = t[t.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        } else {
            base = t
        }
        switch base {
        case "VARCHAR", "STRING", "TEXT", "CHAR VARYING", "NVARCHAR", "NVARCHAR2", "NCHAR VARYING":
            return "VARCHAR(\(args.first ?? 16_777_216))"
        case "CHAR", "CHARACTER", "NCHAR":
            return "VARCHAR(\(args.first ?? 1))"
        case "NUMBER", "DECIMAL", "DEC", "NUMERIC":
            return "NUMBER(\(args.first ?? 38),\(args.count > 1 ? args[1] : 0))"
        case "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT":
            return "NUMBER(38,0)"
        case "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "REAL":
            return "FLOAT"
        case "BOOLEAN", "BOOL": return "BOOLEAN"
        case "DATE": return "DATE"
        case "TIME": return "TIME(\(args.first ?? 9))"
        case "DATETIME", "TIMESTAMP", "TIMESTAMP_NTZ", "TIMESTAMPNTZ", "TIMESTAMP WITHOUT TIME ZONE":
            return "TIMESTAMP_NTZ(\(args.first ?? 9))"
        case "TIMESTAMP_LTZ", "TIMESTAMPLTZ", "TIMESTAMP WITH LOCAL TIME ZONE": return "TIMESTAMP_LTZ(\(args.first ?? 9))"
        case "TIMESTAMP_TZ", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE": return "TIMESTAMP_TZ(\(args.first ?? 9))"
        case "BINARY", "VARBINARY": return "BINARY(\(args.first ?? 8_388_608))"
        default: return base + (args.isEmpty ? "" : "(" + args.map(String.init).joined(separator: ",") + ")")
        }
    }

    /// Whether Snowflake can change a column from one type to the other in place
    /// (ALTER COLUMN … SET DATA TYPE only widens VARCHAR and NUMBER precision).
    static func canAlter(from old: String, to new: String) -> Bool {
        let a = canonical(old), b = canonical(new)
        if a == b { return true }
        func parts(_ t: String) -> (String, [Int]) {
            guard let open = t.firstIndex(of: "(") else { return (t, []) }
            let args = t[t.index(after: open)..<t.index(before: t.endIndex)].split(separator: ",").compactMap { Int($0) }
            return (String(t[..<open]), args)
        }
        let (baseA, argsA) = parts(a), (baseB, argsB) = parts(b)
        guard baseA == baseB else { return false }
        switch baseA {
        case "VARCHAR": return argsB[0] >= argsA[0]
        case "NUMBER": return argsB[1] == argsA[1] && argsB[0] >= argsA[0]
        default: return false
        }
    }

    /// Column defaults are SQL expressions: only simple, safe ones are accepted, so a stack cannot inject SQL.
    static func isSafeDefault(_ text: String) -> Bool {
        let pattern = #"^(?i)([A-Z_][A-Z0-9_]*\(\)|[A-Z_][A-Z0-9_]*|-?[0-9]+(\.[0-9]+)?|'([^'\\]|\\.|'')*'|TRUE|FALSE|NULL)$"#
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}
