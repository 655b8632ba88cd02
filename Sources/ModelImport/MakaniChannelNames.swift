import HensCore

/// makani / Earth2Studio channel names and hens' channel names, in one place.
///
/// hens' data sets (`hens ingest`) already use Earth2Studio's naming: single-level fields
/// `u10m v10m u100m v100m t2m d2m sp msl tcwv`, pressure-level fields as a letter and the
/// level in hPa (`z500`, `t850`, `u1000`, `q50`, `r700`), in the same units (geopotential
/// m² s⁻², temperatures K, winds m s⁻¹, pressures Pa, specific humidity kg kg⁻¹, relative
/// humidity %, water-vapour column kg m⁻²). So every known name maps to itself; a name hens
/// has no quantity for is refused at import, because no hens data set could feed it.
public enum MakaniChannelNames {
    /// Single-level channels hens knows.
    public static let singleLevel: Set<String> = ["u10m", "v10m", "u100m", "v100m", "t2m", "d2m", "sp", "msl", "tcwv"]
    /// Pressure-level quantities hens knows, by makani's letter.
    public static let levelPrefixes: Set<Character> = ["u", "v", "z", "t", "q", "r"]

    /// hens' name for makani's channel `name`, nil when hens has no such quantity.
    public static func hensName(_ name: String) -> String? {
        if singleLevel.contains(name) { return name }
        guard let first = name.first, levelPrefixes.contains(first), let level = Int(name.dropFirst()),
              (1...1100).contains(level), String(level) == name.dropFirst() else { return nil }
        return name
    }

    /// hens' names for a model's channels, in order.
    /// - Throws: naming the first channel hens cannot supply.
    public static func hensNames(_ names: [String], source: String) throws -> [String] {
        try names.map { name in
            guard let hens = hensName(name) else {
                throw HensError(.badInput, "\(source): channel '\(name)' has no hens counterpart (hens supplies "
                    + "\(singleLevel.sorted().joined(separator: " ")) and u/v/z/t/q/r at pressure levels in hPa, e.g. z500)")
            }
            return hens
        }
    }
}
