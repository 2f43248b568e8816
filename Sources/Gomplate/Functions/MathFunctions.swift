import Foundation
import Template

extension FunctionTable {
    /// gomplate's `math` namespace: integer arithmetic while every input is an integer (or a string
    /// that parses as one), float64 as soon as one input is a float.
    mutating func addMathFunctions() {
        add(TemplateFunction("IsInt", arguments: 1, reads: []) { args, _ in .bool(args[0].isMathInt) }, as: "math.IsInt")
        add(TemplateFunction("IsFloat", arguments: 1, reads: []) { args, _ in .bool(args[0].isMathFloat) }, as: "math.IsFloat")
        add(TemplateFunction("IsNum", arguments: 1, reads: []) { args, _ in
            .bool(args[0].isMathInt || args[0].isMathFloat)
        }, as: "math.IsNum")

        add(TemplateFunction("Abs", arguments: 1, reads: []) { args, _ in
            let magnitude = abs(try args[0].mathFloat("expected a number"))
            return args[0].isMathInt ? .int(goFloatToInt(magnitude)) : .float(magnitude)
        }, as: "math.Abs")

        add(TemplateFunction("Add", atLeast: 0, reads: []) { args, _ in
            if args.containsMathFloat {
                return .float(try args.reduce(0.0) { $0 + (try $1.mathFloat("expected number inputs")) })
            }
            return .int(try args.reduce(0) { $0 &+ (try $1.mathInt("expected number inputs")) })
        }, as: "math.Add", "add")

        add(TemplateFunction("Mul", atLeast: 0, reads: []) { args, _ in
            if args.containsMathFloat {
                return .float(try args.reduce(1.0) { $0 * (try $1.mathFloat("expected number inputs")) })
            }
            return .int(try args.reduce(1) { $0 &* (try $1.mathInt("expected number inputs")) })
        }, as: "math.Mul", "mul")

        add(TemplateFunction("Sub", arguments: 2, reads: []) { args, _ in
            if args.containsMathFloat {
                return .float(try args[0].mathFloat("expected a number") - args[1].mathFloat("expected a number"))
            }
            return .int(try args[0].mathInt("expected a number") &- args[1].mathInt("expected a number"))
        }, as: "math.Sub", "sub")

        add(TemplateFunction("Div", arguments: 2, reads: []) { args, _ in
            let dividend = try args[0].mathFloat("expected a number")
            let divisor = try args[1].mathFloat("expected a number")
            if divisor == 0 { throw FunctionError("error: division by 0") }
            return .float(dividend / divisor)
        }, as: "math.Div", "div")

        add(TemplateFunction("Rem", arguments: 2, reads: []) { args, _ in
            let dividend = try args[0].mathInt("expected a number")
            let divisor = try args[1].mathInt("expected a number")
            // Go panics on an integer division by zero; text/template turns the panic into this error.
            if divisor == 0 { throw FunctionError("runtime error: integer divide by zero") }
            return .int(divisor == -1 ? 0 : dividend % divisor)
        }, as: "math.Rem", "rem")

        add(TemplateFunction("Pow", arguments: 2, reads: []) { args, _ in
            let result = Foundation.pow(try args[0].mathFloat("expected a number"), try args[1].mathFloat("expected a number"))
            // gomplate looks only at the base to decide the result type.
            return args[0].isMathFloat ? .float(result) : .int(goFloatToInt(result))
        }, as: "math.Pow", "pow")

        add(TemplateFunction("Seq", atLeast: 0, reads: []) { args, _ in
            let numbers = try args.map { try $0.mathInt("expected a number") }
            let start: Int, end: Int, step: Int
            switch numbers.count {
            case 1: (start, end, step) = (1, numbers[0], 1)
            case 2: (start, end, step) = (numbers[0], numbers[1], 1)
            case 3: (start, end, step) = (numbers[0], numbers[1], numbers[2])
            default: throw FunctionError("expected 1, 2, or 3 arguments, got \(args.count)")
            }
            return .list(try mathSequence(start: start, end: end, step: step).map(Value.int))
        }, as: "math.Seq", "seq")

        add(TemplateFunction("Max", atLeast: 1, reads: []) { args, _ in
            if args.containsMathFloat {
                let numbers = try args.map { try $0.mathFloat("expected a number") }
                return .float(numbers.dropFirst().reduce(numbers[0], goMax))
            }
            let numbers = try args.map { try $0.mathInt("expected a number") }
            return .int(numbers.max() ?? 0)
        }, as: "math.Max")

        add(TemplateFunction("Min", atLeast: 1, reads: []) { args, _ in
            if args.containsMathFloat {
                let numbers = try args.map { try $0.mathFloat("expected a number") }
                return .float(numbers.dropFirst().reduce(numbers[0], goMin))
            }
            let numbers = try args.map { try $0.mathInt("expected a number") }
            return .int(numbers.min() ?? 0)
        }, as: "math.Min")

        add(TemplateFunction("Ceil", arguments: 1, reads: []) { args, _ in
            .float(Foundation.ceil(try args[0].mathFloat("n must be a number")))
        }, as: "math.Ceil")
        add(TemplateFunction("Floor", arguments: 1, reads: []) { args, _ in
            .float(Foundation.floor(try args[0].mathFloat("n must be a number")))
        }, as: "math.Floor")
        add(TemplateFunction("Round", arguments: 1, reads: []) { args, _ in
            // Go's math.Round rounds halves away from zero, which is Swift's default rule.
            .float((try args[0].mathFloat("n must be a number")).rounded())
        }, as: "math.Round")
    }
}

