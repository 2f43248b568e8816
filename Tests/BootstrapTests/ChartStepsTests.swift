@testable import Bootstrap
import Foundation
import Kube
import Testing
import TestSupport
import YAML

/// The chart and manifests steps against the fake API server with its simulated helm-controller,
/// Job controller and CRD establishment, run by the real Runner.
@Suite(.serialized) struct ChartStepsTests {
    /// A fake cluster serving HelmCharts, and a folder for platform files.
    final class Cluster {
        let server: FakeKubeServer
        let folder: TemporaryFolder

        init(server: FakeKubeServer? = nil, servingHelmCharts: Bool = true) throws {
            self.server = try server ?? FakeKubeServer()
            folder = try TemporaryFolder("chart-steps")
            if servingHelmCharts { try self.server.serveHelmCharts() }
        }

        /// `platform.yaml` with `text` (and `files`, relative to it) in a fresh folder, and a context on the fake.
        func context(_ text: String, files: [String: String] = [:]) throws -> RebuildContext {
            let site = folder.child("site-\(UUID().uuidString.prefix(8))")
            for (name, content) in files { try write(content, to: site + "/" + name) }
            try write(text, to: site + "/platform.yaml")
            return try context(platform: site + "/platform.yaml")
        }

        func context(platform path: String) throws -> RebuildContext {
            let platform = try PlatformLoader(path: path).load()
            return RebuildContext(platform: platform, host: HostPaths(root: folder.child("root")), environment: [:],
                                  options: RebuildOptions(kubeconfig: server.kubeconfigPath))
        }

        func run(_ context: RebuildContext, extra: [any Step] = [], dryRun: Bool = false) throws -> RunReport {
            try Runner(steps: extra + ChartSteps.make(context)).run(RunOptions(dryRun: dryRun))
        }

        func helmChart(_ name: String) throws -> [String: Any]? {
            try server.object(at: "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/\(name)")
        }

        func job(_ name: String) throws -> [String: Any]? {
            try server.object(at: "/apis/batch/v1/namespaces/kube-system/jobs/helm-install-\(name)")
        }
    }

    static func chart(_ name: String, version: String = "1.0.0", needs: [String] = [], timeout: String = "30s",
                      values: String? = nil) -> String {
        """
          - name: \(name)
            repo: https://charts.example.com
            chart: \(name)-chart
            version: \(version)
            namespace: \(name)-ns
            timeout: \(timeout)
            needs: [\(needs.joined(separator: ", "))]
        """ + (values.map { "\n    values: \($0)" } ?? "")
    }

    static func platform(_ charts: String...) -> String { "charts:\n" + charts.joined(separator: "\n") + "\n" }

    func record(_ report: RunReport, _ name: String) throws -> StepRecord {
        try #require(report.records.first { $0.name == name })
    }

