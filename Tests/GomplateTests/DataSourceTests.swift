import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// A working directory with files, and a host reading data sources from it.
private final class SourceFixture {
    private let folder: TemporaryFolder
    var directory: String { folder.path }

    init(files: [String: String] = [:]) throws {
        folder = try TemporaryFolder("datasources")
        for (path, text) in files { try plant(folder.child(path), Array(text.utf8)) }
    }

    func host(_ arguments: [String] = [], environment: [String: String] = [:], stdin: String = "",
              readCount: ReadCounter? = nil) throws -> RenderHost {
        var definitions: [String: SourceURL] = [:]
        for argument in arguments {
            let source = try NamedSource(argument: argument)
            definitions[source.alias] = source.url
        }
        let input = StandardInput { readCount?.increment(); return Array(stdin.utf8) }
        let sources = DataSources(definitions: definitions, workingDirectory: directory, environment: environment,
                                  standardInput: input)
        return RenderHost(templatePath: "t.tmpl", sources: sources)
    }
}

/// The description of the error `body` throws, or nil when it throws none.
func errorText(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ value: String) { lock.lock(); stored.append(value); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

final class ReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}

@Suite("Source URLs")
struct SourceURLTests {
    @Test(arguments: [
        ("config.json", "", "", "config.json", ""),
        ("sortorder/", "", "", "sortorder/", ""),
        ("env:FOO", "env", "FOO", "", ""),
        ("env:///foo", "env", "", "/foo", ""),
        ("stdin:", "stdin", "", "", ""),
        ("stdin:///?type=application/yaml", "stdin", "", "/", "type=application/yaml"),
        ("merge:user|default", "merge", "user|default", "", ""),
        ("file:///etc/hosts", "file", "", "/etc/hosts", ""),
        ("in.txt?type=application/json", "", "", "in.txt", "type=application/json"),
    ])
    func parses(text: String, scheme: String, opaque: String, path: String, query: String) throws {
        let url = try SourceURL(parsing: text)
        #expect(url.scheme == scheme)
        #expect(url.opaque == opaque)
        #expect(url.path == path)
        #expect(url.rawQuery == query)
    }

    @Test func printsAsGoDoes() throws {
        #expect(try SourceURL(parsing: "env:///FOO").description == "env:///FOO")
        #expect(try SourceURL(parsing: "env:FOO").description == "env:FOO")
        #expect(try SourceURL(parsing: "config.json").description == "config.json")
        #expect(try SourceURL(sourceArgument: "/abs/x.yaml").description == "file:///abs/x.yaml")
        #expect(try SourceURL(sourceArgument: "-").description == "stdin:")
    }

    @Test func typeParameterIsDecoded() throws {
        let url = try SourceURL(parsing: "env:X?type=application/array+json")
        #expect(url.queryValue("type") == "application/array json")
    }

    @Test func subpathsResolveLikeLinks() throws {
        #expect(try SourceURL(parsing: "d/").resolving("config.json").path == "d/config.json")
        #expect(try SourceURL(parsing: "d/a.json").resolving("b.json").path == "d/b.json")
        #expect(try SourceURL(parsing: "file:///x/y/").resolving("../z.yaml").path == "/x/z.yaml")
        #expect(try SourceURL(parsing: "env:FOO").resolving("BAR").opaque == "FOO")
        #expect(try SourceURL(parsing: "d/?type=text/plain").resolving("a?x=1").rawQuery == "type=text/plain&x=1")
    }

    @Test func argumentsNameTheirAlias() throws {
        #expect(try NamedSource(argument: "person.json").alias == "person")
        #expect(try NamedSource(argument: "in.json").url.path == "in.json")
        #expect(try NamedSource(argument: "config=config.yml").alias == "config")
        #expect(try NamedSource(argument: ".=config2.yml").alias == ".")
        #expect(try NamedSource(argument: "e=env:json_value?type=application/json").url.scheme == "env")
        #expect(throws: FunctionError.self) { try NamedSource(argument: "sub/dir.json") }
    }

