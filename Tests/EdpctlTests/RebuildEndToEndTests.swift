import Foundation
import Testing
import TestSupport

// `edpctl rebuild`, the built binary, end to end: the ultron runbook against the fake API server
// and its simulated controllers, a stub k3s installer served over HTTP, the gitops repository on
// the real git http-backend, a probed HTTP server (RebuildFixture), the node's paths under a
// temporary --root. Preflight runs as on a node about to get k3s: ports 6443, 80, 443 and 10250
// must be free here and 5 GiB free under the temporary folder. Serialized: each test starts its
// own servers, and several runs at once on a shared machine would stretch the delays they reason about.

@Suite(.serialized) struct RebuildEndToEndTests {
    static let steps = ["preflight", "k3s", "firewall"] + RebuildFixture.charts.map { "chart/\($0)" }
        + ["manifests/cluster-issuers", "repository", "root-app", "secrets", "keycloak", "verify"]
    /// Steps that only look: preflight always, firewall without --apply-firewall (what is wrong is a note).
    static let readOnly: Set = ["preflight", "firewall"]

    /// A table row of the summary: `chart/argo-cd   applied  0.7s`.
    static func row(_ step: String, _ result: String) throws -> Regex<AnyRegexOutput> {
        try Regex("(?m)^" + NSRegularExpression.escapedPattern(for: step) + " +" + result + " +\\d+\\.\\ds$")
    }

