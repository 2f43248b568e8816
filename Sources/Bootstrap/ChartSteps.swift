import Crypto
import Foundation
import Kube
import YAML

/// The charts and manifests of platform.yaml: one step per chart (`chart/<name>`), one per
/// manifests entry (`manifests/<stem>`).
package enum ChartSteps {
    package static func make(_ context: RebuildContext) -> [any Step] {
        let host = context.platform.k3s == nil ? [] : [StepName.k3s]
        let charts: [any Step] = context.platform.charts.map {
            ChartStep(chart: $0, needs: host + $0.needs.map(StepName.chart), context: context)
        }
        let manifests: [any Step] = context.platform.manifests.map {
            ManifestsStep(entry: $0, needs: host + $0.needs.map(StepName.chart), context: context)
        }
        return charts + manifests
    }
}

/// A chart installed by k3s's helm-controller: a `HelmChart` in kube-system, which the controller
/// turns into the Job `helm-install-<name>` running `helm install`/`upgrade`. A HelmChart has no
/// "installed" condition, so the chart is installed when its current Job, the one made for the
/// spec edpctl wants, has succeeded.
struct ChartStep: Step {
    static let namespace = "kube-system"
    static let apiVersion = "helm.cattle.io/v1"
    /// helm-controller's names (pkg/controllers/chart/chart.go).
    static let configHashAnnotation = "helmcharts.helm.cattle.io/configHash"
    /// How long k3s may take to serve HelmCharts, by default.
    static let defaultCRDTimeout = 120.0

    let chart: PlatformChart
    let needs: [String]
    let context: RebuildContext
    var crdTimeout = ChartStep.defaultCRDTimeout

    var name: String { StepName.chart(chart.name) }
    var place: String { "HelmChart \(Self.namespace)/\(chart.name)" }
    var jobName: String { "helm-install-\(chart.name)" }

    // MARK: The object