    @Test func nestedTemplateArguments() {
        #expect(NestedTemplateSource(argument: "hello=hello.t") == NestedTemplateSource(alias: "hello", path: "hello.t"))
        #expect(NestedTemplateSource(argument: "templates/") == NestedTemplateSource(alias: "templates/", path: "templates/"))
    }
}

@Suite("Data sources")
struct DataSourceTests {
    @Test func textFilesAreStrings() throws {
        let fixture = try SourceFixture(files: ["notes": "plain text\n", "notes.txt": "more"])
        let host = try fixture.host(["n=notes", "t=notes.txt"])
        #expect(try host.dataSource("n", subpath: nil).gomplateString() == "plain text\n")
        #expect(try host.dataSource("t", subpath: nil).gomplateString() == "more")
    }

    @Test func includeGivesTheRawText() throws {
        let fixture = try SourceFixture(files: ["config2.yml": "foo: bar\n"])
        let host = try fixture.host(["config=config2.yml"])
        #expect(try call("include", .string("config"), host: host).gomplateString() == "foo: bar\n")
    }

    @Test func yamlAndJSONFilesDecode() throws {
        let fixture = try SourceFixture(files: ["config.json": "{\"foo\": {\"bar\": \"baz\"}}", "c.yml": "foo:\n bar: 8080\n"])
        let host = try fixture.host(["config.json", "c=c.yml"])
        #expect(try goPrint(try call("ds", .string("config"), host: host)) == "map[foo:map[bar:baz]]")
        guard case .map(let map) = try call("datasource", .string("c"), host: host),
              case .map(let inner)? = map["foo"], case .int(8080)? = inner["bar"] else {
            Issue.record("expected foo.bar to be the int 8080")
            return
        }
    }

    @Test func environmentSources() throws {
        let fixture = try SourceFixture()
        let environment = ["FOO": "bar", "foo": "baz", "json_value": "{\"value\":\"corge\"}"]
        let host = try fixture.host(["a=env:FOO", "b=env:///foo", "j=env:json_value?type=application/json", "m=env:MISSING"],
                                    environment: environment)
        #expect(try host.dataSource("a", subpath: nil).gomplateString() == "bar")
        #expect(try host.dataSource("b", subpath: nil).gomplateString() == "baz")
        #expect(try goPrint(try host.dataSource("j", subpath: nil)) == "map[value:corge]")
        #expect(errorText { try host.dataSource("m", subpath: nil) } == "couldn't read datasource 'm' (env:MISSING): open MISSING: file does not exist")
    }

    @Test func jsonInAnEnvironmentVariableWithoutATypeIsText() throws {
        let fixture = try SourceFixture()
        let host = try fixture.host(["person=env:///FOO"], environment: ["FOO": "{\"name\": \"Daisy\"}"])
        #expect(try host.dataSource("person", subpath: nil).gomplateString() == "{\"name\": \"Daisy\"}")
    }

    @Test func standardInputIsReadOnceForEverySource() throws {
        let fixture = try SourceFixture()
        let counter = ReadCounter()
        let host = try fixture.host(["in=stdin:", "y=stdin:///?type=application/yaml"], stdin: "foo: 0", readCount: counter)
        #expect(try host.dataSourceText("in", subpath: nil) == "foo: 0")
        #expect(try goPrint(try host.dataSource("y", subpath: nil)) == "map[foo:0]")
        #expect(counter.count == 1)
    }

    @Test func directoriesListTheirEntriesAndTakeSubpaths() throws {
        let fixture = try SourceFixture(files: ["sortorder/template": "x", "sortorder/core.yaml": "cloud: {aws: 1}\n"])
        let host = try fixture.host(["data=sortorder/"])
        #expect(try goPrint(try call("ds", .string("data"), host: host)) == "[core.yaml template]")
        #expect(try call("include", .string("data"), host: host).gomplateString() == "[\"core.yaml\",\"template\"]")
        #expect(try goPrint(try call("ds", .string("data"), .string("core.yaml"), host: host)) == "map[cloud:map[aws:1]]")
    }

