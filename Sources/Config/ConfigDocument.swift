import HensCore
import Foundation
import Yams

/// A YAML run configuration with typed, validated access: every error names the file and
/// the key and says what was expected, and unknown keys are rejected (a typo must not be
/// silently ignored).
public struct ConfigDocument {
    /// Where the document came from (a path, or "options").
    public let source: String
    /// The folder paths in the file are relative to ("" for a document without a file).
    public private(set) var baseDirectory = ""
    private var values: [String: Any]
    private var used: Set<String> = []
    /// Keys whose value came from a command-line option, with that option's name: errors about
    /// them name the option the user typed, not a key of a file they may never have seen.
    private var optionOfKey: [String: String] = [:]

    /// Parses a YAML file whose top level is a mapping.
    public init(path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw HensError(.badInput, "\(path): cannot read the configuration file")
        }
        try self.init(yaml: text, source: path)
        baseDirectory = (path as NSString).deletingLastPathComponent
    }

    /// The configuration file at `path` (or an empty document named "options" without one) with
    /// the command-line `overrides` on top: the one way every command merges a file and its options.
    public init(path: String?, overrides: [ConfigOverride]) throws {
        if let path { try self.init(path: path) } else { try self.init(yaml: "", source: "options") }
        for override in overrides {
            guard let value = override.value else { continue }
            if let entry = override.entry {
                var mapping = values[override.key] as? [String: Any] ?? [:]
                mapping[entry] = value
                values[override.key] = mapping
                optionOfKey[override.key + "." + entry] = override.option
            } else {
                values[override.key] = value
                optionOfKey[override.key] = override.option
            }
        }
    }

    /// Parses YAML text whose top level is a mapping.
    public init(yaml: String, source: String) throws {
        self.source = source
        let object: Any?
        do { object = try Yams.load(yaml: yaml) } catch {
            throw HensError(.badInput, "\(source): not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        if object == nil { values = [:]; return }
        guard let mapping = object as? [String: Any] else {
            throw HensError(.badInput, "\(source): expected a mapping of keys to values at the top level")
        }
        values = mapping
    }

    /// `path` made relative to `base` (a config file's folder, or the working directory) unless
    /// it is absolute or `base` is empty.
    public static func resolve(_ path: String, relativeTo base: String) -> String {
        path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
    }

    /// Overrides (or adds) a key, e.g. from a command-line option.
    public mutating func set(_ key: String, _ value: Any) { values[key] = value }

    /// How errors name `key` (or `key.entry` of a mapping): the command-line option that set it,
    /// else the file and the key.
    public func label(_ key: String) -> String {
        optionOfKey[key] ?? "\(source): key '\(key)'"
    }

    /// Whether the key is present.
    public func has(_ key: String) -> Bool { values[key] != nil }

    private mutating func raw(_ key: String) -> Any? {
        used.insert(key)
        return values[key]
    }

    /// An integer, or `defaultValue` when absent.
    public mutating func integer(_ key: String, default defaultValue: Int? = nil) throws -> Int {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        if let i = v as? Int { return i }
        if let s = v as? String, let i = Int(s) { return i }
        throw HensError(.invalidArgument, "\(label(key)) must be an integer, got '\(v)'")
    }

    /// A floating-point number, or `defaultValue` when absent.
    public mutating func number(_ key: String, default defaultValue: Double? = nil) throws -> Double {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let s = v as? String, let d = Double(s) { return d }
        throw HensError(.invalidArgument, "\(label(key)) must be a number, got '\(v)'")
    }

    /// A string, or `defaultValue` when absent.
    public mutating func string(_ key: String, default defaultValue: String? = nil) throws -> String {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        return "\(v)"
    }

    /// A duration in seconds: a number (seconds) or a string with a unit suffix
    /// `s`, `min`, `h` or `d` (e.g. `300s`, `1h`, `5d`).
    public mutating func duration(_ key: String, default defaultValue: Double? = nil) throws -> Double {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let s = v as? String, let seconds = DurationText.seconds(s) { return seconds }
        throw HensError(.invalidArgument, "\(label(key)) must be a duration such as 300s, 30min, 1h or 5d, got '\(v)'")
    }

    /// A length in metres: a positive number (metres) or a string with the suffix `km` or `m`
    /// (e.g. `500km`, `5e5m`), or `defaultValue` when absent.
    public mutating func length(_ key: String, default defaultValue: Double? = nil) throws -> Double {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        guard let metres = Self.metres("\(v)") else {
            throw HensError(.invalidArgument, "\(label(key)) must be a positive length such as 500km, got '\(v)'")
        }
        return metres
    }

    /// `500km`, `5e5m` or `500000` (metres) as a positive, finite number of metres; nil otherwise.
    public static func metres(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let value: Double?
        if t.hasSuffix("km") { value = Double(t.dropLast(2)).map { $0 * 1000 } }
        else if t.hasSuffix("m") { value = Double(t.dropLast()) }
        else { value = Double(t) }
        guard let value, value > 0, value.isFinite else { return nil }
        return value
    }

    /// A list of strings, or `defaultValue` when absent.
    public mutating func strings(_ key: String, default defaultValue: [String]? = nil) throws -> [String] {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        if let list = v as? [Any] { return list.map { "\($0)" } }
        if let s = v as? String { return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        throw HensError(.invalidArgument, "\(label(key)) must be a list of names, got '\(v)'")
    }

    /// A mapping of names to integers (e.g. split sizes), or `defaultValue` when absent.
    public mutating func integerMap(_ key: String, default defaultValue: [String: Int]? = nil) throws -> [String: Int] {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        guard let map = v as? [String: Any] else {
            throw HensError(.invalidArgument, "\(label(key)) must be a mapping of names to integers, got '\(v)'")
        }
        var out: [String: Int] = [:]
        for (name, value) in map {
            guard let i = value as? Int else {
                throw HensError(.invalidArgument, "\(source): key '\(key).\(name)' must be an integer, got '\(value)'")
            }
            out[name] = i
        }
        return out
    }

    /// A boolean (`true`/`false`, also `yes`/`no`), or `defaultValue` when absent.
    public mutating func boolean(_ key: String, default defaultValue: Bool? = nil) throws -> Bool {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        if let b = v as? Bool { return b }
        switch "\(v)".lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw HensError(.invalidArgument, "\(label(key)) must be true or false, got '\(v)'")
        }
    }

    /// A mapping of names to text (e.g. split date ranges), or `defaultValue` when absent.
    /// Scalars become text as written: YAML's unquoted dates (`2017-01-01`), which the parser turns
    /// into timestamps, come back as `YYYY-MM-DD` (with the time of day when it is not midnight).
    public mutating func stringMap(_ key: String, default defaultValue: [String: String]? = nil) throws -> [String: String] {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        guard let map = v as? [String: Any] else {
            throw HensError(.invalidArgument, "\(label(key)) must be a mapping of names to values, got '\(v)'")
        }
        var out: [String: String] = [:]
        for (name, value) in map {
            if value is [Any] || value is [String: Any] {
                throw HensError(.invalidArgument, "\(source): key '\(key).\(name)' must be a single value, got '\(value)'")
            }
            out[name] = Self.scalarText(value)
        }
        return out
    }

    /// A mapping of names to lists of numbers (e.g. thresholds per channel; a single number is a
    /// one-element list), or `defaultValue` when absent.
    public mutating func numberListMap(_ key: String, default defaultValue: [String: [Double]]? = nil) throws -> [String: [Double]] {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        guard let map = v as? [String: Any] else {
            throw HensError(.invalidArgument, "\(label(key)) must be a mapping of names to lists of numbers, got '\(v)'")
        }
        func number(_ x: Any, _ name: String) throws -> Double {
            if let d = x as? Double { return d }
            if let i = x as? Int { return Double(i) }
            if let s = x as? String, let d = Double(s) { return d }
            throw HensError(.invalidArgument, "\(source): key '\(key).\(name)' must hold numbers, got '\(x)'")
        }
        var out: [String: [Double]] = [:]
        for (name, value) in map {
            out[name] = try (value as? [Any] ?? [value]).map { try number($0, name) }
        }
        return out
    }

    /// A mapping of names to lists of scalars as text (e.g. event thresholds per channel such as
    /// `[20, p99]`; a single scalar is a one-element list), or `defaultValue` when absent.
    public mutating func stringListMap(_ key: String, default defaultValue: [String: [String]]? = nil) throws -> [String: [String]] {
        guard let v = raw(key) else { return try missing(key, defaultValue) }
        guard let map = v as? [String: Any] else {
            throw HensError(.invalidArgument, "\(label(key)) must be a mapping of names to lists, got '\(v)'")
        }
        return map.mapValues { value in (value as? [Any] ?? [value]).map(Self.scalarText) }
    }

    /// A scalar as the text a user wrote; YAML timestamps back to ISO dates (UTC).
    static func scalarText(_ value: Any) -> String {
        guard let date = value as? Date else { return "\(value)" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        if c.hour == 0 && c.minute == 0 && c.second == 0 { return day }
        return day + String(format: "T%02d:%02d:%02d", c.hour!, c.minute!, c.second!)
    }

    /// Throws for any key that no accessor asked for.
    public func rejectUnknownKeys() throws {
        let unknown = Set(values.keys).subtracting(used).sorted()
        if let first = unknown.first {
            throw HensError(.invalidArgument, "\(source): unknown key '\(first)'\(unknown.count > 1 ? " (and \(unknown.count - 1) more)" : "")")
        }
    }

    /// The document as a compact YAML string (for provenance attributes), without the keys in `excluded`.
    public func yamlText(excluding excluded: Set<String> = []) -> String {
        (try? Yams.dump(object: values.filter { !excluded.contains($0.key) }, sortKeys: true)) ?? ""
    }

    private func missing<V>(_ key: String, _ defaultValue: V?) throws -> V {
        guard let d = defaultValue else { throw HensError(.invalidArgument, "\(source): missing required key '\(key)'") }
        return d
    }
}
