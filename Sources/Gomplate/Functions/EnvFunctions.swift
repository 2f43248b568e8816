import Template
extension FunctionTable {
    /// gomplate's `env` namespace, reading the environment the host hands the engine.
    mutating func addEnvFunctions() {
        add(TemplateFunction("Getenv", atLeast: 1, reads: [.environment, .environmentFiles]) { args, context in
            let defaults = try args.dropFirst().map { argument -> String in
                guard case .string(let text) = argument else {
                    throw FunctionError("wrong type for value; expected string; got \(argument.goTypeName)")
                }
                return text
            }
            let value = gomplateGetenv(try args[0].gomplateString(), host: context.host)
            if value.isEmpty, let fallback = defaults.first { return .string(fallback) }
            return .string(value)
        }, as: "env.Getenv", "getenv")

        add(TemplateFunction("ExpandEnv", arguments: 1, reads: [.environment, .environmentFiles]) { args, context in
            .string(goExpand(try args[0].gomplateString()) { gomplateGetenv($0, host: context.host) })
        }, as: "env.ExpandEnv")

        add(TemplateFunction("HasEnv", arguments: 1, reads: .environment) { args, context in
            .bool(context.host.environmentVariable(try args[0].gomplateString()) != nil)
        }, as: "env.HasEnv")

        add(TemplateFunction("Env", arguments: 0, reads: .environment) { _, context in
            // Go's map[string]string: a missing key is "" under --missing-key zero.
            .map(MapValue(context.host.environment.mapValues(Value.string), elementType: .string))
        }, as: "env.Env")
    }
}

/// gomplate's `env.Getenv` lookup: the variable when it is non-empty, otherwise the trimmed content
/// of the file `NAME_FILE` names (relative to the working directory), otherwise "".
func gomplateGetenv(_ name: String, host: FunctionContext) -> String {
    if let value = host.environmentVariable(name), !value.isEmpty { return value }
    guard let filePath = host.environmentVariable(name + "_FILE"), !filePath.isEmpty,
          let bytes = try? readFileBytes(resolvedPath(filePath, host: host)) else { return "" }
    return goTrimSpace(String(decoding: bytes, as: UTF8.self))
}

/// Go's `strings.TrimSpace`: Unicode white space off both ends.
private func goTrimSpace(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
          let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
    return String(scalars[first...last])
}

/// Go's `os.Expand`: `$NAME` and `${NAME}` replaced through `lookup`; `$` followed by no name stays,
/// malformed `${…` is dropped; shell specials (`$1`, `$*`, `$#`…) are one-character names.
func goExpand(_ text: String, _ lookup: (String) -> String) -> String {
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    var copyFrom = 0
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count {
            out += bytes[copyFrom..<index]
            let (name, width) = shellName(bytes[(index + 1)...])
            if name.isEmpty && width > 0 {
                // Bad syntax: the characters are eaten.
            } else if name.isEmpty {
                out.append(UInt8(ascii: "$"))
            } else {
                out += Array(lookup(String(decoding: name, as: UTF8.self)).utf8)
            }
            index += width
            copyFrom = index + 1
        }
        index += 1
    }
    out += bytes[min(copyFrom, bytes.count)...]
    return String(decoding: out, as: UTF8.self)
}

private func isShellSpecial(_ byte: UInt8) -> Bool {
    "*#$@!?-0123456789".utf8.contains(byte)
}

private func isShellNameByte(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "_") || (byte >= 48 && byte <= 57) || (byte | 0x20 >= 97 && byte | 0x20 <= 122)
}

/// Go's `getShellName`: the name after a `$` and how many bytes it took.
private func shellName(_ rest: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Int) {
    let start = rest.startIndex
    if rest[start] == UInt8(ascii: "{") {
        if rest.count > 2, isShellSpecial(rest[start + 1]), rest[start + 2] == UInt8(ascii: "}") {
            return (rest[(start + 1)...(start + 1)], 3)
        }
        var index = start + 1
        while index < rest.endIndex {
            if rest[index] == UInt8(ascii: "}") {
                if index == start + 1 { return ([], 2) }
                return (rest[(start + 1)..<index], index - start + 1)
            }
            index += 1
        }
        return ([], 1)
    }
    if isShellSpecial(rest[start]) { return (rest[start...start], 1) }
    var index = start
    while index < rest.endIndex, isShellNameByte(rest[index]) { index += 1 }
    return (rest[start..<index], index - start)
}
