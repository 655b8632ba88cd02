import Foundation
import HensCore

/// hens' small JSON run files (skill tables, model-error calibrations): a `format` name and a
/// `version` checked before anything else, one-line errors naming the file and the key, and
/// atomic writes. Non-finite numbers are spelled out ("inf", "nan"), since JSON has none.
enum VersionedJSON {
    /// The two keys every such file starts with.
    private struct Header: Decodable {
        var format: String?
        var version: Int?
    }

    /// Decodes `path` as `T` after checking its `format` and `version`.
    /// - Parameters:
    ///   - noun: what messages call the content, e.g. "skill table";
    ///   - producer: the command that writes it, e.g. "hens skill".
    static func read<T: Decodable>(_ type: T.Type, path: String, format: String, version: Int, noun: String,
                                   producer: String) throws -> T {
        func fail(_ message: String) -> HensError { HensError(.badInput, "\(path): \(message)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw fail("cannot read the \(noun) (\(error.localizedDescription))")
        }
        // The header first, so another JSON file gets a message about what it is not.
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw fail("not a JSON object; expected a hens \(noun) (from \(producer))")
        }
        guard header.format == format else {
            throw fail("format is '\(header.format ?? "(missing)")', expected '\(format)' (a \(noun) from \(producer))")
        }
        guard header.version == version else {
            throw fail("version \(header.version.map(String.init) ?? "(missing)") is not supported, expected \(version)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(T.self, from: data) } catch {
            throw fail("malformed \(noun) (\(describe(error)))")
        }
    }

    /// Encodes `value` (pretty, sorted keys) and writes it to `path` atomically.
    static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data: Data
        do { data = try encoder.encode(value) } catch {
            throw HensError(.internal, "\(path): cannot encode (\(error.localizedDescription))")
        }
        try writeAtomically(data, to: path)
    }

    /// A decoding error as one line (the key path and what was wrong).
    static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String { keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case DecodingError.keyNotFound(let key, let context): return "missing key '\(path(context.codingPath + [key]))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            return "'\(path(context.codingPath))': \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