    /// No credential reaches stdout or stderr.
    static func expectNoCredential(_ result: Edpctl.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, value) in RebuildFixture.credentials where value.count > 8 {
            #expect(!result.stdout.contains(value) && !result.stderr.contains(value), "\(name) was printed", sourceLocation: sourceLocation)
        }
    }

    @Test func aFullRebuildAppliesEveryStepAndPrintsTheDurations() throws {
        let fixture = try RebuildFixture()
        let result = try fixture.rebuild()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "")
        #expect(result.stderr.contains(/(?m)^step +result +duration$/), "\(result.stderr)")
        for step in Self.steps {
            let wanted = Self.readOnly.contains(step) ? "done-before" : "applied"
            #expect(result.stderr.contains(try Self.row(step, wanted)), "\(step) is not \(wanted) in:\n\(result.stderr)")
        }
        #expect(result.stderr.contains(/(?m)^measured recovery time: \d+\.\ds for 15 steps$/), "\(result.stderr)")
        #expect(result.stderr.contains("rebuild done: every step applied or already done, and checked again afterwards"))
        #expect(!result.stderr.contains("already existed"), "the realm was imported by this run")
        Self.expectNoCredential(result)

        // The node registered after the installer ran, and the step waited for it to be Ready.
        #expect(result.stderr.contains(#/\] k3s: waiting for .*node ultron to be Ready with kubelet v1\.31\.4\+k3s1/#), "\(result.stderr)")
        // k3s: the stub installer ran once, from the local server, with the pinned version and flags,
        // the binary and images in place first; the flags kept in config.yaml.
        let runs = try fixture.installerRuns()
        #expect(runs.count == 1)
        #expect(runs.first?["INSTALL_K3S_VERSION"] == "v1.31.4+k3s1")
        #expect(runs.first?["INSTALL_K3S_EXEC"]?.hasPrefix("server ") == true)
        #expect(runs.first?["INSTALL_K3S_EXEC"]?.contains("--tls-san 100.101.102.103") == true, "\(runs)")
        #expect(runs.first?["INSTALL_K3S_SKIP_DOWNLOAD"] == "true")
        #expect(runs.first?["INSTALL_K3S_BIN_DIR"] == fixture.root + "/usr/local/bin")
        #expect(runs.first?["K3S_KUBECONFIG_OUTPUT"] == fixture.root + "/etc/rancher/k3s/k3s.yaml")
        #expect(runs.first?["K3S_NODE_NAME"] == RebuildFixture.nodeName)
        // The installer is a script fetched from the network and run as root: it needs INSTALL_K3S_*,
        // K3S_*, PATH and proxies, never the gitops PAT or the Secrets' values.
        let given = try read(fixture.installerRecords + "/run-1.names").split(separator: "\n").map(String.init)
        #expect(given.contains("INSTALL_K3S_VERSION"))
        #expect(Set(given).isDisjoint(with: RebuildFixture.credentials.keys), "\(given)")
        #expect(FileManager.default.isExecutableFile(atPath: fixture.root + "/usr/local/bin/k3s"))
        #expect(FileManager.default.fileExists(atPath: fixture.root + "/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst"))
        let config = try read(fixture.root + "/etc/rancher/k3s/config.yaml")
        #expect(config.contains("100.101.102.103") && config.contains("ultron") && config.contains("write-kubeconfig-mode"), "\(config)")

        // What the runbook's sequence leaves: six HelmCharts, both ClusterIssuers, the root app and its children.
        #expect(try fixture.server.objects(apiVersion: "helm.cattle.io/v1", kind: "HelmChart").count == 6)
        #expect(try fixture.server.objects(apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer").count == 2)
        #expect(try fixture.server.objects(apiVersion: "argoproj.io/v1alpha1", kind: "Application").count == 5)
        #expect(try fixture.server.object(at: "/api/v1/namespaces/argocd/secrets/repo-gitops") != nil)
        #expect(try fixture.server.object(at: "/api/v1/namespaces/penvoice/secrets/penvoice-api-db") != nil)
    }

    @Test func aSecondRunOnAHealthyPlatformChangesNothingAndSaysSo() throws {
        let fixture = try RebuildFixture()
        let first = try fixture.rebuild()
        #expect(first.status == 0, "\(first.stderr)")
        try fixture.server.reset()

        let second = try fixture.rebuild()
        #expect(second.status == 0, "\(second.stderr)")
        for step in Self.steps {
            #expect(second.stderr.contains(try Self.row(step, "done-before")), "\(step) is not done-before in:\n\(second.stderr)")
        }
        #expect(second.stderr.contains("nothing to do: the platform is as platform.yaml describes; nothing was changed"), "\(second.stderr)")
        // The realm is there now: an import would not change it, and the run says so rather than claim it.
        #expect(second.stderr.contains("\n  keycloak: realm penvoice already existed, so KeycloakRealmImport keycloak/penvoice did not change it"),
                "\(second.stderr)")
        // Reads only: no create, update, patch (server-side apply) or delete reached the API.
        #expect(try fixture.writes() == [:])
        #expect(try fixture.server.creations() == [:])
        let verbs = Set(try fixture.server.requests().map(\.verb))
        #expect(verbs.isSubset(of: ["get", "list", "watch", "other"]), "\(verbs)")
        #expect(!verbs.isEmpty)
        #expect(try fixture.installerRuns().count == 1, "the installer ran again")
    }

    @Test func aRunKilledDuringTheChartsIsResumedWithoutRepeatingAnything() throws {
        var delays = RebuildFixture.delays
        delays["kube-prometheus-stack"] = 4
        let fixture = try RebuildFixture(delays: delays)
        let run = try fixture.start("--output", "json")
        // Killed while kube-prometheus-stack installs, once a short chart has finished beside it.
        let seen = try run.waitForEvent { $0["event"] as? String == "step-finished" && $0["step"] as? String == "chart/argo-rollouts" }
        #expect(seen.contains { $0["event"] as? String == "step-started" && $0["step"] as? String == "chart/kube-prometheus-stack" })
        let killed = run.finishNow(signal: SIGKILL)
        #expect(killed.status == 128 + SIGKILL)
        let beforeKill = try jsonEvents(killed.stdout)
        let finished = Set(beforeKill.filter { $0["event"] as? String == "step-finished" }.compactMap { $0["step"] as? String })
        #expect(finished.contains("chart/argo-rollouts"))
        #expect(!finished.contains("chart/kube-prometheus-stack"), "the kill came too late to be in the chart step")
        #expect(!beforeKill.contains { $0["event"] as? String == "rebuild-finished" })
        // The journal on disk is whole: the step in progress started, the finished ones finished.
        let journal = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.journal))) as? [String: Any]
        let entries = journal?["steps"] as? [String: [String: Any]] ?? [:]
        #expect(entries["chart/kube-prometheus-stack"]?["state"] as? String == "started", "\(entries)")
        for step in finished { #expect(entries[step]?["state"] as? String == "finished", "\(step): \(entries[step] ?? [:])") }

        let resumed = try fixture.rebuild("--resume", "--output", "json")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let results = stepResults(try jsonEvents(resumed.stdout))
        #expect(Set(results.keys) == Set(Self.steps))
        for step in Self.steps {
            // What finished before the kill is checked, found done and not applied again. A chart whose
            // Job completed while edpctl was dead is found done too; the rest is applied.
            if finished.contains(step) {
                #expect(results[step] == "done-before", "\(step) finished before the kill, then: \(results[step] ?? "-")")
            } else {
                #expect(["applied", "done-before"].contains(results[step]), "\(step): \(results[step] ?? "-")")
            }
        }
        #expect(try fixture.installerRuns().count == 1, "the installer ran again")
        for step in ["chart/kube-prometheus-stack", "repository", "root-app", "secrets", "keycloak", "verify"] {
            #expect(results[step] == "applied", "\(step): \(results[step] ?? "-")")
        }

        // Every HelmChart, Secret and Application was created once, across both runs.
        let creations = try fixture.server.creations()
        let counted = creations.filter { entry in ["HelmChart ", "Secret ", "Application "].contains { entry.key.hasPrefix($0) } }
        #expect(counted.values.allSatisfy { $0 == 1 }, "\(counted)")
        #expect(Set(counted.keys).isSuperset(of: RebuildFixture.charts.map { "HelmChart kube-system/\($0)" }
            + ["Application argocd/root"] + RebuildFixture.children.map { "Application argocd/\($0)" }
            + ["argocd/repo-gitops", "penvoice/penvoice-api-kc", "penvoice/penvoice-api-db", "keycloak/keycloak-pg-backup-creds"].map { "Secret \($0)" }),
                "\(counted)")
    }

    @Test func apiErrorBurstsAreRetriedAndTheRunSucceeds() throws {
        let fixture = try RebuildFixture()
        try fixture.server.inject(.errors(count: 2, code: 503), method: "PATCH", path: "/helmcharts/")
        try fixture.server.inject(.errors(count: 2, code: 500), method: "GET", path: "/applications")
        try fixture.server.inject(.errors(count: 2, code: 503), method: "PATCH", path: "/secrets/")
        let result = try fixture.rebuild()
        #expect(result.status == 0, "\(result.stderr)")
        for step in Self.steps where !Self.readOnly.contains(step) {
            #expect(result.stderr.contains(try Self.row(step, "applied")), "\(step)")
        }
        // The bursts were answered, and each request was made again.
        let failed = try fixture.server.requests().filter { $0.code >= 500 }
        #expect(failed.count == 6, "\(failed)")
        #expect(failed.filter { $0.path.contains("/helmcharts/") }.count == 2 && failed.filter { $0.path.contains("/secrets/") }.count == 2,
                "\(failed)")
        #expect(Set(failed.map(\.method)) == ["PATCH", "GET"])
    }

    @Test func aChartWhoseJobFailsIsNamedWithHelmsMessageAndTheWayOn() throws {
        let helm = "Error: INSTALLATION FAILED: rendered manifests contain a resource that already exists"
        let fixture = try RebuildFixture(installs: ["argo-rollouts": .init(delay: 0.3, failure: helm)])
        let result = try fixture.rebuild()
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(try Self.row("chart/argo-rollouts", "failed")), "\(result.stderr)")
        #expect(result.stderr.contains("edpctl: rebuild failed: chart/argo-rollouts: chart argo-rollouts (argo-rollouts 2.38.0) failed to install: "
            + "Job kube-system/helm-install-argo-rollouts failed: BackoffLimitExceeded: Job has reached the specified backoff limit"),
                "\(result.stderr)")
        #expect(result.stderr.contains(#/pod helm-install-argo-rollouts-\w+ \(Failed\): helm: Error: /#), "\(result.stderr)")
        #expect(result.stderr.contains(helm))
        #expect(result.stderr.contains("run `edpctl rebuild --resume`"), "\(result.stderr)")
        // The run stopped there: nothing after the charts was applied.
        #expect(try fixture.server.object(at: "/api/v1/namespaces/argocd/secrets/repo-gitops") == nil)

        // The values fixed (here: the next install succeeds), --resume replaces the failed Job and goes on.
        let failedJob = try #require(try fixture.server.object(at: "/apis/batch/v1/namespaces/kube-system/jobs/helm-install-argo-rollouts"))
        try fixture.server.simulateChart("argo-rollouts", .init(delay: 0.3))
        let resumed = try fixture.rebuild("--resume")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains(try Self.row("chart/argo-rollouts", "applied")), "\(resumed.stderr)")
        #expect(resumed.stderr.contains(try Self.row("chart/cert-manager", "done-before")), "\(resumed.stderr)")
        let job = try #require(try fixture.server.object(at: "/apis/batch/v1/namespaces/kube-system/jobs/helm-install-argo-rollouts"))
        #expect((job["metadata"] as? [String: Any])?["uid"] as? String != (failedJob["metadata"] as? [String: Any])?["uid"] as? String)
    }

    @Test func aTooShortChartTimeoutNamesWhatIsNotReadyWithEventsAndPods() throws {
        let pull = "Back-off pulling image \"rancher/klipper-helm:v0.9.3-build20241008\""
        let fixture = try RebuildFixture(installs: ["argo-workflows": .init(waiting: (reason: "ImagePullBackOff", message: pull))],
                                         chartTimeouts: ["argo-workflows": "1s"])
        let result = try fixture.rebuild()
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("edpctl: rebuild failed: chart/argo-workflows: chart argo-workflows (argo-workflows 0.45.1) is not installed: its Job has not finished"),
                "\(result.stderr)")
        #expect(lines.contains { $0.contains("timed out after 1") && $0.contains("helm-install-argo-workflows") }, "\(result.stderr)")
        #expect(lines.contains("  recent warnings in namespace \"kube-system\":"), "\(result.stderr)")
        #expect(lines.contains { $0.contains(#/Pod helm-install-argo-workflows-\w+: Failed: /#) && $0.contains(pull) }, "\(result.stderr)")
        #expect(lines.contains { $0.contains(#/helm-install-argo-workflows-\w+ \(Pending\): helm: ImagePullBackOff: /#) }, "\(result.stderr)")
        #expect(result.stderr.contains("run `edpctl rebuild --resume`"))
        // Under the step's verdict, the whole explanation is indented as one block.
        #expect(result.stderr.contains(#/✗ chart/argo-workflows: failed \(\d+\.\ds\)\n {8}chart/argo-workflows: chart argo-workflows \(argo-workflows 0\.45\.1\) is not installed: its Job has not finished\n {8}timed out after 1 s waiting for Job "helm-install-argo-workflows" in namespace "kube-system" to be complete\n {10}recent warnings in namespace "kube-system":\n {12}Pod helm-install-argo-workflows-\w+: Failed: /#),
                "\(result.stderr)")
    }

    @Test func aMissingCredentialIsReportedBeforeAnythingIsApplied() throws {
        let fixture = try RebuildFixture()
        let result = try fixture.rebuild(without: ["GITOPS_PAT"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(try Self.row("preflight", "failed")), "\(result.stderr)")
        // Both places that read it are named: platform.yaml's gitops.password and secrets.yaml's repo-gitops.
        #expect(result.stderr.contains("""
            edpctl: rebuild failed: preflight: preflight found 2 problem(s); nothing was changed:
              - platform.yaml gitops.password: environment variable GITOPS_PAT is not set: export it before edpctl rebuild (with sudo, use sudo -E)
              - secrets.yaml:63:9: Secret argocd/repo-gitops key password: environment variable GITOPS_PAT is not set: export it before edpctl rebuild (with sudo, use sudo -E)
            fix it, then run `edpctl rebuild --resume` (finished steps are checked, not repeated)

            """), "\(result.stderr)")
        for step in Self.steps where step != "preflight" {
            let skipped = try Regex("(?m)^" + NSRegularExpression.escapedPattern(for: step) + " +skipped +-$")
            #expect(result.stderr.contains(skipped), "\(step) is not skipped in:\n\(result.stderr)")
        }
        // Nothing was applied: no write reached the API, the installer never ran, the node's root holds only the journal.
        #expect(try fixture.writes() == [:])
        #expect(try fixture.installerRuns().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/etc/rancher/k3s/config.yaml"))
        Self.expectNoCredential(result)
    }

    @Test func aProbeAnswering404IsReportedWithTheFirstLineOfItsBody() throws {
        let fixture = try RebuildFixture(probePath: "/missing", probeTimeout: "2s")
        let result = try fixture.rebuild()
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(try Self.row("verify", "failed")), "\(result.stderr)")
        #expect(result.stderr.contains("probe \(fixture.site.url)/missing: answered 404: no such page: /missing "
            + "(accepted: codes matching ^(200|301|302|307|308)$, tried for 2 s)"), "\(result.stderr)")
        #expect(!result.stderr.contains("second line"), "\(result.stderr)")
        // Only the failing probe is reported; the one answering 200 is not.
        #expect(!result.stderr.contains("\(fixture.site.url)/ "), "\(result.stderr)")
    }

    @Test func ctrlCDuringAWaitKeepsTheJournalAndResumeFinishes() throws {
        var delays = RebuildFixture.delays
        delays["kube-prometheus-stack"] = 4
        let fixture = try RebuildFixture(delays: delays)
        let run = try fixture.start("--output", "json")
        try run.waitForEvent { $0["event"] as? String == "step-waiting" && $0["step"] as? String == "chart/kube-prometheus-stack" }
        let interrupted = run.finishNow(signal: SIGINT)
        #expect(interrupted.status == 130, "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("interrupted (SIGINT) during "), "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("chart/kube-prometheus-stack"))
        #expect(interrupted.stderr.contains(": the journal \(fixture.journal) keeps every finished step; run `edpctl rebuild --resume` to continue"),
                "\(interrupted.stderr)")
        // The last events: the interruption, then the same message as an error (as every failure ends).
        let events = try jsonEvents(interrupted.stdout)
        let event = events.last { $0["event"] as? String == "rebuild-interrupted" }
        #expect(event?["signal"] as? String == "SIGINT")
        #expect(event?["journal"] as? String == fixture.journal)
        #expect((event?["inProgress"] as? [String])?.contains("chart/kube-prometheus-stack") == true)
        #expect(events.suffix(2).map { $0["event"] as? String } == ["rebuild-interrupted", "error"])
        #expect(FileManager.default.fileExists(atPath: fixture.journal))

        let resumed = try fixture.rebuild("--resume")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains(try Self.row("chart/kube-prometheus-stack", "applied")), "\(resumed.stderr)")
        #expect(resumed.stderr.contains(try Self.row("verify", "applied")), "\(resumed.stderr)")
    }

    @Test func sigtermDuringAWaitIsAnInterruptionToo() throws {
        var delays = RebuildFixture.delays
        delays["kube-prometheus-stack"] = 4
        let fixture = try RebuildFixture(delays: delays)
        let run = try fixture.start()
        // Human form: the progress is on stderr, so the test waits on the journal instead of an event.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !((try? String(contentsOfFile: fixture.journal, encoding: .utf8)) ?? "").contains("\"chart/kube-prometheus-stack\"") {
            usleep(50_000)
        }
        let stopped = run.finishNow(signal: SIGTERM)
        #expect(stopped.status == 143, "\(stopped.stderr)")
        #expect(stopped.stderr.contains(#/edpctl: interrupted \(SIGTERM\) during [^:]*chart/kube-prometheus-stack/#), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("run `edpctl rebuild --resume` to continue"), "\(stopped.stderr)")
        #expect(stopped.stdout == "")
    }

    /// Every file and folder under the node's root.
    static func files(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
    }

    @Test func aDryRunOnAFreshNodeSaysWhatEachStepWouldDoAndWritesNothing() throws {
        let fixture = try RebuildFixture()
        let before = try fixture.server.creations()
        let files = Self.files(under: fixture.root)
        let result = try fixture.rebuild("--dry-run")
        #expect(result.status == 0, "\(result.stderr)")
        for step in Self.steps where !Self.readOnly.contains(step) {
            #expect(result.stderr.contains("○ \(step): would apply"), "\(step) in:\n\(result.stderr)")
            #expect(result.stderr.contains(try Self.row(step, "would-apply")), "\(step)")
        }
        for line in [
            "write \(fixture.root)/etc/rancher/k3s/config.yaml (write-kubeconfig-mode, tls-san)",
            "download the k3s installer from \(fixture.site.url)/install.sh and check its SHA-256 is \(fixture.installerSHA256)",
            "run sh <installer> with INSTALL_K3S_BIN_DIR=\"\(fixture.root)/usr/local/bin\" "
                + "INSTALL_K3S_EXEC=\"server --write-kubeconfig-mode 644 --tls-san 100.101.102.103 --tls-san ultron\" "
                + "INSTALL_K3S_SKIP_DOWNLOAD=\"true\" INSTALL_K3S_SYSTEMD_DIR=\"\(fixture.root)/etc/systemd/system\" INSTALL_K3S_VERSION=\"v1.31.4+k3s1\"",
            "create HelmChart kube-system/cert-manager: chart cert-manager v1.16.2 from https://192.0.2.10/jetstack into cert-manager",
            "create HelmChart kube-system/argo-cd: chart argo-cd 7.7.10 from https://192.0.2.10/argo-helm into argocd",
            "create ClusterIssuer letsencrypt-prod (cluster-issuers.yaml:17:1)",
            "create Secret argocd/repo-gitops registering \(fixture.git.url("gitops")) in Argo CD",
            "create the Application of bootstrap/root-app.yaml in \(fixture.git.url("gitops"))",
            "create the Secrets of secrets.yaml (there is no cluster yet to compare with)",
            "wait for Application argocd/root to be Synced and Healthy",
        ] {
            #expect(result.stderr.contains("        " + line + "\n"), "\(line) is not in:\n\(result.stderr)")
        }
        #expect(result.stderr.contains("dry run: nothing was changed"))
        #expect(try fixture.installerRuns().isEmpty)
        #expect(try fixture.writes() == [:])
        #expect(try fixture.server.creations() == before)
        #expect(!FileManager.default.fileExists(atPath: fixture.journal))
        #expect(Self.files(under: fixture.root) == files)
        Self.expectNoCredential(result)
    }

    /// k3s installed, nothing else yet: the checks read the cluster, and still write nothing.
    @Test func aDryRunOnAFreshClusterReadsItAndWritesNothing() throws {
        let fixture = try RebuildFixture()
        let k3s = try fixture.rebuild("--only", "k3s")
        #expect(k3s.status == 0, "\(k3s.stderr)")
        try fixture.server.reset()
        let journal = try Data(contentsOf: URL(fileURLWithPath: fixture.journal))
        let files = Self.files(under: fixture.root)

        let result = try fixture.rebuild("--dry-run")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(try Self.row("k3s", "done-before")), "\(result.stderr)")
        for step in Self.steps where !Self.readOnly.contains(step) && step != "k3s" {
            #expect(result.stderr.contains(try Self.row(step, "would-apply")), "\(step) in:\n\(result.stderr)")
        }
        for line in [
            "create HelmChart kube-system/cert-manager: chart cert-manager v1.16.2 from https://192.0.2.10/jetstack into cert-manager",
            "create ClusterIssuer letsencrypt-prod (cluster-issuers.yaml:17:1) once a CRD serving ClusterIssuer in cert-manager.io/v1 is Established",
            "create Application argocd/root from bootstrap/root-app.yaml in \(fixture.git.url("gitops")) (once Argo CD serves Applications)",
            "wait for namespace argocd (a chart of platform.yaml installs into it)",
            "wait for Secret penvoice/penvoice-db-app (a fromSecret source, made in the cluster)",
            "wait for CRD keycloakrealmimports.k8s.keycloak.org to be Established (the Keycloak operator is installed from gitops)",
        ] {
            #expect(result.stderr.contains("        " + line + "\n"), "\(line) is not in:\n\(result.stderr)")
        }
        #expect(try !fixture.server.requests().isEmpty, "the dry run did not read the cluster")
        #expect(try fixture.writes() == [:])
        #expect(try fixture.server.creations() == [:])
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.journal)) == journal, "the dry run rewrote the journal")
        #expect(Self.files(under: fixture.root) == files)
        #expect(try fixture.installerRuns().count == 1)
    }

    @Test func everyObjectStoredAfterAFullRunIsValidAgainstTheRealCRDs() throws {
        let fixture = try RebuildFixture()
        let result = try fixture.rebuild("--output", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let events = try jsonEvents(result.stdout)
        #expect(events.last?["event"] as? String == "rebuild-finished")
        #expect(events.last?["result"] as? String == "succeeded")
        #expect(stepResults(events) == Dictionary(uniqueKeysWithValues: Self.steps.map { ($0, Self.readOnly.contains($0) ? "done-before" : "applied") }))

        var objects: [[String: Any]] = []
        for (apiVersion, kind) in [("helm.cattle.io/v1", "HelmChart"), ("cert-manager.io/v1", "ClusterIssuer"),
                                   ("argoproj.io/v1alpha1", "Application"), ("k8s.keycloak.org/v2alpha1", "KeycloakRealmImport"),
                                   ("v1", "Secret")] {
            objects += try fixture.server.objects(apiVersion: apiVersion, kind: kind)
        }
        // What controllers wrote is not what edpctl sent.
        objects = objects.map { var object = $0; object["status"] = nil; return object }
        let names = objects.map { object in
            let metadata = object["metadata"] as? [String: Any] ?? [:]
            return "\(object["kind"] as? String ?? "?")/\(metadata["namespace"] as? String ?? "-")/\(metadata["name"] as? String ?? "?")"
        }
        #expect(names.count == 6 + 2 + 5 + 1 + 7, "\(names)")
        let path = fixture.scratch.path + "/stored.yaml"
        let documents = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try write(documents.joined(separator: "\n---\n") + "\n", to: path)
        let report = try runProgram("/usr/bin/env", ["python3", RebuildFixture.packageRoot + "/../shared/tools/validate-manifests.py", path])
        let lines = report.split(separator: "\n").map(String.init)
        for name in names { #expect(lines.contains("OK \(name)"), "\(name) in:\n\(report)") }
        #expect(lines.last == "\(names.count) passed, 0 failed", "\(report)")
    }
}
