import Foundation
import XCTest

/// The module graph's rules (docs/architecture.md), checked on the package's own text: the
/// targets and dependencies Package.swift declares and the `import` lines of every source file.
///
/// The layers, bottom up: core (HensCore, Config, the C shims, NumericsBackend), shared
/// foundations (Spherical, Regrid, DatasetIO, SFNO, ChannelDerivation, Scores), stages
/// (ShallowWater, Ingest, Training, Ensemble, Evaluation, ModelImport), then Report, Benchmarks and the CLI.
/// Arrows point down only, and no stage imports another stage, so a change inside one stage
/// cannot break another.
final class ImportGraphTests: XCTestCase {
    /// Stages: run by the CLI, never by each other.
    static let stages: Set<String> = ["ShallowWater", "Ingest", "Training", "Ensemble", "Evaluation", "ModelImport"]
    /// What the shared layers may import: each other (acyclically), core, the C shims and
    /// outside packages. A shared layer importing a stage, Report, Benchmarks or the CLI is a
    /// wrong edge.
    static let shared: Set<String> = ["HensCore", "Config", "NumericsBackend", "Spherical", "Regrid", "DatasetIO",
                                      "SFNO", "ChannelDerivation", "Scores"]
    /// Targets above the stages; only the CLI may import them.
    static let top: Set<String> = ["Report", "Benchmarks", "hens"]
    /// Modules the toolchain provides (not targets of this package).
    static let system: Set<String> = ["Foundation", "Dispatch", "Glibc", "Darwin", "XCTest", "FoundationEssentials"]

    /// Allowed imports of targets with a stricter rule than their layer's.
    static let allowed: [String: Set<String>] = [
        "HensCore": ["CSystem"],
        "Config": ["HensCore", "Yams"],
        "NumericsBackend": ["HensCore", "CFFTW", "COpenBLAS", "CHensPlatform"],
        "Scores": ["HensCore", "NumericsBackend", "Spherical"],
        "Report": ["HensCore", "Config", "DatasetIO", "Scores", "Evaluation", "Plot", "SwiftCSV"],
        "HensTestSupport": ["HensCore"],
    ]
    /// C libraries and the one target that may import each.
    static let cLibraryOwners: [String: String] = ["CFFTW": "NumericsBackend", "COpenBLAS": "NumericsBackend",
                                                   "CHensPlatform": "NumericsBackend", "CNetCDF": "DatasetIO", "Yams": "Config"]
    /// Modules a target must not reach even indirectly: running a model needs no optimiser and
    /// no ingest; scoring needs no ingest, training or model.
    static let unreachable: [String: Set<String>] = [
        "Ensemble": ["Training", "Ingest", "Evaluation"],
        "Evaluation": ["Ingest", "Training", "SFNO", "Ensemble"],
        "Scores": ["DatasetIO", "SFNO", "Config"],
        "SFNO": ["Training", "Ensemble"],
        "ModelImport": ["Training", "Ensemble", "Ingest"],
    ]

    func testNoForbiddenEdges() throws {
        let package = try PackageText.load()
        var violations: [String] = []
        for (target, edges) in package.edges.sorted(by: { $0.key < $1.key }) where !package.testTargets.contains(target) {
            for dependency in edges.sorted() {
                if let why = Self.forbidden(target, dependency) { violations.append("\(target) → \(dependency): \(why)") }
            }
        }
        XCTAssert(violations.isEmpty, "forbidden module edges:\n" + violations.joined(separator: "\n"))
    }

    func testImportsAreDeclaredDependencies() throws {
        let package = try PackageText.load()
        var undeclared: [String] = []
        for (target, imports) in package.sourceImports.sorted(by: { $0.key < $1.key }) {
            let declared = package.declared[target, default: []]
            for module in imports.sorted() where !Self.system.contains(module) && module != target && !declared.contains(module) {
                undeclared.append("\(target) imports \(module) without declaring it in Package.swift")
            }
        }
        XCTAssert(undeclared.isEmpty, undeclared.joined(separator: "\n"))
    }

