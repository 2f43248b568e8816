import Foundation
import Secrets
import Testing
import TestSupport

/// `secrets.yaml` as the loader reads it, and every kind of mistake it reports, all at once.
@Suite struct SecretsLoaderTests {
    private func problems(_ text: String, defaultNamespace: String? = nil) -> [String] {
        do {
            _ = try SecretsLoader(path: "secrets.yaml", defaultNamespace: defaultNamespace).parse(text)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func readsEveryField() throws {
        let file = try SecretsLoader(path: "conf/secrets.yaml", defaultNamespace: "apps").parse("""
            secrets:
              - name: web
                type: kubernetes.io/basic-auth
                createNamespace: true
                labels: {team: web}
                annotations: {note: "made by edpctl"}
                keys:
                  username: {literal: admin}
                  password: {generate: {length: 24, alphabet: hex}, format: hex, minLength: 24, pattern: "^[0-9a-f]+$"}
                  ca.crt: {file: certs/ca.pem}
                  abs: {file: /etc/ssl/x.pem}
                  token: {env: WEB_TOKEN}
                  other: {fromSecret: {name: db-app, key: password}}
                  url: {template: "<<< key \\"password\\" >>>"}
            """)
        let web = try #require(file.secrets.first)
        #expect(web.reference == "apps/web")
        #expect(web.type == .basicAuth)
        #expect(web.createNamespace)
        #expect(web.labels == ["team": "web"])
        #expect(web.annotations == ["note": "made by edpctl"])
        #expect(web.keys.map(\.name) == ["username", "password", "ca.crt", "abs", "token", "other", "url"])
        #expect(web.keys.map(\.source.source.kind) == ["literal", "generate", "file", "file", "env", "fromSecret", "template"])
        guard case .generate(let generate) = web.keys[1].source.source else { Issue.record("not generated"); return }
        #expect(generate == GenerateSpec(length: 24, alphabet: .hex))
        #expect(web.keys[1].checks.format == .hex)
        #expect(web.keys[1].checks.minLength == 24)
        #expect(web.keys[1].checks.pattern == "^[0-9a-f]+$")
        guard case .file(let written, let path) = web.keys[2].source.source else { Issue.record("not a file"); return }
        #expect(written == "certs/ca.pem" && path == "conf/certs/ca.pem")
        guard case .file(_, let absolute) = web.keys[3].source.source else { Issue.record("not a file"); return }
        #expect(absolute == "/etc/ssl/x.pem")
        guard case .fromSecret(let reference) = web.keys[5].source.source else { Issue.record("not fromSecret"); return }
        #expect(reference == SecretKeyReference(namespace: "", name: "db-app", key: "password"))
        #expect(web.keys[1].mark == Mark(line: 9, column: 7))
    }

    /// Every mistake in one file comes back in one error, in file order, each at its node.
    @Test func reportsEveryProblemAtOnce() {
        let text = """
            secrets:
              - name: a
                namespace: ns
                typo: 1
                keys:
                  k1: {env: X, generate: {length: 8}}
                  k2: {generate: {length: 8, alphabet: greek}}
                  k3: {}
                  k4: {literal: x, format: octal}
                  k5: {generate: {length: 6, alphabet: base64}}
                  k6: {fromSecret: {name: other}}
                  k7: {literal: x, minLength: -3}
                  k8: {literal: x, pattern: "("}
                  k9: {env: "p@ss w0rd!"}
              - name: b
                namespace: ns
                type: kubernetes.io/tls
                keys:
                  tls.crt: {file: a.crt}
              - name: a
                namespace: ns
                keys: {x: {literal: y}}
              - name: Bad_Name
                keys: {x: {literal: y}}
              - name: d
                namespace: ns
                type: kubernetes.io/dockerconfigjson
                keys:
                  .dockerconfigjson:
                    dockerconfigjson: {registry: ghcr.io, username: {generate: {length: 3}}}
            """
        #expect(problems(text) == [
            "secrets.yaml:4:5: secrets[0]: unknown field \"typo\"",
            "secrets.yaml:6:30: secrets[0].keys.k1: two sources, env and generate; a key takes exactly one",
            "secrets.yaml:7:44: secrets[0].keys.k2.generate.alphabet: unknown alphabet \"greek\"; expected one of alphanumeric, hex, base64, url-safe",
            "secrets.yaml:8:11: secrets[0].keys.k3: no source; give one of env, file, generate, fromSecret, template, literal, dockerconfigjson",
            "secrets.yaml:9:32: secrets[0].keys.k4.format: unknown format \"octal\"; expected one of hex, base64, url-safe",
            "secrets.yaml:10:31: secrets[0].keys.k5.generate.length: 6 is not a multiple of 4, which a base64 value needs",
            "secrets.yaml:11:24: secrets[0].keys.k6.fromSecret: missing field \"key\"",
            "secrets.yaml:12:35: secrets[0].keys.k7.minLength: expected a positive whole number",
            "secrets.yaml:13:33: secrets[0].keys.k8.pattern: not a valid regular expression",
            "secrets.yaml:14:17: secrets[0].keys.k9.env: not an environment variable name (letters, digits and '_', not starting with a digit)",
            "secrets.yaml:19:7: secrets[1].keys: a Secret of type kubernetes.io/tls needs the key \"tls.key\"",
            "secrets.yaml:20:5: secrets[2]: duplicate Secret ns/a, first at line 2",
            "secrets.yaml:23:11: secrets[3].name: \"Bad_Name\" is not a valid Secret name (lower-case letters, digits, '-' and '.')",
            "secrets.yaml:23:5: secrets[3]: missing field \"namespace\" (and no default namespace was given)",
            "secrets.yaml:30:68: secrets[4].keys..dockerconfigjson.dockerconfigjson.username.generate: a part of a dockerconfigjson takes env, file, fromSecret or literal",
            "secrets.yaml:30:27: secrets[4].keys..dockerconfigjson.dockerconfigjson: missing field \"password\"",
        ])
    }

