import Foundation
@testable import Gomplate
@testable import Template

/// A host with a fixed environment and in-memory data sources, for function and engine tests.
final class TestHost: FunctionContext, @unchecked Sendable {
    var environment: [String: String]
    var workingDirectory: String
    var templatePath: String
    var dataSources: [String: String]

    init(environment: [String: String] = [:], workingDirectory: String = FileManager.default.currentDirectoryPath,
         templatePath: String = "<arg>", dataSources: [String: String] = [:]) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.templatePath = templatePath
        self.dataSources = dataSources
    }

    func dataSource(_ alias: String, subpath: String?) throws -> Value {
        try decodeYAMLValue(dataSourceText(alias, subpath: subpath), sourceName: alias)
    }

    func dataSourceText(_ alias: String, subpath: String?) throws -> String {
        guard let text = dataSources[alias] else { throw FunctionError("undefined datasource '\(alias)'") }
        return text
    }

    func hasDataSource(_ alias: String) -> Bool { dataSources[alias] != nil }
}

/// A call context for calling one function directly, without a template around it.
final class TestCall: CallContext {
    let host: FunctionContext
    let rootData: Value = .null
    init(host: FunctionContext = TestHost()) { self.host = host }
    func executeNamedTemplate(_ name: String, data: Value) throws -> String {
        throw FunctionError("no templates outside an engine")
    }
    func executeInline(name: String, text: String, data: Value) throws -> String {
        throw FunctionError("no templates outside an engine")
    }
}

/// Calls the gomplate function `name` with `arguments`, checking arity as the engine does.
func call(_ name: String, _ arguments: Value..., host: FunctionContext = TestHost()) throws -> Value {
    guard let function = FunctionTable.gomplate[name] else { throw FunctionError("function \"\(name)\" not defined") }
    if arguments.count < function.minArguments || function.maxArguments.map({ arguments.count > $0 }) == true {
        throw FunctionError("wrong number of args for \(function.name): got \(arguments.count)")
    }
    return try function.body(arguments, TestCall(host: host))
}

extension Value {
    /// The text of a `.string`, nil for anything else: lets tests check type and content at once.
    var textIfString: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

/// Renders `text` with gomplate's functions and no data: the output, or `error: ` and the error's text.
func renderedOrError(_ text: String) -> String {
    do {
        return try Template(name: "t", text: text, functions: .gomplate).execute(.map(MapValue()), host: TestHost())
    } catch {
        return "error: \(error)"
    }
}
