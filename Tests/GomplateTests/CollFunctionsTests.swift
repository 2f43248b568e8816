import Testing
@testable import Gomplate
@testable import Template

/// A stand-in for gomplate's `*url.URL`, enough for sorting by a field.
private struct URLObject: TemplateObject {
    let scheme: String
    var goTypeName: String { "*url.URL" }
    var goDescription: String { scheme + ":///" }
    func member(_ name: String, arguments: [Value]) throws -> Value? {
        name == "Scheme" ? .string(scheme) : nil
    }
}

private func map(_ pairs: KeyValuePairs<String, Value>) -> Value {
    .map(MapValue(Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })))
}

private func strings(_ items: String...) -> Value { .list(items.map(Value.string)) }
private func ints(_ items: Int...) -> Value { .list(items.map(Value.int)) }

/// `[[1,2],[],[[3,4],[[[5],6],7]]]` as `jsonArray` decodes it.
private let nested: Value = .list([
    ints(1, 2), .list([]), .list([ints(3, 4), .list([.list([ints(5), .int(6)]), .int(7)])]),
])

/// The `config` context of gomplate's jsonpath integration tests.
private let config = map(["values": map(["one": .string("uno"), "three": ints(5, 6, 7), "four": map(["a": .string("eh?")])])])

private func book(_ category: String, _ author: String, _ price: Double, isbn: String? = nil) -> Value {
    var entries: [String: Value] = ["category": .string(category), "author": .string(author), "price": .float(price)]
    if let isbn { entries["isbn"] = .string(isbn) }
    return .map(MapValue(entries))
}

/// The store document of gomplate's coll/jsonpath_test.go.
private let store = map(["store": map([
    "book": .list([
        book("reference", "Nigel Rees", 8.95), book("fiction", "Evelyn Waugh", 12.99),
        book("fiction", "Herman Melville", 8.99, isbn: "0-553-21311-3"),
        book("fiction", "J. R. R. Tolkien", 22.99, isbn: "0-395-19395-8"),
    ]),
    "bicycle": map(["color": .string("red"), "price": .float(19.95)]),
])])

struct CollCase: CustomTestStringConvertible, Sendable {
    let function: String
    let arguments: [Value]
    let expected: String
    var testDescription: String { "\(function) → \(expected.debugDescription)" }

    init(_ function: String, _ arguments: Value..., expect expected: String) {
        self.function = function
        self.arguments = arguments
        self.expected = expected
    }
}

