import Foundation
import Testing
import TestSupport
import YAML
@testable import Hydrate
@testable import Gomplate
import Template

private let hint = "<<</* edpctl:allow-secrets */>>>"

/// The guard's findings for one rendered file, as `file:line:col: message` lines.
private func guardFindings(_ file: String, _ text: String, environment: [String: String] = [:],
                           checkSecrets: Bool = true) throws -> [String] {
    let outputGuard = try OutputGuard(environment: environment, leftDelimiter: "<<<", rightDelimiter: ">>>")
    let format = try #require(OutputGuard.manifestFormat(of: file))
    return outputGuard.manifestDiagnostics(file: file, output: Array(text.utf8), format: format,
                                           checkSecrets: checkSecrets).map(\.description)
}

private func secretFinding(_ file: String, _ line: Int, _ column: Int, _ name: String, _ field: String = "data") -> String {
    "\(file):\(line):\(column): Secret \"\(name)\" has \(field) in it: Secrets are created outside git (or opt the file out with \(hint))"
}

@Suite("Hydration: every shape of a Secret")
struct HydrationSecretShapeTests {
    @Test(arguments: [
        ("json", "s.json", """
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j", "namespace": "n"},
             "data": {"k": "djE="}}
            """, ["s.json:2:2: Secret \"n/j\""]),
        ("json with tabs around it", "s.json", "\t{\t\"kind\": \"Secret\",\n\t\"stringData\": {\"k\": \"v\"}}\n\t",
         ["s.json:2:2: Secret \"\" has stringData"]),
        ("SecretList items without their own kind", "l.yaml", """
            apiVersion: v1
            kind: SecretList
            items:
              - metadata: {name: typed}
                data: {k: djE=}

            """, ["l.yaml:5:5: Secret \"typed\""]),
        ("SecretList in JSON", "l.json", """
            {"kind": "SecretList", "items": [{"metadata": {"name": "a"}, "data": {"k": "djE="}},
                                             {"metadata": {"name": "b"}, "data": {}}]}
            """, ["l.json:1:62: Secret \"a\""]),
        ("any List, nested", "n.yaml", """
            kind: ConfigMapList
            items:
              - kind: List
                items:
                  - kind: List
                    items:
                      - kind: Secret
                        metadata: {name: deep}
                        stringData: {password: x}

            """, ["n.yaml:9:13: Secret \"deep\" has stringData"]),
        ("kind through a merge key", "m.yaml", """
            apiVersion: v1
            kind: List
            x-base: &base
              apiVersion: v1
              kind: Secret
            items:
              - <<: *base
                metadata: {name: merged}
                stringData: {password: x}

            """, ["m.yaml:9:5: Secret \"merged\" has stringData"]),
        ("data through merge keys in a list", "d.yaml", """
            x-meta: &meta {metadata: {name: from-anchors}}
            x-data: &data
              data:
                k: djE=
            secret:
              <<: [*meta, *data]
              kind: Secret

            """, ["d.yaml:3:3: Secret \"from-anchors\""]),
        ("an explicit !!merge key", "t.yaml", "kind: Secret\n!!merge <<: {data: {k: v}}\n", ["t.yaml:2:14: Secret \"\""]),
        ("kind through an alias", "a.yaml", """
            ---
            x: &kind Secret
            ---
            kind: *kind
            metadata: {name: aliased}
            data: {k: djE=}

            """, ["a.yaml:6:1: Secret \"aliased\""]),
        ("flow style and quoted keys", "f.yaml", """
            {"kind": 'Secret', 'metadata': {"name": flow}, "data": {k: v}}

            """, ["f.yaml:1:48: Secret \"flow\""]),
        ("tags", "g.yaml", """
            kind: !!str Secret
            metadata: {name: tagged}
            data: {k: v}
            ---
            kind: !!binary U2VjcmV0
            metadata: {name: binary}
            stringData: {k: v}

            """, ["g.yaml:3:1: Secret \"tagged\"", "g.yaml:7:1: Secret \"binary\" has stringData"]),
        ("second document, after a ConfigMap", "c.yaml", """
            kind: ConfigMap
            data: {k: v}
            ---
            kind: Secret
            metadata: {name: second}
            data: {k: djE=}

            """, ["c.yaml:6:1: Secret \"second\""]),
        ("a manifest embedded in Helm values", "stacks/x/values.yaml", """
            extraObjects:
              - apiVersion: v1
                kind: Secret
                metadata: {name: embedded}
                stringData:
                  token: abc

            """, ["stacks/x/values.yaml:5:5: Secret \"embedded\" has stringData"]),
        ("data that is not a mapping", "s.yml", "kind: Secret\ndata: djE=\n", ["s.yml:2:1: Secret \"\""]),
        // Spellings without the word in the text, which the walk must not be skipped for.
        ("kind and Secret only as escapes", "e.yaml", "\"\\x6Bind\": \"Secr\\u0065t\"\ndata: {k: v}\n",
         ["e.yaml:2:1: Secret \"\""]),
        ("Secret only in base64", "b.yaml", "kind: !!binary U2VjcmV0\ndata: {k: v}\n", ["b.yaml:2:1: Secret \"\""]),
        ("Secret broken by an escaped line break", "q.yaml", "kind: \"Sec\\\n  ret\"\ndata: {k: v}\n",
         ["q.yaml:3:1: Secret \"\""]),
        ("secretGenerator only as escapes", "kustomization.yaml", "\"secret\\x47enerator\":\n  - name: g\n    literals: [a=b]\n",
         ["kustomization.yaml:3:5: secretGenerator \"g\" has literals"]),
    ])
    func secretIsFound(shape: String, file: String, text: String, expected: [String]) throws {
        let findings = try guardFindings(file, text)
        #expect(findings.count == expected.count, "\(shape): \(findings)")
        for (finding, prefix) in zip(findings, expected) {
            #expect(finding.hasPrefix(prefix), "\(shape): \(finding)")
            #expect(finding.hasSuffix(" in it: Secrets are created outside git (or opt the file out with \(hint))"))
        }
    }

