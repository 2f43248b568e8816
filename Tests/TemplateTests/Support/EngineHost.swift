import Foundation
@testable import Template

/// A host for engine tests: an environment and nothing else. Data sources belong to Gomplate.
final class TestHost: FunctionContext, @unchecked Sendable {
    let environment: [String: String]
    let workingDirectory = FileManager.default.currentDirectoryPath
    let templatePath = "<arg>"

    init(environment: [String: String] = [:]) { self.environment = environment }

    func dataSource(_ alias: String, subpath: String?) throws -> Value {
        throw FunctionError("undefined datasource '\(alias)'")
    }

    func dataSourceText(_ alias: String, subpath: String?) throws -> String {
        throw FunctionError("undefined datasource '\(alias)'")
    }

    func hasDataSource(_ alias: String) -> Bool { false }
}
