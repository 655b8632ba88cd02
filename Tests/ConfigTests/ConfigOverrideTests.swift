import Config
import Foundation
import HensCore
import HensTestSupport
import XCTest

/// A configuration file merged with command-line options, the one way every command does it.
final class ConfigOverrideTests: XCTestCase {
    private func file(_ yaml: String) throws -> String {
        let folder = try temporaryFolder("hens-config")
        try FileManager.default.createDirectory(atPath: folder + "/configs", withIntermediateDirectories: true)
        let path = folder + "/configs/run.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testGivenOptionsReplaceKeysAndMissingOnesLeaveThem() throws {
        let path = try file("steps: 4\nseed: 7\nchannels: [a, b]\n")
        var doc = try ConfigDocument(path: path, overrides: [
            .value("steps", 9 as Int?, option: "--steps"), .value("seed", nil as Int?, option: "--seed"),
            .list("channels", "x, y,z", option: "--channels"), .flag("write_members", false, means: false, option: "--no-members"),
        ])
        XCTAssertEqual(try doc.integer("steps"), 9)
        XCTAssertEqual(try doc.integer("seed"), 7)
        XCTAssertEqual(try doc.strings("channels"), ["x", "y", "z"])
        XCTAssertFalse(doc.has("write_members"), "an unset flag must leave the file's value (here: none)")
        XCTAssertEqual(doc.baseDirectory, (path as NSString).deletingLastPathComponent)
    }

    func testPathsInTheFileAreRelativeToItAndOptionPathsToTheWorkingDirectory() throws {
        let path = try file("dataset: ../data\ncheckpoints: [a.nc]\n")
        var doc = try ConfigDocument(path: path, overrides: [.paths("checkpoints", "ck/1.nc,/abs/2.nc", option: "--checkpoints")])
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(try doc.strings("checkpoints"), [cwd + "/ck/1.nc", "/abs/2.nc"])
        XCTAssertEqual(ConfigDocument.resolve(try doc.string("dataset"), relativeTo: doc.baseDirectory), doc.baseDirectory + "/../data")
        // An absolute path (an option's, made absolute above) is left alone by the file's resolution.
        XCTAssertEqual(ConfigDocument.resolve(cwd + "/ck/1.nc", relativeTo: doc.baseDirectory), cwd + "/ck/1.nc")
    }

    func testErrorsNameTheOptionForOverriddenKeysAndTheFileOtherwise() throws {
        let path = try file("steps: four\nseed: x\n")
        var doc = try ConfigDocument(path: path, overrides: [.value("seed", "y", option: "--seed")])
        assertThrows(try doc.integer("steps"), kind: .invalidArgument, mentioning: [path, "key 'steps'", "four"])
        assertThrows(try doc.integer("seed"), kind: .invalidArgument, mentioning: ["--seed", "'y'"])
        XCTAssertFalse(errorMessage { try doc.integer("seed") }.contains(path), "the option, not the file, set the value")
    }

    func testAnEntryOptionReplacesOneEntryOfAMapping() throws {
        let path = try file("splits: {train: 1979..2015, test: 2018..}\n")
        var doc = try ConfigDocument(path: path, overrides: [.entry("splits", "train", "2000..2010", option: "--train"),
                                                             .entry("splits", "valid", nil as String?, option: "--valid")])
        XCTAssertEqual(try doc.stringMap("splits"), ["train": "2000..2010", "test": "2018.."])
        XCTAssertEqual(doc.label("splits.train"), "--train")
        XCTAssertEqual(doc.label("splits.test"), "\(path): key 'splits.test'")
    }

    func testNoFileGivesAnEmptyDocumentOfOptions() throws {
        var doc = try ConfigDocument(path: nil, overrides: [.value("members", 8 as Int?, option: "--ensemble-size")])
        XCTAssertEqual(doc.source, "options")
        XCTAssertEqual(doc.baseDirectory, "")
        XCTAssertEqual(try doc.integer("members"), 8)
        assertThrows(try doc.integer("steps"), kind: .invalidArgument, mentioning: ["missing required key 'steps'"])
    }

    func testUnreadableFileIsOneLineNamingIt() throws {
        let missing = try temporaryFolder("hens-config") + "/absent.yaml"
        assertThrows(try ConfigDocument(path: missing, overrides: []), kind: .badInput, mentioning: [missing, "cannot read"])
    }

    func testYAMLTextCanLeaveKeysOut() throws {
        let doc = try ConfigDocument(yaml: "epochs: 3\nlr: 0.1\n", source: "t")
        XCTAssertFalse(doc.yamlText(excluding: ["epochs"]).contains("epochs"))
        XCTAssertTrue(doc.yamlText(excluding: ["epochs"]).contains("lr"))
        XCTAssertTrue(doc.yamlText().contains("epochs"))
    }
}
