import Testing
@testable import Gomplate
@testable import Template

@Suite struct TestFunctionsTests {
    @Test func assertFailsWithGomplatesMessage() throws {
        #expect(failureMessage("assert", [.bool(false)]) == "assertion failed")
        #expect(failureMessage("test.Assert", [.string("something horrible happened"), .bool(false)])
                == "assertion failed: something horrible happened")
        #expect(try printedResult("assert", [.bool(true)]) == "")
        #expect(try printedResult("assert", [.string("msg"), .string("yes")]) == "")
        #expect(failureMessage("assert", [.int(1), .bool(true)]) == "at <1>: expected string; found int")
        #expect(failureMessage("assert", []) == "wrong number of args: want 1 or 2, got 0")
    }

    @Test func failAlwaysFails() {
        #expect(failureMessage("fail", []) == "template generation failed")
        #expect(failureMessage("test.Fail", [.string("something is wrong!")]) == "template generation failed: something is wrong!")
        #expect(failureMessage("fail", [.string("some message")]) == "template generation failed: some message")
        #expect(failureMessage("fail", [.string("a"), .string("b")]) == "wrong number of args: want 0 or 1, got 2")
    }

    @Test func requiredRejectsOnlyNilAndEmptyStrings() throws {
        #expect(try printedResult("required", [.string("Missing FOO environment variable!"), .string("foobar")]) == "foobar")
        #expect(failureMessage("required", [.string("Missing FOO environment variable!"), .string("")])
                == "Missing FOO environment variable!")
        #expect(failureMessage("required", [.string("foo should not be null"), .null]) == "foo should not be null")
        #expect(failureMessage("test.Required", [.null]) == "can not render template: a required value was not set")
        #expect(try printedResult("required", [.list([])]) == "[]")
        #expect(try printedResult("required", [.map(MapValue())]) == "map[]")
        #expect(try printedResult("required", [.bool(false)]) == "false")
        #expect(try printedResult("required", [.int(0)]) == "0")
        #expect(failureMessage("required", [.int(1), .string("x")]) == "at <1>: expected string; found int")
    }

    @Test func ternaryConvertsTheConditionLikeConvToBool() throws {
        #expect(try printedResult("ternary", [.string("FOO"), .string("BAR"), .bool(false)]) == "BAR")
        #expect(try printedResult("ternary", [.string("FOO"), .string("BAR"), .string("yes")]) == "FOO")
        #expect(try printedResult("test.Ternary", [.int(1), .int(2), .int(1)]) == "1")
        #expect(try printedResult("test.Ternary", [.int(1), .int(2), .null]) == "2")
    }

    @Test(arguments: [
        (Value.string("hello world"), "string"), (.int(1), "int"), (.float(1.5), "float64"), (.bool(true), "bool"),
        (.null, "invalid"), (.list([]), "slice"), (.bytes([1]), "slice"), (.map(MapValue(["key1": .bool(true)])), "map"),
    ])
    func kindNamesAreGoReflectKinds(_ value: Value, _ kind: String) throws {
        #expect(try printedResult("kind", [value]) == kind)
        #expect(try printedResult("test.IsKind", [.string(kind), value]) == "true")
    }

    @Test func isKindNumberCoversEveryNumericKind() throws {
        #expect(try printedResult("isKind", [.string("number"), .int(3)]) == "true")
        #expect(try printedResult("isKind", [.string("number"), .float(3.5)]) == "true")
        #expect(try printedResult("isKind", [.string("number"), .string("3")]) == "false")
        #expect(try printedResult("isKind", [.string("number"), .map(MapValue())]) == "false")
        #expect(try printedResult("isKind", [.string("string"), .string("hello world")]) == "true")
        #expect(try printedResult("isKind", [.string("map"), .list([])]) == "false")
    }
}