    @Test(arguments: [
        ("empty data", "kind: Secret\ndata: {}\nstringData: ~\n---\nkind: Secret\ndata:\nstringData: ''\n"),
        ("a ConfigMap", "kind: ConfigMap\ndata: {password: x}\n"),
        ("a SealedSecret", "kind: SealedSecret\nspec: {encryptedData: {k: AgBy}}\n"),
        ("a quoted << is a plain key", "x: &s {kind: Secret}\ny:\n  \"<<\": *s\n  data: {k: v}\n"),
        ("the kind is case-sensitive, as in Kubernetes", "kind: secret\ndata: {k: v}\n"),
        ("a List item with a kind of its own", "kind: SecretList\nitems:\n  - kind: ConfigMap\n    data: {k: v}\n"),
    ])
    func notASecretWithData(shape: String, text: String) throws {
        #expect(try guardFindings("x.yaml", text) == [], "\(shape)")
    }

    @Test func aSecretReachedTwiceThroughAnAliasIsListedOnce() throws {
        let text = "a: &s {kind: Secret, metadata: {name: once}, data: {k: v}}\nb: *s\nc: [*s, *s]\n"
        #expect(try guardFindings("x.yaml", text) == [secretFinding("x.yaml", 1, 46, "once")])
    }

    @Test func jsonThatDoesNotParseIsRefusedLikeYAML() throws {
        #expect(try guardFindings("x.json", "{\"a\": 1,\n \"b\": [1, 2}\n") == [
            "x.json:2:12: the rendered output is not valid JSON: did not find expected ',' or ']'",
        ])
        #expect(try guardFindings("x.json", "{\"a\": 1, \"a\": 2}\n") == [
            "x.json:1:2: the rendered output is not valid JSON: mapping key \"a\" already defined",
        ])
        #expect(try guardFindings("x.json", "[1, {\"a\": \"\\/\"}]\n") == [])
        #expect(try guardFindings("x.json", "{\"kind\": \"Secret\", \"data\": {\"k\": \"v\"}}", checkSecrets: false) == [])
    }

    @Test func uppercaseExtensionsAreManifestsToo() {
        #expect(OutputGuard.manifestFormat(of: "a/B.YAML") == .yaml)
        #expect(OutputGuard.manifestFormat(of: "a/b.Json") == .json)
        #expect(OutputGuard.manifestFormat(of: "a/b.yaml.txt") == nil)
    }

    // MARK: Alias bombs

    /// `a0: &a0 [x × width]`, `a1: &a1 [*a0 × width]`, …: width^levels nodes in a few hundred bytes.
    private func aliasBomb(levels: Int, width: Int = 9, asKey: Bool = false) -> String {
        var lines = ["a0: &a0 [" + Array(repeating: "x", count: width).joined(separator: ", ") + "]"]
        for level in 1...levels {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", ") + "]")
        }
        lines.append(asKey ? "? *a\(levels)\n: 1" : "kind: Secret\ndata: *a\(levels)")
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(arguments: [false, true])
    func anAliasBombStopsAtOnceAsInGoYAML(asKey: Bool) throws {
        let start = Date()
        let findings = try guardFindings("bomb.yaml", aliasBomb(levels: 9, asKey: asKey))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(findings.count == 1)
        #expect(findings.first?.hasPrefix("bomb.yaml:") == true)
        #expect(findings.first?.hasSuffix(": the rendered output is not valid YAML: document contains excessive aliasing") == true)
    }

    @Test func ordinaryAliasingPasses() throws {
        let oneLevel = aliasBomb(levels: 1).replacingOccurrences(of: "kind: Secret\n", with: "")
        #expect(try guardFindings("ok.yaml", oneLevel) == [])
        let parser = YAMLParser(oneLevel)
        _ = try parser.remainingDocuments()
        // The document, a0 and its 10 nodes, a1 with 1 + 9 × 10, data with a1's 91 again.
        #expect(parser.aliasBudget.expandedNodes == 1 + (1 + 10) + (1 + 91) + (1 + 91))
        #expect(parser.aliasBudget.aliasedNodes == 9 * 10 + 91)
    }

    /// `l0: &l0 {kind: Secret}`, `l1: &l1 {<<: *l0, k1: v}`, …, then `secret: {<<: *lN, data: …}`.
    private func mergeChain(_ links: Int) -> String {
        var lines = ["l0: &l0 {kind: Secret}"]
        for link in 1...links { lines.append("l\(link): &l\(link) {<<: *l\(link - 1), k\(link): v}") }
        lines.append("secret: {<<: *l\(links), metadata: {name: chained}, data: {k: v}}")
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aChainOfMergeKeysIsFollowedButBounded() throws {
        let short = try guardFindings("chain.yaml", mergeChain(10))
        #expect(short == [secretFinding("chain.yaml", 12, 47, "chained")], "\(short)")
        // Each field looked up walks the chain again: the walk's own budget stops it before go-yaml's ratio does.
        #expect(YAMLParser.firstError(in: mergeChain(150)) == nil)
        let start = Date()
        let findings = try guardFindings("chain.yaml", mergeChain(150))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(findings.count == 1)
        #expect(findings.first?.hasSuffix(": the rendered output is not valid YAML: document contains excessive aliasing") == true)
    }
}

