import Testing
import Template
@testable import Hydrate

private func missing(_ file: String, _ line: Int, _ column: Int, _ key: String,
                     in expression: String? = nil) -> HydrationDiagnostic {
    HydrationDiagnostic(kind: .missingKey, MissingKey(file: file, line: line, column: column, key: key,
                                                      expression: expression ?? ".Env.\(key)").diagnostic)
}

@Suite("Hydration diagnostics: one form, merged variables, a summary")
struct HydrationDiagnosticTests {
    @Test(arguments: [
        // Go's execution error: its prefix and own `executing "NAME"` go, the 1-based column stays.
        (HydrationDiagnostic(kind: .template, file: "stacks/a.yaml", line: 2, column: 8,
                             message: #"template: stacks/a.yaml:2:7: executing "stacks/a.yaml" at <.X>: boom"#),
         "stacks/a.yaml:2:8: at <.X>: boom"),
        // Inside a `define`, the executing template's name is news, so it stays.
        (HydrationDiagnostic(kind: .template, file: "stacks/a.yaml", line: 3, column: 5,
                             message: #"template: stacks/a.yaml:3:4: executing "inner" at <.X>: boom"#),
         #"stacks/a.yaml:3:5: executing "inner" at <.X>: boom"#),
        // A parse error: Go gives the line alone.
        (HydrationDiagnostic(kind: .template, file: "stacks/a.yaml", line: 4, column: nil,
                             message: #"template: stacks/a.yaml:4: function "x" not defined"#),
         #"stacks/a.yaml:4: function "x" not defined"#),
        // A message whose prefix does not match the fields is kept whole, after the place.
        (HydrationDiagnostic(kind: .template, file: "stacks/a.yaml", line: 5, column: nil,
                             message: "template: other.yaml:5: unexpected EOF"),
         "stacks/a.yaml:5: template: other.yaml:5: unexpected EOF"),
        (HydrationDiagnostic(kind: .template, file: "stacks/a.yaml", line: nil, column: nil, message: "too deep"),
         "stacks/a.yaml: too deep"),
        (missing("stacks/a.yaml", 1, 12, "X"), #"stacks/a.yaml:1:12: missing key "X" (in .Env.X)"#),
    ])
    func everyKindReadsPathLineColumnMessage(diagnostic: HydrationDiagnostic, expected: String) {
        #expect(diagnostic.description == expected)
        let moved = diagnostic.located(at: "templates/" + diagnostic.file)
        #expect(moved.description == "templates/" + expected)
        #expect(moved.message == diagnostic.conciseMessage)
        #expect(moved.kind == diagnostic.kind && moved.line == diagnostic.line && moved.column == diagnostic.column)
    }

    @Test func onlyKeysOfEnvAreVariables() {
        #expect(missing("a", 1, 1, "DOMAIN").missingVariable == "DOMAIN")
        #expect(missing("a", 1, 1, "DOMAIN", in: ".Env.DOMAIN.x").missingVariable == "DOMAIN")
        #expect(missing("a", 1, 1, "argocd", in: ".Values.argocd.replicas").missingVariable == nil)
        #expect(missing("a", 1, 1, "DOM", in: ".Env.DOMAIN").missingVariable == nil)
    }

    @Test func aVariableReadInManyPlacesIsOneFindingThatCountsThem() {
        let found = [missing("edfbuilder.yaml", 1, 15, "DOMAIN"), missing("registry/a.yaml", 1, 4, "REPO"),
                     missing("registry/a.yaml", 2, 4, "DOMAIN"), missing("stacks/a/x.yaml", 1, 4, "REPO"),
                     missing("stacks/a/x.yaml", 3, 4, "REPO"), missing("stacks/a/x.yaml", 4, 4, "ONCE"),
                     missing("stacks/a/x.yaml", 5, 4, "argocd", in: ".Values.argocd.a"),
                     missing("stacks/a/x.yaml", 6, 4, "argocd", in: ".Values.argocd.b")]
        let merged = HydrationDiagnostic.mergingMissingVariables(found)
        #expect(merged.map(\.description) == [
            #"edfbuilder.yaml:1:15: missing key "DOMAIN" (in .Env.DOMAIN); read at 2 places in 2 files"#,
            #"registry/a.yaml:1:4: missing key "REPO" (in .Env.REPO); read at 3 places in 2 files"#,
            #"stacks/a/x.yaml:4:4: missing key "ONCE" (in .Env.ONCE)"#,
            #"stacks/a/x.yaml:5:4: missing key "argocd" (in .Values.argocd.a)"#,
            #"stacks/a/x.yaml:6:4: missing key "argocd" (in .Values.argocd.b)"#,
        ])
        #expect(merged.map(\.diagnostic.subject) == ["DOMAIN", "REPO", "ONCE", "argocd", "argocd"])
        #expect(HydrationDiagnostic.mergingMissingVariables([missing("a", 1, 1, "X"), missing("a", 2, 1, "X")])
            .map(\.message) == [#"missing key "X" (in .Env.X); read at 2 places in this file"#])
    }

    @Test func twoOrMoreVariablesGetASummaryLineAndOneDoesNot() {
        let two = HydrationError.rejected([missing("a", 1, 1, "B_VAR"), missing("a", 2, 1, "A_VAR"),
                                           missing("b", 1, 1, "B_VAR"),
                                           missing("b", 2, 1, "x", in: ".Values.x")])
        #expect(two.description.hasSuffix(
            "\n2 variables are not set: A_VAR, B_VAR; set them in --env-file, --values or the environment"))
        let one = HydrationError.rejected([missing("a", 1, 1, "A_VAR"), missing("b", 1, 1, "A_VAR"),
                                           missing("b", 2, 1, "x", in: ".Values.x")])
        #expect(one.description == """
            hydration found 3 problems; nothing was written:
            a:1:1: missing key "A_VAR" (in .Env.A_VAR)
            b:1:1: missing key "A_VAR" (in .Env.A_VAR)
            b:2:1: missing key "x" (in .Values.x)
            """)
    }

    @Test(arguments: [
        ("/work/repo/templates/a.yaml", "/work/repo", "templates/a.yaml"),
        ("/work/t/stacks/a.yaml", "/work/repo", "../t/stacks/a.yaml"),
        ("/work/repo/a.yaml", "/work/repo/ci/job", "../../a.yaml"),
        ("/work/repo", "/work/repo", "."),
        ("/opt/t/a.yaml", "/work/repo", nil),
        ("/a.yaml", "/", nil),
    ] as [(String, String, String?)])
    func pathsRelativeToTheWorkingDirectory(path: String, directory: String, expected: String?) {
        #expect(HydrationJob.relativePath(of: path, from: directory) == expected)
    }
}
