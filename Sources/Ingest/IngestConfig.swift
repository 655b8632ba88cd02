import Config
import Foundation
import HensCore
import Regrid
import Spherical

/// Where an ingest's settings come from: an optional YAML configuration (`configs/era5-*.yaml`)
/// overridden by command-line options — every option given replaces the key it names.
///
/// Configuration keys (unknown keys are errors; paths are relative to the configuration file's
/// folder, `~` is the home folder, and inputs may be glob patterns such as `era5/*.nc`):
///
/// ```yaml
/// inputs: [../data/era5-2017-01.nc, ../data/era5-2017-02.nc]   # or one pattern
/// channels: [z500, t850]          # default: every channel the inputs provide
/// member: 0                       # ensemble member (files with a `number` dimension)
/// grid: equiangular:121x240       # model grid KIND:NLATxNLON, or native (default)
/// regrid: conservative            # bilinear | conservative | spectral (default: by resolution)
/// splits: {train: 1979..2015, valid: 2016..2017, test: 2018..}   # default: all in train
/// trajectory_length: 4            # times per trajectory (default: shortest contiguous run)
/// allow_regional: false
/// output: ../runs/era5/dataset
/// ```
public struct IngestOptions {
    /// The YAML configuration, if any.
    public var config: String?
    /// Input files (replace the configuration's `inputs` when not empty).
    public var files: [String] = []
    public var output: String?
    public var channels: [String]?
    public var member: Int?
    /// Split date ranges given as options (`--train 1979..2015`), by split name.
    public var splits: [(name: String, range: String)] = []
    public var trajectoryLength: Int?
    /// `KIND:NLATxNLON` or `native`.
    public var grid: String?
    public var regrid: String?
    /// Only turns regional input on (a flag cannot turn the configuration's `true` off).
    public var allowRegional = false
    public var overwrite = false
    public var append = false

    public init() {}

    /// The split names a dataset can have.
    public static let splitNames = ["train", "valid", "test", "climate"]

    /// The request: the configuration's keys (if any) with every given option on top; paths
    /// given as options are relative to the working directory.
    public func request() throws -> IngestRequest {
        var doc = try ConfigDocument(path: config, overrides: [
            .paths("inputs", files, option: "FILES"), .path("output", output, option: "--out"),
            .value("channels", channels, option: "--channels"), .value("member", member, option: "--member"),
            .value("trajectory_length", trajectoryLength, option: "--trajectory-length"),
            .value("grid", grid, option: "--grid"), .value("regrid", regrid, option: "--regrid"),
            .flag("allow_regional", allowRegional, means: true, option: "--allow-regional"),
        ] + splits.map { .entry("splits", $0.name, $0.range, option: "--\($0.name)") })
        // Absolute, so that `../` in the file's paths climbs from the file's folder, not the URL root.
        let folder = URL(fileURLWithPath: doc.baseDirectory.isEmpty ? "." : doc.baseDirectory).standardized.path
        var r = try Self.decode(&doc, folder: folder)
        if config == nil { r.configText = nil }
        r.overwrite = overwrite
        r.append = append
        guard !r.files.isEmpty else {
            throw HensError.invalid("FILES", "at least one input file, on the command line or as `inputs:` in --config")
        }
        guard !r.output.isEmpty else {
            throw HensError.invalid("--out", "an output folder, on the command line or as `output:` in --config")
        }
        return r
    }

    /// Decodes a configuration document; relative paths are taken from `folder`.
    public static func decode(_ doc: inout ConfigDocument, folder: String) throws -> IngestRequest {
        let src = doc.source, document = doc
        // An option's error names the option (--member), a file's the file and its key.
        func label(_ key: String) -> String { document.label(key) }
        let patterns = try doc.strings("inputs", default: [])
        let output = try doc.string("output", default: "")
        var r = IngestRequest(files: try patterns.flatMap { try expand($0, folder: folder, source: src) },
                              output: output.isEmpty ? "" : resolve(output, folder: folder))
        r.channels = try doc.strings("channels", default: [])
        if doc.has("member") {
            let member = try doc.integer("member")
            guard member >= 0 else { throw HensError(.invalidArgument, "\(label("member")) must be ≥ 0, got \(member)") }
            r.member = member
        }
        r.grid = try ModelGridSpec.parse(try doc.string("grid", default: ModelGridSpec.native), field: label("grid"))
        if doc.has("regrid") { r.regrid = try method(try doc.string("regrid"), field: label("regrid")) }
        let splits = try doc.stringMap("splits", default: [:])
        for name in splits.keys.sorted() where !splitNames.contains(name) {
            throw HensError(.invalidArgument, "\(src): splits.\(name) is not a split; use \(splitNames.joined(separator: ", "))")
        }
        for name in splitNames { if let text = splits[name] { r.splits.append((name, try DateRange(text, option: label("splits.\(name)")))) } }
        // Training, validation and test must not share times (the scores would be fitted on the test
        // data); the model climate's reforecasts may reuse training years, as HENS' did.
        let disjoint = r.splits.filter { $0.name != "climate" }
        for (i, a) in disjoint.enumerated() {
            for b in disjoint[(i + 1)...] where a.range.overlaps(b.range) {
                throw HensError.invalid(label("splits.\(b.name)"), "dates that no other split has; \(b.range.text) overlaps \(a.name) \(a.range.text)")
            }
        }
        if doc.has("trajectory_length") {
            let length = try doc.integer("trajectory_length")
            guard length >= 1 else { throw HensError(.invalidArgument, "\(label("trajectory_length")) must be ≥ 1, got \(length)") }
            r.trajectoryLength = length
        }
        r.allowRegional = try doc.boolean("allow_regional", default: false)
        r.configText = doc.yamlText()
        try doc.rejectUnknownKeys()
        return r
    }

    private static func method(_ text: String, field: String) throws -> RegridMethod {
        guard let m = RegridMethod(rawValue: text) else {
            throw HensError.invalid(field, "bilinear, conservative or spectral, got '\(text)'")
        }
        return m
    }

    /// A path from a configuration: `~` expanded, relative paths taken from the file's folder.
    static func resolve(_ path: String, folder: String) -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: folder).appendingPathComponent(expanded).standardized.path
    }

    /// An input entry: one path, or a glob pattern (`*`, `?`, `[…]`) expanded in sorted order.
    /// - Throws: when a pattern matches no file (a plain path is checked when it is opened).
    static func expand(_ entry: String, folder: String, source: String) throws -> [String] {
        let path = resolve(entry, folder: folder)
        guard path.contains(where: { "*?[".contains($0) }) else { return [path] }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(path, 0, nil, &matches) == 0 else {
            throw HensError(.badInput, "\(source): inputs pattern '\(entry)' matches no file (looked for \(path))")
        }
        return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