/// A scratch templates tree with one stack, `core`, and an empty instances folder.
private final class SecretFixture {
    private let folder: TemporaryFolder
    var root: String { folder.path }

    init(_ templates: [String: String]) throws {
        folder = try TemporaryFolder("hydration-secrets")
        try FileManager.default.createDirectory(atPath: folder.child("instances"), withIntermediateDirectories: true)
        try write("templates/registry/core.yaml", "a: b\n")
        for (path, text) in templates { try write("templates/" + path, text) }
    }

    func write(_ path: String, _ text: String) throws { try plant(root + "/" + path, Array(text.utf8)) }

    func request(_ variables: [String: String]) -> HydrationRequest {
        HydrationRequest(templatesDirectory: root + "/templates", instancesDirectory: root + "/instances",
                         provider: "otc", domain: "example.org", stacks: ["core"], variables: variables)
    }

    /// The diagnostics planning throws.
    func diagnostics(_ variables: [String: String]) throws -> [HydrationDiagnostic] {
        do {
            _ = try Hydrator.plan(request(variables))
        } catch HydrationError.rejected(let diagnostics) {
            return diagnostics
        }
        Issue.record("the plan was not rejected")
        return []
    }
}

private let credentials = [
    "DB_PASSWORD": "Zq7-hunter2-Xw9",
    "API_TOKEN": "tok+/=AbCdEfGh12",
    "GREETING": "hello world",
]

/// What a leak of `value` would look like: itself, its base64, or any 6 characters of either.
private func leaks(_ value: String, in text: String) -> String? {
    for form in [value, Data(value.utf8).base64EncodedString()] {
        let characters = Array(form)
        for start in 0...(characters.count - 6) where text.contains(String(characters[start..<(start + 6)])) {
            return String(characters[start..<(start + 6)])
        }
    }
    return nil
}

