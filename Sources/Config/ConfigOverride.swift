import Foundation

/// One command-line option that replaces a key of a configuration document.
///
/// Commands describe their options as a list of these and hand it to
/// `ConfigDocument(path:overrides:)`, so that merging a file with its options is written once:
/// an option that was not given (`nil`) leaves the file's value alone, a given one replaces it,
/// and errors about the key name the option. Paths given on the command line are relative to the
/// working directory, paths in a file to the file's folder; a path override is therefore made
/// absolute here, and the configuration's own resolution leaves absolute paths as they are.
public struct ConfigOverride {
    /// The configuration key the option replaces.
    public let key: String
    /// The value as the configuration parser expects it, nil when the option was not given.
    public let value: Any?
    /// The option's name as typed, e.g. `--init-count`.
    public let option: String
    /// For an option that sets one entry of a mapping (`--train` → `splits.train`), the entry's name.
    public let entry: String?

    private init(key: String, value: Any?, option: String, entry: String? = nil) {
        self.key = key
        self.value = value
        self.option = option
        self.entry = entry
    }

    /// A scalar value (number, text or boolean) taken as given.
    public static func value(_ key: String, _ value: Any?, option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: value, option: option)
    }

    /// A comma-separated list such as `a,b,c`, as a list of strings.
    public static func list(_ key: String, _ text: String?, option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: text.map(Self.items), option: option)
    }

    /// A path relative to the working directory.
    public static func path(_ key: String, _ path: String?, option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: path.map(Self.absolute), option: option)
    }

    /// A comma-separated list of paths relative to the working directory.
    public static func paths(_ key: String, _ text: String?, option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: text.map { Self.items($0).map(Self.absolute) }, option: option)
    }

    /// Paths relative to the working directory (an empty list leaves the file's value).
    public static func paths(_ key: String, _ paths: [String], option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: paths.isEmpty ? nil : paths.map(Self.absolute), option: option)
    }

    /// One entry `name` of the mapping `key` (the file's other entries stay).
    public static func entry(_ key: String, _ name: String, _ value: Any?, option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: value, option: option, entry: name)
    }

    /// A flag that, when set, gives the key `value`; an unset flag leaves the file's value.
    public static func flag(_ key: String, _ isSet: Bool, means value: Any, option: String) -> ConfigOverride {
        ConfigOverride(key: key, value: isSet ? value : nil, option: option)
    }

    private static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func absolute(_ path: String) -> String {
        ConfigDocument.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
    }
}
