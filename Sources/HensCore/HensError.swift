/// An error hens reports to the user as one line, with a non-zero exit code.
///
/// Every message names the file or field at fault and what was expected.
public struct HensError: Error, CustomStringConvertible, Equatable {
    /// Broad category, mapped to the CLI's documented exit codes.
    public enum Kind: Equatable, Sendable {
        /// Bad command-line option or configuration value (exit 2).
        case invalidArgument
        /// Unreadable, malformed or inconsistent input file (exit 3).
        case badInput
        /// Failure while writing output (exit 4).
        case io
        /// Internal invariant violated (exit 70).
        case `internal`
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Shorthand for an invalid argument naming `field` and what was expected.
    public static func invalid(_ field: String, _ expected: String) -> HensError {
        HensError(.invalidArgument, "\(field): \(expected)")
    }

    public var description: String { message }

    /// Exit code documented in README "Exit codes".
    public var exitCode: Int32 {
        switch kind {
        case .invalidArgument: return 2
        case .badInput: return 3
        case .io: return 4
        case .internal: return 70
        }
    }
}
