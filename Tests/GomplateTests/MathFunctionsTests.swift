import Testing
@testable import Gomplate
@testable import Template

/// A result as Go would type it: int64 or float64.
private enum Number: Equatable, CustomStringConvertible {
    case int(Int)
    case float(Double)

    init?(_ value: Value) {
        switch value {
        case .int(let i): self = .int(i)
        case .float(let f): self = .float(f)
        default: return nil
        }
    }

    static func == (a: Number, b: Number) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y || (x.isNaN && y.isNaN)
        default: return false
        }
    }

    var description: String {
        switch self {
        case .int(let i): return "int(\(i))"
        case .float(let f): return "float(\(f))"
        }
    }
}

private func number(_ name: String, _ arguments: Value...) throws -> Number? {
    guard let function = FunctionTable.gomplate[name] else { throw FunctionError("no \(name)") }
    return Number(try function.body(arguments, TestCall()))
}

@Suite struct MathFunctionsTests {
    @Test func arithmeticKeepsIntegersIntegral() throws {
        // The corpus: math.Add 1 2 3 4 = 10, add -5 5 = 0, math.Mul 8 8 2 = 128, mul -5 5 = -25,
        // math.Sub 10 5 = 5, sub -5 5 = -10, math.Rem -5 3 = -2, rem 2 2 = 0.
        #expect(try number("math.Add", .int(1), .int(2), .int(3), .int(4)) == .int(10))
        #expect(try number("add", .int(-5), .int(5)) == .int(0))
        #expect(try number("math.Mul", .int(8), .int(8), .int(2)) == .int(128))
        #expect(try number("mul", .int(-5), .int(5)) == .int(-25))
        #expect(try number("math.Sub", .int(10), .int(5)) == .int(5))
        #expect(try number("sub", .int(-5), .int(5)) == .int(-10))
        #expect(try number("math.Rem", .int(-5), .int(3)) == .int(-2))
        #expect(try number("rem", .int(2), .int(2)) == .int(0))
        // Integer strings count as integers, in any base Go's ParseInt accepts, commas dropped.
        #expect(try number("math.Add", .string("0x10"), .string("1,000"), .string("0b11")) == .int(1019))
        #expect(try number("math.Add") == .int(0))
        #expect(try number("math.Mul") == .int(1))
    }

    @Test func anyFloatInputMakesAFloat() throws {
        // The corpus: math.Add 1.5 2 3 = 6.5; a float-looking string counts too.
        #expect(try number("math.Add", .float(1.5), .int(2), .int(3)) == .float(6.5))
        #expect(try number("math.Mul", .int(2), .string("1.5")) == .float(3))
        #expect(try number("math.Sub", .float(3), .int(1)) == .float(2))
    }

    @Test func divisionIsAlwaysFloat() throws {
        // The corpus: math.Div 8 2 = 4, math.Div 3 2 = 1.5, div -5 5 = -1.
        #expect(try number("math.Div", .int(8), .int(2)) == .float(4))
        #expect(try number("math.Div", .int(3), .int(2)) == .float(1.5))
        #expect(try number("div", .int(-5), .int(5)) == .float(-1))
        #expect(throws: FunctionError.self) { try call("math.Div", .int(1), .int(0)) }
        #expect(throws: FunctionError.self) { try call("math.Rem", .int(1), .int(0)) }
        #expect(try number("math.Rem", .int(Int.min), .int(-1)) == .int(0))
    }

    @Test func powerTypeFollowsTheBase() throws {
        // The corpus: math.Pow 10 2 = 100, math.Pow 2 32 = 4294967296, math.Pow 1.5 2 = 2.25, pow 2 2 = 4.
        #expect(try number("math.Pow", .int(10), .int(2)) == .int(100))
        #expect(try number("math.Pow", .int(2), .int(32)) == .int(4_294_967_296))
        #expect(try number("math.Pow", .float(1.5), .int(2)) == .float(2.25))
        #expect(try number("pow", .int(2), .int(2)) == .int(4))
        // Only the base decides: an integer base truncates a fractional result.
        #expect(try number("math.Pow", .int(2), .float(0.5)) == .int(1))
    }

    @Test func absKeepsTheInputKind() throws {
        // The corpus: math.Abs -3.5 = 3.5, math.Abs 3.5 = 3.5, math.Abs -42 = 42.
        #expect(try number("math.Abs", .float(-3.5)) == .float(3.5))
        #expect(try number("math.Abs", .float(3.5)) == .float(3.5))
        #expect(try number("math.Abs", .int(-42)) == .int(42))
        #expect(try number("math.Abs", .string("-7")) == .int(7))
    }