    func testClosuresStayOutOfOtherStages() throws {
        let package = try PackageText.load()
        for (target, banned) in Self.unreachable {
            let reached = package.closure(of: target)
            XCTAssert(reached.isDisjoint(with: banned),
                      "\(target) reaches \(reached.intersection(banned).sorted()) through \(package.pathsDescription(from: target, to: banned))")
        }
    }

    func testGraphIsAcyclicAndShallow() throws {
        let package = try PackageText.load()
        let depth = try package.depth(of: "hens")
        // Today: hens → Report → Evaluation → ChannelDerivation → DatasetIO → NumericsBackend →
        // HensCore → CSystem. The layering allows a little growth; a much deeper graph means
        // layers started importing each other in sequence again.
        XCTAssertLessThanOrEqual(depth, 9, "the module graph below hens is \(depth) edges deep")
    }

    /// The rule `target → dependency` breaks, or nil when the edge is allowed.
    static func forbidden(_ target: String, _ dependency: String) -> String? {
        if let owner = cLibraryOwners[dependency], owner != target { return "only \(owner) links \(dependency)" }
        if let allowedSet = allowed[target] {
            return allowedSet.contains(dependency) ? nil : "\(target) may import only \(allowedSet.sorted().joined(separator: ", "))"
        }
        if top.contains(dependency) && target != "hens" { return "only the CLI imports \(dependency)" }
        if dependency == "HensTestSupport" { return "only test targets import HensTestSupport" }
        if stages.contains(target) && stages.contains(dependency) { return "a stage never imports another stage" }
        if shared.contains(target) && stages.contains(dependency) { return "a shared layer never imports a stage" }
        return nil
    }

    func testRulesCanFail() {
        // The rules themselves, on edges the package must never gain.
        XCTAssertNotNil(Self.forbidden("Ensemble", "Training"))
        XCTAssertNotNil(Self.forbidden("Evaluation", "Ingest"))
        XCTAssertNotNil(Self.forbidden("DatasetIO", "Ensemble"))
        XCTAssertNotNil(Self.forbidden("HensCore", "Yams"))
        XCTAssertNotNil(Self.forbidden("Spherical", "COpenBLAS"))
        XCTAssertNotNil(Self.forbidden("Report", "Training"))
        XCTAssertNotNil(Self.forbidden("Scores", "DatasetIO"))
        XCTAssertNotNil(Self.forbidden("Training", "Benchmarks"))
        XCTAssertNotNil(Self.forbidden("DatasetIO", "CHensPlatform"))
        XCTAssertNotNil(Self.forbidden("Ingest", "Yams"))
        XCTAssertNotNil(Self.forbidden("Report", "Spherical"))
        XCTAssertNotNil(Self.forbidden("hens", "HensTestSupport"))
        XCTAssertNil(Self.forbidden("Ensemble", "Scores"))
        XCTAssertNil(Self.forbidden("hens", "Report"))
        let cyclic = PackageText(declared: ["A": ["B"], "B": ["A"]], testTargets: [], sourceImports: [:])
        XCTAssertThrowsError(try cyclic.depth(of: "A"))
    }
}

/// Package.swift's targets and dependencies, and the `import` lines under Sources/, read as text.
struct PackageText {
    /// Target → the modules Package.swift lists as its dependencies (targets and products).
    let declared: [String: Set<String>]
    /// Test targets (exempt from the layering: a test may span stages).
    let testTargets: Set<String>
    /// Target → modules its Swift files import.
    let sourceImports: [String: Set<String>]

    /// Every edge, declared or imported, between modules.
    var edges: [String: Set<String>] {
        declared.merging(sourceImports) { $0.union($1) }.mapValues { $0.subtracting(ImportGraphTests.system) }
    }