    static func environment(of job: [String: Any]?) -> [String: String] {
        let spec = (job?["spec"] as? [String: Any])?["template"] as? [String: Any]
        let container = ((spec?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first
        var result: [String: String] = [:]
        for variable in container?["env"] as? [[String: Any]] ?? [] {
            result[variable["name"] as? String ?? ""] = variable["value"] as? String
        }
        return result
    }

    // MARK: Charts

    @Test func independentChartsInstallSideBySideAndADependentOneAfterItsNeed() throws {
        let cluster = try Cluster()
        try cluster.server.simulateChart("a", .init(delay: 0.8))
        try cluster.server.simulateChart("b", .init(delay: 0.8))
        try cluster.server.simulateChart("c", .init(delay: 0.2))
        let context = try cluster.context(Self.platform(Self.chart("a"), Self.chart("b"), Self.chart("c", needs: ["a"])))
        let start = Date()
        let report = try cluster.run(context)
        let wall = Date().timeIntervalSince(start)
        #expect(!report.failed, "\(report.records.compactMap(\.error))")
        let a = try record(report, "chart/a"), b = try record(report, "chart/b"), c = try record(report, "chart/c")
        #expect([a.result, b.result, c.result] == [.applied, .applied, .applied])
        // a and b overlap: each starts before the other ends.
        let aEnd = a.startedAt!.addingTimeInterval(a.duration!), bEnd = b.startedAt!.addingTimeInterval(b.duration!)
        #expect(a.startedAt! < bEnd && b.startedAt! < aEnd)
        #expect(c.startedAt! >= aEnd)
        #expect(a.duration! >= 0.8 && b.duration! >= 0.8)
        // Both installed in less than the two installs one after the other would take.
        let span = max(aEnd, bEnd).timeIntervalSince(min(a.startedAt!, b.startedAt!))
        #expect(span < 1.6, "a and b took \(span) s together")
        #expect(wall < a.duration! + b.duration! + c.duration!, "wall \(wall) s")
        for name in ["a", "b", "c"] {
            let job = try #require(try cluster.job(name))
            let conditions = (job["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
            #expect(conditions.contains { $0["type"] as? String == "Complete" && $0["status"] as? String == "True" })
        }
        let spec = try #require(try cluster.helmChart("a")?["spec"] as? [String: Any])
        #expect(spec["chart"] as? String == "a-chart")
        #expect(spec["repo"] as? String == "https://charts.example.com")
        #expect(spec["version"] as? String == "1.0.0")
        #expect(spec["targetNamespace"] as? String == "a-ns")
        #expect(spec["createNamespace"] as? Bool == true)
        #expect(spec["timeout"] as? String == "30s")
    }

    @Test func aSecondRunIsDoneBeforeAndWritesNothing() throws {
        let cluster = try Cluster()
        let context = try cluster.context(Self.platform(Self.chart("a", values: "{replicas: 2}"), Self.chart("b", needs: ["a"])))
        #expect(!(try cluster.run(context)).failed)
        try cluster.server.reset()
        let again = try cluster.run(try cluster.context(platform: context.platform.path))
        #expect(again.records.map(\.result) == [.doneBefore, .doneBefore])
        let writes = try cluster.server.requests().filter { ["create", "update", "patch", "delete"].contains($0.verb) }
        #expect(writes.isEmpty, "\(writes)")
        #expect(try cluster.server.creations().isEmpty)
    }

    @Test func aChangedVersionShowsInCheckAndUpdatesTheChart() throws {
        let cluster = try Cluster()
        let first = try cluster.context(Self.platform(Self.chart("a", version: "1.0.0")))
        #expect(!(try cluster.run(first)).failed)
        let second = try cluster.context(Self.platform(Self.chart("a", version: "1.1.0")))
        let step = try #require(ChartSteps.make(second).first)
        #expect(try step.check(StepContext(stepName: step.name)) == .wouldApply(["update HelmChart kube-system/a: version 1.0.0 → 1.1.0"]))
        let dry = try cluster.run(second, dryRun: true)
        #expect(dry.records.map(\.result) == [.wouldApply])
        #expect(Self.environment(of: try cluster.job("a"))["VERSION"] == "1.0.0")

        try cluster.server.simulateChart("a", .init(delay: 0.3))
        let report = try cluster.run(second)
        #expect(report.records.map(\.result) == [.applied], "\(report.records.compactMap(\.error))")
        #expect(Self.environment(of: try cluster.job("a"))["VERSION"] == "1.1.0")
        let creations = try cluster.server.creations()
        #expect(creations["HelmChart kube-system/a"] == 1)
        #expect(creations["Job kube-system/helm-install-a"] == 2)
        #expect(try step.check(StepContext(stepName: step.name)) == .done)
    }

    @Test func aHelmChartConfigsValuesCountAsHelmControllerCountsThem() throws {
        let cluster = try Cluster()
        let context = try cluster.context(Self.platform(Self.chart("traefik", values: "{replicas: 1}")))
        #expect(!(try cluster.run(context)).failed)
        let step = try #require(ChartSteps.make(context).first)
        // An operator's override: helm-controller runs the install again with both values.
        try FakeKubeSimulationTests.client(cluster.server).create([
            "apiVersion": "helm.cattle.io/v1", "kind": "HelmChartConfig",
            "metadata": ["name": "traefik", "namespace": "kube-system"], "spec": ["valuesContent": "logs: {access: {enabled: true}}\n"]])
        let rerun = try FakeKubeSimulationTests.eventually(3, { try cluster.server.creations()["Job kube-system/helm-install-traefik"] == 2 ? [:] : nil }, { _ in true })
        #expect(rerun != nil)
        let complete = try FakeKubeSimulationTests.eventually(3, { try cluster.job("traefik") }, { FakeKubeSimulationTests.condition($0, "Complete") == "True" })
        #expect(complete != nil)
        #expect(try step.check(StepContext(stepName: step.name)) == .done)
    }

    @Test func aChartWaitsForK3sToServeHelmChartsAndSaysSoWhenItDoesNot() throws {
        let server = try FakeKubeServer()
        let cluster = try Cluster(server: server, servingHelmCharts: false)
        let context = try cluster.context(Self.platform(Self.chart("a")))
        let made = try #require(ChartSteps.make(context).first as? ChartStep)
        #expect(try made.check(StepContext(stepName: made.name)) == .wouldApply([
            "create HelmChart kube-system/a: chart a-chart 1.0.0 from https://charts.example.com into a-ns (HelmChart is not served yet: k3s's helm-controller is not running)",
        ]))
        let step = ChartStep(chart: made.chart, needs: made.needs, context: context, crdTimeout: 1)
        do {
            try step.apply(StepContext(stepName: step.name))
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "chart a cannot be installed: timed out after 1 s waiting for a CustomResourceDefinition serving HelmChart in helm.cattle.io/v1 to be installed (k3s creates it at start: is k3s running, or was it started with --disable-helm-controller?)")
        }
        // Served a moment later (k3s starting): the chart waits, then installs.
        let serve = Thread { Thread.sleep(forTimeInterval: 0.5); try? server.serveHelmCharts() }
        serve.start()
        let patient = ChartStep(chart: made.chart, needs: made.needs, context: context, crdTimeout: 10)
        try patient.apply(StepContext(stepName: step.name))
        #expect(try patient.check(StepContext(stepName: step.name)) == .done)
    }