/// gomplate's `math.Seq`: inclusive, the step's sign follows the direction, a zero step gives
/// nothing. The length is worked out first, in unsigned arithmetic that cannot overflow, and
/// checked against `WorkLimits.maxListElements`.
func mathSequence(start: Int, end: Int, step: Int) throws -> [Int] {
    guard step != 0 else { return [] }
    let distance = end >= start ? UInt(bitPattern: end &- start) : UInt(bitPattern: start &- end)
    let stride = distance / step.magnitude
    if stride >= UInt(WorkLimits.maxListElements) {
        throw FunctionError("sequence from \(start) to \(end) by \(step) exceeds the limit of \(WorkLimits.maxListElements) numbers")
    }
    let count = Int(stride) + 1
    // Within [start, end] every element fits, so only the step's direction needs care.
    let increment = step.magnitude
    var sequence: [Int] = []
    sequence.reserveCapacity(count)
    var last = start
    sequence.append(last)
    for _ in 1..<count {
        last = end >= start ? Int(bitPattern: UInt(bitPattern: last) &+ increment)
            : Int(bitPattern: UInt(bitPattern: last) &- increment)
        sequence.append(last)
    }
    return sequence
}

/// Go's `math.Max`: an infinity wins over NaN, NaN over any other number, +0 over -0.
func goMax(_ x: Double, _ y: Double) -> Double {
    if x == .infinity || y == .infinity { return .infinity }
    if x.isNaN || y.isNaN { return .nan }
    if x == 0, x == y { return x.sign == .minus ? y : x }
    return x > y ? x : y
}

/// Go's `math.Min`, the mirror of `goMax`.
func goMin(_ x: Double, _ y: Double) -> Double {
    if x == -.infinity || y == -.infinity { return -.infinity }
    if x.isNaN || y.isNaN { return .nan }
    if x == 0, x == y { return x.sign == .minus ? x : y }
    return x < y ? x : y
}

extension Array where Element == Value {
    fileprivate var containsMathFloat: Bool { contains { $0.isMathFloat } }
}

extension Value {
    /// gomplate's `math.IsInt`: an integer, or a string `strconv.ParseInt(s, 0, 64)` accepts.
    var isMathInt: Bool {
        switch self {
        case .int: return true
        case .string(let s): return (try? goParseInt(s, base: 0, bitSize: 64).get()) != nil
        default: return false
        }
    }

    /// gomplate's `math.IsFloat`: a float, or a string that parses as a float but not as an integer.
    var isMathFloat: Bool {
        switch self {
        case .float: return true
        case .string(let s): return (try? goParseFloat(s).get()) != nil && !Value.string(s).isMathInt
        default: return false
        }
    }

    /// gomplate v5's `conv.ToFloat64` with its error; `context` is what the calling function puts in front.
    func mathFloat(_ context: String) throws -> Double {
        do {
            return try gomplateStrictFloat()
        } catch let error as FunctionError {
            throw FunctionError("\(context): \(error.message)")
        }
    }

    /// gomplate v5's `conv.ToInt64` with its error; `context` is what the calling function puts in front.
    func mathInt(_ context: String) throws -> Int {
        do {
            return try gomplateStrictInt()
        } catch let error as FunctionError {
            throw FunctionError("\(context): \(error.message)")
        }
    }
}
