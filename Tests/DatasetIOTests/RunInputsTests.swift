import Foundation
import HensCore
import HensTestSupport
import XCTest
@testable import DatasetIO

/// The record of a long stage's inputs: same inputs resume, others are refused or restart.
final class RunInputsTests: XCTestCase {
    private func inputs(config: String = "a: 1", data: String) throws -> RunInputs {
        try RunInputs(stage: "forecast", texts: ["configuration": config], files: ["data": [data]], includeExecutable: false)
    }

    private func setUp(_ text: String) throws -> (folder: String, data: String) {
        let root = try temporaryFolder("hens-run-inputs")
        let data = root + "/stats.bin"
        try Data(text.utf8).write(to: URL(fileURLWithPath: data))
        return (root + "/out", data)
    }

    func testSameInputsResumeAndChangedOnesAreRefusedNamingThem() throws {
        let (folder, data) = try setUp("statistics v1")
        XCTAssertEqual(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--restart-changed"), .fresh)
        try Data("partial output".utf8).write(to: URL(fileURLWithPath: folder + "/part.nc"))
        XCTAssertEqual(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--restart-changed"), .same)
        assertThrows(try inputs(config: "a: 2", data: data).prepare(folder: folder, restartIfChanged: false, option: "--restart-changed"),
                     kind: .badInput, mentioning: [folder, "changed: configuration", "--restart-changed"])
        try Data("statistics v2".utf8).write(to: URL(fileURLWithPath: data))
        assertThrows(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--restart-changed"),
                     kind: .badInput, mentioning: ["changed: data"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/part.nc"), "a refusal must not touch the outputs")
    }

    func testRestartEmptiesTheFolderAndRecordsTheNewInputs() throws {
        let (folder, data) = try setUp("statistics v1")
        try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--x")
        try FileManager.default.createDirectory(atPath: folder + "/seed-5", withIntermediateDirectories: true)
        let changed = try inputs(config: "a: 2", data: data)
        XCTAssertEqual(try changed.prepare(folder: folder, restartIfChanged: true, option: "--x"), .restarted(changed: ["configuration"]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [RunInputs.fileName])
        XCTAssertEqual(try changed.prepare(folder: folder, restartIfChanged: false, option: "--x"), .same)
    }

    func testFilesOfUnknownOriginAreNeverRemoved() throws {
        let (folder, data) = try setUp("s")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("thesis".utf8).write(to: URL(fileURLWithPath: folder + "/thesis.tex"))
        assertThrows(try inputs(data: data).prepare(folder: folder, restartIfChanged: true, option: "--x"),
                     kind: .badInput, mentioning: [folder, "will not remove"])
        XCTAssertEqual(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--x"), .fresh)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/thesis.tex"))
    }

    func testTheFormerMakefileRecordCountsAsChanged() throws {
        let (folder, data) = try setUp("s")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("0123abcd\n".utf8).write(to: URL(fileURLWithPath: folder + "/.inputs"))
        assertThrows(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--x"), kind: .badInput, mentioning: ["--x"])
        XCTAssertEqual(try inputs(data: data).prepare(folder: folder, restartIfChanged: true, option: "--x"),
                       .restarted(changed: ["unknown (inputs recorded by an earlier hens Makefile)"]))
    }

    func testDigestsAreOfContentsNotNames() throws {
        let root = try temporaryFolder("hens-run-inputs")
        try Data("same".utf8).write(to: URL(fileURLWithPath: root + "/a"))
        try Data("same".utf8).write(to: URL(fileURLWithPath: root + "/b"))
        let a = try RunInputs(stage: "s", texts: [:], files: ["f": [root + "/a"]], includeExecutable: false)
        let b = try RunInputs(stage: "s", texts: [:], files: ["f": [root + "/b"]], includeExecutable: false)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try RunInputs.fileDigest(root + "/a"), "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5")
        assertThrows(try RunInputs(stage: "s", texts: [:], files: ["f": [root + "/none"]], includeExecutable: false),
                     kind: .badInput, mentioning: [root + "/none"])
    }

    /// A run killed while writing the record leaves only `.hens-inputs.json.tmp-<pid>`: the next
    /// run removes it and finds the folder new (before, it was a folder of unknown files, which
    /// hens generate swe refused). A live writer's temporary file is left alone.
    func testARecordWriteKilledHalfWayLeavesANewFolder() throws {
        let (folder, data) = try setUp("statistics")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let orphan = folder + "/" + RunInputs.fileName + ".tmp-2147483646"   // no such process
        try Data("{\"sta".utf8).write(to: URL(fileURLWithPath: orphan))
        XCTAssertEqual(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--x", refuseForeign: true), .fresh)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [RunInputs.fileName])
        let live = folder + "/" + RunInputs.fileName + ".tmp-\(getppid())"
        try Data("{".utf8).write(to: URL(fileURLWithPath: live))
        XCTAssertEqual(try inputs(data: data).prepare(folder: folder, restartIfChanged: false, option: "--x"), .same)
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    }

    /// A folder written whole (ingest) reads its record back and writes one into a staging folder.
    func testRecordedAndRecord() throws {
        let (folder, data) = try setUp("statistics")
        XCTAssertNil(try RunInputs.recorded(in: folder))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try inputs(data: data).record(in: folder)
        XCTAssertEqual(try RunInputs.recorded(in: folder), try inputs(data: data))
        try Data("not json".utf8).write(to: URL(fileURLWithPath: folder + "/" + RunInputs.fileName))
        assertThrows(try RunInputs.recorded(in: folder), kind: .badInput, mentioning: [RunInputs.fileName])
    }

    /// What a report or scores run killed during its swap leaves beside the output: its staging
    /// folder goes; the previous output it had moved aside comes back when the folder is missing.
    func testAnInterruptedFolderSwapIsTidiedAndThePreviousOutputPutBack() throws {
        let root = try temporaryFolder("hens-swap")
        let folder = root + "/report", fm = FileManager.default
        for name in ["report.tmp-2147483646", "report.old-2147483645"] {
            try fm.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            try Data(name.utf8).write(to: URL(fileURLWithPath: root + "/" + name + "/report.json"))
        }
        let live = "report.tmp-\(getppid())"
        try fm.createDirectory(atPath: root + "/" + live, withIntermediateDirectories: true)
        _ = try OutputFolderSwap(folder: folder, marker: "report.json", what: "a hens report", option: "--out")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: root).sorted(), ["report", live])
        XCTAssertEqual(try String(contentsOfFile: folder + "/report.json", encoding: .utf8), "report.old-2147483645")
    }
}
