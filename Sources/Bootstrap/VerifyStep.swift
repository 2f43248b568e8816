import Foundation
import HTTP
import Kube

/// The proof that the platform is back: every Application of `verify.applications` Synced and
/// Healthy, and every HTTP probe answering an accepted code, each waited for within its bound.
/// Everything is checked and every failure listed together. It changes nothing: its check is its
/// whole job, so apply only waits and reports.
package struct VerifyStep: Step {
    let context: RebuildContext
    let verify: PlatformVerify
    package let needs: [String]
    /// Seconds the Applications have to become Synced and Healthy.
    package var applicationTimeout: Double = 600
    /// Seconds between two looks at the Applications, or two tries of a probe.
    package var interval: Double = 2
    package var name: String { StepName.verify }

    static let apiVersion = "argoproj.io/v1alpha1"

    init(context: RebuildContext, verify: PlatformVerify, needs: [String]) {
        self.context = context; self.verify = verify; self.needs = needs
    }

    /// Read-only: one look at each Application and one try of each probe.
    package func check(_ stepContext: StepContext) throws -> StepCheck {
        guard context.clusterExists else {
            return .wouldApply(verify.applications.map { "wait for Application \(verify.applicationsNamespace)/\($0) to be Synced and Healthy" }
                + verify.probes.map { "probe \($0.url)" })
        }
        var lines = try applicationProblems(waiting: false, stepContext).map { "wait for \($0)" }
        lines += probeProblems(waiting: false, stepContext).map { "wait for \($0)" }
        return lines.isEmpty ? .done : .wouldApply(lines)
    }

    package func apply(_ stepContext: StepContext) throws {
        // The probes are tried side by side with the wait for the Applications.
        let probes = Box<[String]>([])
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { probes.value = probeProblems(waiting: true, stepContext) }
        let applications = try applicationProblems(waiting: true, stepContext)
        group.wait()
        let failures = applications + probes.value
        guard failures.isEmpty else {
            throw StepFailure("verify failed with \(failures.count) problem(s):\n" + failures.map { "✗ " + $0 }.joined(separator: "\n"))
        }
    }

    private final class Box<T>: @unchecked Sendable {
        var value: T
        init(_ value: T) { self.value = value }
    }

    // MARK: Applications

    /// One entry (lines joined) per Application not Synced and Healthy, after waiting for them when `waiting`.
    private func applicationProblems(waiting: Bool, _ stepContext: StepContext) throws -> [String] {
        guard !verify.applications.isEmpty else { return [] }
        let kube = try context.kube()
        let namespace = verify.applicationsNamespace
        let deadline = Date().addingTimeInterval(applicationTimeout)
        while true {
            var byName: [String: [String: Any]] = [:]
            do {
                for application in try kube.list(apiVersion: Self.apiVersion, kind: "Application", namespace: namespace) {
                    if let name = (application["metadata"] as? [String: Any])?["name"] as? String { byName[name] = application }
                }
            } catch let error as KubeAPIError where error.kind == .unknownKind {
                // Argo CD is not installed (yet): no Application exists.
            } catch {
                throw StepFailure("listing the Applications of namespace \(namespace): \(error) (is Argo CD installed?)")
            }
            let pending = verify.applications.filter { !Self.isSyncedAndHealthy(byName[$0]) }
            if pending.isEmpty { return [] }
            if !waiting || Date() >= deadline {
                return pending.map { name in
                    explain(name, byName[name], kube: kube, waited: waiting)
                }
            }
            stepContext.waiting("Applications Synced and Healthy: " + pending.joined(separator: ", "))
            Thread.sleep(forTimeInterval: min(interval, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    static func isSyncedAndHealthy(_ application: [String: Any]?) -> Bool {
        let status = application?["status"] as? [String: Any]
        return (status?["sync"] as? [String: Any])?["status"] as? String == "Synced"
            && (status?["health"] as? [String: Any])?["status"] as? String == "Healthy"
    }

    /// `Application argocd/penvoice: OutOfSync/Degraded: message`, then what Argo CD says about it
    /// (its conditions, the resources not healthy) and, after a wait, the events and failing pods
    /// of its destination namespace.
    private func explain(_ name: String, _ application: [String: Any]?, kube: KubeClient, waited: Bool) -> String {
        let namespace = verify.applicationsNamespace
        guard let application else { return "Application \(namespace)/\(name): not found" }
        let status = application["status"] as? [String: Any] ?? [:]
        let sync = (status["sync"] as? [String: Any])?["status"] as? String ?? "Unknown"
        let health = status["health"] as? [String: Any]
        var lines = ["Application \(namespace)/\(name): \(sync)/\(health?["status"] as? String ?? "Unknown")"
            + ((health?["message"] as? String).map { ": " + $0 } ?? "")]
        for condition in status["conditions"] as? [[String: Any]] ?? [] {
            lines.append("  \(condition["type"] as? String ?? "condition"): \(condition["message"] as? String ?? "")")
        }
        if let operation = status["operationState"] as? [String: Any], let phase = operation["phase"] as? String, phase != "Succeeded" {
            lines.append("  last sync \(phase)" + ((operation["message"] as? String).map { ": " + $0 } ?? ""))
        }
        for resource in status["resources"] as? [[String: Any]] ?? [] {
            guard let resourceHealth = resource["health"] as? [String: Any],
                  let state = resourceHealth["status"] as? String, state != "Healthy" else { continue }
            let place = (resource["namespace"] as? String).map { "\($0)/" } ?? ""
            lines.append("  \(resource["kind"] as? String ?? "?") \(place)\(resource["name"] as? String ?? "?"): \(state)"
                + ((resourceHealth["message"] as? String).map { ": " + $0 } ?? ""))
        }
        if waited {
            let destination = ((application["spec"] as? [String: Any])?["destination"] as? [String: Any])?["namespace"] as? String
            if let destination {
                // The headline would repeat the first line; the events and pods are what it adds.
                lines += WaitExplanation(client: kube, headline: "", object: nil, namespace: destination).lines.dropFirst()
            }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Probes

    /// One entry per probe that did not answer an accepted code, trying each until its timeout when `waiting`.
    private func probeProblems(waiting: Bool, _ stepContext: StepContext) -> [String] {
        let results = Box<[String?]>(Array(repeating: nil, count: verify.probes.count))
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: verify.probes.count) { index in
            let problem = probe(verify.probes[index], waiting: waiting, stepContext)
            lock.withLock { results.value[index] = problem }
        }
        return results.value.compactMap { $0 }
    }

    /// nil when `probe` answered an accepted code, else what it got last.
    func probe(_ probe: PlatformProbe, waiting: Bool, _ stepContext: StepContext) -> String? {
        let shown = "probe \(probe.url)" + (probe.host.map { " (Host \($0))" } ?? "")
        let client: Client
        do {
            client = try probeClient(probe)
        } catch {
            return "\(shown): \(error)"
        }
        let deadline = Date().addingTimeInterval(Double(probe.timeout))
        var headers = Headers()
        if let host = probe.host { headers.add("Host", host) }
        var last: String
        repeat {
            do {
                let response = try client.send(Request(method: "GET", url: probe.url, headers: headers))
                if Self.accepts(probe.accept, response.status) { return nil }
                let line = String(decoding: response.body.prefix(4096), as: UTF8.self)
                    .split(whereSeparator: \.isNewline).first.map { String($0.prefix(200)) } ?? ""
                last = "answered \(response.status)" + (line.isEmpty ? "" : ": \(line)")
            } catch {
                last = "\(error)"
            }
            guard waiting, Date() < deadline else { break }
            stepContext.waiting("\(shown): \(last)")
            Thread.sleep(forTimeInterval: min(interval, max(0, deadline.timeIntervalSinceNow)))
        } while Date() < deadline
        let accepted: String
        switch probe.accept {
        case .codes(let codes): accepted = codes.map(String.init).joined(separator: ", ")
        case .pattern(let pattern): accepted = "codes matching \(pattern)"
        }
        return "\(shown): \(last) (accepted: \(accepted)" + (waiting ? ", tried for \(probe.timeout) s)" : ")")
    }

    /// A client of the probe's own: with a Host, that name is also sent as SNI and the certificate
    /// checked for it (probing a node by address for a virtual host). The certificate authorities
    /// are the system's, or the file `SSL_CERT_FILE` names (a private CA), as curl and Go read it.
    private func probeClient(_ probe: PlatformProbe) throws -> Client {
        var configuration = Configuration()
        configuration.proxy = .environment(context.environment)
        configuration.certificateAuthorityFile = context.environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        // The probe's own loop retries until its timeout; each try is short.
        configuration.retry = .never
        configuration.timeout = 15
        if let host = probe.host { configuration.tlsServerName = host }
        return try Client(configuration)
    }

    static func accepts(_ accept: PlatformAccept, _ status: Int) -> Bool {
        switch accept {
        case .codes(let codes):
            return codes.contains(status)
        case .pattern(let pattern):
            return String(status).range(of: pattern, options: .regularExpression) != nil
        }
    }
}
