import Foundation
import Secrets
import Testing
import TestSupport

/// examples/ultron/secrets.yaml, the runbook's out-of-band Secrets, planned on a rebuilt cluster.
@Suite struct ExampleTests {
    private let path = packageRoot + "/examples/ultron/secrets.yaml"
    private let environment = [
        "PENVOICE_API_KC_SECRET": "Kc0123456789abcdefghijklmnopqrstuv",
        "OCI_S3_ACCESS_KEY": "6f1c2a9d0b3e4f5a6b7c8d9e0f1a2b3c4d5e6f70",
        "OCI_S3_SECRET_KEY": "q3X+fT/8vLmN0pQrS2uVwYz1AbCdEfGhIjKlMn+/Oo4=",
        "GHCR_USERNAME": "webb1es",
        "GHCR_TOKEN": "ghp_registrytoken0000000000000000000",
        "GITOPS_PAT": "github_pat_11AAAAAAA0000000000000000",
    ]

    private func rebuiltCluster() -> InMemorySecretStore {
        // Argo CD has synced penvoice (the namespace, and CloudNativePG's generated password); the
        // keycloak namespace is not there yet.
        InMemorySecretStore(namespaces: ["argocd"], secrets: [
            ExistingSecret(namespace: "penvoice", name: "penvoice-db-app", data: ["password": SecretValue("x@y:z/w?v#u")]),
        ])
    }

    @Test func loads() throws {
        let file = try SecretsLoader(path: path).load()
        #expect(file.secrets.map(\.reference) == [
            "penvoice/penvoice-api-kc", "penvoice/penvoice-pg-backup-creds", "keycloak/keycloak-pg-backup-creds",
            "penvoice/penvoice-api-db", "penvoice/ghcr-pull", "argocd/repo-gitops",
        ])
        #expect(file.secrets.last?.labels == ["argocd.argoproj.io/secret-type": "repository"])
        #expect(file.secrets[4].type == .dockerConfigJSON)
    }

    @Test func recreatesTheRunbooksSecretsThenChangesNothing() throws {
        let store = rebuiltCluster()
        let file = try SecretsLoader(path: path).load()
        let plan = try SecretsPlanner(file: file, store: store, environment: environment).plan()
        #expect(plan.entries.map(\.action) == Array(repeating: .create, count: 6))
        #expect(plan.entries.filter(\.createsNamespace).map(\.namespace) == ["keycloak"])
        store.apply(plan)
        func value(_ reference: String, _ key: String) -> String? {
            store.secrets[reference]?.data[key].flatMap { String(bytes: $0.bytes, encoding: .utf8) }
        }
        #expect(value("keycloak/keycloak-pg-backup-creds", "ACCESS_SECRET_KEY") == environment["OCI_S3_SECRET_KEY"])
        #expect(value("keycloak/keycloak-pg-backup-creds", "ACCESS_KEY_ID") == environment["OCI_S3_ACCESS_KEY"])
        #expect(value("penvoice/penvoice-api-db", "uri")
            == "postgresql://penvoice:x%40y%3Az%2Fw%3Fv%23u@penvoice-db-rw.penvoice.svc:5432/penvoice")
        #expect(value("penvoice/penvoice-api-db", "session-key")?.count == 64)
        #expect(value("penvoice/ghcr-pull", ".dockerconfigjson")?.contains("\"ghcr.io\"") == true)
        let again = try SecretsPlanner(file: file, store: store, environment: environment).plan()
        #expect(again.entries.map(\.action) == Array(repeating: .keep, count: 6))
        #expect(!again.hasDrift && again.changes == 0)
    }

    @Test func swappedKeysStopEverything() throws {
        var swapped = environment
        swapped["OCI_S3_ACCESS_KEY"] = environment["OCI_S3_SECRET_KEY"]
        swapped["OCI_S3_SECRET_KEY"] = environment["OCI_S3_ACCESS_KEY"]
        swapped["GITOPS_PAT"] = nil
        let file = try SecretsLoader(path: "examples/ultron/secrets.yaml").parse(String(contentsOfFile: path, encoding: .utf8))
        let error = #expect(throws: SecretsError.self) {
            try SecretsPlanner(file: file, store: rebuiltCluster(), environment: swapped).plan()
        }
        #expect(error?.diagnostics.map(\.description) == [
            "examples/ultron/secrets.yaml:24:7: penvoice/penvoice-pg-backup-creds: key \"ACCESS_KEY_ID\": the value is not hex (only 0-9 and a-f)",
            "examples/ultron/secrets.yaml:80:7: argocd/repo-gitops: key \"password\": environment variable GITOPS_PAT is not set",
        ])
    }

    @Test func fromSecretOfALaterSecretOfTheFileIsAnError() throws {
        let scene = try Scene("""
            secrets:
              - name: reader
                namespace: default
                keys: {k: {fromSecret: {name: source, key: v}}, m: {fromSecret: {name: source, key: nokey}}}
              - name: source
                namespace: default
                keys: {v: {literal: x}}
            """)
        #expect(scene.problems() == [
            "secrets.yaml:4:12: default/reader: key \"k\": Secret default/source comes later in the file; list it before the Secrets that read it",
            "secrets.yaml:4:53: default/reader: key \"m\": Secret default/source of this file has no key \"nokey\"",
        ])
    }
}
