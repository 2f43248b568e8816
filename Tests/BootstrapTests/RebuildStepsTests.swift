import Bootstrap
import Foundation
import Testing
import TestSupport

/// The whole step list of the ultron example, on a fresh node: no kubeconfig, nothing installed.
@Suite struct RebuildStepsTests {
    static let credentials = ["GITOPS_USERNAME", "GITOPS_PAT", "PENVOICE_API_KC_SECRET", "OCI_S3_ACCESS_KEY",
                              "OCI_S3_SECRET_KEY", "GHCR_USERNAME", "GHCR_TOKEN"]

    func ultron(root: String) throws -> RebuildContext {
        let platform = try PlatformLoader(path: packageRoot + "/examples/ultron/platform.yaml").load()
        var environment = ["PATH": "/nonexistent", "HOME": root]
        for name in Self.credentials { environment[name] = "set-but-not-shown" }
        return RebuildContext(platform: platform, host: HostPaths(root: root), environment: environment)
    }

    @Test func theStepsAreTheRunbooksInItsOrder() throws {
        let folder = try TemporaryFolder("rebuild-steps")
        let runner = try Runner(steps: try RebuildSteps.make(try ultron(root: folder.path)))
        #expect(runner.order == ["preflight", "k3s", "firewall", "chart/cert-manager", "chart/kube-prometheus-stack",
                                 "chart/argo-cd", "chart/argo-rollouts", "chart/argo-workflows", "chart/argo-events",
                                 "manifests/cluster-issuers", "repository", "root-app", "secrets", "keycloak", "verify"])
    }

    /// Every step after preflight says what it would do, with no cluster to ask and no network used
    /// (preflight fails here: the test root has no os-release and the hosts do not resolve offline).
    @Test func aDryRunOnAFreshNodeShowsEveryStepsPlanAndTouchesNothing() throws {
        let folder = try TemporaryFolder("rebuild-steps")
        let report = try Runner(steps: try RebuildSteps.make(try ultron(root: folder.path))).run(RunOptions(dryRun: true))
        let byName = Dictionary(uniqueKeysWithValues: report.records.map { ($0.name, $0) })
        for record in report.records where !["preflight", "firewall"].contains(record.name) {
            #expect(record.result == .wouldApply, "\(record.name): \(record.error ?? "")")
            #expect(!record.changes.isEmpty, "\(record.name)")
        }
        #expect(byName["chart/argo-cd"]?.changes
                == ["create HelmChart kube-system/argo-cd: chart argo-cd 7.7.10 from https://argoproj.github.io/argo-helm into argocd"])
        #expect(byName["root-app"]?.changes.first == "create the Application of bootstrap/root-app.yaml in https://github.com/webb1es/gitops.git")
        #expect(filePaths(below: folder.path).isEmpty)
        #expect(!report.records.flatMap { $0.changes + [$0.error ?? ""] + $0.notes }.joined().contains("set-but-not-shown"))
    }
}
