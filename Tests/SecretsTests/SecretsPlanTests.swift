import Foundation
import Secrets
import Testing
import TestSupport

/// A secrets file in a temporary folder, planned against an in-memory cluster.
final class Scene {
    let folder: TemporaryFolder
    let store: InMemorySecretStore
    var environment: [String: String]
    let path: String

    init(_ text: String, environment: [String: String] = [:], store: InMemorySecretStore = InMemorySecretStore()) throws {
        folder = try TemporaryFolder()
        path = folder.child("secrets.yaml")
        try write(text, to: path)
        self.environment = environment
        self.store = store
    }

    func plan(_ options: PlanOptions = PlanOptions()) throws -> SecretsPlan {
        let file = try SecretsLoader(path: path).load()
        return try SecretsPlanner(file: file, store: store, environment: environment, options: options).plan()
    }

    /// The plan's problems, with the folder's path left out.
    func problems(_ options: PlanOptions = PlanOptions()) -> [String] {
        do {
            _ = try plan(options)
            return []
        } catch let error as SecretsError {
            return error.diagnostics.map { $0.description.replacingOccurrences(of: folder.path + "/", with: "") }
        } catch {
            return ["\(error)"]
        }
    }

    func value(_ namespace: String, _ name: String, _ key: String) -> String? {
        store.secrets["\(namespace)/\(name)"]?.data[key].flatMap { String(bytes: $0.bytes, encoding: .utf8) }
    }
}

@Suite struct SecretsSourceTests {
    @Test func everySourceResolves() throws {
        let store = InMemorySecretStore(namespaces: ["apps", "db"], secrets: [
            ExistingSecret(namespace: "db", name: "db-app", data: ["password": SecretValue("p@ss:w/rd?#1")]),
        ])
        let scene = try Scene("""
            secrets:
              - name: all
                namespace: apps
                keys:
                  from-env: {env: TOKEN}
                  from-file: {file: files/cert.pem}
                  made: {generate: {length: 40, alphabet: hex}}
                  other: {fromSecret: {namespace: db, name: db-app, key: password}}
                  plain: {literal: admin}
                  url: {template: "postgresql://app:<<< key \\"other\\" | urlencode >>>@db:5432/app?user=<<< key \\"plain\\" >>>"}
              - name: pull
                namespace: apps
                type: kubernetes.io/dockerconfigjson
                keys:
                  .dockerconfigjson:
                    dockerconfigjson: {registry: ghcr.io, username: {literal: bot}, password: {env: TOKEN}}
            """, environment: ["TOKEN": "tok-123"], store: store)
        try write("-----BEGIN CERT-----\n", to: scene.folder.child("files/cert.pem"))
        let plan = try scene.plan()
        #expect(plan.entries.map(\.action) == [.create, .create])
        #expect(plan.entries[0].keys.map(\.source) == ["env", "file", "generate", "fromSecret", "literal", "template"])
        scene.store.apply(plan)
        #expect(scene.value("apps", "all", "from-env") == "tok-123")
        #expect(scene.value("apps", "all", "from-file") == "-----BEGIN CERT-----\n")
        let made = try #require(scene.value("apps", "all", "made"))
        #expect(made.count == 40 && made.allSatisfy(\.isHexDigit))
        #expect(scene.value("apps", "all", "other") == "p@ss:w/rd?#1")
        #expect(scene.value("apps", "all", "plain") == "admin")
        // The CloudNativePG trap: the password's @ : / ? # are encoded, so the URL parses.
        #expect(scene.value("apps", "all", "url") == "postgresql://app:p%40ss%3Aw%2Frd%3F%231@db:5432/app?user=admin")
        let config = try #require(scene.value("apps", "pull", ".dockerconfigjson"))
        #expect(config == #"{"auths":{"ghcr.io":{"auth":"Ym90OnRvay0xMjM=","password":"tok-123","username":"bot"}}}"#)
        #expect(scene.store.secrets["apps/pull"]?.type == "kubernetes.io/dockerconfigjson")
    }

