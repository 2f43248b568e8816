import Template
/// gomplate's `coll` namespace. `has` is registered by the conv functions (gomplate's two
/// registrations of it are the same function); `slice` is Go's builtin again in gomplate v5.
extension FunctionTable {
    mutating func addCollFunctions() {
        addCollConstruction()
        addCollQueries()
        addCollListFunctions()
        addCollMapFunctions()
    }

    private mutating func addCollConstruction() {
        add(TemplateFunction("Slice", atLeast: 0, reads: []) { args, _ in .list(args) }, as: "coll.Slice")
        add(TemplateFunction("Dict", atLeast: 0, reads: []) { args, _ in
            var dict = MapValue()
            var index = 0
            while index < args.count {
                let key = try args[index].gomplateString()
                dict[key] = index + 1 < args.count ? args[index + 1] : .string("")
                index += 2
            }
            return .map(dict)
        }, as: "coll.Dict", "dict")
        add(TemplateFunction("GoSlice", atLeast: 1, reads: []) { args, _ in
            try goSlice(args[0], Array(args.dropFirst()))
        }, as: "coll.GoSlice")
    }

    private mutating func addCollQueries() {
        add(TemplateFunction("Has", arguments: 2, reads: []) { args, _ in
            .bool(try collHas(args[0], try TypedArgument.string(args[1])))
        }, as: "coll.Has")
        add(TemplateFunction("Index", atLeast: 0, reads: []) { args, _ in
            guard args.count >= 2 else {
                throw FunctionError("wrong number of args: wanted at least 2, got \(args.count)")
            }
            return try collIndex(args[args.count - 1], keys: args.dropLast())
        }, as: "coll.Index")
        add(TemplateFunction("JSONPath", arguments: 2, reads: []) { args, _ in
            try JSONPath.query(try TypedArgument.string(args[0]), in: args[1])
        }, as: "coll.JSONPath", "jsonpath")
        add(TemplateFunction("JQ", arguments: 2, reads: []) { args, _ in
            try JQSubset.query(try TypedArgument.string(args[0]), in: args[1])
        }, as: "coll.JQ", "jq")
    }

    private mutating func addCollListFunctions() {
        add(TemplateFunction("Append", arguments: 2, reads: []) { args, _ in
            return .list(try args[1].interfaceSlice() + [args[0]])
        }, as: "coll.Append", "append")
        add(TemplateFunction("Prepend", arguments: 2, reads: []) { args, _ in
            return .list([args[0]] + (try args[1].interfaceSlice()))
        }, as: "coll.Prepend", "prepend")
        add(TemplateFunction("Uniq", arguments: 1, reads: []) { args, _ in
            let elements = try args[0].interfaceSlice()
            return .list(try ValueWalk.run { walk in
                var unique: [Value] = []
                for element in elements where !(try unique.contains { try $0.goDeepEquals(element, walk: &walk) }) {
                    unique.append(element)
                }
                return unique
            })
        }, as: "coll.Uniq", "uniq")
        add(TemplateFunction("Reverse", arguments: 1, reads: []) { args, _ in
            .list(try args[0].interfaceSlice().reversed())
        }, as: "coll.Reverse", "reverse")
        add(TemplateFunction("Sort", atLeast: 0, reads: []) { args, _ in
            guard (1...2).contains(args.count) else {
                throw FunctionError("wrong number of args: wanted 1 or 2, got \(args.count)")
            }
            let key = args.count == 2 ? (try args[0].gomplateString()) : ""
            return try collSort(args[args.count - 1], key: key)
        }, as: "coll.Sort", "sort")
        add(TemplateFunction("Flatten", atLeast: 0, reads: []) { args, _ in
            guard (1...2).contains(args.count) else {
                throw FunctionError("wrong number of args: wanted 1 or 2, got \(args.count)")
            }
            var depth = -1
            if args.count == 2 {
                guard let parsed = try? args[0].gomplateStrictInt() else {
                    throw FunctionError("wrong depth type: must be int, got \(args[0].goTypeName) (\(goPrintForMessage(args[0])))")
                }
                depth = parsed
            }
            let list = args[args.count - 1]
            return .list(try ValueWalk.run { walk in try flatten(list, depth: depth, walk: &walk) })
        }, as: "coll.Flatten", "flatten")
    }