    @Test func aNewChartIsDescribedBeforeItIsCreated() throws {
        let cluster = try Cluster()
        let context = try cluster.context(Self.platform(Self.chart("a")))
        let report = try cluster.run(context, dryRun: true)
        #expect(report.records.first?.changes == ["create HelmChart kube-system/a: chart a-chart 1.0.0 from https://charts.example.com into a-ns"])
        #expect(try cluster.helmChart("a") == nil)
    }

    @Test func aFailingChartNamesItsJobAndHelmsMessageAndIsRetriedOnTheNextRun() throws {
        let cluster = try Cluster()
        let message = "Error: INSTALLATION FAILED: values don't meet the specifications of the schema(s)"
        try cluster.server.simulateChart("bad", .init(delay: 0.2, failure: message))
        let context = try cluster.context(Self.platform(Self.chart("bad")))
        let report = try cluster.run(context)
        let record = try record(report, "chart/bad")
        #expect(record.result == .failed)
        let error = try #require(record.error)
        #expect(error.contains("chart bad (bad-chart 1.0.0) failed to install: Job kube-system/helm-install-bad failed: BackoffLimitExceeded: Job has reached the specified backoff limit"), "\(error)")
        #expect(error.contains("helm: Error: \(message)"), "\(error)")
        #expect(error.contains("event Job helm-install-bad: BackoffLimitExceeded"), "\(error)")

        // Fixed (here: the next install succeeds): the failed Job is replaced and the chart installs.
        try cluster.server.simulateChart("bad", .init(delay: 0.2))
        let again = try cluster.run(context)
        #expect(again.records.map(\.result) == [.applied], "\(again.records.compactMap(\.error))")
        #expect(try cluster.server.creations()["Job kube-system/helm-install-bad"] == 2)
    }

    @Test func aTimeoutExplainsItselfWithTheJobsEventsAndPods() throws {
        let cluster = try Cluster()
        try cluster.server.simulateChart("stuck", .init(waiting: (reason: "ImagePullBackOff",
                                                                   message: "Back-off pulling image \"rancher/klipper-helm:v0.9.4-build20250113\"")))
        let context = try cluster.context(Self.platform(Self.chart("stuck", timeout: "2s")))
        let start = Date()
        let report = try cluster.run(context)
        #expect(Date().timeIntervalSince(start) < 5)
        let error = try #require(try record(report, "chart/stuck").error)
        #expect(error.contains("chart stuck (stuck-chart 1.0.0) is not installed: its Job has not finished"), "\(error)")
        #expect(error.contains("timed out after 2 s waiting for Job \"helm-install-stuck\" in namespace \"kube-system\" to be complete"), "\(error)")
        #expect(error.contains(": Failed: Back-off pulling image"), "\(error)")
        #expect(error.contains("helm-install-stuck-") && error.contains("(Pending): helm: ImagePullBackOff"), "\(error)")
    }