@Suite("Hydration: no credential in any message")
struct HydrationRedactionTests {
    @Test(arguments: [
        ("a duplicate key made of a value", "dup.yaml", "<<< .Env.DB_PASSWORD >>>: 1\n<<< .Env.DB_PASSWORD >>>: 2\n",
         "stacks/core/dup.yaml:1:1: the rendered output is not valid YAML: mapping key \"<DB_PASSWORD redacted>\" already defined"),
        ("a duplicate key made of 5 characters of a value", "dup5.yaml",
         "<<< .Env.DB_PASSWORD | strings.Trunc 5 >>>: 1\n<<< .Env.DB_PASSWORD | strings.Trunc 5 >>>: 2\n",
         "stacks/core/dup5.yaml:1:1: the rendered output is not valid YAML: mapping key \"<DB_PASSWORD redacted>\" already defined"),
        ("a JSON error quoting the first characters", "j.yaml", "<<< data.JSON .Env.API_TOKEN >>>\n",
         "stacks/core/j.yaml:1:5: at <data.JSON>: error calling JSON: "
            + "unable to unmarshal object: json:1:1: cannot unmarshal !!str `<API_TOKEN redacted>...` into map[string]interface {}"),
        ("range over a piece of a value", "r.yaml", "<<< range (.Env.API_TOKEN | strings.Trunc 9) >>>x<<< end >>>\n",
         "stacks/core/r.yaml:1:43: at <9>: range can't iterate over <API_TOKEN redacted>"),
        ("range over a piece of a value's base64", "b.yaml",
         "<<< range (base64.Encode .Env.DB_PASSWORD | strings.Trunc 8) >>>x<<< end >>>\n",
         "stacks/core/b.yaml:1:59: at <8>: range can't iterate over <DB_PASSWORD redacted>"),
        ("a JSON output that does not parse", "o.json", "{\"a\": <<< .Env.API_TOKEN >>>]\n",
         "stacks/core/o.json:1:23: the rendered output is not valid JSON: did not find expected ',' or '}'"),
    ])
    func messagesQuoteNoCredential(situation: String, file: String, template: String, expected: String) throws {
        let fixture = try SecretFixture(["stacks/core/" + file: template])
        let diagnostics = try fixture.diagnostics(credentials)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains(expected), "\(situation): \(messages)")
        let encoded = String(decoding: try JSONEncoder().encode(diagnostics), as: UTF8.self)
            .replacingOccurrences(of: "\\/", with: "/")
        for value in [credentials["DB_PASSWORD"]!, credentials["API_TOKEN"]!] {
            #expect(leaks(value, in: messages.joined(separator: "\n")) == nil, "\(situation): \(messages)")
            #expect(leaks(value, in: encoded) == nil, "\(situation): \(encoded)")
        }
    }

    @Test func theFilesOwnPathIsKeptWhenAValueSharesAPieceOfIt() {
        let credentials = CredentialVariables(environment: ["ARGOCD_PASSWORD": "argocd-admin-2024"])
        let error = credentials.redacting(.rejected([HydrationDiagnostic(
            kind: .template, file: "stacks/core/argocd.yaml", line: nil, column: nil,
            message: "template: stacks/core/argocd.yaml:3:7: range can't iterate over admin-2024")]))
        #expect(error.description.hasSuffix(
            "\nstacks/core/argocd.yaml: template: stacks/core/argocd.yaml:3:7: range can't iterate over "
                + "<ARGOCD_PASSWORD redacted>"))
    }

    @Test func redactionCatchesEveryFormOfAValue() {
        let credentials = CredentialVariables(environment: ["GIT_TOKEN": "ghp_Secret/Value+1", "PATH": "/usr/bin"])
        let base64 = Data("ghp_Secret/Value+1".utf8).base64EncodedString()
        let inner = Data("user:ghp_Secret/Value+1".utf8).base64EncodedString()
        for text in ["ghp_Secret/Value+1", base64, inner, "\"ghp_S\"", "`ghp_Se...`", "Value+", "x ghp_Secret/ y",
                     base64.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")] {
            let redacted = credentials.redacting("at " + text + " end")
            #expect(redacted.contains("<GIT_TOKEN redacted>") && !redacted.contains("ghp_S"), "\(text) → \(redacted)")
        }
        #expect(credentials.redacting("in /usr/bin and \"Val\" or Value") == "in /usr/bin and \"Val\" or Value")
    }

    /// A key indented into YAML appears line by line, never whole.
    @Test func eachLongLineOfAMultiLineValueCounts() throws {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\nbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"
        let fixture = try SecretFixture(["stacks/core/key.yaml": "key: |\n<<< .Env.SSH_PRIVATE_KEY | strings.Indent 2 >>>\n"])
        let messages = try fixture.diagnostics(["SSH_PRIVATE_KEY": key]).map(\.description)
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.allSatisfy { $0.contains("the value of the credential variable SSH_PRIVATE_KEY appears in the output") }, "\(messages)")
        #expect(messages.map { $0.prefix(24) } == ["stacks/core/key.yaml:3:3", "stacks/core/key.yaml:4:3"])
    }

    @Test func aValuesFileErrorQuotesNoScalar() throws {
        let fixture = try SecretFixture([:])
        try fixture.write("values.yaml", "DB_PASSWORD: !!int Zq7-hunter2-Xw9\n")
        #expect(throws: HydrationError.invalidInput(
            "\(fixture.root)/values.yaml:1:14: cannot decode !!str `…` as a !!int")) {
            try HydrationInputs.load(valuesFile: fixture.root + "/values.yaml", envFile: nil, environment: [:])
        }
    }

}

