/// The hens version, written into every output file's provenance attributes.
public enum HensVersion {
    public static let string = "0.1.0"
}
