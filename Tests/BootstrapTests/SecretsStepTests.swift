import Bootstrap
import Foundation
import Testing
import TestSupport

@Suite struct SecretsStepTests {
    @Test func theSecretsPlanIsAppliedFromTheRunsEnvironment() throws {
        let fixture = try GitOpsFixture()
        let token = "api-token-value-4b1d7c0e5a9f"
        try write("""
            secrets:
              - name: api
                namespace: penvoice
                createNamespace: true
                keys:
                  token: {env: API_TOKEN}
                  kind: {literal: bearer}

            """, to: fixture.folder.child("secrets.yaml"))
        let context = try fixture.context("secrets: secrets.yaml\n", environment: ["API_TOKEN": token])
        let step = try fixture.step(context, StepName.secrets, as: SecretsStep.self)
        let said = Said()
        let check = try step.check(said.context(step.name))
        #expect(check == .wouldApply(["create  penvoice/api  (and namespace penvoice)", "  token  env  new", "  kind  literal  new",
                                      "1 Secret(s) to write"]))
        try step.apply(said.context(step.name))
        let stored = try #require(try fixture.server.object(at: "/api/v1/namespaces/penvoice/secrets/api"))
        #expect((stored["data"] as? [String: String])?["token"] == Data(token.utf8).base64EncodedString())

        try fixture.server.reset()
        #expect(try step.check(said.context(step.name)) == .done)
        #expect(try fixture.writes() == 0)
        for text in ["\(check)"] + said.notes + said.waiting { #expect(!text.contains(token)) }
    }

    @Test func aMissingVariableIsNamedWithItsPlace() throws {
        let fixture = try GitOpsFixture()
        try write("secrets:\n  - name: api\n    namespace: penvoice\n    createNamespace: true\n    keys:\n      token: {env: API_TOKEN}\n",
                  to: fixture.folder.child("secrets.yaml"))
        let step = try fixture.step(try fixture.context("secrets: secrets.yaml\n", environment: [:]), StepName.secrets, as: SecretsStep.self)
        let error = #expect(throws: StepFailure.self) { try step.check(Said().context(step.name)) }
        #expect(error?.description.hasPrefix(fixture.folder.child("secrets.yaml") + ":6:") == true)
        #expect(error?.description.contains("API_TOKEN") == true)
        #expect(try fixture.writes() == 0)
    }
}

extension SecretsStepTests {
    static let fromSource = """
        secrets:
          - name: api-db
            namespace: penvoice
            keys:
              password:
                fromSecret: {name: penvoice-db-app, key: password}

        """

    static func dbApp() -> [String: Any] {
        ["apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/basic-auth",
         "metadata": ["name": "penvoice-db-app", "namespace": "penvoice"],
         "data": ["password": Data("generated-by-cnpg".utf8).base64EncodedString()]]
    }

    /// CloudNativePG makes penvoice-db-app once Argo CD has synced: the step waits for it.
    @Test func aSourceSecretMadeLaterIsWaitedFor() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("penvoice")
        try write(Self.fromSource, to: fixture.folder.child("secrets.yaml"))
        var step = try fixture.step(try fixture.context("secrets: secrets.yaml\n", environment: [:]), StepName.secrets, as: SecretsStep.self)
        step.sourcesTimeout = 10
        let said = Said()
        #expect(try step.check(said.context(step.name)) == .wouldApply([
            "wait for Secret penvoice/penvoice-db-app (a fromSecret source, made in the cluster)", "then create the Secrets of secrets.yaml"]))
        let started = Date()
        later(1) { try fixture.server.put(Self.dbApp()) }
        try step.apply(said.context(step.name))
        // Watched, not polled: done right after the Secret is made, not at the next look.
        #expect(Date().timeIntervalSince(started) < 1.8)
        #expect(said.waiting.first == "Secret penvoice/penvoice-db-app (fromSecret sources) to exist")
        #expect(try fixture.server.object(at: "/api/v1/namespaces/penvoice/secrets/api-db") != nil)
        #expect(try step.check(said.context(step.name)) == .done)
    }

    @Test func aSourceSecretThatNeverComesFailsNamingIt() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("penvoice")
        try write(Self.fromSource, to: fixture.folder.child("secrets.yaml"))
        var step = try fixture.step(try fixture.context("secrets: secrets.yaml\n", environment: [:]), StepName.secrets, as: SecretsStep.self)
        step.sourcesTimeout = 1
        let error = #expect(throws: StepFailure.self) { try step.apply(Said().context(step.name)) }
        let lines = (error?.description ?? "").split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("Secret penvoice/penvoice-db-app not found") == true)
        #expect(lines.last == "  waited 1 s for penvoice/penvoice-db-app: the controllers that make them come from gitops; are their Applications synced?")
        #expect(try fixture.writes() == 0)
    }
}

extension SecretsStepTests {
    /// A dry run on a fresh node: Argo CD's namespace comes with its chart, which has not run yet.
    @Test func aNamespaceAChartInstallsIntoIsWaitedForNotAnError() throws {
        let fixture = try GitOpsFixture()
        try write("secrets:\n  - name: repo\n    namespace: argocd\n    keys:\n      url: {literal: https://example.test/gitops.git}\n",
                  to: fixture.folder.child("secrets.yaml"))
        let platform = """
            charts:
              - {name: argo-cd, repo: https://argoproj.github.io/argo-helm, chart: argo-cd, version: 7.7.10, namespace: argocd}
            secrets: secrets.yaml

            """
        var step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.secrets, as: SecretsStep.self)
        step.sourcesTimeout = 10
        #expect(try step.check(Said().context(step.name)) == .wouldApply([
            "wait for namespace argocd (a chart of platform.yaml installs into it)", "then create the Secrets of secrets.yaml"]))
        let said = Said()
        later(1) { try fixture.namespaces("argocd") }
        try step.apply(said.context(step.name))
        #expect(said.waiting.first == "namespace argocd to exist")
        #expect(try fixture.server.object(at: "/api/v1/namespaces/argocd/secrets/repo") != nil)

        // A namespace no chart makes is still the file's mistake, said at once.
        let other = try fixture.step(try fixture.context("secrets: secrets.yaml\n", environment: [:]), StepName.secrets, as: SecretsStep.self)
        try FileManager.default.removeItem(atPath: fixture.folder.child("secrets.yaml"))
        try write("secrets:\n  - name: repo\n    namespace: elsewhere\n    keys:\n      url: {literal: x}\n", to: fixture.folder.child("secrets.yaml"))
        let error = #expect(throws: StepFailure.self) { try other.check(Said().context(other.name)) }
        #expect(error?.description.hasSuffix("namespace elsewhere does not exist; set createNamespace: true to create it") == true)
    }
}

