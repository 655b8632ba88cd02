import Foundation
import HensTestSupport
import XCTest

/// `hens generate swe` writes the same data set every time while another CPU-heavy hens
/// competes for the cores (threads are scheduled differently from run to run): the
/// bit-for-bit part of the determinism contract (docs/determinism.md), checked in processes.
///
/// HENS_REPRO_REPEATS sets the number of runs (default 2; `make check-long` runs 10).
final class ReproducibilityTests: XCTestCase {
    /// Global attributes that differ between identical runs by design (ncdump's `:name = …` lines).
    static let volatileAttributes = try! NSRegularExpression(
        pattern: #":(history|date_created|date_modified|creation_date|creation_time|created|timestamp)\s*="#)

    override func setUpWithError() throws {
        try HensProcess.requireExecutable()
        guard Self.ncdump != nil else { throw XCTSkip("ncdump not found (Debian netcdf-bin, installed by make deps)") }
    }

    static var ncdump: String? { ["/usr/bin/ncdump", "/usr/local/bin/ncdump"].first { FileManager.default.isExecutableFile(atPath: $0) } }

    func testGenerateIsBitIdenticalUnderLoad() throws {
        let repeats = max(2, Int(ProcessInfo.processInfo.environment["HENS_REPRO_REPEATS"] ?? "") ?? 2)
        let folder = try temporaryFolder("hens-e2e-repro")
        let load = try Self.startLoad()
        defer { load.terminate(); load.waitUntilExit() }
        for k in 1...repeats {
            let r = try HensProcess.run(["generate", "swe", "--config", "configs/swe-small.yaml", "--out", "\(folder)/run\(k)", "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let files = try Self.netCDFFiles(under: folder + "/run1")
        XCTAssertFalse(files.isEmpty, "run 1 wrote no .nc file")
        let reference = try files.map { try Self.dump(folder + "/run1/" + $0) }
        for k in 2...repeats {
            XCTAssertEqual(try Self.netCDFFiles(under: "\(folder)/run\(k)"), files, "run \(k) wrote other files")
            for (file, text) in zip(files, reference) {
                XCTAssertTrue(try Self.dump("\(folder)/run\(k)/\(file)") == text, "run \(k) differs from run 1 in \(file)")
            }
        }
    }

    /// `hens check sht` in a loop (a shell loop, so that it ends with its process group).
    static func startLoad() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap 'exit 0' TERM; while :; do \"$0\" check sht --grid legendre-gauss --nlat 64 --nlon 128 --batch 64 >/dev/null 2>&1; done",
                             HensProcess.executable]
        try process.run()
        return process
    }

    /// The .nc files under `folder`, relative and sorted.
    static func netCDFFiles(under folder: String) throws -> [String] {
        guard let e = FileManager.default.enumerator(atPath: folder) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".nc") }.sorted()
    }

    /// ncdump -p 9,17 (enough digits to tell any two float32/float64 values apart) without the
    /// volatile global attributes.
    static func dump(_ path: String) throws -> String {
        let r = try HensProcess.run(["-p", "9,17", path], executable: ncdump!)
        guard r.status == 0 else { throw NSError(domain: "ncdump", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "\(path): \(r.stderr)"]) }
        return r.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let text = String(line)
            return volatileAttributes.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
        }.joined(separator: "\n")
    }
}
