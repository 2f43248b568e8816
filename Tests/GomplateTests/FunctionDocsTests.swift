import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// docs/functions.md, read as the tables its intro describes: one `## namespace` heading per
/// namespace, then rows `| function | aliases | description | example | output |`.
private struct FunctionDoc {
    enum Expected {
        /// The exact output, with `\n` and `\r` read as line feed and carriage return.
        case output(String)
        /// `(varies)`: random or clock-dependent, so only rendering without error is checked.
        case varies
        /// `(error)` then a code span: the example must fail with a message containing it.
        case error(String)
    }

    struct Row {
        let line: Int
        let namespace: String
        let function: String
        let aliases: [String]
        let example: String
        let expected: Expected
    }

    let rows: [Row]

    static let path = packageRoot + "/docs/functions.md"

    init() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        var rows: [Row] = []
        var namespace = ""
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let number = index + 1
            if line.hasPrefix("## ") {
                namespace = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard line.hasPrefix("|"), !namespace.isEmpty else { continue }
            let cells = Self.cells(line)
            if cells.first == "function" || cells.first?.hasPrefix("---") == true { continue }
            guard cells.count == 5 else {
                throw FunctionError("functions.md:\(number): expected 5 cells, found \(cells.count)")
            }
            guard let function = Self.codeSpans(cells[0]).first, let example = Self.codeSpans(cells[3]).first else {
                throw FunctionError("functions.md:\(number): the function and example cells need code spans")
            }
            let expected: Expected
            if cells[4] == "(varies)" {
                expected = .varies
            } else if cells[4].hasPrefix("(error)"), let message = Self.codeSpans(cells[4]).first {
                expected = .error(message)
            } else if let output = Self.codeSpans(cells[4]).first {
                expected = .output(Self.unescapedOutput(output))
            } else {
                throw FunctionError("functions.md:\(number): the output cell needs a code span, (varies) or (error)")
            }
            rows.append(Row(line: number, namespace: namespace, function: function,
                            aliases: Self.codeSpans(cells[1]), example: example, expected: expected))
        }
        self.rows = rows
    }

    /// A row's cells, trimmed, with `\|` (a pipe inside a cell) read as `|`.
    private static func cells(_ line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var characters = line.dropFirst()[...]
        while let character = characters.popFirst() {
            if character == "\\", characters.first == "|" {
                current.append(characters.removeFirst())
            } else if character == "|" {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        return cells
    }

    /// CommonMark code spans: a run of backticks up to the next run of the same length; one space
    /// is dropped from each end when both ends have one (so `` `x` `` can hold a backtick).
    private static func codeSpans(_ cell: String) -> [String] {
        var spans: [String] = []
        let characters = Array(cell)
        var index = 0
        while index < characters.count {
            guard characters[index] == "`" else {
                index += 1
                continue
            }
            var fence = 0
            while index + fence < characters.count, characters[index + fence] == "`" { fence += 1 }
            var search = index + fence
            var closing: Int?
            while search < characters.count {
                if characters[search] == "`" {
                    var run = 0
                    while search + run < characters.count, characters[search + run] == "`" { run += 1 }
                    if run == fence {
                        closing = search
                        break
                    }
                    search += run
                } else {
                    search += 1
                }
            }
            guard let closing else { break }
            var content = String(characters[(index + fence)..<closing])
            if content.count >= 2, content.first == " ", content.last == " ", content.contains(where: { $0 != " " }) {
                content = String(content.dropFirst().dropLast())
            }
            spans.append(content)
            index = closing + fence
        }
        return spans
    }

    private static func unescapedOutput(_ text: String) -> String {
        text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r")
    }

    /// `text` as the doc's output column writes it.
    static func escapedOutput(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "|", with: "\\|")
    }
}

