import ArgumentParser
import Foundation
import HensCore

// Errors that hens reports itself become one line on stderr and a documented exit code
// (README "Exit codes"); argument-parser handles usage errors and --help.
do {
    var command = try Hens.parseAsRoot()
    try command.run()
} catch let error as HensError {
    FileHandle.standardError.write(Data("hens: error: \(error.message)\n".utf8))
    exit(error.exitCode)
} catch {
    Hens.exit(withError: error)
}
