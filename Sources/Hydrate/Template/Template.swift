import Foundation

/// What happens when a map has no entry for a key: Go's `missingkey` option.
public enum MissingKeyMode: String, Sendable, CaseIterable {
    /// Fail with `map has no entry for key "K"` (gomplate's default, and edpctl's).
    case error
    /// Yield `<no value>` (Go's default; `invalid` is Go's other name for it).
    case `default`
    /// Yield the zero value of the map's element type.
    case zero
}

public struct TemplateOptions: Sendable {
    public var leftDelimiter: String
    public var rightDelimiter: String
    public var missingKey: MissingKeyMode

    public init(leftDelimiter: String = "<<<", rightDelimiter: String = ">>>", missingKey: MissingKeyMode = .error) {
        self.leftDelimiter = leftDelimiter
        self.rightDelimiter = rightDelimiter
        self.missingKey = missingKey
    }
}

/// A parse or execution error, worded as Go's text/template words it.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A parsed set of templates, ready to execute.
public final class Template: @unchecked Sendable {
    public let name: String

    public init(name: String, text: String, options: TemplateOptions = TemplateOptions(),
                functions: FunctionTable = .gomplate) throws {
        self.name = name
        throw TemplateError("template: \(name): the engine is not built yet")
    }

    public func addTemplate(name: String, text: String) throws {}

    public func execute(_ data: Value, host: FunctionContext) throws -> String { "" }
}