    /// The values, as the HelmChart carries them: inline values written back as YAML, a values
    /// file as it is (checked to be YAML first).
    func valuesContent() throws -> String? {
        switch chart.values {
        case nil:
            return nil
        case .inline(let node):
            return try ManifestYAML.text(of: node, file: (context.platform.path as NSString).lastPathComponent)
        case .file(let path):
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ManifestError("\(path): the values of chart \(chart.name) cannot be read")
            }
            if let problem = YAMLParser.firstError(in: text) {
                throw ManifestError("\((path as NSString).lastPathComponent):\(problem.line):\(problem.column): \(problem.problem)")
            }
            return text
        }
    }

    /// The spec fields edpctl sets, in the order they are reported.
    func wantedSpec() throws -> [(key: String, value: Any)] {
        // An OCI chart is named by its full reference, without a repo (helm pulls it directly).
        let oci = chart.repo.hasPrefix("oci://")
        var spec: [(key: String, value: Any)] = [
            ("chart", oci ? chart.repo.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/" + chart.chart : chart.chart),
        ]
        if !oci { spec.append(("repo", chart.repo)) }
        spec += [("version", chart.version), ("targetNamespace", chart.namespace), ("createNamespace", true)]
        if let values = try valuesContent() { spec.append(("valuesContent", values)) }
        spec.append(("timeout", "\(chart.timeout)s"))
        return spec
    }

    func helmChart(spec: [(key: String, value: Any)]) -> [String: Any] {
        ["apiVersion": Self.apiVersion, "kind": "HelmChart",
         "metadata": ["name": chart.name, "namespace": Self.namespace,
                      "labels": ["app.kubernetes.io/managed-by": "edpctl"]] as [String: Any],
         "spec": Dictionary(uniqueKeysWithValues: spec.map { ($0.key, $0.value) })]
    }

    // MARK: Check

    func check(_ stepContext: StepContext) throws -> StepCheck {
        let spec = try wantedSpec()
        let create = "create \(place): chart \(chart.chart) \(chart.version) from \(chart.repo) into \(chart.namespace)"
        // Before k3s is installed (a dry run on a fresh node) there is no cluster to ask.
        guard context.clusterExists else {
            return .wouldApply([create])
        }
        let client = try context.kube()
        let current: [String: Any]?
        do {
            current = try client.get(apiVersion: Self.apiVersion, kind: "HelmChart", namespace: Self.namespace, name: chart.name)
        } catch let error as KubeAPIError where error.kind == .unknownKind {
            return .wouldApply([create + " (HelmChart is not served yet: k3s's helm-controller is not running)"])
        }
        guard let current else { return .wouldApply([create]) }
        let changes = specChanges(current: current, wanted: spec)
        if !changes.isEmpty {
            return .wouldApply(["update \(place): " + changes.joined(separator: ", ")])
        }
        let job = try client.get(apiVersion: "batch/v1", kind: "Job", namespace: Self.namespace, name: currentJobName(current))
        let hash = try configHash(values: spec.first { $0.key == "valuesContent" }?.value as? String, client: client)
        switch jobState(job, chartObject: current, spec: spec, configHash: hash) {
        case .succeeded:
            return .done
        case .failed(let reason):
            return .wouldApply(["delete the failed Job \(Self.namespace)/\(currentJobName(current)) (\(reason)) so helm-controller installs chart \(chart.name) \(chart.version) again, and wait for it"])
        case .running:
            return .wouldApply(["wait for Job \(Self.namespace)/\(currentJobName(current)) to install chart \(chart.name) \(chart.version)"])
        case .stale:
            return .wouldApply(["wait for helm-controller to run a Job installing chart \(chart.name) \(chart.version) (\(place) is up to date)"])
        }
    }

    /// `version 7.7.9 → 7.7.10`, `values change`, one per differing field.
    func specChanges(current: [String: Any], wanted: [(key: String, value: Any)]) -> [String] {
        let spec = current["spec"] as? [String: Any] ?? [:]
        var changes: [String] = []
        for (key, value) in wanted where !Self.same(spec[key], value) {
            switch key {
            case "valuesContent": changes.append("values change")
            case "createNamespace": changes.append("createNamespace → true")
            default: changes.append("\(key) \(spec[key].map { "\($0)" } ?? "(unset)") → \(value)")
            }
        }
        if wanted.first(where: { $0.key == "valuesContent" }) == nil, let old = spec["valuesContent"] as? String, !old.isEmpty {
            changes.append("values removed")
        }
        return changes
    }

    static func same(_ current: Any?, _ wanted: Any) -> Bool {
        if let wanted = wanted as? Bool { return (current as? Bool) == wanted && !(current is String) }
        return (current as? String) == (wanted as? String)
    }

    func currentJobName(_ chartObject: [String: Any]) -> String {
        ((chartObject["status"] as? [String: Any])?["jobName"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? jobName
    }

    // MARK: The install Job

    enum JobState: Equatable {
        /// The Job for the wanted spec succeeded.
        case succeeded
        /// It failed: the condition's reason and message.
        case failed(String)
        /// It runs.
        case running
        /// There is no Job yet for the wanted spec (helm-controller has not seen it, or an older Job remains).
        case stale
    }

    /// Whether `job` is the one helm-controller makes for `spec` of this HelmChart: owned by it
    /// (uid), with the chart, repo, version and target namespace in its environment and the
    /// values' hash in its pod template, and how it stands.
    func jobState(_ job: [String: Any]?, chartObject: [String: Any], spec: [(key: String, value: Any)],
                  configHash: String) -> JobState {
        guard let job, isCurrent(job, chartObject: chartObject, spec: spec, configHash: configHash) else { return .stale }
        let status = job["status"] as? [String: Any] ?? [:]
        let conditions = status["conditions"] as? [[String: Any]] ?? []
        if conditions.contains(where: { $0["type"] as? String == "Complete" && $0["status"] as? String == "True" }) {
            return .succeeded
        }
        if let failed = conditions.first(where: { $0["type"] as? String == "Failed" && $0["status"] as? String == "True" }) {
            return .failed([failed["reason"] as? String, failed["message"] as? String].compactMap { $0 }.joined(separator: ": "))
        }
        return .running
    }

    func isCurrent(_ job: [String: Any], chartObject: [String: Any], spec: [(key: String, value: Any)],
                   configHash: String) -> Bool {
        let metadata = job["metadata"] as? [String: Any] ?? [:]
        let chartUID = (chartObject["metadata"] as? [String: Any])?["uid"] as? String
        let owners = metadata["ownerReferences"] as? [[String: Any]] ?? []
        if !owners.isEmpty, !owners.contains(where: { $0["kind"] as? String == "HelmChart" && $0["uid"] as? String == chartUID }) {
            return false
        }
        let template = (job["spec"] as? [String: Any])?["template"] as? [String: Any] ?? [:]
        let podSpec = template["spec"] as? [String: Any] ?? [:]
        let container = (podSpec["containers"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "helm" } ?? [:]
        var environment: [String: String] = [:]
        for variable in container["env"] as? [[String: Any]] ?? [] {
            if let name = variable["name"] as? String { environment[name] = variable["value"] as? String ?? "" }
        }
        let wanted = Dictionary(uniqueKeysWithValues: spec.map { ($0.key, $0.value) })
        let repo = wanted["repo"] as? String ?? ""
        let chartReference = repo.isEmpty ? wanted["chart"] as? String ?? "" : "\(chart.name)/\(wanted["chart"] as? String ?? "")"
        guard environment["VERSION"] == chart.version, environment["REPO"] == repo, environment["CHART"] == chartReference,
              environment["TARGET_NAMESPACE"] == chart.namespace else { return false }
        let annotations = (template["metadata"] as? [String: Any])?["annotations"] as? [String: Any] ?? [:]
        return annotations[Self.configHashAnnotation] as? String == configHash
    }

    /// helm-controller's `hashObjects`: SHA-256 over the values Secret's keys and values in key
    /// order — the HelmChart's values, then those of a HelmChartConfig of the same name if any.
    func configHash(values: String?, client: KubeClient) throws -> String {
        var data: [(String, String)] = []
        if let values, !values.isEmpty { data.append(("values-01_HelmChart.yaml", values)) }
        let config: [String: Any]?
        do {
            config = try client.get(apiVersion: Self.apiVersion, kind: "HelmChartConfig", namespace: Self.namespace, name: chart.name)
        } catch let error as KubeAPIError where error.kind == .unknownKind {
            config = nil
        }
        if let extra = (config?["spec"] as? [String: Any])?["valuesContent"] as? String, !extra.isEmpty {
            data.append(("values-10_HelmChartConfig.yaml", extra))
        }
        var hasher = SHA256()
        for (key, value) in data {
            hasher.update(data: Data(key.utf8))
            hasher.update(data: Data(value.utf8))
        }
        return "SHA256=" + hasher.finalize().map { String(format: "%02X", $0) }.joined()
    }

    // MARK: Apply

    func apply(_ stepContext: StepContext) throws {
        let spec = try wantedSpec()
        let client = try context.kube()
        // k3s creates the HelmChart CRD as it starts; right after the install it may not be served yet.
        do {
            try CRDWait(group: "helm.cattle.io", version: "v1", kind: "HelmChart", timeout: crdTimeout,
                        hint: " (k3s creates it at start: is k3s running, or was it started with --disable-helm-controller?)")
                .wait(client: client, stepContext: stepContext, for: place)
        } catch let error as ManifestError {
            throw StepFailure(lines: ["chart \(chart.name) cannot be installed: \(error)"])
        }
        // platform.yaml is the source of truth for these fields, even if someone changed them by hand.
        let applied = try client.apply(helmChart(spec: spec), force: true)
        let jobName = currentJobName(applied)
        let hash = try configHash(values: spec.first { $0.key == "valuesContent" }?.value as? String, client: client)
        // A failed Job of this very spec is not run again by helm-controller: deleting it makes the
        // controller create it anew, which is how an install is retried.
        let existing = try client.get(apiVersion: "batch/v1", kind: "Job", namespace: Self.namespace, name: jobName)
        if case .failed = jobState(existing, chartObject: applied, spec: spec, configHash: hash) {
            try client.delete(apiVersion: "batch/v1", kind: "Job", namespace: Self.namespace, name: jobName)
        }
        stepContext.waiting("Job \(Self.namespace)/\(jobName) installing chart \(chart.chart) \(chart.version) into \(chart.namespace)")
        var state = JobState.stale
        let job: [String: Any]?
        do {
            job = try client.waitUntil(apiVersion: "batch/v1", kind: "Job", namespace: Self.namespace, name: jobName,
                                       timeout: Double(chart.timeout), awaited: "complete") { job in
                state = jobState(job, chartObject: applied, spec: spec, configHash: hash)
                return state == .succeeded || { if case .failed = state { return true } else { return false } }()
            }
        } catch let timeout as KubeWaitTimeout {
            let current = try? client.get(apiVersion: "batch/v1", kind: "Job", namespace: Self.namespace, name: jobName)
            let explanation = WaitExplanation(client: client, timeout: timeout, object: current, namespace: Self.namespace)
            let stand = state == .stale ? "helm-controller did not start a Job for this spec (is k3s's helm-controller running?)"
                                        : "its Job has not finished"
            throw StepFailure(lines: ["chart \(chart.name) (\(chart.chart) \(chart.version)) is not installed: \(stand)"]
                             + explanation.lines
                             + ["  see: kubectl -n \(Self.namespace) logs job/\(jobName)"])
        }
        if case .failed(let reason) = state {
            throw StepFailure(lines: ["chart \(chart.name) (\(chart.chart) \(chart.version)) failed to install: Job \(Self.namespace)/\(jobName) failed: \(reason)"]
                             + failureDetails(job: job, client: client)
                             + ["  see: kubectl -n \(Self.namespace) logs job/\(jobName); fix the chart's values or version, then run again (the failed Job is replaced)"])
        }
    }

    /// The Job's pods that did not succeed (with their containers' messages: helm's error) and the
    /// Job's recent Warning events.
    func failureDetails(job: [String: Any]?, client: KubeClient) -> [String] {
        var lines: [String] = []
        let uid = (job?["metadata"] as? [String: Any])?["uid"] as? String
        if let pods = try? client.list(apiVersion: "v1", kind: "Pod", namespace: Self.namespace,
                                       labelSelector: "batch.kubernetes.io/job-name=\(jobName)") {
            lines += pods.compactMap(WaitExplanation.problem(ofPod:)).map { "  pod \($0)" }
        }
        if let events = try? client.list(apiVersion: "v1", kind: "Event", namespace: Self.namespace) {
            lines += events.filter {
                let involved = $0["involvedObject"] as? [String: Any]
                return $0["type"] as? String == "Warning" && involved?["name"] as? String == jobName
                    && (uid == nil || involved?["uid"] as? String == uid)
            }.suffix(WaitExplanation.eventLimit).map { "  event " + WaitExplanation.summary(ofEvent: $0) }
        }
        return lines
    }
}