    @Test func ceilFloorRoundReturnFloats() throws {
        // The corpus's tables for Ceil, Floor and Round.
        let ceilings: [(Value, Double)] = [
            (.float(5.1), 6), (.int(42), 42), (.string("3.14"), 4), (.string("0xFF"), 255), (.string("NaN"), .nan),
            (.string("Inf"), .infinity), (.string("-0"), 0),
        ]
        for (input, expected) in ceilings { #expect(try number("math.Ceil", input) == .float(expected)) }
        let floors: [(Value, Double)] = [
            (.float(5.1), 5), (.int(42), 42), (.string("3.14"), 3), (.string("0xFF"), 255), (.string("Inf"), .infinity),
        ]
        for (input, expected) in floors { #expect(try number("math.Floor", input) == .float(expected)) }
        let rounded: [(Value, Double)] = [
            (.float(-6.5), -7), (.float(5.1), 5), (.float(42.9), 43), (.string("3.5"), 4), (.float(6.5), 7),
            (.float(0.99), 1),
        ]
        for (input, expected) in rounded { #expect(try number("math.Round", input) == .float(expected)) }
    }

    @Test func roundOfTextFailsAsV5Does() throws {
        // The corpus: math.Round "foo" fails with `could not convert "foo"`.
        do {
            _ = try call("math.Round", .string("foo"))
            Issue.record("math.Round \"foo\" succeeded")
        } catch let error as FunctionError {
            #expect(error.message
                == "n must be a number: could not convert \"foo\" to float64: strconv.ParseFloat: parsing \"foo\": invalid syntax")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: FunctionError.self) { try call("math.Add", .int(1), .null) }
        #expect(throws: FunctionError.self) { try call("math.Seq", .list([])) }
    }

    @Test func predicatesFollowGoParsing() throws {
        // The corpus: of 1.0 "-1.0" 5.1 42 "3.14" "foo" "0xFF" "NaN" "Inf" "-0", the floats are
        // 1.0, "-1.0", 5.1, "3.14", "NaN", "Inf" and the integers 42, "0xFF", "-0".
        let inputs: [Value] = [
            .float(1.0), .string("-1.0"), .float(5.1), .int(42), .string("3.14"), .string("foo"), .string("0xFF"),
            .string("NaN"), .string("Inf"), .string("-0"),
        ]
        let floats = try inputs.map { try call("math.IsFloat", $0) }.map { if case .bool(let b) = $0 { b } else { false } }
        #expect(floats == [true, true, true, false, true, false, false, true, true, false])
        let ints = try inputs.map { try call("math.IsInt", $0) }.map { if case .bool(let b) = $0 { b } else { false } }
        #expect(ints == [false, false, false, true, false, false, true, false, false, true])
        // The corpus: math.IsNum "foo" = false, math.IsNum 0xDeadBeef = true.
        if case .bool(let isNum) = try call("math.IsNum", .string("foo")) { #expect(!isNum) } else { Issue.record("not a bool") }
        if case .bool(let isNum) = try call("math.IsNum", .int(0xDEAD_BEEF)) { #expect(isNum) } else { Issue.record("not a bool") }
    }

    @Test func maxAndMinFollowGoMath() throws {
        // The corpus: math.Max 0 8.0 4.5 "-1.5e-11" = 8, math.Min 0 8 4.5 "-1.5e-11" = -1.5e-11,
        // math.Max -0 "+Inf" "NaN" = +Inf, math.Max 3.4 3.401 3.399 = 3.401.
        #expect(try number("math.Max", .int(0), .float(8), .float(4.5), .string("-1.5e-11")) == .float(8))
        #expect(try number("math.Min", .int(0), .int(8), .float(4.5), .string("-1.5e-11")) == .float(-1.5e-11))
        #expect(try number("math.Max", .int(0), .string("+Inf"), .string("NaN")) == .float(.infinity))
        #expect(try number("math.Max", .float(3.4), .float(3.401), .float(3.399)) == .float(3.401))
        #expect(try number("math.Max", .int(3), .int(9), .string("4")) == .int(9))
        #expect(try number("math.Min", .int(3), .int(9), .int(-4)) == .int(-4))
        #expect(try number("math.Max", .float(1), .string("NaN")) == .float(.nan))
    }

    @Test(arguments: [
        // The corpus: math.Seq 5, math.Seq 10 -3 2, math.Seq 0, seq 0 3, seq -5 -10 2.
        ([Value.int(5)], [1, 2, 3, 4, 5]),
        ([.int(10), .int(-3), .int(2)], [10, 8, 6, 4, 2, 0, -2]),
        ([.int(0)], [1, 0]),
        ([.int(0), .int(3)], [0, 1, 2, 3]),
        ([.int(-5), .int(-10), .int(2)], [-5, -7, -9]),
        ([.int(1), .int(5), .int(0)], []),
        ([.string("2"), .float(4.9)], [2, 3, 4]),
    ])
    func sequences(_ arguments: [Value], _ expected: [Int]) throws {
        guard let seq = FunctionTable.gomplate["math.Seq"] else { Issue.record("no math.Seq"); return }
        let result = try seq.body(arguments, TestCall())
        guard case .list(let items) = result else { Issue.record("Seq gave \(result)"); return }
        let integers = items.compactMap { if case .int(let i) = $0 { i } else { nil } }
        #expect(integers.count == items.count, "every element is an int64")
        #expect(integers == expected)
    }

    @Test func seqArity() throws {
        guard let seq = FunctionTable.gomplate["math.Seq"] else { Issue.record("no math.Seq"); return }
        #expect(throws: FunctionError.self) { try seq.body([], TestCall()) }
        #expect(throws: FunctionError.self) { try seq.body([.int(1), .int(2), .int(3), .int(4)], TestCall()) }
        #expect(FunctionTable.gomplate["seq"]?.name == "Seq")
    }

    @Test func predicatesOnGoNumberSyntax() throws {
        func flag(_ name: String, _ text: String) throws -> Bool {
            if case .bool(let result) = try call(name, .string(text)) { return result }
            return false
        }
        #expect(try flag("math.IsInt", "0o17"))
        #expect(try flag("math.IsInt", "1_000"))
        #expect(try !flag("math.IsInt", "_1"))
        // A leading zero means octal to ParseInt, so "08" is only a float.
        #expect(try !flag("math.IsInt", "08"))
        #expect(try flag("math.IsFloat", "08"))
        #expect(try flag("math.IsFloat", "1e3"))
        #expect(try flag("math.IsFloat", "0x1.8p1"))
        #expect(try !flag("math.IsFloat", "1e400"))
        #expect(try !flag("math.IsNum", "-nan"))
        #expect(try number("math.Abs", .string("9223372036854775808")) == .float(9.223372036854775808e18))
    }
}