    private mutating func addCollMapFunctions() {
        add(TemplateFunction("Keys", atLeast: 0, reads: []) { args, _ in
            if args.isEmpty { throw FunctionError("need at least one argument") }
            return .list(try args.flatMap { try TypedArgument.anyMap($0).sortedKeys.map(Value.string) })
        }, as: "coll.Keys", "keys")
        add(TemplateFunction("Values", atLeast: 0, reads: []) { args, _ in
            if args.isEmpty { throw FunctionError("need at least one argument") }
            return .list(try args.flatMap { argument in
                let map = try TypedArgument.anyMap(argument)
                return map.sortedKeys.map { map.entries[$0] ?? .null }
            })
        }, as: "coll.Values", "values")
        add(TemplateFunction("Merge", atLeast: 1, reads: []) { args, _ in
            var merged = try TypedArgument.anyMap(args[0])
            try ValueWalk.run { walk in
                for source in args.dropFirst() {
                    merged = try mergedMaps(defaults: try TypedArgument.anyMap(source), overrides: merged, walk: &walk)
                }
            }
            return .map(merged)
        }, as: "coll.Merge", "merge")
        add(TemplateFunction("Pick", atLeast: 0, reads: []) { args, _ in
            let (map, keys) = try pickOmitArguments(args)
            return .map(MapValue(map.entries.filter { keys.contains($0.key) }))
        }, as: "coll.Pick")
        add(TemplateFunction("Omit", atLeast: 0, reads: []) { args, _ in
            if args.count <= 1 { throw FunctionError("wrong number of args: wanted 2 or more, got \(args.count)") }
            if let list = args[args.count - 1].goSliceElements {
                var omitted = Array(args.dropLast())
                if omitted.count == 1, let expanded = omitted[0].goSliceElements { omitted = expanded }
                return .list(try ValueWalk.run { walk in
                    try list.filter { element in !(try omitted.contains { try $0.goDeepEquals(element, walk: &walk) }) }
                })
            }
            let (map, keys) = try pickOmitArguments(args)
            return .map(MapValue(map.entries.filter { !keys.contains($0.key) }))
        }, as: "coll.Omit")
        // Go maps are references, so gomplate's Set and Unset also change the map they are given;
        // here the changed map is the result only.
        add(TemplateFunction("Set", arguments: 3, reads: []) { args, _ in
            var map = try TypedArgument.anyMap(args[2])
            map[try TypedArgument.string(args[0])] = args[1]
            return .map(map)
        }, as: "coll.Set", "set")
        add(TemplateFunction("Unset", arguments: 2, reads: []) { args, _ in
            var map = try TypedArgument.anyMap(args[1])
            map.entries.removeValue(forKey: try TypedArgument.string(args[0]))
            return .map(map)
        }, as: "coll.Unset", "unset")
    }
}

/// `coll.Has`: a map has the key, or a slice holds an element deeply equal to it.
func collHas(_ container: Value, _ key: String) throws -> Bool {
    switch container {
    case .map(let map): return map[key] != nil
    case .list, .bytes:
        let elements = container.goSliceElements ?? []
        return try ValueWalk.run { walk in try elements.contains { try $0.goDeepEquals(.string(key), walk: &walk) } }
    default: return false
    }
}

/// `coll.Index`: like the `index` builtin, but a missing map key is an error.
private func collIndex(_ item: Value, keys: ArraySlice<Value>) throws -> Value {
    if item.isNull { throw FunctionError("index of untyped nil") }
    var current = item
    for key in keys {
        switch current {
        case .null:
            throw FunctionError("index of nil pointer")
        case .list, .bytes, .string:
            let elements: [Value]
            if case .string(let s) = current {
                elements = s.utf8.map { .int(Int($0)) }
            } else {
                elements = current.goSliceElements ?? []
            }
            current = elements[try sliceIndex(key, count: elements.count, inclusive: false)]
        case .map(let map):
            let name: String
            switch key {
            case .string(let s): name = s
            case .null: throw FunctionError("value is nil; should be of type string")
            default: throw FunctionError("value has type \(key.goTypeName); should be string")
            }
            guard let value = map[name] else { throw FunctionError("map has no key \(name)") }
            current = value
        default:
            throw FunctionError("can't index item of type \(current.goTypeName)")
        }
    }
    return current
}

/// Go's `indexArg`: an integer within bounds (`inclusive` allows the length itself, for slicing).
private func sliceIndex(_ index: Value, count: Int, inclusive: Bool) throws -> Int {
    let position: Int
    switch index {
    case .int(let i): position = i
    case .null: throw FunctionError("cannot index slice/array with nil")
    default: throw FunctionError("cannot index slice/array with type \(index.goTypeName)")
    }
    if position < 0 || position > count || (!inclusive && position == count) {
        throw FunctionError("index out of range: \(position)")
    }
    return position
}