    @Test func generatedAlphabets() throws {
        let scene = try Scene("""
            secrets:
              - name: g
                namespace: default
                keys:
                  an: {generate: {length: 200}}
                  hx: {generate: {length: 200, alphabet: hex}, format: hex}
                  b64: {generate: {length: 200, alphabet: base64}, format: base64}
                  url: {generate: {length: 200, alphabet: url-safe}, format: url-safe}
            """)
        scene.store.apply(try scene.plan())
        let an = try #require(scene.value("default", "g", "an"))
        #expect(an.count == 200 && an.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        // 200 characters of 62: all of one kind would be a broken generator.
        #expect(Set(an).count > 40)
        #expect(try #require(scene.value("default", "g", "hx")).allSatisfy(\.isHexDigit))
        let b64 = try #require(scene.value("default", "g", "b64"))
        #expect(Data(base64Encoded: b64)?.count == 150)
        let url = try #require(scene.value("default", "g", "url"))
        #expect(url.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        // Two runs never make the same value.
        let again = try Scene("secrets:\n- {name: g, namespace: default, keys: {an: {generate: {length: 200}}}}")
        again.store.apply(try again.plan())
        #expect(again.value("default", "g", "an") != an)
    }

    /// The runbook's trap: the S3 access key is clean hex, the secret key has + / =; swapped, the
    /// formats say so before anything is sent.
    @Test func swappedS3KeysAreCaught() throws {
        let text = """
            secrets:
              - name: penvoice-pg-backup-creds
                namespace: penvoice
                keys:
                  ACCESS_KEY_ID: {env: S3_ACCESS, format: hex}
                  ACCESS_SECRET_KEY: {env: S3_SECRET, format: base64}
            """
        let access = "6f1c2a9d0b3e4f5a6b7c8d9e0f1a2b3c4d5e6f70"
        let secret = "q3X+fT/8vLmN0pQrS2uVwYz1AbCdEfGhIjKlMn+/Oo4="
        let store = InMemorySecretStore(namespaces: ["penvoice"])
        let right = try Scene(text, environment: ["S3_ACCESS": access, "S3_SECRET": secret], store: store)
        #expect(try right.plan().entries.map(\.action) == [.create])
        let swapped = try Scene(text, environment: ["S3_ACCESS": secret, "S3_SECRET": access], store: store)
        #expect(swapped.problems() == [
            "secrets.yaml:5:7: penvoice/penvoice-pg-backup-creds: key \"ACCESS_KEY_ID\": the value is not hex (only 0-9 and a-f)",
        ])
        // A value that is not base64 at all fails the secret key's check too.
        let broken = try Scene(text, environment: ["S3_ACCESS": access, "S3_SECRET": "not base64!"], store: store)
        #expect(broken.problems() == [
            "secrets.yaml:6:7: penvoice/penvoice-pg-backup-creds: key \"ACCESS_SECRET_KEY\": the value is not base64 (standard base64 that decodes, '=' padding included)",
        ])
    }

    @Test func minLengthAndPattern() throws {
        let scene = try Scene("""
            secrets:
              - name: repo
                namespace: default
                keys:
                  password: {env: PAT, minLength: 20, pattern: "^(ghp_|github_pat_)"}
            """, environment: ["PAT": "short"])
        #expect(scene.problems() == [
            "secrets.yaml:5:7: default/repo: key \"password\": the value is 5 bytes long, shorter than minLength 20",
            "secrets.yaml:5:7: default/repo: key \"password\": the value does not match the pattern",
        ])
        scene.environment["PAT"] = "github_pat_0123456789abcdef"
        #expect(scene.problems() == [])
    }

    /// Every missing variable, unreadable file, absent Secret and failed check comes back at once,
    /// each at its key, and nothing is planned.
    @Test func everyProblemAtOnce() throws {
        let store = InMemorySecretStore(namespaces: ["apps"], secrets: [ExistingSecret(namespace: "apps", name: "x", data: [:])])
        store.failing["apps/broken"] = StoreFailure(description: "forbidden: User \"ci\" cannot get resource \"secrets\"")
        let scene = try Scene("""
            secrets:
              - name: one
                namespace: apps
                keys:
                  a: {env: MISSING_A}
                  b: {env: EMPTY_B}
                  c: {file: nope.txt}
                  d: {fromSecret: {name: absent, key: k}}
                  e: {fromSecret: {name: x, key: nokey}}
                  f: {fromSecret: {name: broken, key: k}}
                  g: {literal: "abc", minLength: 8}
              - name: two
                namespace: nowhere
                keys:
                  h: {env: MISSING_H}
              - name: three
                namespace: apps
                keys:
                  t: {template: "<<< key \\"nosuch\\" >>>"}
                  u: {template: "<<< key \\"v\\" >>>"}
                  v: {env: MISSING_A}
                  w: {template: "<<< nofunc >>>"}
            """, environment: ["EMPTY_B": ""], store: store)
        #expect(scene.problems() == [
            "secrets.yaml:5:7: apps/one: key \"a\": environment variable MISSING_A is not set",
            "secrets.yaml:6:7: apps/one: key \"b\": environment variable EMPTY_B is empty",
            "secrets.yaml:7:7: apps/one: key \"c\": cannot read file \"nope.txt\": No such file or directory",
            "secrets.yaml:8:7: apps/one: key \"d\": Secret apps/absent not found",
            "secrets.yaml:9:7: apps/one: key \"e\": Secret apps/x has no key \"nokey\"",
            "secrets.yaml:10:7: apps/one: key \"f\": cannot read Secret apps/broken: forbidden: User \"ci\" cannot get resource \"secrets\"",
            "secrets.yaml:11:7: apps/one: key \"g\": the value is 3 bytes long, shorter than minLength 8",
            "secrets.yaml:12:5: nowhere/two: namespace nowhere does not exist; set createNamespace: true to create it",
            "secrets.yaml:15:7: nowhere/two: key \"h\": environment variable MISSING_H is not set",
            "secrets.yaml:19:7: apps/three: key \"t\": template: at <key \"nosuch\">: error calling key: the Secret has no key \"nosuch\"",
            "secrets.yaml:21:7: apps/three: key \"v\": environment variable MISSING_A is not set",
            "secrets.yaml:22:7: apps/three: key \"w\": template: function \"nofunc\" not defined",
        ])
    }

    @Test func unreadableFilesSayWhy() throws {
        let scene = try Scene("""
            secrets:
              - name: f
                namespace: default
                keys:
                  folder: {file: dir}
                  empty: {file: empty.txt}
                  ok: {file: /dev/null, minLength: 1}
            """)
        try FileManager.default.createDirectory(atPath: scene.folder.child("dir"), withIntermediateDirectories: true)
        try write("", to: scene.folder.child("empty.txt"))
        #expect(scene.problems() == [
            "secrets.yaml:5:7: default/f: key \"folder\": cannot read file \"dir\": Is a directory",
            "secrets.yaml:6:7: default/f: key \"empty\": file \"empty.txt\" is empty",
            "secrets.yaml:7:7: default/f: key \"ok\": file \"/dev/null\" is empty",
        ])
    }

    /// A part of a dockerconfigjson that cannot be resolved is placed at the part.
    @Test func dockerConfigPartsArePlaced() throws {
        let scene = try Scene("""
            secrets:
              - name: pull
                namespace: default
                type: kubernetes.io/dockerconfigjson
                keys:
                  .dockerconfigjson:
                    dockerconfigjson:
                      registry: {env: REGISTRY}
                      username: {literal: bot}
                      password: {file: token.txt}
            """)
        #expect(scene.problems() == [
            "secrets.yaml:8:21: default/pull: key \".dockerconfigjson\": environment variable REGISTRY is not set",
            "secrets.yaml:10:21: default/pull: key \".dockerconfigjson\": cannot read file \"token.txt\": No such file or directory",
        ])
    }

    @Test func templateCyclesAreNamed() throws {
        let scene = try Scene("""
            secrets:
              - name: c
                namespace: default
                keys:
                  a: {template: "<<< key \\"b\\" >>>"}
                  b: {template: "x<<< key \\"c\\" >>>"}
                  c: {template: "<<< key \\"a\\" >>>"}
                  d: {template: "<<< key \\"e\\" >>>-<<< key \\"f\\" >>>"}
                  e: {template: "<<< key \\"f\\" | urlencode >>>"}
                  f: {literal: "a b"}
                  self: {template: "<<< key \\"self\\" >>>"}
            """)
        #expect(scene.problems() == [
            "secrets.yaml:5:7: default/c: key \"a\": templates form a cycle: \"a\" → \"b\" → \"c\" → \"a\"",
            "secrets.yaml:6:7: default/c: key \"b\": templates form a cycle: \"b\" → \"c\" → \"a\" → \"b\"",
            "secrets.yaml:7:7: default/c: key \"c\": templates form a cycle: \"c\" → \"a\" → \"b\" → \"c\"",
            "secrets.yaml:11:7: default/c: key \"self\": template: at <key \"self\">: error calling key: key \"self\" is the key this template makes",
        ])
        // Without the cycle, templates render in the order their keys need, whatever the file's.
        let chain = try Scene("""
            secrets:
              - name: c
                namespace: default
                keys:
                  d: {template: "<<< key \\"e\\" >>>-<<< key \\"f\\" >>>"}
                  e: {template: "<<< key \\"f\\" | urlencode >>>"}
                  f: {literal: "a b/c"}
            """)
        chain.store.apply(try chain.plan())
        #expect(chain.value("default", "c", "d") == "a%20b%2Fc-a b/c")
    }
}