/// The world the doc's intro describes: a working directory with a few files, an environment, a
/// data source `person`, the template path, and the data that is dot.
private final class DocWorld {
    static let environment = [
        "HOME": "/home/edp", "USER": "edp", "DOMAIN": "example.org", "TZ": "UTC", "SECRET_FILE": "secret.txt",
    ]
    static let files = [
        "hello.txt": "hello world",
        "person.json": #"{"name": "Dave", "age": 42}"#,
        "secret.txt": "s3cr3t\n",
        "config/app.yaml": "replicas: 2\n",
        "config/db.yaml": "engine: postgres\n",
    ]
    static let templatePath = "templates/page.tmpl"

    static let data: Value = .map(MapValue([
        "name": .string("edp"),
        "replicas": .int(3),
        "labels": .map(MapValue(["app": .string("web"), "tier": .string("frontend")])),
        "ports": .list([.int(80), .int(443)]),
        "Env": .map(MapValue(environment.mapValues(Value.string), elementType: .string)),
    ]))

    /// The working directory.
    private let folder: TemporaryFolder
    private let sources: DataSources

    init() throws {
        folder = try TemporaryFolder("function-docs")
        for (path, text) in Self.files { try plant(folder.child(path), Array(text.utf8)) }
        let person = try NamedSource(argument: "person=person.json")
        sources = DataSources(definitions: [person.alias: person.url], workingDirectory: folder.path,
                              environment: Self.environment)
    }

    /// A `RenderHost`, as `edpctl render` uses, rather than `TestHost`: `defineDatasource` and
    /// `listDatasources` need a host that keeps a catalog of sources. A fresh host per example keeps
    /// one example's `defineDatasource` out of the next.
    func render(_ example: String) throws -> String {
        let template = try Template(name: Self.templatePath, text: example, options: TemplateOptions(),
                                    functions: .gomplate)
        return try template.execute(Self.data, host: RenderHost(templatePath: Self.templatePath, sources: sources))
    }
}

@Suite struct FunctionDocsTests {
    @Test func everyFunctionIsDocumentedAndEveryDocumentedNameExists() throws {
        let doc = try FunctionDoc()
        let known = Set(FunctionTable.gomplate.functions.keys).union(Builtins.names)
        var documented: [String: Int] = [:]
        for row in doc.rows {
            for name in [row.function] + row.aliases {
                if let earlier = documented[name] {
                    Issue.record("\(name) is documented twice (functions.md:\(earlier) and :\(row.line))")
                }
                documented[name] = row.line
            }
            if let dot = row.function.firstIndex(of: "."), row.function[..<dot] != row.namespace {
                Issue.record("\(row.function) (functions.md:\(row.line)) is under ## \(row.namespace)")
            }
        }
        let missing = known.subtracting(documented.keys).sorted()
        let stale = Set(documented.keys).subtracting(known).sorted()
        #expect(missing.isEmpty, "functions edpctl has that docs/functions.md lacks: \(missing)")
        #expect(stale.isEmpty, "names docs/functions.md documents that edpctl lacks: \(stale)")
    }

    @Test func everyExampleRendersItsDocumentedOutput() throws {
        let doc = try FunctionDoc()
        let world = try DocWorld()
        #expect(!doc.rows.isEmpty)
        for row in doc.rows {
            let location = "\(row.function) (functions.md:\(row.line))"
            switch row.expected {
            case .output(let expected):
                do {
                    let output = try world.render(row.example)
                    #expect(output == expected,
                            "\(location): \(row.example) renders `\(FunctionDoc.escapedOutput(output))`, the doc says `\(FunctionDoc.escapedOutput(expected))`")
                } catch {
                    Issue.record("\(location): \(row.example) fails: \(error)")
                }
            case .varies:
                do {
                    _ = try world.render(row.example)
                } catch {
                    Issue.record("\(location): \(row.example) fails: \(error)")
                }
            case .error(let message):
                do {
                    let output = try world.render(row.example)
                    Issue.record("\(location): \(row.example) renders `\(FunctionDoc.escapedOutput(output))` instead of failing")
                } catch {
                    #expect("\(error)".contains(message), "\(location): \(row.example) fails with \(error), not `\(message)`")
                }
            }
        }
    }
}