    /// gomplate lists a directory with json.Marshal, which escapes `<`, `>` and `&` too.
    @Test func aDirectorysNamesAreJSONAsGoMarshalsThem() throws {
        let fixture = try SourceFixture(files: ["listing/a&b.yaml": "x", "listing/c<d>\"q\"": "y"])
        let host = try fixture.host(["data=listing/"])
        #expect(try call("include", .string("data"), host: host).gomplateString()
            == #"["a\u0026b.yaml","c\u003cd\u003e\"q\""]"#)
        #expect(try goPrint(try call("ds", .string("data"), host: host)) == "[a&b.yaml c<d>\"q\"]")
    }

    @Test func csvAndDotEnvFilesDecode() throws {
        let fixture = try SourceFixture(files: [
            "foo.csv": "A,B\nA1,B1\n",
            "test.env": "FOO=a regular value\nexport BAR=exported # a comment\n\n# comment\nFOO.BAR = \"quoted\\nescape\"\nBAZ = \"expanded: ${FOO}\"\nQUX='single $FOO'\n",
        ])
        let host = try fixture.host(["csv=foo.csv", "envfile=test.env"])
        #expect(try goPrint(try host.dataSource("csv", subpath: nil)) == "[[A B] [A1 B1]]")
        #expect(try goPrint(try host.dataSource("envfile", subpath: nil))
            == "map[BAR:exported BAZ:expanded: a regular value FOO:a regular value FOO.BAR:quoted\nescape QUX:single $FOO]")
    }

    @Test func mergeTakesTheFirstSourcesValues() throws {
        let fixture = try SourceFixture(files: [
            "config.json": "{\"foo\": {\"bar\": \"baz\"}, \"isDefault\": false}",
            "default.yml": "foo:\n  bar: qux\n  extra: 1\nother: true\nisDefault: true\n",
        ])
        let host = try fixture.host(["user=config.json", "default=default.yml", "config=merge:user|default"])
        #expect(try goPrint(try host.dataSource("config", subpath: nil))
            == "map[foo:map[bar:baz extra:1] isDefault:false other:true]")
    }

    @Test func aMergeSeesSourcesTheTemplateDefined() throws {
        let fixture = try SourceFixture(files: ["config.json": "{\"a\": 1}", "default.yml": "a: 2\nb: 3\n"])
        let host = try fixture.host(["default=default.yml", "config=merge:user|default"])
        _ = try call("defineDatasource", .string("user"), .string("config.json"), host: host)
        #expect(try goPrint(try host.dataSource("config", subpath: nil)) == "map[a:1 b:3]")
    }

    @Test func defineDatasourceDoesNotRedefine() throws {
        let fixture = try SourceFixture(files: ["person.json": "{ \"name\": \"Dave\" }\n"])
        let host = try fixture.host(["person=env:///FOO"], environment: ["FOO": "text"])
        #expect(try call("defineDatasource", .string("person"), .string("person.json"), host: host).gomplateString() == "")
        #expect(try host.dataSource("person", subpath: nil).gomplateString() == "text")
        #expect(errorText { try call("defineDatasource", .string(""), .string("x.json"), host: host) } == "datasource alias must be provided")
    }

    @Test func definitionsStayWithTheirTemplate() throws {
        let fixture = try SourceFixture(files: ["person.json": "{}"])
        let sources = DataSources(definitions: [:], workingDirectory: fixture.directory, environment: [:])
        let first = RenderHost(templatePath: "a", sources: sources)
        let second = RenderHost(templatePath: "b", sources: sources)
        try first.defineDataSource("person", url: "person.json")
        #expect(first.hasDataSource("person"))
        #expect(!second.hasDataSource("person"))
    }

    @Test func existsReachableAndList() throws {
        let fixture = try SourceFixture(files: ["config2.yml": "foo: bar\n"])
        let host = try fixture.host(["config=config2.yml", "gone=missing.yml", "bar=env:///BAR"])
        #expect(try call("datasourceExists", .string("config"), host: host).isTruthy)
        #expect(try !call("datasourceExists", .string("bogus"), host: host).isTruthy)
        #expect(try call("datasourceReachable", .string("config"), host: host).isTruthy)
        #expect(try !call("datasourceReachable", .string("gone"), host: host).isTruthy)
        #expect(try !call("datasourceReachable", .string("bogus"), host: host).isTruthy)
        #expect(try goPrint(try call("listDatasources", host: host)) == "[bar config gone]")
    }

    @Test func unknownAliasesAreErrorsUnlessTheyAreURLs() throws {
        let fixture = try SourceFixture()
        let host = try fixture.host(environment: ["HOME": "/home/x"])
        #expect(errorText { try call("ds", .string("bogus"), host: host) } == "undefined datasource 'bogus'")
        #expect(try call("ds", .string("env:///HOME"), host: host).gomplateString() == "/home/x")
    }

    @Test func missingFilesNameTheSource() throws {
        let fixture = try SourceFixture()
        let host = try fixture.host(["config=nope.json"])
        #expect(errorText { try host.dataSource("config", subpath: nil) } == "couldn't read datasource 'config' (nope.json): open nope.json: no such file or directory")
    }

    @Test func argumentsMustBeStrings() throws {
        let fixture = try SourceFixture()
        let host = try fixture.host()
        #expect(errorText { try call("ds", .int(1), host: host) } == "wrong type for value; expected string; got int")
    }

    @Test func unsupportedSchemesFailClearly() throws {
        let fixture = try SourceFixture()
        let host = try fixture.host(["web=s3://bucket/x.json"])
        #expect(errorText { try host.dataSource("web", subpath: nil) } == "couldn't read datasource 'web' (s3://bucket/x.json): the \"s3\" scheme is not supported by edpctl")
    }

    @Test func templatesOnManyThreadsShareOneDecodedSource() throws {
        let fixture = try SourceFixture(files: ["c.yaml": "list: [1, 2, 3]\nname: x\n"])
        let sources = DataSources(definitions: ["c": try SourceURL(parsing: "c.yaml")], workingDirectory: fixture.directory,
                                  environment: [:])
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let host = RenderHost(templatePath: "t\(index)", sources: sources)
            results.append((try? host.dataSource("c", subpath: nil)).map(goPrintForMessage) ?? "error")
        }
        #expect(results.values == Array(repeating: "map[list:[1 2 3] name:x]", count: 64))
    }

    @Test func aFileIsReadOnceByManyTemplates() throws {
        let fixture = try SourceFixture(files: ["c.txt": "one"])
        let sources = DataSources(definitions: ["c": try SourceURL(parsing: "c.txt")], workingDirectory: fixture.directory,
                                  environment: [:])
        let first = RenderHost(templatePath: "a", sources: sources)
        #expect(try first.dataSourceText("c", subpath: nil) == "one")
        try Data("two".utf8).write(to: URL(fileURLWithPath: fixture.directory + "/c.txt"))
        #expect(try RenderHost(templatePath: "b", sources: sources).dataSourceText("c", subpath: nil) == "one")
    }
}