@Suite("Hydration: the diff of a file with credentials")
struct HydrationSecretDiffTests {
    @Test func aFileThatAllowsSecretsIsNamedWithoutItsLines() throws {
        let fixture = try SecretFixture([
            "stacks/core/secret.yaml": "<<</* edpctl:allow-secrets */>>>\nkind: Secret\nstringData:\n  password: <<< .Env.DB_PASSWORD >>>\n",
        ])
        try fixture.write("instances/otc/example.org/stacks/core/secret.yaml", "kind: Secret\nstringData:\n  password: old-Pa55word\n")
        let plan = try Hydrator.plan(fixture.request(credentials))
        let diff = plan.unifiedDiff()
        #expect(diff == """
            --- /dev/null
            +++ b/otc/example.org/registry/core.yaml
            @@ -0,0 +1 @@
            +a: b
            Files a/otc/example.org/stacks/core/secret.yaml and b/otc/example.org/stacks/core/secret.yaml differ (its template allows secrets: lines not shown)

            """)
    }

    /// The report names the file that allows secrets, created or modified as it was, and its JSON
    /// (`HydrationReport` is `Encodable`) holds paths only, never the value.
    @Test func theReportListsTheFileThatAllowsSecretsAndItsJSONHoldsNoValue() throws {
        let fixture = try SecretFixture([
            "stacks/core/secret.yaml": "<<</* edpctl:allow-secrets */>>>\nkind: Secret\nstringData:\n  password: <<< .Env.DB_PASSWORD >>>\n",
            "stacks/core/app.yaml": "greeting: <<< .Env.GREETING >>>\n",
        ])
        try fixture.write("instances/otc/example.org/stacks/core/secret.yaml", "kind: Secret\n")
        let plan = try Hydrator.plan(fixture.request(credentials))
        let expected = HydrationReport(
            instancePath: "otc/example.org",
            created: ["otc/example.org/registry/core.yaml", "otc/example.org/stacks/core/app.yaml"],
            modified: ["otc/example.org/stacks/core/secret.yaml"], unchanged: [], removed: [], removedDirectories: [],
            filesAllowingSecrets: ["otc/example.org/stacks/core/secret.yaml"])
        #expect(plan.preview == expected)
        #expect(try Hydrator.apply(plan) == expected)
        #expect(try Hydrator.plan(fixture.request(credentials)).preview.filesAllowingSecrets
            == ["otc/example.org/stacks/core/secret.yaml"])
        let json = String(decoding: try JSONEncoder().encode(expected), as: UTF8.self)
        #expect(!json.contains(credentials["DB_PASSWORD"]!) && json.contains("filesAllowingSecrets"))
    }

    @Test func aLineHoldingACredentialIsMaskedInEveryOtherFile() throws {
        let fixture = try SecretFixture(["stacks/core/app.yaml": "greeting: <<< .Env.GREETING >>>\n"])
        let token = Data("tok+/=AbCdEfGh12".utf8).base64EncodedString()
        try fixture.write("instances/otc/example.org/stacks/core/app.yaml",
                          "greeting: hi\npassword: Zq7-hunter2-Xw9\ntoken: \(token)\n")
        let diff = try Hydrator.plan(fixture.request(credentials)).unifiedDiff()
        #expect(diff.hasSuffix("""
            --- a/otc/example.org/stacks/core/app.yaml
            +++ b/otc/example.org/stacks/core/app.yaml
            @@ -1,3 +1 @@
            -greeting: hi
            -[line not shown: it holds the value of DB_PASSWORD]
            -[line not shown: it holds the value of API_TOKEN]
            +greeting: hello world

            """), "\(diff)")
    }
}

/// What the guard says of one rendered file, as `file:line:col: message` lines, whatever its name.
private func anyFileFindings(_ file: String, _ text: String, environment: [String: String] = [:]) throws -> [String] {
    let outputGuard = try OutputGuard(environment: environment, leftDelimiter: "<<<", rightDelimiter: ">>>")
    let output = Array(text.utf8)
    let manifest = OutputGuard.manifestFormat(of: file).map {
        outputGuard.manifestDiagnostics(file: file, output: output, format: $0, checkSecrets: true)
    } ?? []
    return (manifest + outputGuard.credentialDiagnostics(file: file, output: output)
        + outputGuard.otherFileDiagnostics(file: file, output: output)).map(\.description)
}

@Suite("Hydration: Secrets Argo CD would apply from other shapes")
struct HydrationSecretSourceTests {
    @Test(arguments: [
        ("kustomize literals", "stacks/x/kustomization.yaml", """
            resources: [deploy.yaml]
            secretGenerator:
              - name: db
                literals:
                  - password=hunter2

            """, ["stacks/x/kustomization.yaml:4:5: secretGenerator \"db\" has literals"]),
        ("kustomize envs and files in a .yml", "kustomization.yml", """
            secretGenerator:
            - name: a
              envs: [a.env]
            - name: b
              files: [tls.key]
            - name: c
              env: c.env

            """, ["kustomization.yml:3:3: secretGenerator \"a\" has envs", "kustomization.yml:5:3: secretGenerator \"b\" has files",
                  "kustomization.yml:7:3: secretGenerator \"c\" has env"]),
        ("the extension-less Kustomization", "overlay/Kustomization",
         "secretGenerator: [{name: k, literals: [a=b]}]\n", ["overlay/Kustomization:1:29: secretGenerator \"k\" has literals"]),
        ("any file whose kind is Kustomization", "base.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            x: &gen {name: merged, literals: [a=b]}
            secretGenerator: [*gen]

            """, ["base.yaml:3:24: secretGenerator \"merged\" has literals"]),
        ("a kustomize Component", "c.yaml", "kind: Component\nsecretGenerator:\n- {name: comp, literals: [a=b]}\n",
         ["c.yaml:3:16: secretGenerator \"comp\" has literals"]),
        ("a Secret in a Helm values string", "stacks/x/values.yaml", """
            extraObjects: |
              apiVersion: v1
              kind: Secret
              metadata: {name: db, namespace: app}
              stringData:
                password: hunter2

            """, ["stacks/x/values.yaml:1:15: Secret \"app/db\" (in the YAML text of a string) has stringData"]),
        ("a list of strings, one a templated Secret that does not parse", "values.yaml", """
            extraDeploy:
              - |
                kind: ConfigMap
                data: {a: b}
              - |
                apiVersion: v1
                kind: Secret
                metadata:
                  name: {{ .Release.Name }}-x
                data:
                  password: aHVudGVyMg==

            """, ["values.yaml:5:5: Secret \"\" (in the YAML text of a string) has data"]),
        ("JSON in a string in JSON", "v.json",
         "{\"extra\": \"{\\\"kind\\\": \\\"Secret\\\", \\\"data\\\": {\\\"k\\\": \\\"djE=\\\"}}\"}\n",
         ["v.json:1:11: Secret \"\" (in the YAML text of a string) has data"]),
        ("a string in a string", "deep.yaml", """
            outer: |
              inner: |
                kind: Secret
                metadata: {name: deep}
                stringData: {k: v}

            """, ["deep.yaml:1:8: Secret \"deep\" (in the YAML text of a string) has stringData"]),
        ("a Secret in a .yaml.tmpl", "stacks/x/secret.yaml.tmpl",
         "apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ndata: {k: djE=}\n",
         ["stacks/x/secret.yaml.tmpl:4:1: Secret \"t\" has data"]),
        ("a templated Secret in a .yml.j2, line by line", "s.yml.j2", """
            kind: "Secret"
            metadata:
              name: {{ name }}
            stringData:   # from the vault
              token: {{ token }}

            """, ["s.yml.j2:4:1: Secret \"\" has stringData"]),
        ("a Secret in a file without extension", "secret", "kind: Secret\nmetadata: {name: bare}\ndata: {k: v}\n",
         ["secret:3:1: Secret \"bare\" has data"]),
        ("YAML in a .txt", "notes.txt", "kind: Secret\nmetadata: {name: txt}\nstringData: {k: v}\n",
         ["notes.txt:3:1: Secret \"txt\" has stringData"]),
    ])
    func secretIsFound(shape: String, file: String, text: String, expected: [String]) throws {
        let findings = try anyFileFindings(file, text)
        #expect(findings.count == expected.count, "\(shape): \(findings)")
        for (finding, prefix) in zip(findings, expected) {
            #expect(finding.hasPrefix(prefix + " in it: Secrets are created outside git (or opt the file out with \(hint))"),
                    "\(shape): \(finding)")
        }
    }

    @Test(arguments: [
        ("a secretGenerator without content", "kustomization.yaml", "secretGenerator:\n- name: a\n  options: {disableNameSuffixHash: true}\n"),
        ("a configMapGenerator", "kustomization.yaml", "configMapGenerator:\n- name: a\n  literals: [a=b]\n"),
        ("secretGenerator in a file kustomize does not read", "values.yaml", "secretGenerator:\n- name: a\n  literals: [a=b]\n"),
        ("prose naming a Secret", "values.yaml", "help: |\n  This kind of Secret is created by\n  the operator, with data: its own.\n"),
        ("a string Secret without data", "values.yaml", "extra: |\n  kind: Secret\n  metadata: {name: x}\n  data: {}\n"),
        ("kind: secret, which the API server refuses", "values.yaml", "extra: |\n  kind: secret\n  data: {k: v}\n"),
        ("a Markdown example that is no YAML", "README.md", "# Secrets\n\n```yaml\nkind: Secret\nstringData:\n  password: changeme\n```\n"),
        ("a templated Secret without data", "s.yaml.tmpl", "kind: Secret\nmetadata: {name: {{ n }}}\ntype: Opaque\n"),
        ("data in another document than the Secret", "s.yaml.tmpl", "kind: Secret\nmetadata: {name: {{ n }}}\n---\nkind: ConfigMap\ndata:\n  a: b\n"),
    ])
    func notASecretWithData(shape: String, file: String, text: String) throws {
        #expect(try anyFileFindings(file, text) == [], "\(shape)")
    }

    @Test func stringsAreReadOnceAndNotTooDeep() throws {
        let secret = "kind: Secret\\ndata: {k: v}"
        // The same string a thousand times through an alias is read once, and reported once.
        let copies = "s: &s \"\(secret)\"\nall: [" + Array(repeating: "*s", count: 1000).joined(separator: ", ") + "]\n"
        #expect(try anyFileFindings("a.yaml", copies).count == 1)
        // Four strings deep is past `maxStringDepth`.
        var nested = "kind: Secret\ndata: {k: v}\n"
        for _ in 0..<4 { nested = "x: " + goQuote(nested) + "\n" }
        #expect(try anyFileFindings("n.yaml", nested) == [])
    }
}

