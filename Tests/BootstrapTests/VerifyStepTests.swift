import Bootstrap
import Foundation
import Testing
import TestSupport

@Suite struct VerifyStepTests {
    static func application(_ name: String, sync: String, health: String, message: String? = nil,
                            resources: [[String: Any]] = []) -> [String: Any] {
        var healthStatus: [String: Any] = ["status": health]
        healthStatus["message"] = message
        return ["apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": ["name": name, "namespace": "argocd"],
                "spec": ["project": "default", "source": ["repoURL": "https://github.com/webb1es/gitops.git", "path": name],
                         "destination": ["server": "https://kubernetes.default.svc", "namespace": name]],
                "status": ["sync": ["status": sync], "health": healthStatus, "resources": resources]]
    }

    static func platform(_ probes: ProbeServer, extra: String = "") -> String {
        """
        verify:
          applications:
            names: [root, penvoice, keycloak-test]
          probes:
            - url: \(probes.url)/
            - url: \(probes.url)/moved
              accept: "^(200|301|302|307|308)$"
            - url: \(probes.url)/vhost
              host: argocd.example.test
              accept: [200]
        \(extra)
        """
    }

    static func step(_ fixture: GitOpsFixture, _ platform: String) throws -> VerifyStep {
        var step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.verify, as: VerifyStep.self)
        step.applicationTimeout = 2
        step.interval = 0.2
        return step
    }

    @Test func everyFailureIsListedTogether() throws {
        let fixture = try GitOpsFixture()
        let probes = try ProbeServer()
        try fixture.namespaces("argocd", "penvoice")
        try fixture.registerArgoCD()
        try fixture.server.put(Self.application("root", sync: "Synced", health: "Healthy"))
        try fixture.server.put(Self.application("penvoice", sync: "Synced", health: "Degraded",
                                                message: "Deployment penvoice-api has 0 of 2 ready replicas",
                                                resources: [["kind": "Deployment", "namespace": "penvoice", "name": "penvoice-api",
                                                             "health": ["status": "Degraded", "message": "Deployment exceeded its progress deadline"]]]))
        try fixture.server.put(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "penvoice-api-5f7", "namespace": "penvoice"],
                                "status": ["phase": "Pending", "containerStatuses": [[
                                    "name": "api", "ready": false,
                                    "state": ["waiting": ["reason": "ImagePullBackOff", "message": "Back-off pulling image \"ghcr.io/webb1es/penvoice-api:1.4.2\""]]]]]])
        let step = try Self.step(fixture, Self.platform(probes, extra: "    - url: \(probes.url)/missing\n      timeout: 1s\n"))
        #expect(step.needs == [StepName.preflight])

        let started = Date()
        let error = #expect(throws: StepFailure.self) { try step.apply(Said().context(step.name)) }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(error?.description == """
            verify failed with 3 problem(s):
            ✗ Application argocd/penvoice: Synced/Degraded: Deployment penvoice-api has 0 of 2 ready replicas
              Deployment penvoice/penvoice-api: Degraded: Deployment exceeded its progress deadline
              pods not running in namespace "penvoice":
                penvoice-api-5f7 (Pending): api: ImagePullBackOff: Back-off pulling image "ghcr.io/webb1es/penvoice-api:1.4.2"
            ✗ Application argocd/keycloak-test: not found
            ✗ probe \(probes.url)/missing: answered 404: no such page: /missing (accepted: 200, tried for 1 s)
            """)

        // The check looks once and changes nothing.
        try fixture.server.reset()
        let check = try step.check(Said().context(step.name))
        #expect(check == .wouldApply([
            "wait for Application argocd/penvoice: Synced/Degraded: Deployment penvoice-api has 0 of 2 ready replicas\n  Deployment penvoice/penvoice-api: Degraded: Deployment exceeded its progress deadline",
            "wait for Application argocd/keycloak-test: not found",
            "wait for probe \(probes.url)/missing: answered 404: no such page: /missing (accepted: 200)"]))
        #expect(try fixture.writes() == 0)
    }

    @Test func applicationsThatBecomeHealthyAreWaitedFor() throws {
        let fixture = try GitOpsFixture()
        let probes = try ProbeServer()
        try fixture.namespaces("argocd")
        try fixture.registerArgoCD()
        for name in ["root", "penvoice", "keycloak-test"] {
            try fixture.server.put(Self.application(name, sync: "OutOfSync", health: "Progressing"))
        }
        var step = try Self.step(fixture, Self.platform(probes))
        step.applicationTimeout = 10
        let said = Said()
        #expect(try step.check(said.context(step.name)) != .done)
        later(1) {
            for name in ["root", "penvoice", "keycloak-test"] {
                try fixture.server.put(Self.application(name, sync: "Synced", health: "Healthy"))
            }
        }
        try fixture.server.reset()
        try step.apply(said.context(step.name))
        #expect(said.waiting.contains("Applications Synced and Healthy: root, penvoice, keycloak-test"))
        #expect(try step.check(said.context(step.name)) == .done)
        #expect(try fixture.writes() == 0)
    }

    @Test func aProbeWithAHostSendsIt() throws {
        let probes = try ProbeServer()
        let fixture = try GitOpsFixture()
        let platform = """
            verify:
              probes:
                - url: \(probes.url)/vhost
                  host: other.example.test
                  timeout: 1s

            """
        let step = try Self.step(fixture, platform)
        #expect(try step.check(Said().context(step.name)) == .wouldApply([
            "wait for probe \(probes.url)/vhost (Host other.example.test): answered 404: wrong host (accepted: 200)"]))
    }

    /// Probing the node by address for a virtual host over TLS: the Host is the SNI too, and the
    /// certificate is checked for it (from the private CA of SSL_CERT_FILE).
    @Test func aTLSProbeWithAHostSendsItAsServerName() throws {
        let server = try VirtualHostServer()
        let fixture = try GitOpsFixture()
        let platform = """
            verify:
              probes:
                - url: https://127.0.0.1:\(server.port)/
                  host: \(VirtualHostServer.name)
                  timeout: 1s
                - url: https://127.0.0.1:\(server.port)/
                  timeout: 1s

            """
        var step = try fixture.step(try fixture.context(platform, environment: ["SSL_CERT_FILE": server.caPath]), StepName.verify, as: VerifyStep.self)
        step.interval = 0.2
        guard case .wouldApply(let lines) = try step.check(Said().context(step.name)) else {
            Issue.record("the probe without a Host cannot match the certificate")
            return
        }
        // Only the probe without a Host fails: the certificate is not for 127.0.0.1.
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("wait for probe https://127.0.0.1:\(server.port)/: ") == true)
        #expect(lines.first?.contains("(Host") == false)
    }
}
