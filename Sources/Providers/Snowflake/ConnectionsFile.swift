import Foundation

/// The Snowflake CLI's and Python connector's connection files in the Snowflake home folder
/// (`SNOWFLAKE_HOME`, else ~/.snowflake, else the XDG config folder ~/.config/snowflake):
/// `connections.toml` holds one table per connection (`[name]`), `config.toml` holds them under
/// `[connections.name]`; both may set `default_connection_name` at the top.
struct ConnectionsFile {
    var path: String
    var connections: [String: [String: String]] = [:]
    var defaultName: String?

    /// `connectionsTable` is nil for connections.toml (top-level tables) and `connections` for config.toml.
    init(text: String, path: String, connectionsTable: String?) throws {
        self.path = path
        let document = try TOMLParser.parse(text, file: path)
        defaultName = document["default_connection_name"]?.settingText
        let tables: [String: TOMLValue]
        if let connectionsTable {
            tables = document[connectionsTable]?.table ?? [:]
        } else {
            tables = document.filter { $0.value.table != nil }
        }
        for (name, value) in tables {
            guard let table = value.table else { continue }
            connections[name] = Dictionary(table.compactMap { key, value in value.settingText.map { (key.lowercased(), $0) } },
                                           uniquingKeysWith: { first, _ in first })
        }
    }

    /// The folder the files live in, for reading and for messages.
    static func home(environment: [String: String], home: String) -> String {
        if let folder = environment["SNOWFLAKE_HOME"], !folder.isEmpty {
            return folder.hasPrefix("~/") ? home + folder.dropFirst() : folder
        }
        let dotted = "\(home)/.snowflake"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dotted, isDirectory: &isDirectory), isDirectory.boolValue { return dotted }
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.config"
        let alternative = "\(xdg)/snowflake"
        return FileManager.default.fileExists(atPath: alternative) ? alternative : dotted
    }

    /// connections.toml, then config.toml; a file that is absent is nil.
    static func load(folder: String) throws -> (connections: ConnectionsFile?, config: ConnectionsFile?) {
        func read(_ name: String, table: String?) throws -> ConnectionsFile? {
            let path = "\(folder)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return try ConnectionsFile(text: String(decoding: data, as: UTF8.self), path: path, connectionsTable: table)
        }
        return (try read("connections.toml", table: nil), try read("config.toml", table: "connections"))
    }
}
