import Foundation
import HensTestSupport
import XCTest

/// hens' choice of BLAS kernel, end to end in real processes (hens re-executes itself with
/// OPENBLAS_CORETYPE set): a CPU OpenBLAS does not know, a preset kernel (never overridden), a
/// kernel that fails the self-check, the switch-off, and the start-up check of the CPU features a
/// binary was built for. README "BLAS kernels".
final class BLASKernelSelectionTests: XCTestCase {
    override func setUpWithError() throws { try HensProcess.requireExecutable() }

    /// The value of `name:` in `hens check blas`'s output under `environment`.
    private func field(_ name: String, _ environment: [String: String] = [:]) throws -> String {
        let r = try HensProcess.run(["check", "blas"], environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        let prefix = name + ":"
        guard let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            XCTFail("no '\(name):' line in \(r.stdout)")
            return ""
        }
        return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
    }

    /// The kernel hens selects for this CPU, nil where OpenBLAS has none to select (not x86-64,
    /// or a CPU newer than this OpenBLAS knows, which hens reports as "no …").
    private func matchingKernel() throws -> String? {
        #if arch(x86_64)
        let matching = try field("matches CPU")
        return matching.hasPrefix("no") ? nil : matching
        #else
        return nil
        #endif
    }

    func testAnUnknownCPUGetsTheMatchingKernel() throws {
        guard let matching = try matchingKernel() else { throw XCTSkip("no kernel for hens to select on this CPU") }
        let simulated = ["HENS_TEST_ASSUME_BLAS_KERNEL": "Prescott"]
        XCTAssertEqual(try field("kernel", simulated), "\(matching) (selected by hens; OpenBLAS chose Prescott)")
        let coretype = try HensProcess.run(["check", "blas", "--coretype"], environment: simulated)
        XCTAssertEqual(coretype.stdout.trimmingCharacters(in: .whitespacesAndNewlines), matching)
    }

    func testAKernelFailingTheSelfCheckWarnsOnceAndFallsBack() throws {
        guard let matching = try matchingKernel() else { throw XCTSkip("no kernel for hens to select on this CPU") }
        let r = try HensProcess.run(["check", "blas"], environment: ["HENS_TEST_ASSUME_BLAS_KERNEL": "Prescott", "HENS_TEST_FAIL_BLAS_SELFCHECK": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let warnings = r.stderrLines.filter { $0.hasPrefix("hens: warning: BLAS kernel \(matching) failed hens' self-check") }
        XCTAssertEqual(warnings.count, 1, r.stderr)
        XCTAssertTrue(r.stdout.split(separator: "\n").contains { $0.hasPrefix("kernel:") && $0.contains("failed hens' self-check") }, r.stdout)
    }

    func testAPresetKernelIsNeverOverridden() throws {
        XCTAssertEqual(try field("kernel", ["OPENBLAS_CORETYPE": "Prescott", "HENS_TEST_ASSUME_BLAS_KERNEL": "Prescott"]),
                       "Prescott (preset by OPENBLAS_CORETYPE=Prescott)")
    }

    func testSelectionCanBeSwitchedOff() throws {
        XCTAssertTrue(try field("kernel", ["HENS_BLAS_KERNEL": "off", "HENS_TEST_ASSUME_BLAS_KERNEL": "Prescott"]).hasSuffix("HENS_BLAS_KERNEL=off)"))
    }

    /// A binary built for a CPU feature this processor lacks refuses to start: exit 69 and one
    /// line naming the feature, never SIGILL. Built here from the platform C code with the
    /// toolchain's clang, for a target this CPU cannot run.
    func testABuildForAMissingCPUFeatureRefusesToStart() throws {
        #if arch(x86_64)
        let version = try HensProcess.run(["--version"]).stdout
        let features = version.split(separator: "\n").first { $0.hasPrefix("CPU: ") }.map(String.init) ?? ""
        let words = Set(features.split(whereSeparator: { " ;()".contains($0) }).map(String.init))
        let (march, missing): (String, String)
        if !words.contains("avx512f") { (march, missing) = ("skylake-avx512", "avx512f") }
        else if !words.contains("amx-tile") { (march, missing) = ("sapphirerapids", "amx-tile") }
        else { throw XCTSkip("this CPU has every feature clang can target here") }
        guard let clang = Self.toolchainClang() else { throw XCTSkip("no clang beside the Swift toolchain") }
        let folder = try temporaryFolder("hens-e2e-cpu")
        try "int main(void) { return 0; }\n".write(toFile: folder + "/main.c", atomically: true, encoding: .utf8)
        let platform = HensProcess.packageRoot + "/Sources/CHensPlatform"
        let sources = try FileManager.default.contentsOfDirectory(atPath: platform).filter { $0.hasSuffix(".c") }.map { platform + "/" + $0 }
        let compile = try HensProcess.run(["-O2", "-march=\(march)", "-I\(platform)/include"] + sources + [folder + "/main.c", "-o", folder + "/needs"],
                                          executable: clang)
        XCTAssertEqual(compile.status, 0, compile.stderr)
        let r = try HensProcess.run([], executable: folder + "/needs")
        XCTAssertEqual(r.status, 69, "a \(march) build on this CPU: \(r.stderr)")
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("needs the CPU feature \(missing)"), r.stderr)
        #else
        throw XCTSkip("the start-up CPU check covers x86-64 features")
        #endif
    }

    /// The clang beside `swift` on PATH (the one that builds hens' C targets).
    static func toolchainClang() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":") {
            let swift = URL(fileURLWithPath: String(folder)).appendingPathComponent("swift").path
            guard FileManager.default.isExecutableFile(atPath: swift) else { continue }
            let clang = URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("clang").path
            return FileManager.default.isExecutableFile(atPath: clang) ? clang : nil
        }
        return nil
    }
}