@Suite("Hydration: a credential in any case and spelling")
struct HydrationCredentialSpellingTests {
    static let token = "Zq9sEcr3tVal/ue+xY"
    static let environment = ["API_TOKEN": token, "SIGNING_KEY": "k3y\"q\\u'ote<&>Sign", "PATH": "/usr/bin"]

    @Test(arguments: [
        ("upper case", "a: ZQ9SECR3TVAL/UE+XY\n", "API_TOKEN appears in the output"),
        ("lower case", "a: zq9secr3tval/ue+xy\n", "API_TOKEN appears in the output"),
        ("hex", "a: 5a713973456372337456616c2f75652b7859\n", "API_TOKEN appears hex-encoded"),
        ("HEX", "a: 5A713973456372337456616C2F75652B7859\n", "API_TOKEN appears hex-encoded"),
        ("urlquery", "a: Zq9sEcr3tVal%2Fue%2BxY\n", "API_TOKEN appears percent-encoded"),
        ("path escape, lower-case hex", "a: Zq9sEcr3tVal/ue+xY?\n".replacingOccurrences(of: "?", with: ""),
         "API_TOKEN appears in the output"),
        ("full percent-encoding", "a: Zq9sEcr3tVal%2fue%2bxY\n", "API_TOKEN appears percent-encoded"),
        ("base32", "a: LJYTS42FMNZDG5CWMFWC65LFFN4FS===\n", "API_TOKEN appears base32-encoded"),
        ("base32 inside a longer text, lower case", "a: mfrduwtrhfzuky3sgn2fmylmf52wkk3yle======\n",
         "API_TOKEN appears base32-encoded"),
        ("base64 in upper case", "a: \(Data(token.utf8).base64EncodedString().uppercased())\n", "API_TOKEN appears base64-encoded"),
        ("Go-quoted", "a: \"k3y\\\"q\\\\u'ote<&>Sign\"\n", "SIGNING_KEY appears escaped"),
        ("JSON", "{\"a\": \"k3y\\\"q\\\\u'ote\\u003c\\u0026\\u003eSign\"}\n", "SIGNING_KEY appears escaped"),
        ("HTML", "a: k3y&#34;q\\u&#39;ote&lt;&amp;&gt;Sign\n", "SIGNING_KEY appears escaped"),
        ("JavaScript", "a: k3y\\\"q\\\\u\\'ote\\u003C\\u0026\\u003ESign\n", "SIGNING_KEY appears escaped"),
        ("YAML single-quoted", "a: 'k3y\"q\\u''ote<&>Sign'\n", "SIGNING_KEY appears escaped"),
    ])
    func theGuardFindsIt(spelling: String, output: String, expected: String) throws {
        let findings = try anyFileFindings("x.yaml", output, environment: Self.environment)
        #expect(findings.count == 1, "\(spelling): \(findings)")
        #expect(findings.first?.contains(expected) == true, "\(spelling): \(findings)")
    }

