import CNetCDF
import HensCore

/// The inputs an imported model reads after its prognostic channels, which a forecast supplies
/// at every step: first, when `cosZenith` is set, the cosine of the solar zenith angle at the
/// step's valid time (makani's `xzen`), then fixed fields stored with the checkpoint (makani's
/// sinusoidal grid features, normalised orography, land–sea mask), already in the form the
/// network reads.
///
/// Models trained by hens have none (`Checkpoint.stepInputs == nil`, checkpoint format 1);
/// a checkpoint that has them is format 2, so an older hens refuses it by version instead of
/// running the network on the wrong inputs.
public struct CheckpointStepInputs: Equatable, Sendable {
    /// Whether the first extra channel is the cosine of the solar zenith angle.
    public var cosZenith: Bool
    /// Names of the fixed channels, in input order (e.g. `xsgrlat1`, `xsgrlon1`, …, `xoro`).
    public var staticNames: [String]
    /// The fixed channels' values, `[channel][lat][lon]` on the checkpoint's grid.
    public var staticValues: [Float]

    /// A description of the step inputs.
    public init(cosZenith: Bool, staticNames: [String], staticValues: [Float]) {
        self.cosZenith = cosZenith
        self.staticNames = staticNames
        self.staticValues = staticValues
    }

    /// Channels these inputs add to the network's input.
    public var channelCount: Int { (cosZenith ? 1 : 0) + staticNames.count }

    /// Names of every added channel in input order (`xzen` first when present).
    public var channelNames: [String] { (cosZenith ? ["xzen"] : []) + staticNames }

    /// Adds the section to a checkpoint digest (after the optimiser state).
    func addDigest(to h: inout CheckpointPayloadHasher) {
        h.add(cosZenith)
        h.add(staticNames)
        h.add(staticValues.count)
        staticValues.withUnsafeBufferPointer { h.addValues($0) }
    }

    /// Throws unless the fixed fields fill `points` values per channel.
    func validate(points: Int, fail: (String) -> HensError) throws {
        guard staticValues.count == staticNames.count * points else {
            throw fail("step inputs: \(staticNames.count) fixed channel(s) need \(staticNames.count * points) values, got \(staticValues.count)")
        }
        guard Set(staticNames).count == staticNames.count, !staticNames.contains("xzen") else {
            throw fail("step inputs: fixed channel names must be distinct and not 'xzen'")
        }
        guard staticValues.allSatisfy(\.isFinite) else { throw fail("step inputs: fixed channels hold non-finite values") }
    }

    // MARK: NetCDF

    /// Global attribute: 1 when the zenith channel is read.
    static let zenithAttribute = "cos_zenith_input"

    /// Defines the section's dimension and variables (define mode); returns what `put` fills.
    static func define(_ inputs: CheckpointStepInputs, in nc: NetCDFFile, lat: Int32, lon: Int32) throws -> (names: Int32, values: Int32) {
        try nc.putAttribute(zenithAttribute, ints: [inputs.cosZenith ? 1 : 0])
        let dim = try nc.defineDimension("static_channel", length: max(1, inputs.staticNames.count))
        let names = try nc.defineVariable("static_channel", type: nc_type(NC_STRING), dimensions: [dim])
        try nc.putAttribute("long_name", text: "fixed input channel name", variable: names)
        let values = try nc.defineVariable("static_inputs", type: nc_type(NC_FLOAT), dimensions: [dim, lat, lon])
        try nc.putAttribute("long_name", text: "fixed input channels as the network reads them", variable: values)
        return (names, values)
    }

    /// Writes the section's data (data mode). With no fixed channel, one placeholder row of
    /// zeros named `none` keeps the dimension non-empty; `read` drops it.
    static func put(_ inputs: CheckpointStepInputs, in nc: NetCDFFile, ids: (names: Int32, values: Int32), nlat: Int, nlon: Int) throws {
        let rows = max(1, inputs.staticNames.count)
        let empty = inputs.staticNames.isEmpty
        try nc.putStrings(variable: ids.names, empty ? ["none"] : inputs.staticNames)
        let values = empty ? [Float](repeating: 0, count: nlat * nlon) : inputs.staticValues
        try values.withUnsafeBufferPointer { try nc.putFloats(variable: ids.values, start: [0, 0, 0], count: [rows, nlat, nlon], $0) }
    }

    /// Reads the section of a format-2 file.
    static func read(from nc: NetCDFFile, nlat: Int, nlon: Int, fail: (String) -> HensError) throws -> CheckpointStepInputs {
        guard let zenith = try nc.int64Attribute(zenithAttribute), zenith == 0 || zenith == 1 else {
            throw fail("format 2 needs the global attribute '\(zenithAttribute)' (0 or 1)")
        }
        guard let dim = nc.dimensionID("static_channel"), let namesID = nc.variableID("static_channel"),
              let valuesID = nc.variableID("static_inputs") else {
            throw fail("format 2 needs the dimension and variables 'static_channel' and 'static_inputs'")
        }
        let count = try nc.dimensionLength(dim)
        let info = try nc.variable(valuesID)
        guard info.type == nc_type(NC_FLOAT), info.dimensionIDs.count == 3, info.dimensionIDs[0] == dim,
              try nc.dimensionLength(info.dimensionIDs[1]) == nlat, try nc.dimensionLength(info.dimensionIDs[2]) == nlon,
              (1...4096).contains(count), let total = CheckpointReader.product([count, nlat, nlon]) else {
            throw fail("variable 'static_inputs' must be float (static_channel, lat, lon)")
        }
        let names = try nc.getStrings(variable: namesID, length: count)
        var values = [Float](repeating: 0, count: total)
        try values.withUnsafeMutableBufferPointer {
            try nc.getFloats(variable: valuesID, start: [0, 0, 0], count: [count, nlat, nlon], into: $0)
        }
        if names == ["none"] { return CheckpointStepInputs(cosZenith: zenith == 1, staticNames: [], staticValues: []) }
        return CheckpointStepInputs(cosZenith: zenith == 1, staticNames: names, staticValues: values)
    }
}
