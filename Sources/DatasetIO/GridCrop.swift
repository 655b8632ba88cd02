import HensCore

/// A rectangular region of a lat-lon grid, as row and column indices (like Earth2Studio's
/// crop boxes): the output writers store only these points.
///
/// Columns are listed in output (west → east) order, so a box crossing 0° E on a 0…360 grid is
/// e.g. columns 350…359 then 0…10; its written longitudes are made monotonic by shifting the part
/// west of 0° E by −360 (−10…10), as CF requires of a coordinate variable.
public struct GridCrop: Equatable, Sendable {
    /// Latitude rows kept (contiguous, north first like the grid).
    public let rows: Range<Int>
    /// Longitude columns kept, in output order.
    public let columns: [Int]

    /// A crop from explicit indices (non-empty; columns distinct).
    public init(rows: Range<Int>, columns: [Int]) {
        self.rows = rows
        self.columns = columns
    }

    /// Values in one cropped field.
    public var fieldCount: Int { rows.count * columns.count }

    /// The crop of the points inside a lat-lon box (edges included).
    ///
    /// - Parameters:
    ///   - latitudes: the grid's latitudes, north first.
    ///   - longitudes: the grid's longitudes in degrees east, increasing (any 360° window).
    ///   - south, north: the box's latitude bounds (south ≤ north).
    ///   - west, east: the box's longitude bounds in degrees east; `west > east` (after reduction
    ///     to [0, 360)) means the box crosses 0° E, e.g. west 350, east 10 (or −10 … 10).
    public static func box(latitudes: [Double], longitudes: [Double], south: Double, north: Double,
                           west: Double, east: Double) throws -> GridCrop {
        func fail(_ message: String) -> HensError { HensError(.invalidArgument, "crop box: \(message)") }
        guard south <= north else { throw fail("south \(south) lies north of north \(north)") }
        let inside = latitudes.indices.filter { latitudes[$0] >= south && latitudes[$0] <= north }
        guard let first = inside.first, let last = inside.last else {
            throw fail("no grid latitude lies in \(south)…\(north)")
        }

        /// Degrees east of the box's west edge, in [0, 360).
        func offset(_ lon: Double) -> Double {
            let d = (lon - west).truncatingRemainder(dividingBy: 360)
            return d < 0 ? d + 360 : d
        }
        let span = east - west >= 360 ? 360 : offset(east)
        // Walk the columns eastwards from the west edge: sorting by offset puts the wrapped part
        // (0° E onwards) after the part west of it.
        let columns = longitudes.indices
            .filter { span >= 360 || offset(longitudes[$0]) <= span + 1e-9 }
            .sorted { offset(longitudes[$0]) < offset(longitudes[$1]) }
        guard !columns.isEmpty else { throw fail("no grid longitude lies in \(west)…\(east)") }
        return GridCrop(rows: first..<(last + 1), columns: columns)
    }

    /// The latitudes of the kept rows.
    public func latitudes(of latitudes: [Double]) -> [Double] {
        Array(latitudes[rows])
    }

    /// The longitudes of the kept columns, made increasing by shifting the columns before a wrap
    /// by −360°.
    public func longitudes(of longitudes: [Double]) -> [Double] {
        var values = columns.map { longitudes[$0] }
        if let wrap = values.indices.dropLast().first(where: { values[$0] >= values[$0 + 1] }) {
            for i in 0...wrap { values[i] -= 360 }
        }
        return values
    }

    /// Checks that the crop fits a grid of `latitudeCount × longitudeCount`.
    func validate(latitudeCount: Int, longitudeCount: Int, path: String) throws {
        guard !rows.isEmpty, rows.lowerBound >= 0, rows.upperBound <= latitudeCount, !columns.isEmpty,
              columns.allSatisfy({ (0..<longitudeCount).contains($0) }), Set(columns).count == columns.count else {
            throw HensError(.invalidArgument, "\(path): crop rows \(rows) / \(columns.count) columns do not fit "
                + "the \(latitudeCount)×\(longitudeCount) grid")
        }
    }

    /// Copies the kept points of a full field (row-major, `longitudeCount` columns) into `out`.
    func gather(_ field: UnsafeBufferPointer<Float>, longitudeCount: Int, into out: inout [Float]) {
        out.withUnsafeMutableBufferPointer { gather(field.baseAddress!, longitudeCount: longitudeCount, into: $0.baseAddress!) }
    }

    /// Copies the kept points of a full field into `out` (`fieldCount` values).
    public func gather(_ field: UnsafePointer<Float>, longitudeCount: Int, into out: UnsafeMutablePointer<Float>) {
        var k = 0
        for row in rows {
            let base = row * longitudeCount
            for column in columns {
                out[k] = field[base + column]
                k += 1
            }
        }
    }

    /// A compact description for the files' provenance, e.g. `rows 10…19 of 121, columns 350…359,0…10 of 360`.
    public func describe(latitudeCount: Int, longitudeCount: Int) -> String {
        var runs: [String] = []
        var start = columns[0], previous = columns[0]
        for column in columns.dropFirst() + [-1] {
            if column == previous + 1 { previous = column; continue }
            runs.append(start == previous ? "\(start)" : "\(start)…\(previous)")
            start = column
            previous = column
        }
        return "rows \(rows.lowerBound)…\(rows.upperBound - 1) of \(latitudeCount), columns "
            + runs.joined(separator: ",") + " of \(longitudeCount)"
    }
}
