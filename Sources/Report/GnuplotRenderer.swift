import Foundation
import HensCore

/// Draws figures with gnuplot (Debian `gnuplot-nox`): one process per figure, in the folder that
/// receives the figure's script, SVG and PNG.
public struct GnuplotRenderer: Sendable {
    /// The gnuplot executable.
    public let executable: String

    /// Finds gnuplot: `HENS_GNUPLOT` if set, else the first `gnuplot` on `PATH`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let path = environment["HENS_GNUPLOT"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw HensError(.invalidArgument, "HENS_GNUPLOT=\(path): not an executable file (expected the gnuplot program)")
            }
            executable = path
            return
        }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        guard let found = directories.map({ $0 + "/gnuplot" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HensError(.io, "gnuplot: not found on PATH; hens report draws its plots with it (Debian: apt-get install gnuplot-nox, or make deps)")
        }
        executable = found
    }

    /// What one figure left in its folder.
    public struct Output: Sendable {
        /// The SVG document gnuplot wrote.
        public var svg: String
        /// File name of the PNG, relative to the folder.
        public var pngFile: String
    }

    /// Writes `ID.gp`, `ID.svg` and `ID.png` of `figure` into `folder` and returns the SVG.
    public func render(_ figure: Figure, in folder: String) throws -> Output {
        let svgFile = figure.id + ".svg", pngFile = figure.id + ".png", scriptFile = figure.id + ".gp"
        let script = GnuplotScript.script(for: figure, svg: svgFile, png: pngFile)
        try writeAtomically(Data(script.utf8), to: folder + "/" + scriptFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [scriptFile]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw HensError(.io, "\(executable): cannot start gnuplot (\(error.localizedDescription))")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let svgPath = folder + "/" + svgFile
        guard process.terminationStatus == 0, let svg = FileManager.default.contents(atPath: svgPath),
              FileManager.default.fileExists(atPath: folder + "/" + pngFile) else {
            let reason = message.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "no message"
            throw HensError(.io, "\(folder)/\(scriptFile): gnuplot failed on figure '\(figure.id)' (exit \(process.terminationStatus)): \(reason)")
        }
        return Output(svg: String(decoding: svg, as: UTF8.self), pngFile: pngFile)
    }
}
