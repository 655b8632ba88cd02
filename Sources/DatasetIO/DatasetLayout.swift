/// File names inside a data-set directory (`dataset/`).
///
/// Generators and ingest write these; training, forecasting and evaluation read them.
public enum DatasetLayout {
    /// The training split.
    public static let train = "train.nc"
    /// The validation split.
    public static let valid = "valid.nc"
    /// The test split (held out for evaluation).
    public static let test = "test.nc"
    /// The long climate run (model-climate and climatology reference).
    public static let climate = "climate.nc"
    /// Per-channel normalisation statistics.
    public static let stats = "stats.nc"

    /// Dimension names of every channel variable in a split file, outermost first.
    public static let splitDimensions = ["trajectory", "time", "lat", "lon"]

    /// The split names, in the order they are conventionally generated.
    public static let splits = ["train", "valid", "test", "climate"]

    /// The path of a split file: `splitPath("out", "train")` is `out/train.nc`
    /// (a split already ending in `.nc` is used as is).
    public static func splitPath(_ dir: String, _ split: String) -> String {
        let file = split.hasSuffix(".nc") ? split : split + ".nc"
        return join(dir, file)
    }

    /// The path of the statistics file in `dir`.
    public static func statsPath(_ dir: String) -> String {
        join(dir, stats)
    }

    private static func join(_ dir: String, _ file: String) -> String {
        if dir.isEmpty { return file }
        return dir.hasSuffix("/") ? dir + file : dir + "/" + file
    }
}
