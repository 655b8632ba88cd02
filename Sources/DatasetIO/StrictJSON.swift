/// A JSON value from `StrictJSON.parse`: objects keep their key order.
indirect enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number as written (converted by the reader that knows what it should be).
    case number(String)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// A non-negative integer number that fits `Int`, or nil.
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}

/// A small JSON parser (RFC 8259) for headers of untrusted files (safetensors).
///
/// Why not `JSONSerialization`/`JSONDecoder`: their nesting limits, number bridging and key
/// order differ between platforms, and a header needs none of their generality. This one
/// bounds nesting (`maximumDepth`), keeps key order, keeps numbers as text, and rejects
/// anything that is not exactly JSON — with a reason naming the byte offset.
enum StrictJSON {
    /// Deepest nesting accepted (a safetensors header needs 3).
    static let maximumDepth = 16

    /// Parses `bytes` (UTF-8, surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSONValue, LayoutProblem> {
        var parser = Parser(bytes: bytes)
        do {
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.i == bytes.count else { throw LayoutProblem("unexpected text after the JSON value at byte \(parser.i)") }
            return .success(value)
        } catch let problem as LayoutProblem {
            return .failure(problem)
        } catch {
            return .failure(LayoutProblem("\(error)"))
        }
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        mutating func skipWhitespace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        func problem(_ what: String) -> LayoutProblem { LayoutProblem("\(what) at byte \(i)") }

        mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
            let utf8 = Array(word.utf8)
            guard i + utf8.count <= bytes.count, bytes[i..<(i + utf8.count)].elementsEqual(utf8) else { throw problem("invalid JSON") }
            i += utf8.count
            return value
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth <= StrictJSON.maximumDepth else { throw problem("JSON nested deeper than \(StrictJSON.maximumDepth) levels") }
            skipWhitespace()
            guard i < bytes.count else { throw problem("JSON ends early") }
            switch bytes[i] {
            case 0x7B:  // {
                i += 1
                var members: [(key: String, value: JSONValue)] = []
                skipWhitespace()
                if i < bytes.count, bytes[i] == 0x7D { i += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == 0x22 else { throw problem("expected a quoted key") }
                    let key = try string()
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == 0x3A else { throw problem("expected ':'") }
                    i += 1
                    members.append((key, try value(depth: depth + 1)))
                    skipWhitespace()
                    guard i < bytes.count else { throw problem("JSON ends inside an object") }
                    if bytes[i] == 0x2C { i += 1; continue }
                    guard bytes[i] == 0x7D else { throw problem("expected ',' or '}'") }
                    i += 1
                    return .object(members)
                }
            case 0x5B:  // [
                i += 1
                var items: [JSONValue] = []
                skipWhitespace()
                if i < bytes.count, bytes[i] == 0x5D { i += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard i < bytes.count else { throw problem("JSON ends inside an array") }
                    if bytes[i] == 0x2C { i += 1; continue }
                    guard bytes[i] == 0x5D else { throw problem("expected ',' or ']'") }
                    i += 1
                    return .array(items)
                }
            case 0x22: return .string(try string())
            case 0x74: return try literal("true", .bool(true))
            case 0x66: return try literal("false", .bool(false))
            case 0x6E: return try literal("null", .null)
            default: return .number(try number())
            }
        }

        /// A number's text, checked against JSON's grammar.
        mutating func number() throws -> String {
            let start = i
            func digits() -> Int { let s = i; while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
            if i < bytes.count, bytes[i] == 0x2D { i += 1 }
            let integerStart = i
            guard digits() > 0 else { throw problem("invalid JSON value") }
            if bytes[integerStart] == 0x30, i - integerStart > 1 { throw problem("number with a leading zero") }
            if i < bytes.count, bytes[i] == 0x2E { i += 1; guard digits() > 0 else { throw problem("number without digits after '.'") } }
            if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
                i += 1
                if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
                guard digits() > 0 else { throw problem("number without exponent digits") }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        }

        /// A string starting at the opening quote, escapes decoded.
        mutating func string() throws -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw problem("unterminated string") }
                let c = bytes[i]
                i += 1
                switch c {
                case 0x22:
                    guard let text = strictUTF8(out) else { throw problem("string is not valid UTF-8") }
                    return text
                case 0x5C:
                    guard i < bytes.count else { throw problem("unterminated escape") }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case 0x22, 0x5C, 0x2F: out.append(e)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { throw problem("lone surrogate") }
                            i += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw problem("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw problem("invalid \\u escape") }
                        out += Array(String(Character(u)).utf8)
                    default: throw problem("invalid escape")
                    }
                default:
                    guard c >= 0x20 else { throw problem("control character in a string") }
                    out.append(c)
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw problem("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                default: throw problem("invalid \\u escape")
                }
                value = value << 4 | digit
                i += 1
            }
            return value
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