/// Every object the GitOps steps send for examples/ultron passes ../shared/tools/validate-manifests.py
/// against the real CRDs, and no value reaches what the steps say.
@Suite struct UltronManifestTests {
    static let values = [
        "GITOPS_USERNAME": "webb1es",
        "GITOPS_PAT": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "PENVOICE_API_KC_SECRET": "Kc0123456789abcdefghijKLMNOPQRSTUVwxyz",
        "OCI_S3_ACCESS_KEY": "0123456789abcdef0123456789abcdef01234567",
        "OCI_S3_SECRET_KEY": "yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err",
        "GHCR_USERNAME": "webb1es",
        "GHCR_TOKEN": "ghp_GhcrTokenValue0123456789abcdefghij",
    ]

    @Test func everyObjectSentForUltronIsValid() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("argocd")
        try fixture.registerArgoCD()
        try fixture.server.registerKind(group: "k8s.keycloak.org", version: "v2alpha1", kind: "KeycloakRealmImport",
                                        plural: "keycloakrealmimports")
        try KeycloakStepTests.putCRD(fixture, established: true)
        // What CloudNativePG makes once Argo CD has synced penvoice.
        let dbPassword = "pg-generated-password-@:/?"
        try fixture.namespaces("penvoice")
        try fixture.server.put(["apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/basic-auth",
                                "metadata": ["name": "penvoice-db-app", "namespace": "penvoice"],
                                "data": ["password": Data(dbPassword.utf8).base64EncodedString()]])
        let ultron = packageRoot + "/examples/ultron"
        let context = RebuildContext(platform: try PlatformLoader(path: ultron + "/platform.yaml").load(),
                                     host: HostPaths(root: fixture.folder.child("host")), environment: Self.values,
                                     options: RebuildOptions(kubeconfig: fixture.server.kubeconfigPath))
        let steps = GitOpsSteps.make(context)
        #expect(steps.map(\.name) == ["repository", "root-app", "secrets", "keycloak", "verify"])
        #expect(steps.first { $0.name == "verify" }?.needs == ["preflight", "k3s", "firewall", "chart/cert-manager",
                                                               "chart/kube-prometheus-stack", "chart/argo-cd", "chart/argo-rollouts",
                                                               "chart/argo-workflows", "chart/argo-events", "manifests/cluster-issuers",
                                                               "repository", "root-app", "secrets", "keycloak"])
        let said = Said()
        var lines: [String] = []
        for name in ["repository", "secrets", "keycloak"] {
            let step = try #require(steps.first { $0.name == name })
            if case .wouldApply(let would) = try step.check(said.context(name)) { lines += would }
            let operatorLoop = FakeKeycloakOperator(fixture.server)
            defer { operatorLoop.stop() }
            try step.apply(said.context(name))
            #expect(try step.check(said.context(name)) == .done)
        }
        // The root app of the runbook's bootstrap/root-app.yaml, from a local copy (the real one is on GitHub).
        try write(GitOpsStepsTests.rootApp, to: fixture.folder.child("root-app.yaml"))
        let rootApp = try fixture.step(try fixture.context("""
            gitops:
              url: https://github.com/webb1es/gitops.git
              rootApp: {file: root-app.yaml}

            """, environment: [:]), StepName.rootApp, as: RootAppStep.self)
        try rootApp.apply(said.context(rootApp.name))

        var sent: [[String: Any]] = []
        for path in ["/api/v1/namespaces/argocd/secrets/repo-gitops", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/root",
                     "/apis/k8s.keycloak.org/v2alpha1/namespaces/keycloak/keycloakrealmimports/penvoice",
                     "/api/v1/namespaces/penvoice/secrets/penvoice-api-kc", "/api/v1/namespaces/penvoice/secrets/penvoice-pg-backup-creds",
                     "/api/v1/namespaces/keycloak/secrets/keycloak-pg-backup-creds", "/api/v1/namespaces/penvoice/secrets/penvoice-api-db",
                     "/api/v1/namespaces/penvoice/secrets/ghcr-pull"] {
            var object = try #require(try fixture.server.object(at: path), "\(path)")
            // What the API server adds is not what edpctl sent.
            object["status"] = nil
            sent.append(object)
        }
        let report = try fixture.validate(sent)
        #expect(report.contains("8 passed, 0 failed"), "\(report)")

        // The client secret reached the import; no value reached a line, note or progress text.
        let realmImport = try #require(try fixture.server.object(at: FakeKeycloakOperator.path))
        #expect(KeycloakStepTests.client(realmImport, "penvoice-api")?["secret"] as? String == Self.values["PENVOICE_API_KC_SECRET"])
        for text in lines + said.notes + said.waiting {
            for value in Array(Self.values.values) + [dbPassword] where value.count > 8 { #expect(!text.contains(value)) }
        }
    }
}
