import CYaml
import Foundation

/// Finds the first YAML anchor or alias in a text from libyaml's parser events, before anything is composed.
///
/// Anchors are refused, not capped: composing a "billion laughs" stack (nine levels of ten aliases, 500 bytes)
/// makes a tree whose walks — the composer's own duplicate-key check hashes aliased keys — visit every copy.
/// Stacks share values with vars and templates instead. Events are read only when the text holds an `&`:
/// without an anchor every alias is undefined, which the composer reports at once.
enum YAMLAnchorScan {
    struct Found: Equatable {
        var name: String
        var isAlias: Bool
        var line: Int
        var column: Int
    }

    static func firstAnchor(in text: String) -> Found? {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Found? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            // A syntax error ends the scan; the composer reports it with its position.
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let anchor: UnsafeMutablePointer<yaml_char_t>?
                switch event.type {
                case YAML_ALIAS_EVENT: anchor = event.data.alias.anchor
                case YAML_SCALAR_EVENT: anchor = event.data.scalar.anchor
                case YAML_SEQUENCE_START_EVENT: anchor = event.data.sequence_start.anchor
                case YAML_MAPPING_START_EVENT: anchor = event.data.mapping_start.anchor
                case YAML_STREAM_END_EVENT: return nil
                default: anchor = nil
                }
                if let anchor {
                    return Found(name: String(cString: anchor), isAlias: event.type == YAML_ALIAS_EVENT,
                                 line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                }
            }
            return nil
        }
    }
}
