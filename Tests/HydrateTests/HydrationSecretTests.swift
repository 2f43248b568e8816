import Foundation
import Testing
@testable import Hydrate

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
        var budget = YAMLAliasBudget()
        #expect(budget.count(oneLevel) == nil)
        // The document, a0 and its 10 nodes, a1 with 1 + 9 × 10, data with a1's 91 again.
        #expect(budget.expandedNodes == 1 + (1 + 10) + (1 + 91) + (1 + 91))
        #expect(budget.aliasedNodes == 9 * 10 + 91)
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
        #expect(YAMLAliasBudget.excessiveAliasing(in: mergeChain(150)) == nil)
        let start = Date()
        let findings = try guardFindings("chain.yaml", mergeChain(150))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(findings.count == 1)
        #expect(findings.first?.hasSuffix(": the rendered output is not valid YAML: document contains excessive aliasing") == true)
    }

    @Test func excessiveAliasingFollowsGoYAMLsRatio() {
        // 2,000 plain nodes, then aliases of them: go-yaml allows up to 99% aliased nodes below 400,000.
        let plain = "base: &b [" + Array(repeating: "x", count: 2000).joined(separator: ",") + "]\n"
        func copies(_ count: Int) -> String {
            "copies: [" + Array(repeating: "*b", count: count).joined(separator: ",") + "]\n"
        }
        var budget = YAMLAliasBudget()
        #expect(budget.count(plain + copies(90)) == nil)
        #expect(budget.aliasedNodes == 90 * 2001)
        // The 100th copy makes 200,100 of 202,105 nodes aliased: over 99%.
        budget = YAMLAliasBudget()
        let stop = budget.count(plain + copies(110))
        #expect(stop?.line == 2 && stop?.column == 307)
    }
}
