import Crypto
import Foundation
import HensCore

/// What a long stage's output folder (checkpoints of `hens train`, a `hens forecast`) was made
/// from, recorded as `OUT/.hens-inputs.json`: one digest per input — configuration text, the
/// SHA-256 of every input file, the hens executable itself.
///
/// It is the one place that decides what a rerun into the same folder does: with the same
/// inputs the stage resumes (or skips what is complete); with other inputs it refuses, naming
/// the inputs that changed, unless the user asked to start again (`restartIfChanged`), in which
/// case the folder's previous contents are removed first, so that outputs of two runs (say,
/// checkpoints of seeds no longer configured, or initial times no longer drawn) never mix.
public struct RunInputs: Equatable, Sendable {
    /// The stage that wrote the folder ("train", "forecast").
    public let stage: String
    /// Input name → SHA-256 (hex) of its contents.
    public let digests: [String: String]

    /// The name of the record inside an output folder.
    public static let fileName = ".hens-inputs.json"

    /// Inputs described by texts (configuration as run, options) and files (hashed).
    /// - Parameter includeExecutable: adds the running hens binary, so that a rebuilt hens
    ///   counts as a changed input (its results may differ in the last bits).
    /// - Throws: `.badInput` naming an input file that cannot be read.
    public init(stage: String, texts: [String: String], files: [String: [String]], includeExecutable: Bool = true) throws {
        var digests = texts.mapValues { Self.hex(SHA256.hash(data: Data($0.utf8))) }
        for (name, paths) in files {
            var hasher = SHA256()
            for path in paths { hasher.update(data: Data(try Self.fileDigest(path).utf8)) }
            digests[name] = Self.hex(hasher.finalize())
        }
        if includeExecutable { digests["hens executable"] = try Self.fileDigest("/proc/self/exe") }
        self.init(stage: stage, digests: digests)
    }

    /// Inputs with known digests (tests, the record read back).
    public init(stage: String, digests: [String: String]) {
        self.stage = stage
        self.digests = digests
    }

    /// The inputs that differ from `other`'s (present in one only, or with another digest), sorted.
    public func changes(from other: RunInputs) -> [String] {
        let names = Set(digests.keys).union(other.digests.keys)
        return names.filter { digests[$0] != other.digests[$0] }.sorted() + (stage == other.stage ? [] : ["stage"])
    }

    /// What `prepare` found in the folder.
    public enum Outcome: Equatable, Sendable {
        /// No record (a new or empty folder): the record was written.
        case fresh
        /// The record matches: the stage may resume or skip finished work.
        case same
        /// The record differed and the folder was emptied (restart requested).
        case restarted(changed: [String])
    }

    /// Compares these inputs with the folder's record and acts on the outcome.
    /// - Parameters:
    ///   - folder: the output folder (created when missing).
    ///   - restartIfChanged: remove the folder's contents when its record differs, instead of refusing.
    ///   - option: the command-line flag that asks for the restart, named in the refusal.
    ///   - formerOutputs: the names this stage's outputs had before hens recorded its inputs (a
    ///     dataset's `train.nc` … `stats.nc`): a folder holding only these is treated as changed
    ///     inputs, so it can be replaced with the restart option, and is refused without it.
    ///   - refuseForeign: refuse a folder holding files hens cannot attribute even without a restart
    ///     (stages that would otherwise write into it and mix outputs).
    /// - Throws: `.badInput` when the record differs and no restart was asked for, or when a
    ///   restart (or, with `refuseForeign`, any run) is asked for in a folder whose files hens
    ///   cannot attribute to a run of its own.
    @discardableResult
    public func prepare(folder: String, restartIfChanged: Bool, option: String,
                        formerOutputs: Set<String> = [], refuseForeign: Bool = false) throws -> Outcome {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let recordPath = folder + "/" + Self.fileName
        // A run killed while writing the record leaves only its temporary file: the folder is
        // then as new, not one of unknown files.
        removeOrphanedTemporaries(of: recordPath)
        let contents = try fm.contentsOfDirectory(atPath: folder)
        let changed: [String]
        if fm.fileExists(atPath: recordPath) {
            changed = changes(from: try Self.read(recordPath))
            if changed.isEmpty { return .same }
        } else if contents.isEmpty {
            try write(recordPath)
            return .fresh
        } else if contents.contains(Self.formerRecordName) {
            changed = ["unknown (inputs recorded by an earlier hens Makefile)"]
        } else if !formerOutputs.isEmpty && Set(contents).isSubset(of: formerOutputs) {
            changed = ["unknown (outputs written before hens recorded its inputs)"]
        } else {
            // Outputs of an older hens, or files that are not hens outputs at all: never removed.
            // Without a restart the stage's own checks guard what it reuses.
            guard !restartIfChanged && !refuseForeign else {
                throw HensError(.badInput, "\(folder): holds files but no \(Self.fileName), so hens cannot tell what made them "
                    + "and will not remove them; empty the folder or choose another")
            }
            return .fresh
        }
        guard restartIfChanged else {
            throw HensError(.badInput, "\(folder): holds outputs made from other inputs (changed: \(changed.joined(separator: ", "))); "
                + "rerun with the same inputs, or pass \(option) to start again")
        }
        for name in contents { try fm.removeItem(atPath: folder + "/" + name) }
        try write(recordPath)
        return .restarted(changed: changed)
    }

    /// The record in `folder`, nil when it has none (for stages that write their folder whole,
    /// through a staging folder, and so cannot use `prepare`).
    /// - Throws: `.badInput` when the record exists but cannot be read.
    public static func recorded(in folder: String) throws -> RunInputs? {
        let path = folder + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try read(path)
    }

    /// Writes this record into `folder` (e.g. a staging folder about to be renamed into place).
    public func record(in folder: String) throws {
        try write(folder + "/" + Self.fileName)
    }

    /// The record the Makefile's former shell helper kept (`.inputs`, a bare digest).
    static let formerRecordName = ".inputs"

    private func write(_ path: String) throws {
        let object: [String: Any] = ["stage": stage, "inputs": digests]
        try writeAtomically(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: path)
    }

    private static func read(_ path: String) throws -> RunInputs {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let stage = object["stage"] as? String, let digests = object["inputs"] as? [String: String] else {
            throw HensError(.badInput, "\(path): not a hens input record (expected JSON with 'stage' and 'inputs'); remove it to start again")
        }
        return RunInputs(stage: stage, digests: digests)
    }

    /// The SHA-256 of a file's bytes, read in 4 MiB blocks.
    static func fileDigest(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HensError(.badInput, "\(path): cannot read this input file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 4 << 20), !block.isEmpty { hasher.update(data: block) }
        return hex(hasher.finalize())
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