@Suite struct CollFunctionsTests {
    static let corpus: [CollCase] = [
        CollCase("append", .int(5), ints(1, 1, 2, 3), expect: "[1 1 2 3 5]"),
        CollCase("coll.Dict", .string("name"), .string("Frank"), .string("age"), .int(42), expect: "map[age:42 name:Frank]"),
        CollCase("dict", .int(1), .int(2), .int(3), expect: "map[1:2 3:]"),
        CollCase("flatten", nested, expect: "[1 2 3 4 5 6 7]"),
        CollCase("coll.Flatten", .int(2), nested, expect: "[1 2 3 4 [[5] 6] 7]"),
        CollCase("flatten", .int(0), nested, expect: "[[1 2] [] [[3 4] [[[5] 6] 7]]]"),
        CollCase("coll.Flatten", .int(1), nested, expect: "[1 2 [3 4] [[[5] 6] 7]]"),
        CollCase("coll.GoSlice", .string("hello world"), .int(3), .int(8), expect: "lo wo"),
        CollCase("coll.Has", strings("foo", "bar", "baz"), .string("bar"), expect: "true"),
        CollCase("coll.Has", map(["foo": .string("bar")]), .string("foo"), expect: "true"),
        CollCase("coll.Has", map(["foo": .string("bar")]), .string("baz"), expect: "false"),
        CollCase("coll.Index", .string("foo"), map(["foo": .string("bar")]), expect: "bar"),
        CollCase("coll.Index", .string("foo"), .string("bar"), map(["foo": map(["bar": .string("baz")])]), expect: "baz"),
        CollCase("coll.Index", .int(1), strings("foo", "bar", "baz"), expect: "bar"),
        CollCase("coll.Keys", map(["foo": .int(1), "bar": .int(2)]), expect: "[bar foo]"),
        CollCase("coll.Keys", map(["foo": .int(1), "bar": .int(2)]), map(["baz": .int(3), "qux": .int(4)]),
                 expect: "[bar foo baz qux]"),
        CollCase("coll.Values", map(["foo": .int(1), "bar": .int(2)]), expect: "[2 1]"),
        CollCase("coll.Values", map(["foo": .int(1), "bar": .int(2)]), map(["baz": .int(3), "qux": .int(4)]),
                 expect: "[2 1 3 4]"),
        CollCase("merge", map(["foo": .int(8)]), map(["foo": .int(1), "bar": .int(2)]), expect: "map[bar:2 foo:8]"),
        CollCase("coll.Merge", map(["foo": .int(1), "bar": .int(2)]), map(["foo": .int(8), "baz": .int(4)]),
                 map(["foo": .int(3), "bar": .int(5)]), expect: "map[bar:2 baz:4 foo:1]"),
        CollCase("coll.Omit", .string("foo"), .string("baz"), map(["foo": .int(1), "bar": .int(2), "baz": .int(3)]),
                 expect: "map[bar:2]"),
        CollCase("coll.Omit", strings("foo", "baz"), map(["foo": .int(1), "bar": .int(2), "baz": .int(3)]),
                 expect: "map[bar:2]"),
        CollCase("coll.Omit", .string("b"), strings("a", "b", "c"), expect: "[a c]"),
        CollCase("coll.Omit", .string("b"), .string("c"), strings("a", "b", "c"), expect: "[a]"),
        CollCase("coll.Omit", strings("b", "c"), strings("a", "b", "c"), expect: "[a]"),
        CollCase("coll.Pick", .string("foo"), .string("baz"), map(["foo": .int(1), "bar": .int(2), "baz": .int(3)]),
                 expect: "map[baz:3 foo:1]"),
        CollCase("coll.Pick", strings("foo", "baz"), map(["foo": .int(1), "bar": .int(2), "baz": .int(3)]),
                 expect: "map[baz:3 foo:1]"),
        CollCase("prepend", .int(5), ints(4, 3, 2, 1), expect: "[5 4 3 2 1]"),
        CollCase("reverse", ints(4, 3, 2, 1), expect: "[1 2 3 4]"),
        CollCase("coll.Set", .string("baz"), .int(3), map(["foo": .int(1), "bar": .int(2)]), expect: "map[bar:2 baz:3 foo:1]"),
        CollCase("coll.Set", .string("foo"), .int(2), map(["foo": .int(1)]), expect: "map[foo:2]"),
        CollCase("coll.Unset", .string("bar"), map(["foo": .int(1), "bar": .int(2), "baz": .int(3)]), expect: "map[baz:3 foo:1]"),
        CollCase("coll.Slice", .string("Bart"), .string("Lisa"), .string("Maggie"), expect: "[Bart Lisa Maggie]"),
        CollCase("coll.Sort", strings("foo", "bar", "baz"), expect: "[bar baz foo]"),
        CollCase("sort", ints(3, 4, 1, 2, 5), expect: "[1 2 3 4 5]"),
        CollCase("coll.Sort", strings("b", "a", "c", "aa"), expect: "[a aa b c]"),
        CollCase("coll.Sort", .list([.string("b"), .int(14), .string("c"), .string("aa")]), expect: "[b 14 c aa]"),
        CollCase("coll.Sort", .list([.float(3.14), .float(3.0), .float(4.0)]), expect: "[3 3.14 4]"),
        CollCase("coll.Sort", .string("b"), .list([map(["a": .string("foo"), "b": .int(1)]), map(["a": .string("bar"), "b": .int(8)]),
                                                   map(["a": .string("baz"), "b": .int(3)])]),
                 expect: "[map[a:foo b:1] map[a:baz b:3] map[a:bar b:8]]"),
        CollCase("coll.Sort", .string("Scheme"), .list([.object(URLObject(scheme: "zzz")), .object(URLObject(scheme: "https")),
                                                        .object(URLObject(scheme: "http"))]),
                 expect: "[http:/// https:/// zzz:///]"),
        CollCase("uniq", ints(1, 2, 3, 2, 3, 4, 1, 5), expect: "[1 2 3 4 5]"),
        CollCase("jsonpath", .string(".*.three"), config, expect: "[5 6 7]"),
        CollCase("coll.JSONPath", .string(".values..a"), config, expect: "eh?"),
        CollCase("coll.JQ", .string(".foo"), map(["foo": .int(1), "bar": .int(2), "baz": .int(3)]), expect: "1"),
        CollCase("jq", .string(".[2]"), .list([.string("one"), .int(2), .string("three"), .float(4)]), expect: "three"),
    ]