/// text/template's `slice` builtin, which gomplate exposes as `coll.GoSlice`.
private func goSlice(_ item: Value, _ indexes: [Value]) throws -> Value {
    if item.isNull { throw FunctionError("slice of untyped nil") }
    if indexes.count > 3 { throw FunctionError("too many slice indexes: \(indexes.count)") }
    let length: Int
    switch item {
    case .string(let s):
        if indexes.count == 3 { throw FunctionError("cannot 3-index slice a string") }
        length = s.utf8.count
    case .list(let l): length = l.count
    case .bytes(let b): length = b.count
    default: throw FunctionError("can't slice item of type \(item.goTypeName)")
    }
    var bounds = [0, length, length]
    for (position, index) in indexes.enumerated() {
        bounds[position] = try sliceIndex(index, count: length, inclusive: true)
    }
    if bounds[0] > bounds[1] { throw FunctionError("invalid slice index: \(bounds[0]) > \(bounds[1])") }
    if indexes.count == 3, bounds[1] > bounds[2] {
        throw FunctionError("invalid slice index: \(bounds[1]) > \(bounds[2])")
    }
    switch item {
    case .string(let s): return .string(GoStrings.slice(s, bounds[0], bounds[1]))
    case .list(let l): return .list(Array(l[bounds[0]..<bounds[1]]))
    case .bytes(let b): return .bytes(Array(b[bounds[0]..<bounds[1]]))
    default: return item
    }
}

/// `coll.Sort`: sorts when every element has the same Go kind, keeping equal elements in order;
/// a mixed list comes back as it was.
private func collSort(_ list: Value, key: String) throws -> Value {
    if list.isNull { return .list([]) }
    let elements = try list.interfaceSlice()
    guard let first = elements.first else { return .list([]) }
    guard elements.allSatisfy({ $0.goKindName == first.goKindName }) else { return .list(elements) }
    let sorted = elements.enumerated().sorted { left, right in
        if sortsBefore(left.element, right.element, key: key) { return true }
        if sortsBefore(right.element, left.element, key: key) { return false }
        return left.offset < right.offset
    }
    return .list(sorted.map(\.element))
}

/// gomplate's `lessThan`: numbers and strings compare naturally; maps and structs by the
/// value under `key`; anything else never sorts before anything.
private func sortsBefore(_ left: Value, _ right: Value, key: String) -> Bool {
    switch (left, right) {
    case let (.int(a), .int(b)): return a < b
    case let (.float(a), .float(b)): return a < b
    case let (.string(a), .string(b)): return goStringLess(a, b)
    case let (.map(a), .map(b)):
        guard let l = a[key], let r = b[key] else { return false }
        return sortsBefore(l, r, key: "")
    case let (.object(a), .object(b)):
        guard let l = try? a.member(key, arguments: []), let r = try? b.member(key, arguments: []) else { return false }
        return sortsBefore(l, r, key: "")
    default:
        return false
    }
}

private func flatten(_ list: Value, depth: Int, walk: inout ValueWalk) throws -> [Value] {
    let elements = try list.interfaceSlice()
    if depth == 0 { return elements }
    var out: [Value] = []
    for element in elements {
        try walk.visit()
        if element.goSliceElements != nil {
            out += try StackGuard.continuing { try flatten(element, depth: depth &- 1, walk: &walk) }
        } else {
            out.append(element)
        }
    }
    return out
}

/// gomplate's `mergeValues`: `overrides` wins, and maps present on both sides merge deeply.
private func mergedMaps(defaults: MapValue, overrides: MapValue, walk: inout ValueWalk) throws -> MapValue {
    var merged = defaults
    for (key, value) in overrides.entries {
        try walk.visit()
        if case .map(let overrideMap) = value, overrideMap.elementType == .any,
           case .map(let defaultMap)? = merged[key], defaultMap.elementType == .any {
            merged[key] = .map(try StackGuard.continuing {
                try mergedMaps(defaults: defaultMap, overrides: overrideMap, walk: &walk)
            })
        } else {
            merged[key] = value
        }
    }
    return merged
}

/// The arguments of `coll.Pick`/`coll.Omit`: keys (or one list of keys), then the map.
private func pickOmitArguments(_ args: [Value]) throws -> (MapValue, Set<String>) {
    if args.count <= 1 { throw FunctionError("wrong number of args: wanted 2 or more, got \(args.count)") }
    guard case .map(let map) = args[args.count - 1], map.elementType == .any else {
        throw FunctionError("wrong map type: must be map[string]any, got \(args[args.count - 1].goTypeName)")
    }
    var keys = Array(args.dropLast())
    if keys.count == 1, let expanded = keys[0].goSliceElements { keys = expanded }
    var names = Set<String>()
    for key in keys {
        guard case .string(let name) = key else {
            throw FunctionError("wrong key type: must be string, got \(key.goTypeName) (\(goPrintForMessage(key)))")
        }
        names.insert(name)
    }
    return (map, names)
}