@Suite("Render sessions")
struct RenderSessionTests {
    @Test func rootDataHoldsEnvAndContexts() throws {
        let fixture = try SourceFixture(files: ["config2.yml": "foo: bar\n"])
        let session = try RenderSession(RenderConfiguration(
            contexts: [try NamedSource(argument: "config=config2.yml")],
            workingDirectory: fixture.directory, environment: ["USER": "me"]))
        guard case .map(let root) = session.data, case .map(let env)? = root["Env"] else {
            Issue.record("expected a map with Env")
            return
        }
        #expect(env.elementType == .string)
        #expect(try env["USER"]?.gomplateString() == "me")
        #expect(try goPrint(root["config"] ?? .null) == "map[foo:bar]")
    }

    @Test func theDotContextReplacesEverything() throws {
        let fixture = try SourceFixture(files: ["root.json": "{\"bar\": \"baz\"}"])
        let session = try RenderSession(RenderConfiguration(
            contexts: [try NamedSource(argument: ".=root.json")], workingDirectory: fixture.directory, environment: ["A": "b"]))
        #expect(try goPrint(session.data) == "map[bar:baz]")
    }

    @Test func aMissingContextFailsTheSession() throws {
        let fixture = try SourceFixture()
        #expect(throws: FunctionError.self) {
            _ = try RenderSession(RenderConfiguration(contexts: [try NamedSource(argument: "c=nope.yaml")],
                                                      workingDirectory: fixture.directory, environment: [:]))
        }
    }

    @Test func rendersWithNestedTemplatesAndTheTemplatesPath() throws {
        let fixture = try SourceFixture(files: ["hello.t": "Hello <<< . >>>!", "parts/a.t": "A", "parts/b.t": "B"])
        let session = try RenderSession(RenderConfiguration(
            nestedTemplates: [NestedTemplateSource(argument: "hello=hello.t"), NestedTemplateSource(argument: "parts/")],
            workingDirectory: fixture.directory, environment: ["USER": "ada"]))
        let text = "<<< template \"hello\" .Env.USER >>> <<< template \"parts/a.t\" >>><<< template \"parts/b.t\" >>> <<< tmpl.Path >>>"
        #expect(try session.render(name: "stacks/x.yaml", bytes: Array(text.utf8)) == Array("Hello ada! AB stacks/x.yaml".utf8))
    }

    @Test func aTreeRendersThroughTheEngine() throws {
        let fixture = try SourceFixture(files: [
            "in/a.yaml": "name: <<< (ds \"config\").name >>>\npath: <<< tmpl.Path >>>\n",
            "in/static.txt": "no actions here\n",
            "config.yaml": "name: demo\n",
        ])
        let session = try RenderSession(RenderConfiguration(
            dataSources: [try NamedSource(argument: "config=config.yaml")], workingDirectory: fixture.directory,
            environment: [:]))
        let renderer = TreeRenderer(inputDirectory: fixture.directory + "/in", outputDirectory: fixture.directory + "/out",
                                    leftDelimiter: "<<<")
        let report = try renderer.renderAndWrite { file, input in try session.render(name: file.inputPath, bytes: input) }
        #expect(report.written == 2)
        let output = try String(contentsOfFile: fixture.directory + "/out/a.yaml", encoding: .utf8)
        #expect(output == "name: demo\npath: \(fixture.directory)/in/a.yaml\n")
    }

    @Test func missingNestedTemplatesFailTheSession() throws {
        let fixture = try SourceFixture()
        #expect(throws: FileError.self) {
            _ = try RenderSession(RenderConfiguration(nestedTemplates: [NestedTemplateSource(argument: "x=nope.t")],
                                                      workingDirectory: fixture.directory, environment: [:]))
        }
    }

    /// gomplate's `stat %q`: Go's quoting, `\t` and `\x01`, not JSON's `\u0001`.
    @Test func aMissingNestedTemplateIsQuotedAsGoQuotes() throws {
        let fixture = try SourceFixture()
        let message = errorText {
            try RenderSession(RenderConfiguration(nestedTemplates: [NestedTemplateSource(argument: "x=no\tpe\u{1}.t")],
                                                  workingDirectory: fixture.directory, environment: [:]))
        }
        #expect(message == "parse nested templates: stat \"no\\tpe\\x01.t\": open no\tpe\u{1}.t: no such file or directory")
    }
}