    @Test func redactionFindsItInAnyCaseAndSpelling() {
        let credentials = CredentialVariables(environment: Self.environment)
        for text in ["zq9secr3tval/ue+xy", "ZQ9SECR3TVAL/UE+XY", "5a713973456372337456616c2f75652b7859",
                     "5A713973456372337456616C2F75652B7859", "Zq9sEcr3tVal%2Fue%2BxY", "LJYTS42FMNZDG5CWMFWC65LFFN4FS===",
                     "ljyts42fmnzdg5cwmfwc65lffn4fs", "SECR3T", "k3y&#34;q\\u&#39;ote&lt;&amp;&gt;Sign",
                     "k3y\\\"q\\\\u\\'ote\\u003C\\u0026\\u003ESign"] {
            let redacted = credentials.redacting("failed: " + text + " here")
            #expect(redacted.hasPrefix("failed: <") && redacted.hasSuffix(" redacted> here"), "\(text) → \(redacted)")
        }
        #expect(credentials.redacting("failed: \"ZQ9SE\" here") == "failed: \"<API_TOKEN redacted>\" here")
        // The whole value, not a piece of it around a redaction.
        #expect(credentials.redacting("failed: zq9secr3tval/ue+xy") == "failed: <API_TOKEN redacted>")
    }

    @Test func unicodeCaseChangesCountToo() throws {
        let environment = ["GIT_SSH_PASSPHRASE": "Sésame-öffne-dich-straße"]
        for output in ["SÉSAME-ÖFFNE-DICH-STRASSE", "sésame-öffne-dich-straße", "Sésame-Öffne-Dich-Straße"] {
            let findings = try anyFileFindings("x.txt", "a: \(output)\n", environment: environment)
            #expect(findings.count == 1 && findings[0].contains("GIT_SSH_PASSPHRASE appears in the output"), "\(output): \(findings)")
        }
        #expect(CredentialVariables(environment: environment).redacting("x SÉSAME-ÖFFNE y") == "x <GIT_SSH_PASSPHRASE redacted> y")
    }

    @Test func columnsCountBytesAndTheSubjectIsNamed() throws {
        let outputGuard = try OutputGuard(environment: Self.environment, leftDelimiter: "<<<", rightDelimiter: ">>>")
        // "éé" is 2 characters and 4 bytes: the value starts at byte 12 of line 2, character 10.
        let credential = outputGuard.credentialDiagnostics(file: "a.txt", output: Array("x\nkey: \"éé ZQ9SECR3TVAL/UE+XY\"\n".utf8))
        #expect(credential.map(\.line) == [2] && credential.map(\.column) == [12], "\(credential)")
        #expect(credential.first?.diagnostic.subject == "API_TOKEN")
        // libyaml places `data` at character 37; with the two bytes of "é" before it, byte 38.
        let secret = outputGuard.manifestDiagnostics(file: "a.yaml", output: Array("{kind: Secret, metadata: {name: é}, data: {a: b}}\n".utf8),
                                                     format: .yaml, checkSecrets: true)
        #expect(secret.map(\.line) == [1] && secret.map(\.column) == [38], "\(secret)")
        #expect(secret.first?.diagnostic.subject == "Secret \"é\"")
        // An error after a byte-order mark and "é": libyaml counts neither the mark nor the bytes.
        let invalid = outputGuard.manifestDiagnostics(file: "b.yaml", output: [0xEF, 0xBB, 0xBF] + Array("é: a: b\n".utf8),
                                                      format: .yaml, checkSecrets: false)
        let column = try #require(invalid.first?.column)
        let characterColumn = try #require(YAMLParser.firstError(in: "\u{FEFF}é: a: b\n")?.column)
        #expect(invalid.first?.line == 1 && characterColumn > 1 && column == characterColumn + 1, "\(invalid)")
    }