    @Test func valuesKeepTheirTypesInValuesContent() throws {
        let cluster = try Cluster()
        let context = try cluster.context(Self.platform(
            Self.chart("a", values: #"{configs: {params: {server.insecure: true}}, mode: "644", port: 8080, list: [{name: x, on: "yes"}], empty: {}}"#),
            Self.chart("b", values: "values/b.yaml")), files: ["values/b.yaml": "replicas: 3 # from a file\n"])
        #expect(!(try cluster.run(context)).failed)
        let a = try #require((try cluster.helmChart("a")?["spec"] as? [String: Any])?["valuesContent"] as? String)
        #expect(a == """
            configs:
              params:
                server.insecure: true
            mode: "644"
            port: 8080
            list:
            - name: x
              on: "yes"
            empty: {}

            """)
        let document = try #require(try YAMLParser.documents(in: a).first)
        let parsed = try #require(try ManifestYAML.json(document, file: "values") as? [String: Any])
        #expect(((parsed["configs"] as? [String: Any])?["params"] as? [String: Any])?["server.insecure"] as? Bool == true)
        #expect(parsed["mode"] as? String == "644")
        let b = (try cluster.helmChart("b")?["spec"] as? [String: Any])?["valuesContent"] as? String
        #expect(b == "replicas: 3 # from a file\n")
    }

    // MARK: Manifests

    static let issuers = """
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata:
          name: letsencrypt-staging
        spec:
          acme:
            server: https://acme-staging-v02.api.letsencrypt.org/directory
            email: ops@example.com
            privateKeySecretRef: {name: letsencrypt-staging}
            solvers: [{http01: {ingress: {ingressClassName: traefik}}}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: default}
        data: {mode: "644", enabled: "true"}

        """

    @Test func manifestsWaitForTheirCRDToBeEstablishedThenApply() throws {
        let cluster = try Cluster()
        try cluster.server.simulateCRDEstablished(after: 0.8)
        try cluster.server.simulateChart("cert-manager", .init(delay: 0.2, crds: ["cert-manager.io_ClusterIssuer.yaml"]))
        let context = try cluster.context(Self.platform(Self.chart("cert-manager")) + "manifests:\n  - files: [issuers.yaml]\n    needs: [cert-manager]\n",
                                          files: ["issuers.yaml": Self.issuers])
        let steps = ChartSteps.make(context)
        #expect(steps.map(\.name) == ["chart/cert-manager", "manifests/issuers"])
        #expect(steps[1].needs == ["chart/cert-manager"])
        #expect(try steps[1].check(StepContext(stepName: "manifests/issuers")) == .wouldApply([
            "create ClusterIssuer letsencrypt-staging (issuers.yaml:1:1) once a CRD serving ClusterIssuer in cert-manager.io/v1 is Established",
            "create ConfigMap default/settings (issuers.yaml:12:1)",
        ]))
        let report = try cluster.run(context)
        #expect(report.records.map(\.result) == [.applied, .applied], "\(report.records.compactMap(\.error))")
        let issuer = try #require(try cluster.server.object(at: "/apis/cert-manager.io/v1/clusterissuers/letsencrypt-staging"))
        #expect(((issuer["spec"] as? [String: Any])?["acme"] as? [String: Any])?["email"] as? String == "ops@example.com")
        // Never tried before the kind was served.
        let issuerRequests = try cluster.server.requests().filter { $0.path.contains("clusterissuers") }
        #expect(!issuerRequests.isEmpty && issuerRequests.allSatisfy { $0.code < 300 }, "\(issuerRequests)")
        #expect(try cluster.server.creations()["ClusterIssuer letsencrypt-staging"] == 1)
        #expect(try steps[1].check(StepContext(stepName: "manifests/issuers")) == .done)

        // A field changed by hand shows as a change, and apply puts it back.
        var changed = issuer
        changed["spec"] = ["acme": ["email": "someone@example.com"]]
        changed["metadata"] = ["name": "letsencrypt-staging"]
        try cluster.server.put(changed)
        #expect(try steps[1].check(StepContext(stepName: "manifests/issuers")) == .wouldApply([
            "change ClusterIssuer letsencrypt-staging (issuers.yaml:1:1): spec.acme.email, spec.acme.privateKeySecretRef, spec.acme.server, spec.acme.solvers",
        ]))
    }

    @Test func aManifestWhoseCRDNeverComesTimesOutNamingIt() throws {
        let cluster = try Cluster()
        let context = try cluster.context("manifests:\n  - files: [issuers.yaml]\n", files: ["issuers.yaml": Self.issuers])
        let made = try #require(ChartSteps.make(context).first as? ManifestsStep)
        let step = ManifestsStep(entry: made.entry, needs: made.needs, context: context, crdTimeout: 1)
        let start = Date()
        do {
            try step.apply(StepContext(stepName: step.name))
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "issuers.yaml:1:1: ClusterIssuer letsencrypt-staging cannot be applied: timed out after 1 s waiting for a CustomResourceDefinition serving ClusterIssuer in cert-manager.io/v1 to be installed")
        }
        #expect(Date().timeIntervalSince(start) < 3)

        // Installed but never Established: the CRD's conditions say why.
        try cluster.server.simulateCRDEstablished(after: 60)
        let client = try FakeKubeSimulationTests.client(cluster.server)
        try client.create(try ManifestYAML.objects(inFile: FakeKubeServer.sharedCRDFolder + "/cert-manager.io_ClusterIssuer.yaml")[0].object)
        do {
            try step.apply(StepContext(stepName: step.name))
            Issue.record("no error")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("issuers.yaml:1:1: ClusterIssuer letsencrypt-staging cannot be applied:\ntimed out after 1 s waiting for CustomResourceDefinition \"clusterissuers.cert-manager.io\" to be Established"), "\(text)")
            #expect(text.contains("condition Established=False (Installing: the initial names have been accepted)"), "\(text)")
        }
    }

    @Test func manifestErrorsNameTheFileLineAndColumn() throws {
        let cluster = try Cluster()
        let context = try cluster.context("manifests:\n  - files: [bad.yaml]\n", files: ["bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"])
        let step = try #require(ChartSteps.make(context).first)
        #expect(throws: ManifestError.self) { try step.check(StepContext(stepName: step.name)) }
        do {
            _ = try step.check(StepContext(stepName: step.name))
        } catch {
            #expect("\(error)".hasPrefix("bad.yaml:4:1: "), "\(error)")
        }
        let noName = try cluster.context("manifests:\n  - files: [x.yaml]\n", files: ["x.yaml": "---\napiVersion: v1\nkind: ConfigMap\n"])
        do {
            _ = try ChartSteps.make(noName).first!.check(StepContext(stepName: "manifests/x"))
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "x.yaml:2:1: an object needs apiVersion, kind and metadata.name")
        }
    }

    // MARK: The examples

    @Test func everyHelmChartAndClusterIssuerSentForUltronIsValid() throws {
        let cluster = try Cluster()
        try cluster.server.simulateChart("cert-manager", .init(crds: ["cert-manager.io_ClusterIssuer.yaml"]))
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/ultron/platform.yaml").standardizedFileURL.path
        let context = try cluster.context(platform: example)
        let report = try cluster.run(context, extra: [FakeStep("k3s", done: true)])
        #expect(!report.failed, "\(report.records.compactMap(\.error))")
        var objects = try cluster.server.objects(apiVersion: "helm.cattle.io/v1", kind: "HelmChart")
        objects += try cluster.server.objects(apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer")
        #expect(objects.count == 8)
        let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": objects]
        let file = cluster.folder.child("sent.json")
        try write(String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self), to: file)
        let tool = URL(fileURLWithPath: FakeKubeServer.sharedCRDFolder).deletingLastPathComponent()
            .appendingPathComponent("tools/validate-manifests.py").path
        let output = try runProgram("/usr/bin/env", ["python3", tool, "--crds", FakeKubeServer.sharedCRDFolder, file])
        let lines = output.split(separator: "\n").map(String.init)
        for name in ["cert-manager", "kube-prometheus-stack", "argo-cd", "argo-rollouts", "argo-workflows", "argo-events"] {
            #expect(lines.contains("OK HelmChart/kube-system/\(name)"), "\(output)")
        }
        #expect(lines.contains("OK ClusterIssuer/-/letsencrypt-staging") && lines.contains("OK ClusterIssuer/-/letsencrypt-prod"), "\(output)")
        #expect(lines.last == "8 passed, 0 failed", "\(output)")

        let argo = try #require(objects.first { ($0["metadata"] as? [String: Any])?["name"] as? String == "argo-cd" })
        let values = try #require((argo["spec"] as? [String: Any])?["valuesContent"] as? String)
        #expect(values.contains("    server.insecure: true\n"))
        #expect(values.contains("      cert-manager.io/cluster-issuer: letsencrypt-prod\n"))
    }
}

/// The simulated controllers of the fake API server, on their own.
@Suite struct FakeKubeSimulationTests {
    /// Polls `read` until it gives a value for which `ready` holds, for at most `seconds`.
    static func eventually(_ seconds: Double, _ read: () throws -> [String: Any]?, _ ready: ([String: Any]) -> Bool) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try read(), ready(value) { return value }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    static func client(_ server: FakeKubeServer) throws -> KubeClient {
        let environment = KubeEnvironment(variables: [:], home: nil, workingDirectory: "/", stdinIsTerminal: false)
        let configuration = try KubeconfigLoader.load(kubeconfig: server.kubeconfigPath, context: nil, environment: environment)
        return try KubeClient(configuration: configuration, environment: [:], warning: { _ in })
    }

    static func condition(_ object: [String: Any], _ type: String) -> String? {
        (((object["status"] as? [String: Any])?["conditions"] as? [[String: Any]]) ?? []).first { $0["type"] as? String == type }?["status"] as? String
    }

    @Test func aNodeAppearsNotReadyThenBecomesReady() throws {
        let server = try FakeKubeServer()
        let start = Date()
        try server.simulateNode("ultron", kubeletVersion: "v1.31.4+k3s1", appearAfter: 0.2, readyAfter: 0.6)
        #expect(try server.object(at: "/api/v1/nodes/ultron") == nil)
        let notReady = try #require(try Self.eventually(2, { try server.object(at: "/api/v1/nodes/ultron") }, { _ in true }))
        #expect(Self.condition(notReady, "Ready") == "False")
        let ready = try #require(try Self.eventually(2, { try server.object(at: "/api/v1/nodes/ultron") }, { Self.condition($0, "Ready") == "True" }))
        #expect(Date().timeIntervalSince(start) >= 0.6)
        #expect(((ready["status"] as? [String: Any])?["nodeInfo"] as? [String: Any])?["kubeletVersion"] as? String == "v1.31.4+k3s1")
        #expect(try server.creations()["Node ultron"] == 1)
    }

    @Test func applicationsBecomeSyncedAndHealthyOrDegraded() throws {
        let server = try FakeKubeServer()
        try server.registerKind(group: "argoproj.io", version: "v1alpha1", kind: "Application", plural: "applications")
        try server.put(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "argocd"]])
        try server.simulateApplication(nil, delay: 0.3)
        try server.simulateApplication("root", delay: 0.3, creates: ["penvoice", "broken"])
        try server.simulateApplication("broken", degraded: "Deployment penvoice-api: ImagePullBackOff")
        let client = try Self.client(server)
        for name in ["root"] {
            try client.create(["apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                               "metadata": ["name": name, "namespace": "argocd"], "spec": ["project": "default"]])
        }
        let path = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/"
        func state(_ app: [String: Any]) -> String {
            let status = app["status"] as? [String: Any]
            return "\((status?["sync"] as? [String: Any])?["status"] as? String ?? "-")/\((status?["health"] as? [String: Any])?["status"] as? String ?? "-")"
        }
        let fresh = try #require(try Self.eventually(2, { try server.object(at: path + "root") }, { $0["status"] != nil }))
        #expect(state(fresh) == "OutOfSync/Missing")
        let root = try #require(try Self.eventually(2, { try server.object(at: path + "root") }, { state($0) == "Synced/Healthy" }))
        #expect(state(root) == "Synced/Healthy")
        // The root app's children come when it has synced, and settle in turn.
        let child = try #require(try Self.eventually(2, { try server.object(at: path + "penvoice") }, { state($0) == "Synced/Healthy" }))
        #expect(((child["spec"] as? [String: Any])?["destination"] as? [String: Any])?["namespace"] as? String == "penvoice")
        let broken = try #require(try Self.eventually(2, { try server.object(at: path + "broken") }, { state($0) == "Synced/Degraded" }))
        let health = (broken["status"] as? [String: Any])?["health"] as? [String: Any]
        #expect(health?["status"] as? String == "Degraded")
        #expect(health?["message"] as? String == "Deployment penvoice-api: ImagePullBackOff")
    }

    @Test func aCRDIsServedOnlyOnceEstablished() throws {
        let server = try FakeKubeServer()
        try server.simulateCRDEstablished(after: 0.5)
        let client = try Self.client(server)
        let crd = try ManifestYAML.objects(inFile: FakeKubeServer.sharedCRDFolder + "/cert-manager.io_ClusterIssuer.yaml")[0].object
        try client.create(crd)
        let stored = try #require(try server.object(at: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusterissuers.cert-manager.io"))
        #expect(Self.condition(stored, "Established") == "False")
        #expect((try? client.resource(for: "cert-manager.io/v1", kind: "ClusterIssuer")) == nil)
        let established = try Self.eventually(2, {
            try server.object(at: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusterissuers.cert-manager.io")
        }, { Self.condition($0, "Established") == "True" })
        #expect(established != nil)
        #expect((try? client.resource(for: "cert-manager.io/v1", kind: "ClusterIssuer")) != nil)
    }

    @Test func helmChartJobsFollowHelmControllersConventions() throws {
        let server = try FakeKubeServer()
        try server.serveHelmCharts()
        try server.simulateChart(nil, .init(delay: 0.1))
        let client = try Self.client(server)
        try client.create(["apiVersion": "helm.cattle.io/v1", "kind": "HelmChart",
                           "metadata": ["name": "demo", "namespace": "kube-system"],
                           "spec": ["chart": "demo", "repo": "https://charts.example.com", "version": "1.2.3",
                                    "targetNamespace": "demo", "valuesContent": "a: 1\n"]])
        let path = "/apis/batch/v1/namespaces/kube-system/jobs/helm-install-demo"
        let job = try #require(try Self.eventually(2, { try server.object(at: path) }, { Self.condition($0, "Complete") == "True" }))
        let metadata = job["metadata"] as? [String: Any]
        #expect((metadata?["labels"] as? [String: Any])?["helmcharts.helm.cattle.io/chart"] as? String == "demo")
        let owner = (metadata?["ownerReferences"] as? [[String: Any]])?.first
        let chart = try #require(try server.object(at: "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/demo"))
        #expect(owner?["uid"] as? String == (chart["metadata"] as? [String: Any])?["uid"] as? String)
        #expect((chart["status"] as? [String: Any])?["jobName"] as? String == "helm-install-demo")
        let template = (job["spec"] as? [String: Any])?["template"] as? [String: Any]
        let hash = ((template?["metadata"] as? [String: Any])?["annotations"] as? [String: Any])?["helmcharts.helm.cattle.io/configHash"] as? String
        // sha256("values-01_HelmChart.yaml" + "a: 1\n"), as helm-controller's hashObjects computes it.
        let expected = try runProgram("/bin/sh", ["-c", "printf 'values-01_HelmChart.yamla: 1\\n' | sha256sum | cut -c1-64"])
        #expect(hash == "SHA256=" + expected.trimmingCharacters(in: .whitespacesAndNewlines).uppercased())
        #expect((job["status"] as? [String: Any])?["succeeded"] as? Int == 1)
        #expect(ChartStepsTests.environment(of: job)["CHART"] == "demo/demo")
        #expect(try server.creations()["Job kube-system/helm-install-demo"] == 1)
    }
}
