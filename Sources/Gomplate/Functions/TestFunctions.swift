import Template
/// gomplate's `test` namespace: assertions that fail the render, and type inspection with Go's
/// `reflect.Kind` names.
extension FunctionTable {
    mutating func addTestFunctions() {
        add(TemplateFunction("Assert", atLeast: 0, reads: []) { args, _ in
            guard (1...2).contains(args.count) else {
                throw FunctionError("wrong number of args: want 1 or 2, got \(args.count)")
            }
            var message = ""
            if args.count == 2 {
                guard case .string(let text) = args[0] else {
                    throw FunctionError("at <1>: expected string; found \(args[0].goTypeName)")
                }
                message = text
            }
            if args[args.count - 1].gomplateBool { return .string("") }
            throw FunctionError(message.isEmpty ? "assertion failed" : "assertion failed: \(message)")
        }, as: "test.Assert", "assert")
        add(TemplateFunction("Fail", atLeast: 0, reads: []) { args, _ in
            switch args.count {
            case 0: throw FunctionError("template generation failed")
            case 1:
                let message = try args[0].gomplateString()
                throw FunctionError(message.isEmpty ? "template generation failed" : "template generation failed: \(message)")
            default: throw FunctionError("wrong number of args: want 0 or 1, got \(args.count)")
            }
        }, as: "test.Fail", "fail")
        add(TemplateFunction("Required", atLeast: 0, reads: []) { args, _ in
            var message = ""
            switch args.count {
            case 1: break
            case 2:
                guard case .string(let text) = args[0] else {
                    throw FunctionError("at <1>: expected string; found \(args[0].goTypeName)")
                }
                message = text
            default: throw FunctionError("wrong number of args: want 1 or 2, got \(args.count)")
            }
            let value = args[args.count - 1]
            switch value {
            case .null, .string(""):
                throw FunctionError(message.isEmpty ? "can not render template: a required value was not set" : message)
            default:
                return value
            }
        }, as: "test.Required", "required")
        add(TemplateFunction("Ternary", arguments: 3, reads: []) { args, _ in
            args[2].gomplateBool ? args[0] : args[1]
        }, as: "test.Ternary", "ternary")
        add(TemplateFunction("Kind", arguments: 1, reads: []) { args, _ in
            .string(args[0].goKindName)
        }, as: "test.Kind", "kind")
        add(TemplateFunction("IsKind", arguments: 2, reads: []) { args, _ in
            let wanted = try TypedArgument.string(args[0])
            let kind = args[1].goKindName
            if wanted == "number" { return .bool(Self.numberKinds.contains(kind)) }
            return .bool(kind == wanted)
        }, as: "test.IsKind", "isKind")
    }

    private static let numberKinds: Set<String> = [
        "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
        "float32", "float64", "complex64", "complex128",
    ]
}
