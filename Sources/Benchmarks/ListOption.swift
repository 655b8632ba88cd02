import HensCore

/// The comma-separated lists the `hens bench` options take ("1,2", "gl360,gl720").
public enum ListOption {
    /// Positive integers ("" is the empty list); anything else is an error naming `option` and the text.
    public static func positiveIntegers(_ text: String, option: String) throws -> [Int] {
        try text.split(separator: ",").map {
            guard let v = Int($0), v >= 1 else { throw HensError.invalid(option, "comma-separated positive integers, got '\(text)'") }
            return v
        }
    }

    /// Names, each one of `allowed`; an unknown one is an error naming `option` and the choices.
    public static func names(_ text: String, allowed: [String], option: String) throws -> [String] {
        try text.split(separator: ",").map(String.init).map { name in
            guard allowed.contains(name) else {
                throw HensError.invalid(option, "comma-separated names out of \(allowed.joined(separator: ", ")); got '\(name)'")
            }
            return name
        }
    }
}
