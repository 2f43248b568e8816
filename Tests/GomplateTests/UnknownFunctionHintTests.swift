import Testing
import Template
@testable import Gomplate

/// The message a template with `call` gets from the parser, with gomplate's functions.
private func parseError(_ call: String) -> String? {
    do {
        _ = try Template(name: "t", text: "<<< \(call) >>>", functions: .gomplate)
        return nil
    } catch let error as TemplateError {
        return error.message
    } catch {
        return "\(error)"
    }
}

@Suite("gomplate's table: unknown functions, did you mean, and gomplate's own")
struct UnknownFunctionHintTests {
    @Test(arguments: [
        ("strings.ToUper \"a\"", #"function "strings.ToUper" not defined; did you mean "strings.ToUpper"?"#),
        ("strings.toupper \"a\"", #"function "strings.toupper" not defined; did you mean "strings.ToUpper"?"#),
        ("strngs.ToUpper \"a\"", #"function "strngs.ToUpper" not defined; did you mean "strings.ToUpper"?"#),
        ("toUper \"a\"", #"function "toUper" not defined; did you mean "toUpper"?"#),
        ("conv.ToIn 1", #"function "conv.ToIn" not defined; did you mean "conv.ToInt"?"#),
        ("strings.Frobnicate \"a\"", #"function "strings.Frobnicate" not defined"#),
        ("nope", #"function "nope" not defined"#),
        // Documented by gomplate, removed from v5's code: gomplate's own words, as the corpus has them.
        ("bool \"x\"", #"function "bool" not defined"#),
        ("data.CUE \"a: 1\"", #"function "data.CUE" is a gomplate function edpctl does not have (see docs/gomplate.md)"#),
        ("toCUE .", #"function "toCUE" is a gomplate function edpctl does not have (see docs/gomplate.md)"#),
        ("crypto.Bcrypt \"x\"", #"function "crypto.Bcrypt" is a gomplate function edpctl does not have (see docs/gomplate.md)"#),
        ("aws.EC2Meta \"x\"", #"function "aws.EC2Meta" is a gomplate function edpctl does not have (see docs/gomplate.md)"#),
        ("ec2meta \"x\"", #"function "ec2meta" is a gomplate function edpctl does not have (see docs/gomplate.md)"#),
    ])
    func message(call: String, expected: String) {
        #expect(parseError(call) == expected)
    }

    /// The list is gomplate's, not edpctl's lack: a name both have parses, so the hint only ever
    /// speaks of what the table really misses, whatever is added to it later.
    @Test func everyGomplateNameEitherParsesOrIsNamedAsGomplates() {
        for name in FunctionTable.gomplateFunctionNames.sorted() {
            let message = parseError(name)
            if FunctionTable.gomplate.contains(name) {
                #expect(message == nil || !message!.contains("not defined") && !message!.contains("gomplate function"),
                        "\(name): \(message ?? "")")
            } else {
                #expect(message == "function \"\(name)\" is a gomplate function edpctl does not have (see docs/gomplate.md)")
            }
        }
        #expect(FunctionTable.gomplateFunctionNames.count > 300)
        #expect(FunctionTable.gomplateFunctionNames.isSuperset(of: ["strings.ToUpper", "crypto.SHA256", "tmpl.Exec", "ds"]))
    }
}