    @Test func malformedYAMLIsPlacedAndNotEchoed() {
        let found = problems("secrets:\n  - name: a\n    keys: {password: {literal: hunter2}: x}\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("secrets.yaml:3:") == true)
        #expect(found.first?.contains("hunter2") == false)
    }

    @Test func defaultNamespaceFillsTheGaps() throws {
        let file = try SecretsLoader(path: "s.yaml", defaultNamespace: "dflt").parse("""
            secrets:
              - {name: a, keys: {k: {literal: v}}}
              - {name: b, namespace: own, keys: {k: {literal: v}}}
            """)
        #expect(file.secrets.map(\.reference) == ["dflt/a", "own/b"])
    }

    @Test func structuralMistakes() {
        #expect(problems("") == ["secrets.yaml: the file is empty; it needs a \"secrets:\" list"])
        #expect(problems("secret: []") == ["secrets.yaml:1:1: the file: unknown field \"secret\"", "secrets.yaml:1:1: missing field \"secrets\""])
        #expect(problems("secrets: {a: 1}") == ["secrets.yaml:1:10: secrets: expected a list of Secrets"])
        #expect(problems("secrets:\n- {name: a, namespace: n, keys: {k: plain}}") == ["secrets.yaml:2:37: secrets[0].keys.k: expected a mapping"])
        #expect(problems("secrets:\n- {name: a, namespace: n, type: Secret, keys: {k: {literal: v}}}")
            == ["secrets.yaml:2:33: secrets[0].type: unknown type \"Secret\"; expected one of Opaque, kubernetes.io/basic-auth, kubernetes.io/dockerconfigjson, kubernetes.io/tls"])
        #expect(problems("secrets:\n- {name: a, namespace: n, createNamespace: yes, keys: {k: {literal: v}}}")
            == ["secrets.yaml:2:44: secrets[0].createNamespace: expected true or false"])
        #expect(problems("secrets:\n- {name: a, namespace: n, keys: {\"a/b\": {literal: v}}}")
            == ["secrets.yaml:2:34: secrets[0].keys.a/b: not a valid key name (letters, digits, '-', '_' and '.')"])
    }

    @Test func unreadableFileIsNamed() {
        #expect(throws: SecretsError.self) { try SecretsLoader(path: "/nonexistent/secrets.yaml").load() }
        do {
            _ = try SecretsLoader(path: "/nonexistent/secrets.yaml").load()
        } catch {
            #expect(error.description == "/nonexistent/secrets.yaml: cannot read the file: No such file or directory")
        }
    }
}
