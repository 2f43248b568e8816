import Foundation
import Secrets
import Testing
import TestSupport

/// No value, nor its base64, reaches a description, an error, a dump or the plan's JSON.
@Suite struct SecretsLeakTests {
    private let values = [
        "KC": "kc-Zq8vT2xLmW4pR7yN",
        "S3_SECRET": "q3X+fT/8vLmN0pQrS2uVwYz1AbCdEfGhIjKlMn+/Oo4=",
        "PAT": "github_pat_11AAAAAAA0secretpat",
        "REGISTRY_TOKEN": "ghs_registry0token0value",
    ]
    private let fileValue = "file-value-7Hq2Lp9Xk"
    private let otherValue = "p@ss:w/rd-from-cnpg"

    private func scene(extraKeys: String = "") throws -> Scene {
        let store = InMemorySecretStore(namespaces: ["apps", "db"], secrets: [
            ExistingSecret(namespace: "db", name: "db-app", data: ["password": SecretValue(otherValue)]),
        ])
        let scene = try Scene("""
            secrets:
              - name: all
                namespace: apps
                keys:
                  kc: {env: KC, minLength: 8}
                  s3: {env: S3_SECRET, format: base64}
                  pat: {env: PAT}
                  from-file: {file: value.txt}
                  made: {generate: {length: 32}}
                  other: {fromSecret: {namespace: db, name: db-app, key: password}}
                  url: {template: "postgresql://u:<<< key \\"other\\" | urlencode >>>@db/app"}
              - name: pull
                namespace: apps
                type: kubernetes.io/dockerconfigjson
                keys:
                  .dockerconfigjson:
                    dockerconfigjson: {registry: ghcr.io, username: {literal: bot}, password: {env: REGISTRY_TOKEN}}
            \(extraKeys)
            """, environment: values, store: store)
        try write(fileValue, to: scene.folder.child("value.txt"))
        return scene
    }

    /// Every text a person or a program could see of a plan.
    private func texts(of plan: SecretsPlan) throws -> [String] {
        var dumped = ""
        dump(plan, to: &dumped)
        var texts = [plan.description, String(reflecting: plan), "\(plan)", dumped,
                     String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)]
        for entry in plan.entries {
            var entryDump = ""
            dump(entry, to: &entryDump)
            texts += [entryDump, String(reflecting: entry), "\(entry.manifest as Any)"]
            if let manifest = entry.manifest {
                texts += [manifest.description, String(reflecting: manifest), "\(manifest.data)"]
                texts += manifest.data.values.map { "\($0) \(String(reflecting: $0))" }
            }
        }
        return texts
    }

    private func secretsIn(_ texts: [String], made: [String] = []) -> [String] {
        let secrets = Array(values.values) + [fileValue, otherValue, "p%40ss%3Aw%2Frd-from-cnpg"] + made
        let forms = secrets.flatMap { [$0, Data($0.utf8).base64EncodedString()] }
        return forms.filter { form in texts.contains { $0.contains(form) } }
    }

    @Test func plansShowNoValue() throws {
        let scene = try scene()
        let created = try scene.plan()
        scene.store.apply(created)
        let made = try #require(scene.value("apps", "all", "made"))
        // The values did reach the manifests: the test looks for something that is there to find.
        #expect(scene.value("apps", "all", "kc") == values["KC"])
        scene.environment["KC"] = "kc-changed-Vb7n3M1q"
        var seen = try texts(of: created)
        seen += try texts(of: scene.plan())
        seen += try texts(of: scene.plan(PlanOptions(update: true)))
        seen += try texts(of: scene.plan(PlanOptions(rotate: [RotateTarget("apps/all/made")!])))
        #expect(secretsIn(seen, made: [made, "kc-changed-Vb7n3M1q"]) == [])
    }

    @Test func errorsShowNoValue() throws {
        // Checks that fail on every value, and templates whose Go errors could quote an operand.
        let scene = try scene(extraKeys: """
              - name: bad
                namespace: apps
                keys:
                  kc: {env: KC, minLength: 500, format: hex, pattern: "^nomatch$"}
                  s3: {env: S3_SECRET, format: url-safe}
                  pat: {env: PAT, format: hex}
                  other: {fromSecret: {namespace: db, name: db-app, key: password}, format: hex}
                  t1: {template: "<<< index (key \\"kc\\") 99 >>>"}
                  t2: {template: "<<< (key \\"pat\\").Field >>>"}
                  t3: {template: "<<< slice (key \\"other\\") 1 2 3 >>>"}
                  t4: {template: "<<< call (key \\"kc\\") >>>"}
                  t5: {template: "<<< lt (key \\"s3\\") 1 >>>"}
                  # Go's message for this one quotes the first operand: the value, cut out.
                  t6: {template: "<<< range (key \\"pat\\") >>>x<<< end >>>"}
            """)
        var dumped = ""
        do {
            _ = try scene.plan()
            Issue.record("the plan should fail")
        } catch let error as SecretsError {
            #expect(error.diagnostics.count >= 10)
            #expect(error.description.contains("key \"t6\": template: at <\"pat\">: range can't iterate over <redacted>"))
            dump(error, to: &dumped)
            let json = String(decoding: try JSONEncoder().encode(error.diagnostics), as: UTF8.self)
            #expect(secretsIn([error.description, String(reflecting: error), dumped, json]) == [])
        }
    }

    @Test func aValueTypedAsANameIsNotEchoed() throws {
        let scene = try Scene("secrets:\n- {name: a, namespace: default, keys: {k: {env: \"\(values["PAT"]!)-!\"}}}")
        let problems = scene.problems()
        #expect(problems.count == 1)
        #expect(secretsIn(problems) == [])
    }
}
