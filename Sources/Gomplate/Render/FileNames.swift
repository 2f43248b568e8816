import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// File names are bytes. Two things in Swift get in the way: `String(cString:)` replaces bytes
// that are not UTF-8 with U+FFFD (so the name no longer opens the file), and `String` equality
// and hashing are canonical equivalence (so `café` in NFC and in NFD, two different files on
// Linux, are one key of a Set). Names read from directories are kept in `FileName`'s lossless
// spelling, and sets and dictionaries of paths are keyed by `PathKey`, which compares bytes.

/// A path compared and hashed by its UTF-8 bytes, as the file system compares names.
package struct PathKey: Hashable, Sendable {
    package let path: String

    package init(_ path: String) { self.path = path }

    package static func == (a: PathKey, b: PathKey) -> Bool { a.path.utf8.elementsEqual(b.path.utf8) }

    package func hash(into hasher: inout Hasher) {
        let hashed: Void? = path.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in path.utf8 { hasher.combine(byte) }
        }
        hasher.combine(path.utf8.count)
    }
}

/// The spelling of file names as Strings that keep their bytes. A name that is valid UTF-8 is
/// itself. In one that is not, each byte that is not part of a valid sequence becomes NUL and two
/// hex digits: a file name never holds NUL, so the bytes come back exactly (`bytes(of:)`) and no
/// valid name spells the same. Such names are shown as Go's `%q` shows them (`n\xff.txt`).
package enum FileName {
    /// The name at `pointer` (NUL-terminated, as `readdir` gives it).
    package static func decode(_ pointer: UnsafePointer<CChar>) -> String {
        if let name = String(validatingCString: pointer) { return name }
        let count = strlen(pointer)
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            spelling(of: UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// `bytes` in this spelling.
    package static func spelling<Bytes: Collection>(of bytes: Bytes) -> String where Bytes.Element == UInt8, Bytes.Index == Int {
        var text = ""
        var index = bytes.startIndex
        var run = index
        while index < bytes.endIndex {
            let length = validSequenceLength(bytes, at: index)
            if length > 0 {
                index += length
                continue
            }
            text += String(decoding: bytes[run..<index], as: UTF8.self)
            text += "\u{0}" + hexDigits(bytes[index])
            index += 1
            run = index
        }
        return text + String(decoding: bytes[run..<index], as: UTF8.self)
    }

    /// Whether the name (or path) is valid UTF-8 as it is on disk.
    package static func isUTF8(_ name: String) -> Bool { !name.utf8.contains(0) }

    /// The bytes on disk.
    package static func bytes(of name: String) -> [UInt8] {
        guard !isUTF8(name) else { return Array(name.utf8) }
        var bytes: [UInt8] = []
        var iterator = name.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == 0 else {
                bytes.append(byte)
                continue
            }
            let high = iterator.next().flatMap(hexValue) ?? 0
            let low = iterator.next().flatMap(hexValue) ?? 0
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Go's order of the names on disk: by their bytes.
    package static func less(_ a: String, _ b: String) -> Bool {
        isUTF8(a) && isUTF8(b) ? goStringLess(a, b) : bytes(of: a).lexicographicallyPrecedes(bytes(of: b))
    }

    /// The name for messages and reports: each byte that is not UTF-8 as `\xff`.
    package static func display(_ name: String) -> String {
        guard !isUTF8(name) else { return name }
        var shown = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            if scalar == "\u{0}" { shown.append(contentsOf: "\\x".unicodeScalars) } else { shown.append(scalar) }
        }
        return String(shown)
    }

    /// Runs `body` with the name's bytes on disk as a C string.
    package static func withCString<Result>(_ name: String, _ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        if isUTF8(name) { return try name.withCString(body) }
        return try (bytes(of: name) + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// The length of the well-formed UTF-8 sequence at `index` (Unicode's table 3-7, as Go's
    /// `utf8.DecodeRune` reads it), or 0 when the byte there starts none.
    private static func validSequenceLength<Bytes: Collection>(_ bytes: Bytes, at index: Int) -> Int
    where Bytes.Element == UInt8, Bytes.Index == Int {
        let first = bytes[index]
        if first < 0x80 { return 1 }
        let (length, secondRange): (Int, ClosedRange<UInt8>)
        switch first {
        case 0xC2...0xDF: (length, secondRange) = (2, 0x80...0xBF)
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, secondRange) = (3, 0x80...0xBF)
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, secondRange) = (4, 0x80...0xBF)
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: return 0
        }
        guard bytes.endIndex - index >= length, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
