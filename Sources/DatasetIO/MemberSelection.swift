import HensCore

/// Member indices as text, the form of `--members` and of the `member_selection` attribute of
/// ensemble shard files: runs of consecutive indices as `a..b` (inclusive), others listed,
/// comma-separated (`0..4095`, `17,42`, `0..9,20..29`).
public enum MemberSelection {
    /// Sorted member indices as compact text: runs of consecutive indices as `a..b`
    /// (inclusive), others listed, e.g. `0..4095`, `17,42`, `0..9,20..29`. The indices are
    /// sorted and de-duplicated first; `parse` reads the text back.
    public static func format(_ indices: [Int]) -> String {
        let sorted = Array(Set(indices)).sorted()
        var pieces: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            pieces.append(j > i ? "\(sorted[i])..\(sorted[j])" : "\(sorted[i])")
            i = j + 1
        }
        return pieces.joined(separator: ",")
    }

    /// Parses a member selection such as `17,42` or `0..7,100` (`a..b` is inclusive, as the
    /// CLI's date ranges) into sorted indices.
    /// - Throws: `invalidArgument` for malformed entries, indices outside 0..<memberCount, or
    ///   duplicates (a member listed twice would be written twice).
    public static func parse(_ text: String, memberCount: Int) throws -> [Int] {
        func index(_ s: Substring) throws -> Int {
            let t = s.trimmingCharacters(in: .whitespaces)
            guard let i = Int(t), i >= 0, i < memberCount else {
                throw HensError.invalid("--members", "member indices in 0..<\(memberCount), got '\(t)'")
            }
            return i
        }
        var out: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            if let range = part.range(of: "..") {
                let lo = try index(part[..<range.lowerBound]), hi = try index(part[range.upperBound...])
                guard lo <= hi else { throw HensError.invalid("--members", "an increasing range, got '\(part)'") }
                out.append(contentsOf: lo...hi)
            } else {
                out.append(try index(part))
            }
        }
        let sorted = out.sorted()
        for (a, b) in zip(sorted, sorted.dropFirst()) where a == b {
            throw HensError.invalid("--members", "each member at most once, got \(a) twice")
        }
        guard !sorted.isEmpty else { throw HensError.invalid("--members", "at least one member index") }
        return sorted
    }
}