    @Test(arguments: corpus)
    func corpusCase(_ testCase: CollCase) throws {
        #expect(try printedResult(testCase.function, testCase.arguments) == testCase.expected)
    }

    @Test func mergeIsDeepAndLeftmostWins() throws {
        let defaults = map(["values": map(["one": .int(1), "two": .int(2), "three": ints(4),
                                           "four": map(["a": .string("a"), "b": .string("b")])])])
        let config = map(["values": map(["one": .string("uno"), "three": ints(5, 6, 7), "four": map(["a": .string("eh?")])])])
        #expect(try printedResult("coll.Merge", [config, defaults])
                == "map[values:map[four:map[a:eh? b:b] one:uno three:[5 6 7] two:2]]")
    }

    static let edgeCases: [CollCase] = [
        CollCase("coll.Uniq", .list([.int(1), .float(1), .string("1"), .int(1)]), expect: "[1 1 1]"),
        CollCase("coll.Has", ints(1, 2), .string("1"), expect: "false"),
        CollCase("coll.Sort", .list([]), expect: "[]"),
        CollCase("coll.Sort", .string("missing"), .list([map(["a": .int(2)]), map(["a": .int(1)])]), expect: "[map[a:2] map[a:1]]"),
        CollCase("coll.Reverse", .bytes([1, 2]), expect: "[2 1]"),
        CollCase("coll.Append", .string("x"), .list([]), expect: "[x]"),
        CollCase("coll.GoSlice", strings("a", "b", "c", "d"), .int(1), expect: "[b c d]"),
        CollCase("coll.GoSlice", strings("a", "b", "c", "d"), .int(1), .int(2), .int(3), expect: "[b]"),
        CollCase("coll.GoSlice", .string("héllo"), .int(0), .int(3), expect: "hé"),
        CollCase("coll.Index", .int(1), .string("abc"), expect: "98"),
        CollCase("coll.Keys", map([:]), expect: "[]"),
        CollCase("coll.Flatten", .list([.bytes([1, 2]), .int(3)]), expect: "[1 2 3]"),
        CollCase("coll.Dict", expect: "map[]"),
        CollCase("coll.JSONPath", .string(".store.bicycle.color"), store, expect: "red"),
        CollCase("coll.JSONPath", .string("$.store.book[*].author"), store,
                 expect: "[Nigel Rees Evelyn Waugh Herman Melville J. R. R. Tolkien]"),
        CollCase("coll.JSONPath", .string("$..book[?( @.price < 10.0 )].author"), store, expect: "[Nigel Rees Herman Melville]"),
        CollCase("coll.JSONPath", .string(".store.book[?(@.isbn)].author"), store, expect: "[Herman Melville J. R. R. Tolkien]"),
        CollCase("coll.JSONPath", .string(".store.book[?(@.category == 'reference')].price"), store, expect: "8.95"),
        CollCase("coll.JSONPath", .string(".store.book[-1:].author"), store, expect: "J. R. R. Tolkien"),
        CollCase("coll.JSONPath", .string(".store.book[0,2].author"), store, expect: "[Nigel Rees Herman Melville]"),
        CollCase("coll.JSONPath", .string(".store.book[0:4:2].author"), store, expect: "[Nigel Rees Herman Melville]"),
        CollCase("coll.JSONPath", .string(".store['bicycle'].color"), store, expect: "red"),
        CollCase("coll.JSONPath", .string("..foo.*"),
                 map(["a": map(["aa": map(["foo": map(["aaa": .int(1)])]), "ab": map(["foo": map(["x": .bool(true), "y": .string("baz")])])])]),
                 expect: "[1 true baz]"),
        CollCase("coll.JQ", .string(".a.b | .[1], .[0]"), map(["a": map(["b": ints(7, 8)])]), expect: "[8 7]"),
        CollCase("coll.JQ", .string(".[]"), ints(1, 2), expect: "[1 2]"),
        CollCase("coll.JQ", .string(".missing"), map([:]), expect: "<nil>"),
    ]

    @Test(arguments: edgeCases)
    func edgeCase(_ testCase: CollCase) throws {
        #expect(try printedResult(testCase.function, testCase.arguments) == testCase.expected)
    }

    @Test func errorsAreWordedAsGomplateWordsThem() {
        let list = strings("a")
        #expect(failureMessage("coll.Index", [.string("x"), map(["y": .int(1)])]) == "map has no key x")
        #expect(failureMessage("coll.Index", [.int(3), list]) == "index out of range: 3")
        #expect(failureMessage("coll.Index", [.string("x"), list]) == "cannot index slice/array with type string")
        #expect(failureMessage("coll.Index", [.int(0), .bool(true)]) == "can't index item of type bool")
        #expect(failureMessage("coll.Index", [list]) == "wrong number of args: wanted at least 2, got 1")
        #expect(failureMessage("coll.Append", [.int(1), .string("x")]) == "expected an array or slice, but got a reflect.Value")
        #expect(failureMessage("coll.Keys", []) == "need at least one argument")
        #expect(failureMessage("coll.Keys", [.map(MapValue(["A": .string("b")], elementType: .string))])
                == "wrong type for value; expected map[string]interface {}; got map[string]string")
        #expect(failureMessage("coll.Sort", []) == "wrong number of args: wanted 1 or 2, got 0")
        #expect(failureMessage("coll.Pick", [.int(1), map([:])]) == "wrong key type: must be string, got int (1)")
        #expect(failureMessage("coll.Pick", [.string("a"), list]) == "wrong map type: must be map[string]any, got []interface {}")
        #expect(failureMessage("coll.GoSlice", [list, .int(2)]) == "index out of range: 2")
        #expect(failureMessage("coll.GoSlice", [.string("abc"), .int(2), .int(1)]) == "invalid slice index: 2 > 1")
        #expect(failureMessage("coll.JSONPath", [.string(".store.bogus"), store]) == "executing JSONPath failed: bogus is not found")
        #expect(failureMessage("coll.JSONPath", [.string(".store.book[99]"), store])
                == "executing JSONPath failed: array index out of bounds: index 99, length 4")
        #expect(failureMessage("coll.JSONPath", [.string("{.store.unclosed"), store])
                == "couldn't parse JSONPath {.store.unclosed: unrecognized character in action: U+007B '{'")
        #expect(failureMessage("coll.JSONPath", [.string(".store.book[?(@.isbn)].title"), store])
                == "executing JSONPath failed: title is not found")
        #expect(failureMessage("coll.JSONPath", [.string(".store.book[?(@.price < 10)]"), store])
                == "executing JSONPath failed: incompatible types for comparison")
        #expect(failureMessage("coll.JQ", [.string(".foo"), list]) == "executing JQ failed: expected an object but got: array ([a])")
        #expect(failureMessage("coll.JQ", [.string("map(.x)"), list])?.hasPrefix("couldn't parse JQ map(.x): ") == true)
    }

    @Test func v5Aliases() {
        for alias in ["dict", "keys", "values", "append", "prepend", "uniq", "reverse", "merge", "sort", "jsonpath", "jq",
                      "flatten", "set", "unset"] {
            #expect(FunctionTable.gomplate[alias] != nil, "\(alias)")
        }
        #expect(FunctionTable.gomplate["slice"]?.name != "Slice")
    }
}
