import Foundation
import HensCore
import SwiftCSV

/// One CSV table of `hens evaluate` (scores, rank_histogram, reliability, roc, spectra, …),
/// with rows selected by column values and columns read as numbers.
public struct ScoreTable: Sendable {
    /// The file read.
    public let path: String
    /// Column names, in file order.
    public let header: [String]
    /// The rows, as text cells in header order.
    public let rows: [[String]]
    private let index: [String: Int]

    /// Reads `path`; a file without a header is refused (short rows read as empty cells).
    public init(path: String) throws {
        let csv: EnumeratedCSV
        do { csv = try EnumeratedCSV(url: URL(fileURLWithPath: path), loadColumns: false) } catch {
            throw HensError(.badInput, "\(path): cannot read the CSV table (\(error))")
        }
        guard !csv.header.isEmpty else { throw HensError(.badInput, "\(path): empty CSV table (expected a header line)") }
        for (k, row) in csv.rows.enumerated() where row.count != csv.header.count {
            throw HensError(.badInput, "\(path): line \(k + 2) has \(row.count) cells, the header has \(csv.header.count)")
        }
        self.init(path: path, header: csv.header, rows: csv.rows)
    }

    /// A table from memory (tests, selections).
    public init(path: String, header: [String], rows: [[String]]) {
        self.path = path
        self.header = header
        self.rows = rows
        index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the table has `column`.
    public func has(_ column: String) -> Bool { index[column] != nil }

    /// Rows whose `column` reads `text`.
    public func selecting(_ column: String, _ text: String) throws -> ScoreTable {
        let c = try position(column)
        return ScoreTable(path: path, header: header, rows: rows.filter { $0[c] == text })
    }

    /// Rows whose numeric `column` equals `value` (to 1e-9: leads written as 6 or 6.0).
    public func selecting(_ column: String, number value: Double) throws -> ScoreTable {
        let c = try position(column)
        return ScoreTable(path: path, header: header, rows: rows.filter { abs((Double($0[c]) ?? .nan) - value) < 1e-9 })
    }

    /// The cells of `column` as text.
    public func text(_ column: String) throws -> [String] {
        let c = try position(column)
        return rows.map { $0[c] }
    }

    /// The cells of `column` as numbers; empty or unreadable cells are NaN (scores that do
    /// not apply, such as a skill score against a zero reference).
    public func numbers(_ column: String) throws -> [Double] {
        try text(column).map { Double($0) ?? .nan }
    }

    /// Distinct values of `column`, in order of first appearance.
    public func distinct(_ column: String) throws -> [String] {
        var seen = Set<String>()
        return try text(column).filter { seen.insert($0).inserted }
    }

    private func position(_ column: String) throws -> Int {
        guard let c = index[column] else {
            throw HensError(.badInput, "\(path): no column '\(column)' (expected a table of hens evaluate)")
        }
        return c
    }
}
