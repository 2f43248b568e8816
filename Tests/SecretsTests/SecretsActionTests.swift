import Foundation
import Secrets
import Testing
import TestSupport

private let file = """
    secrets:
      - name: api
        namespace: penvoice
        createNamespace: true
        labels: {app: penvoice}
        keys:
          client-secret: {env: KC_SECRET}
          session: {generate: {length: 32}}
      - name: repo
        namespace: argocd
        labels: {argocd.argoproj.io/secret-type: repository}
        keys:
          url: {literal: "https://github.com/webb1es/gitops.git"}
          password: {env: PAT}
    """

/// create / keep / update / rotate, and what each sends.
@Suite struct SecretsActionTests {
    private func scene(_ environment: [String: String] = ["KC_SECRET": "kc-secret-1", "PAT": "github_pat_1"]) throws -> Scene {
        try Scene(file, environment: environment, store: InMemorySecretStore(namespaces: ["argocd"]))
    }

    @Test func createThenKeep() throws {
        let scene = try scene()
        let first = try scene.plan()
        #expect(first.entries.map(\.action) == [.create, .create])
        #expect(first.entries.map(\.createsNamespace) == [true, false])
        #expect(first.changes == 2 && first.hasDrift)
        #expect(first.description == """
            create  penvoice/api  (and namespace penvoice)
              client-secret  env  new
              session  generate  new
            create  argocd/repo
              url  literal  new
              password  env  new
            2 Secret(s) to write
            """)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(first), as: UTF8.self) == #"{"changes":2,"entries":["#
            + #"{"action":"create","createsNamespace":true,"differs":true,"keys":[{"name":"client-secret","source":"env","state":"new"},"#
            + #"{"name":"session","source":"generate","state":"new"}],"metadataDiffers":false,"name":"api","namespace":"penvoice"},"#
            + #"{"action":"create","createsNamespace":false,"differs":true,"keys":[{"name":"url","source":"literal","state":"new"},"#
            + #"{"name":"password","source":"env","state":"new"}],"metadataDiffers":false,"name":"repo","namespace":"argocd"}]}"#)
        scene.store.apply(first)
        #expect(scene.store.namespaces.contains("penvoice"))
        #expect(scene.store.secrets["argocd/repo"]?.labels == ["argocd.argoproj.io/secret-type": "repository"])
        let session = scene.value("penvoice", "api", "session")
        // A second run changes nothing: the generated value is the cluster's now, not made again.
        let second = try scene.plan()
        #expect(second.entries.map(\.action) == [.keep, .keep])
        #expect(second.entries.flatMap(\.keys).map(\.state) == [.same, .same, .same, .same])
        #expect(second.changes == 0 && !second.hasDrift)
        #expect(second.entries.allSatisfy { $0.manifest == nil })
        #expect(second.description.hasSuffix("no changes"))
        scene.store.apply(second)
        #expect(scene.value("penvoice", "api", "session") == session)
    }

    /// A run that stopped after the first Secret: the next plan keeps it and creates the rest.
    @Test func aRerunAfterAPartialApplyCompletesTheRest() throws {
        let scene = try scene()
        let plan = try scene.plan()
        scene.store.apply(Array(plan.entries.prefix(1)))
        let session = scene.value("penvoice", "api", "session")
        let rerun = try scene.plan()
        #expect(rerun.entries.map(\.action) == [.keep, .create])
        #expect(rerun.entries[0].manifest == nil)
        scene.store.apply(rerun)
        #expect(scene.value("penvoice", "api", "session") == session)
        #expect(try scene.plan().changes == 0)
    }

    @Test func differsIsKeptUnlessUpdate() throws {
        let scene = try scene()
        scene.store.apply(try scene.plan())
        scene.environment["KC_SECRET"] = "kc-secret-2"
        let kept = try scene.plan()
        #expect(kept.entries.map(\.action) == [.keep, .keep])
        #expect(kept.entries[0].keys.map(\.state) == [.differs, .same])
        #expect(kept.hasDrift && kept.changes == 0)
        #expect(kept.description.contains("keep  penvoice/api  (differs; --update replaces it)"))
        let updated = try scene.plan(PlanOptions(update: true))
        #expect(updated.entries.map(\.action) == [.update, .keep])
        let session = scene.value("penvoice", "api", "session")
        scene.store.apply(updated)
        #expect(scene.value("penvoice", "api", "client-secret") == "kc-secret-2")
        #expect(scene.value("penvoice", "api", "session") == session)
        #expect(try scene.plan(PlanOptions(update: true)).entries.map(\.action) == [.keep, .keep])
    }

    @Test func labelsAndMissingKeysAreDifferences() throws {
        let scene = try scene()
        scene.store.put(ExistingSecret(namespace: "argocd", name: "repo", data: [
            "url": SecretValue("https://github.com/webb1es/gitops.git"), "password": SecretValue("github_pat_1"),
            "extra": SecretValue("left alone"),
        ]))
        let plan = try scene.plan()
        let repo = plan.entries[1]
        #expect(repo.action == .keep && repo.metadataDiffers && repo.differs)
        #expect(repo.keys == [KeyPlan(name: "url", source: "literal", state: .same),
                              KeyPlan(name: "password", source: "env", state: .same),
                              KeyPlan(name: "extra", source: "cluster", state: .onlyInCluster)])
        scene.store.apply(try scene.plan(PlanOptions(update: true)))
        #expect(scene.store.secrets["argocd/repo"]?.labels["argocd.argoproj.io/secret-type"] == "repository")
        #expect(!(try scene.plan()).entries[1].differs)
    }

    @Test func rotateMakesOnlyTheNamedKeyAnew() throws {
        let scene = try scene()
        scene.store.apply(try scene.plan())
        let session = try #require(scene.value("penvoice", "api", "session"))
        scene.environment["KC_SECRET"] = "kc-secret-2"
        let target = try #require(RotateTarget("penvoice/api/session"))
        let plan = try scene.plan(PlanOptions(rotate: [target]))
        #expect(plan.entries.map(\.action) == [.rotate, .keep])
        #expect(plan.entries[0].keys.map(\.state) == [.differs, .rotated])
        scene.store.apply(plan)
        #expect(scene.value("penvoice", "api", "session") != session)
        // Without --update the other keys stay as the cluster has them.
        #expect(scene.value("penvoice", "api", "client-secret") == "kc-secret-1")
    }

    @Test func rotateNamesAGeneratedKeyOfTheFile() throws {
        let scene = try scene()
        let targets = ["penvoice/api/client-secret", "penvoice/api/nokey", "x/y/z"].compactMap(RotateTarget.init)
        #expect(scene.problems(PlanOptions(rotate: targets)) == [
            "secrets.yaml: --rotate penvoice/api/nokey: the Secret has no key \"nokey\"",
            "secrets.yaml: --rotate x/y/z: no Secret x/y in the file",
            "secrets.yaml:7:7: --rotate penvoice/api/client-secret: the key comes from env; only generated keys rotate",
        ])
        #expect(RotateTarget("a/b") == nil && RotateTarget("a//c") == nil)
    }

    @Test func manifestIsTheSecretObject() throws {
        let scene = try scene()
        let manifest = try #require(try scene.plan().entries[1].manifest)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(manifest.json())) as? [String: Any])
        #expect(object["apiVersion"] as? String == "v1" && object["kind"] as? String == "Secret")
        #expect(object["type"] as? String == "Opaque")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["name"] as? String == "repo" && metadata["namespace"] as? String == "argocd")
        #expect(metadata["labels"] as? [String: String] == ["argocd.argoproj.io/secret-type": "repository"])
        #expect(object["data"] as? [String: String] == [
            "url": Data("https://github.com/webb1es/gitops.git".utf8).base64EncodedString(),
            "password": Data("github_pat_1".utf8).base64EncodedString(),
        ])
        #expect(manifest.description == "Secret argocd/repo (Opaque; keys: password, url)")
    }

    @Test func aTypeThatDiffersIsAProblem() throws {
        let scene = try scene()
        scene.store.put(ExistingSecret(namespace: "argocd", name: "repo", type: "kubernetes.io/basic-auth", data: [:]))
        #expect(scene.problems() == [
            "secrets.yaml:9:5: argocd/repo: is of type kubernetes.io/basic-auth in the cluster, Opaque in the file; a Secret's type cannot change (delete it to recreate it)",
        ])
    }

    @Test func eachSecretIsReadOnce() throws {
        let scene = try Scene("""
            secrets:
              - name: a
                namespace: default
                keys:
                  x: {fromSecret: {name: src, key: k}}
                  y: {fromSecret: {name: src, key: k}}
                  z: {fromSecret: {name: a, key: x}}
            """, store: InMemorySecretStore(secrets: [ExistingSecret(namespace: "default", name: "src", data: ["k": SecretValue("v")])]))
        #expect(scene.problems() == ["secrets.yaml:7:7: default/a: key \"z\": fromSecret names this same Secret; a template with key \"x\" reads its own keys"])
        #expect(scene.store.reads == 2)
    }
}