    @Test func theBytesAroundAreNoMatter() throws {
        // Not UTF-8 before the value: still found, at the right column.
        let outputGuard = try OutputGuard(environment: Self.environment, leftDelimiter: "<<<", rightDelimiter: ">>>")
        let findings = outputGuard.credentialDiagnostics(file: "b.bin", output: [0xFF, 0xFE, 0x20] + Array("ZQ9SECR3TVAL/UE+XY".utf8))
        #expect(findings.map(\.description) == [
            "b.bin:1:4: the value of the credential variable API_TOKEN appears in the output (keep it out of git, "
                + "or opt the file out with \(hint))",
        ])
    }
}

@Suite("Hydration: which variables are credentials")
struct HydrationCredentialNameTests {
    @Test func passwordsTokensAndCookiesUnderTheirUsualNames() {
        for name in ["DB_PASS", "SMTP_PASS", "PASS", "MYSQL_PWD", "DBPWD", "ADMIN_PW", "GITHUB_PAT", "PAT_GITLAB", "NPM_AUTH",
                     "BASIC_AUTH", "NPM_CONFIG__AUTH", "BASICAUTH", "RABBITMQ_ERLANG_COOKIE", "SESSION_COOKIE", "PKCS11_PIN",
                     "npm-auth", "db.pass"] {
            #expect(CredentialVariables.isCredentialName(name), "\(name)")
        }
    }

    @Test func settingsPointersAndTheShellsFoldersAreNot() {
        for name in ["PWD", "OLDPWD", "pwd", "PWDEBUG", "PATH", "PATCH_LEVEL", "HOME", "AUTHOR", "GIT_AUTHOR_NAME",
                     "GIT_AUTHOR_EMAIL", "OAUTH_URL", "OAUTH", "OAUTH_CLIENT_ID", "OAUTH_ISSUER", "AUTH_TYPE", "AUTH_METHOD",
                     "AUTH_PROVIDER", "AUTHORITY", "NO_PROXY_BYPASS", "PASSAGE", "COOKIE_DOMAIN", "COOKIE_SAMESITE",
                     "PIN_VERSION", "SESSION_DRIVER", "TOKEN_TYPE", "DB_PASS_USER", "MYSQL_PWD_FILE", "GITHUB_PAT_USERNAME"] {
            #expect(!CredentialVariables.isCredentialName(name), "\(name)")
        }
    }

    @Test(arguments: [
        ("postgres://u:DsnPassw0rd77@db/x", ["DsnPassw0rd77"]),
        ("redis://:pw0rdXYZ@host:6379/0", ["pw0rdXYZ"]),
        ("https://ci:p%40ss%2Fword@git.example.org/r.git", ["p%40ss%2Fword", "p@ss/word"]),
        ("amqp://a:first-pass@h1,amqp://b:second-pass@h2", ["first-pass", "second-pass"]),
        ("http://proxy.corp:3128", []),
        ("https://user@host/x", []),
        ("mailto:someone@example.org", []),
        ("postgres://u:pw@db/x", []),
        ("/srv/a:b@c", []),
    ])
    func passwordsOfURLs(value: String, passwords: [String]) {
        #expect(CredentialVariables.userinfoPasswords(in: value) == passwords, "\(value)")
    }

    @Test func aURLsPasswordIsACredentialOfAnyVariableAndTheRestOfTheURLIsNot() throws {
        let environment = ["DATABASE_URL": "postgres://app:DsnPassw0rd77@db.internal:5432/shop", "GREETING": "hello world"]
        let findings = try anyFileFindings("x.yaml", """
            host: db.internal
            user: app
            url: postgres://app:DsnPassw0rd77@db.internal:5432/shop
            password: DSNPASSW0RD77

            """, environment: environment)
        #expect(findings.map { $0.prefix(9) } == ["x.yaml:3:", "x.yaml:4:"], "\(findings)")
        #expect(findings.allSatisfy { $0.contains(": the password of a URL in the variable DATABASE_URL appears in the output") })
        let credentials = CredentialVariables(environment: environment)
        #expect(credentials.redacting("cannot reach postgres://app:DsnPassw0rd77@db.internal:5432/shop")
            == "cannot reach postgres://app:<DATABASE_URL redacted>@db.internal:5432/shop")
        #expect(credentials.redacting("hello world, db.internal") == "hello world, db.internal")
    }

    @Test func aValuesFileWithADuplicateKeyQuotesNoKey() throws {
        let fixture = try SecretFixture([:])
        try fixture.write("values.yaml", "Zq7-hunter2-Xw9: 1\n\"Zq7-hunter2-Xw9\": 2\n")
        #expect(throws: HydrationError.invalidInput("\(fixture.root)/values.yaml:1:1: mapping key \"…\" already defined")) {
            try HydrationInputs.load(valuesFile: fixture.root + "/values.yaml", envFile: nil, environment: [:])
        }
        #expect(CredentialVariables.withoutQuotedScalars("v.yaml:1:1: mapping key \"a\\\"b\\\\\" already defined")
            == "v.yaml:1:1: mapping key \"…\" already defined")
    }
}
