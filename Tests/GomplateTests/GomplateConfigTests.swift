import Foundation
import Testing
import TestSupport
@testable import Gomplate

/// The config file's keys are gomplate v5's (config.go `Config`, its `yaml:` tags; `PluginConfig`
/// and `DataSource` in config.go and internal/config/types.go).
@Suite struct GomplateConfigTests {
    @Test func everyKeyOfGomplatesConfig() throws {
        let config = try GomplateConfig(file: "c.yaml", text: """
            in: hello
            inputDir: in/
            inputFiles: [a, b]
            excludes: ['*.md', '!keep.md']
            excludeProcessing: ['*.png']
            outputDir: out/
            outputMap: |
              out/{{ .in }}
            outputFiles: [x, y]
            chmod: "644"
            leftDelim: '(('
            rightDelim: '))'
            missingKey: zero
            datasources:
              local:
                url: file:///tmp/data.json
              remote:
                url: https://example.com/api/v1/data
                header:
                  Authorization: ["Basic aGF4MHI6c3dvcmRmaXNoCg=="]
            context:
              .:
                url: data.toml
            templates:
              t:
                url: file:///foo/bar/helloworld.tmpl
            plugins:
              figlet:
                cmd: /usr/local/bin/figlet
                args: [oh, hello]
                pipe: true
                timeout: 1s
              lolcat: /usr/bin/lolcat
            pluginTimeout: 500ms
            postExec: [cat, -n]
            execPipe: true
            experimental: true
            """)
        #expect(config.input == "hello")
        #expect(config.inputDir == "in/")
        #expect(config.inputFiles == ["a", "b"])
        #expect(config.excludes == ["*.md", "!keep.md"])
        #expect(config.excludeProcessing == ["*.png"])
        #expect(config.outputDir == "out/")
        #expect(config.outputMap == "out/{{ .in }}\n")
        #expect(config.outputFiles == ["x", "y"])
        #expect(config.chmod == "644")
        #expect(config.leftDelim == "((" && config.rightDelim == "))")
        #expect(config.missingKey == "zero")
        #expect(config.dataSources.map(\.alias) == ["local", "remote"])
        #expect(config.dataSources[0].url.scheme == "file" && config.dataSources[0].url.path == "/tmp/data.json")
        #expect(config.dataSources[1].headers == ["Authorization": ["Basic aGF4MHI6c3dvcmRmaXNoCg=="]])
        #expect(config.contexts.map(\.alias) == ["."] && config.contexts[0].text == "data.toml")
        #expect(config.templates.map(\.url.path) == ["/foo/bar/helloworld.tmpl"])
        #expect(config.plugins == [
            GomplateConfig.Plugin(name: "figlet", command: "/usr/local/bin/figlet", arguments: ["oh", "hello"],
                                  timeout: 1_000_000_000, pipe: true),
            GomplateConfig.Plugin(name: "lolcat", command: "/usr/bin/lolcat", arguments: [], timeout: nil, pipe: false),
        ])
        #expect(config.pluginTimeout == 500_000_000)
        #expect(config.postExec == ["cat", "-n"])
        #expect(config.execPipe && config.experimental)
        #expect(config.warnings == [])
        #expect(config.positions["chmod"] == "c.yaml:10:1")
    }

    @Test func emptyAndNullFilesSetNothing() throws {
        for text in ["", "---\n", "~\n", "# only a comment\n"] {
            #expect(try GomplateConfig(file: "c.yaml", text: text) == GomplateConfig())
        }
        // A key with no value is no setting, as for yaml.v3.
        #expect(try GomplateConfig(file: "c.yaml", text: "inputDir:\n").inputDir == nil)
    }

    /// yaml.v3, without strict mode, drops unknown keys silently; edpctl names each.
    @Test func unknownKeysAreWarningsWithTheirPlace() throws {
        let config = try GomplateConfig(file: ".gomplate.yaml", text: """
            input-dir: t
            outputdir: o
            datasources:
              d:
                url: d.json
                headers: {}
            plugins:
              p:
                cmd: /bin/p
                timout: 1s
            verbose: true
            """)
        #expect(config.warnings == [
            ".gomplate.yaml:1:1: unknown setting 'input-dir', ignored (as gomplate does); did you mean 'inputDir'?",
            ".gomplate.yaml:2:1: unknown setting 'outputdir', ignored (as gomplate does); did you mean 'outputDir'?",
            ".gomplate.yaml:6:5: unknown setting 'headers', ignored (as gomplate does)",
            ".gomplate.yaml:10:5: unknown setting 'timout', ignored (as gomplate does)",
            ".gomplate.yaml:11:1: unknown setting 'verbose', ignored (as gomplate does)",
        ])
        #expect(config.inputDir == nil)
    }

    @Test(arguments: [
        ("inputDir: [a]\n", "c.yaml:1:11: 'inputDir' must be a string, not a list"),
        ("inputFiles: a.tmpl\n", "c.yaml:1:13: 'inputFiles' must be a list of strings, not a scalar"),
        ("excludes: [[a]]\n", "c.yaml:1:12: 'excludes' must be a list of strings, not hold a list"),
        ("execPipe: yes\n", "c.yaml:1:11: 'execPipe' must be true or false"),
        ("experimental: 'true'\n", "c.yaml:1:15: 'experimental' must be true or false"),
        ("pluginTimeout: 5\n", "c.yaml:1:16: 'pluginTimeout' must be a duration such as 5s or 500ms: time: missing unit in duration \"5\""),
        ("datasources: [a]\n", "c.yaml:1:14: 'datasources' must be a mapping, not a list"),
        ("plugins:\n  p: [a]\n", "c.yaml:2:6: 'plugins.p' must be a mapping, not a list"),
        ("- a\n", "c.yaml:1:1: a config file must be a mapping of settings, not a list"),
        ("in: x\n  bad: indent\n", "c.yaml:2:6: mapping values are not allowed in this context"),
    ])
    func wrongValuesAreErrorsWithTheirPlace(text: String, message: String) {
        #expect(throws: GomplateConfigError(message)) { try GomplateConfig(file: "c.yaml", text: text) }
    }

    /// A header's value is a credential: a wrong one is described, never quoted.
    @Test func headerValuesNeverReachAMessage() {
        let text = "datasources:\n  d:\n    url: https://h/x\n    header:\n      Authorization: s3cr3t-token\n"
        do {
            _ = try GomplateConfig(file: "c.yaml", text: text)
            Issue.record("a header that is not a list was accepted")
        } catch {
            #expect("\(error)" == "c.yaml:5:22: 'datasources.d.header.Authorization' must be a list of strings, not a scalar")
            #expect(!"\(error)".contains("s3cr3t"))
        }
    }

    /// internal/cmd/config.go `pickConfigFile`: --config, else GOMPLATE_CONFIG, else the default,
    /// which alone may be missing; an empty name means no file.
    @Test func whichFileIsRead() throws {
        let folder = try TemporaryFolder("gomplate-config")
        try plant(folder.child(".gomplate.yaml"), Array("in: default\n".utf8))
        try plant(folder.child("other.yaml"), Array("in: other\n".utf8))
        func load(_ flag: String?, _ environment: [String: String] = [:]) throws -> String? {
            try GomplateConfig.load(flag: flag, environment: environment, workingDirectory: folder.path)
                .map { "\($0.path)=\($0.config.input ?? "")" }
        }
        #expect(try load(nil) == ".gomplate.yaml=default")
        #expect(try load(nil, ["GOMPLATE_CONFIG": "other.yaml"]) == "other.yaml=other")
        #expect(try load("other.yaml", ["GOMPLATE_CONFIG": "missing.yaml"]) == "other.yaml=other")
        #expect(try load("", ["GOMPLATE_CONFIG": "other.yaml"]) == nil)
        #expect(try load(nil, ["GOMPLATE_CONFIG": ""]) == nil)
        #expect(throws: GomplateConfigError("config file missing.yaml (GOMPLATE_CONFIG) can't be read: open missing.yaml: no such file or directory")) {
            try load(nil, ["GOMPLATE_CONFIG": "missing.yaml"])
        }
        try FileManager.default.removeItem(atPath: folder.child(".gomplate.yaml"))
        #expect(try load(nil) == nil)
    }
}
