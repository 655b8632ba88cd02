import CNetCDF
import HensCore

/// A small self-describing NetCDF file of labelled Double arrays — the score files of
/// `hens evaluate` (by init, lead, channel, band, …).
///
/// Every axis is a dimension with a coordinate variable holding either labels (strings, e.g.
/// channel names) or numbers (e.g. leads in hours); every variable is a Double array over some
/// of the axes, missing values are NaN (also declared as `_FillValue`). Written atomically.
public struct LabelledArrays: Equatable, Sendable {
    /// One dimension and its coordinate.
    public struct Axis: Equatable, Sendable {
        /// Dimension and coordinate-variable name.
        public var name: String
        /// String labels, or nil for a numeric axis.
        public var labels: [String]?
        /// Numeric coordinate values (used when `labels` is nil).
        public var values: [Double]
        /// CF attributes of the coordinate variable (`units`, `long_name`, …).
        public var attributes: [String: String]

        /// A labelled axis.
        public init(_ name: String, labels: [String], attributes: [String: String] = [:]) {
            self.name = name
            self.labels = labels
            values = []
            self.attributes = attributes
        }

        /// A numeric axis.
        public init(_ name: String, values: [Double], attributes: [String: String] = [:]) {
            self.name = name
            labels = nil
            self.values = values
            self.attributes = attributes
        }

        /// Number of entries.
        public var count: Int { labels?.count ?? values.count }
    }

    /// One array over named axes, row-major in the order of `dimensions`.
    public struct Variable: Equatable, Sendable {
        /// Variable name.
        public var name: String
        /// Axis names, slowest first.
        public var dimensions: [String]
        /// Values, row-major; NaN where missing.
        public var values: [Double]
        /// Attributes (`long_name`, `units`, `description`, …).
        public var attributes: [String: String]

        /// A variable.
        public init(_ name: String, dimensions: [String], values: [Double], attributes: [String: String] = [:]) {
            self.name = name
            self.dimensions = dimensions
            self.values = values
            self.attributes = attributes
        }
    }

    /// The axes.
    public var axes: [Axis]
    /// The variables.
    public var variables: [Variable]
    /// Global text attributes (`Conventions`, `hens_version` and the provenance are added on writing).
    public var attributes: [String: String]

    /// A file's worth of arrays.
    public init(axes: [Axis], variables: [Variable], attributes: [String: String] = [:]) {
        self.axes = axes
        self.variables = variables
        self.attributes = attributes
    }

    /// The axis named `name`.
    public func axis(_ name: String) -> Axis? { axes.first { $0.name == name } }

    /// The variable named `name`.
    public func variable(_ name: String) -> Variable? { variables.first { $0.name == name } }

    /// Writes the file atomically (temporary name, then rename).
    /// - Throws: `internal` when a variable's size does not match its axes.
    public func write(to path: String) throws {
        let lengths = Dictionary(uniqueKeysWithValues: axes.map { ($0.name, $0.count) })
        for v in variables {
            let shape = v.dimensions.compactMap { lengths[$0] }
            guard shape.count == v.dimensions.count, shape.reduce(1, *) == v.values.count else {
                throw HensError(.internal, "\(path): variable '\(v.name)' has \(v.values.count) values, not the size of its axes \(v.dimensions)")
            }
        }
        try NetCDFFile.stage(path: path) { nc in
            var dims: [String: Int32] = [:], coordinates: [Int32] = []
            for axis in axes {
                let d = try nc.defineDimension(axis.name, length: axis.count)
                dims[axis.name] = d
                let v = try nc.defineVariable(axis.name, type: axis.labels == nil ? nc_type(NC_DOUBLE) : nc_type(NC_STRING), dimensions: [d])
                try nc.putTextAttributes(axis.attributes, variable: v)
                coordinates.append(v)
            }
            var ids: [Int32] = []
            for variable in variables {
                let v = try nc.defineVariable(variable.name, type: nc_type(NC_DOUBLE), dimensions: variable.dimensions.map { dims[$0]! })
                try nc.putAttribute("_FillValue", doubles: [.nan], variable: v)
                // Maps (EFI per point) are large and smooth: deflate keeps score folders small.
                if variable.values.count > 4096 { try nc.setDeflate(variable: v, level: 1, shuffle: true) }
                try nc.putTextAttributes(variable.attributes, variable: v)
                ids.append(v)
            }
            try nc.putGlobalAttributes(attributes)
            try nc.endDefinitions()
            for (axis, v) in zip(axes, coordinates) {
                if let labels = axis.labels { try nc.putStrings(variable: v, labels) } else { try nc.putDoubles(variable: v, axis.values) }
            }
            for (variable, v) in zip(variables, ids) where !variable.values.isEmpty {
                let shape = variable.dimensions.map { lengths[$0]! }
                try nc.putDoubles(variable: v, start: shape.map { _ in 0 }, count: shape, variable.values)
            }
        }.commit()
    }

    /// Reads a file written by `write(to:)` (or any NetCDF file of 1-D coordinates and numeric
    /// variables over them).
    public static func read(path: String) throws -> LabelledArrays {
        let nc = try NetCDFFile.openHensFile(path: path)
        defer { nc.closeQuietly() }
        var axes: [Axis] = [], variables: [Variable] = []
        let all = try nc.variables()
        var names: [Int32: String] = [:]
        for info in all where info.dimensionIDs.count == 1 {
            let name = try nc.dimensionName(info.dimensionIDs[0])
            guard name == info.name else { continue }
            let n = try nc.dimensionLength(info.dimensionIDs[0])
            names[info.dimensionIDs[0]] = name
            let attributes = try nc.textAttributes(variable: info.id)
            if info.type == nc_type(NC_STRING) {
                axes.append(Axis(name, labels: try nc.getStrings(variable: info.id, length: n), attributes: attributes))
            } else {
                axes.append(Axis(name, values: try nc.getDoubles(variable: info.id, length: n), attributes: attributes))
            }
        }
        for info in all where !axes.contains(where: { $0.name == info.name }) {
            guard info.type != nc_type(NC_STRING) else { continue }
            let dimensions = try info.dimensionIDs.map { id -> String in
                guard let n = names[id] else {
                    throw HensError(.badInput, "\(path): variable '\(info.name)' uses a dimension without a coordinate variable")
                }
                return n
            }
            let shape = try info.dimensionIDs.map { try nc.dimensionLength($0) }
            let values = shape.contains(0) ? [] : try nc.getDoubles(variable: info.id, start: shape.map { _ in 0 }, count: shape)
            var attributes = try nc.textAttributes(variable: info.id)
            attributes.removeValue(forKey: "_FillValue")
            variables.append(Variable(info.name, dimensions: dimensions, values: values, attributes: attributes))
        }
        var globals = try nc.textAttributes()
        for key in NetCDFFile.hensProvenance.keys { globals.removeValue(forKey: key) }
        return LabelledArrays(axes: axes, variables: variables, attributes: globals)
    }
}