    /// The package root: three folders above this file (Tests/ArchitectureTests/…).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Reads Package.swift and Sources/ under `root`.
    static func load(root: URL = PackageText.root) throws -> PackageText {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var declared: [String: Set<String>] = [:], tests: Set<String> = []
        // Each `.target(name: "X", dependencies: [ … ])` up to its closing bracket.
        let pattern = try NSRegularExpression(
            pattern: #"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"(?:,\s*dependencies:\s*\[(.*?)\]\s*(?:,|\)))?"#,
            options: [.dotMatchesLineSeparators])
        let text = manifest as NSString
        for match in pattern.matches(in: manifest, range: NSRange(location: 0, length: text.length)) {
            let kind = text.substring(with: match.range(at: 1)), name = text.substring(with: match.range(at: 2))
            var dependencies: Set<String> = []
            if match.range(at: 3).location != NSNotFound {
                let list = text.substring(with: match.range(at: 3))
                // `"Name"` for targets, `.product(name: "Name", …)` for products.
                let quoted = try NSRegularExpression(pattern: #"(?:\.product\(name:\s*)?"([^"]+)"(?:,\s*package:\s*"[^"]+"\))?"#)
                for m in quoted.matches(in: list, range: NSRange(location: 0, length: (list as NSString).length)) {
                    dependencies.insert((list as NSString).substring(with: m.range(at: 1)))
                }
            }
            declared[name] = dependencies
            if kind == "testTarget" { tests.insert(name) }
        }
        var imports: [String: Set<String>] = [:]
        let sources = root.appendingPathComponent("Sources")
        let importLine = try NSRegularExpression(pattern: #"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*import\s+(?:(?:struct|class|enum|func|var|typealias|protocol)\s+)?([A-Za-z_][A-Za-z0-9_]*)"#,
                                                 options: [.anchorsMatchLines])
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            guard let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(target).path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let body = try String(contentsOf: sources.appendingPathComponent(target).appendingPathComponent(file), encoding: .utf8)
                let ns = body as NSString
                for m in importLine.matches(in: body, range: NSRange(location: 0, length: ns.length)) {
                    imports[target, default: []].insert(ns.substring(with: m.range(at: 1)))
                }
            }
        }
        return PackageText(declared: declared, testTargets: tests, sourceImports: imports)
    }

    /// Every module `target` reaches through its edges.
    func closure(of target: String) -> Set<String> {
        var seen: Set<String> = [], stack = [target]
        while let next = stack.popLast() {
            for dependency in edges[next, default: []] where seen.insert(dependency).inserted { stack.append(dependency) }
        }
        return seen
    }

    /// The longest chain of edges below `target`.
    /// - Throws: when the graph has a cycle through a module `target` reaches.
    func depth(of target: String) throws -> Int {
        var memo: [String: Int] = [:], onPath: Set<String> = []
        func visit(_ module: String) throws -> Int {
            if let known = memo[module] { return known }
            guard onPath.insert(module).inserted else { throw CycleError(module: module) }
            defer { onPath.remove(module) }
            let result = try edges[module, default: []].map { try visit($0) + 1 }.max() ?? 0
            memo[module] = result
            return result
        }
        return try visit(target)
    }

    /// For a failure message: `target → … → banned` for each banned module reached.
    func pathsDescription(from target: String, to banned: Set<String>) -> String {
        var parent: [String: String] = [:], queue = [target], seen: Set<String> = [target]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            for dependency in edges[next, default: []].sorted() where seen.insert(dependency).inserted {
                parent[dependency] = next
                queue.append(dependency)
            }
        }
        return banned.sorted().compactMap { goal -> String? in
            guard parent[goal] != nil else { return nil }
            var chain = [goal], at = goal
            while let up = parent[at] { chain.append(up); at = up }
            return chain.reversed().joined(separator: " → ")
        }.joined(separator: "; ")
    }

    /// A module graph with a cycle.
    struct CycleError: Error { let module: String }
}
