import Bootstrap
import Foundation
import Testing
import TestSupport

/// The Keycloak operator as far as a KeycloakRealmImport goes: once an import appears (or its
/// spec changes), it sets the status conditions the operator sets after its import Job.
final class FakeKeycloakOperator: @unchecked Sendable {
    enum Outcome { case done(message: String), hasErrors(message: String) }
    static let path = "/apis/k8s.keycloak.org/v2alpha1/namespaces/keycloak/keycloakrealmimports/penvoice"
    private let server: FakeKubeServer
    private let outcome: Outcome
    private let lock = NSLock()
    private var stopped = false

    init(_ server: FakeKubeServer, _ outcome: Outcome = .done(message: "")) {
        self.server = server
        self.outcome = outcome
        Thread.detachNewThread { self.loop() }
    }

    func stop() { lock.withLock { stopped = true } }

    private func loop() {
        while !lock.withLock({ stopped }) {
            Thread.sleep(forTimeInterval: 0.1)
            guard var object = try? server.object(at: Self.path) else { continue }
            let generation = (object["metadata"] as? [String: Any])?["generation"] as? Int ?? 1
            let conditions = (object["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
            if conditions.contains(where: { $0["observedGeneration"] as? Int == generation }) { continue }
            let (done, errors, message): (String, String, String)
            switch outcome {
            case .done(let text): (done, errors, message) = ("True", "False", text)
            case .hasErrors(let text): (done, errors, message) = ("False", "True", text)
            }
            object["status"] = ["conditions": [
                ["type": "Done", "status": done, "message": errors == "True" ? "" : message, "observedGeneration": generation],
                ["type": "Started", "status": "False", "message": "", "observedGeneration": generation],
                ["type": "HasErrors", "status": errors, "message": errors == "True" ? message : "", "observedGeneration": generation],
            ]]
            _ = try? server.put(object)
        }
    }
}

@Suite struct KeycloakStepTests {
    static let clientSecret = "kc-client-secret-0123456789abcdefABCDEF"
    static let platform = "keycloak:\n  realmImport: realm.yaml\n"

    /// The fake with what the earlier steps leave: namespaces, the client's Secret, the operator's CRD.
    static func fixture(established: Bool = true, secret: Bool = true) throws -> GitOpsFixture {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("keycloak", "penvoice")
        try fixture.server.registerKind(group: "k8s.keycloak.org", version: "v2alpha1", kind: "KeycloakRealmImport",
                                        plural: "keycloakrealmimports")
        try putCRD(fixture, established: established)
        if secret {
            try fixture.server.put(["apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                    "metadata": ["name": "penvoice-api-kc", "namespace": "penvoice"],
                                    "data": ["client-id": Data("penvoice-api".utf8).base64EncodedString(),
                                             "client-secret": Data(clientSecret.utf8).base64EncodedString()]])
        }
        try write(try read(packageRoot + "/examples/ultron/keycloak/penvoice-realm.yaml"), to: fixture.folder.child("realm.yaml"))
        return fixture
    }

    /// The real CRD (../shared/crds), stored as the API server keeps it once Established or not.
    static func putCRD(_ fixture: GitOpsFixture, established: Bool) throws {
        var crd = try #require(try ManifestObjects.objects(in: try read(packageRoot + "/../shared/crds/k8s.keycloak.org_KeycloakRealmImport.yaml"),
                                                           file: "crd").first)
        crd["status"] = ["conditions": [["type": "Established", "status": established ? "True" : "False"]]]
        try fixture.server.put(crd)
    }

    static func step(_ fixture: GitOpsFixture) throws -> KeycloakStep {
        var step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.keycloak, as: KeycloakStep.self)
        step.crdTimeout = 3
        step.importTimeout = 3
        return step
    }

    static func stored(_ fixture: GitOpsFixture) throws -> [String: Any] {
        try #require(try fixture.server.object(at: FakeKeycloakOperator.path))
    }

    static func client(_ object: [String: Any], _ id: String) -> [String: Any]? {
        (((object["spec"] as? [String: Any])?["realm"] as? [String: Any])?["clients"] as? [[String: Any]])?
            .first { $0["clientId"] as? String == id }
    }

    @Test func importIsAppliedWithTheClientSecretAndFollowedToDone() throws {
        let fixture = try Self.fixture()
        let step = try Self.step(fixture)
        let said = Said()
        let first = try step.check(said.context(step.name))
        #expect(first == .wouldApply(["apply KeycloakRealmImport keycloak/penvoice (realm penvoice) and wait for the operator to import it"]))
        let operatorLoop = FakeKeycloakOperator(fixture.server)
        defer { operatorLoop.stop() }
        try step.apply(said.context(step.name))
        #expect(Self.client(try Self.stored(fixture), "penvoice-api")?["secret"] as? String == Self.clientSecret)
        #expect(Self.client(try Self.stored(fixture), "penvoice-web")?["secret"] == nil)

        try fixture.server.reset()
        #expect(try step.check(said.context(step.name)) == .done)
        #expect(try fixture.writes() == 0)
        // Imported by this run: nothing about a realm that existed.
        #expect(said.notes == [])
        for text in ["\(first)"] + said.notes + said.waiting { #expect(!text.contains(Self.clientSecret)) }

        // The next run finds the import Done for the same spec: the realm exists, and it says so.
        let next = try Self.step(fixture)
        let later = Said()
        #expect(try next.check(later.context(next.name)) == .done)
        #expect(later.notes == ["realm penvoice already existed, so KeycloakRealmImport keycloak/penvoice did not change it (the Keycloak operator creates a realm only when it does not exist): change it in Keycloak (admin console or kcadm.sh), or delete the realm to have it imported anew"])
    }

    @Test func aChangedImportOfAnExistingRealmIsNotedNotClaimed() throws {
        let fixture = try Self.fixture()
        let operatorLoop = FakeKeycloakOperator(fixture.server)
        defer { operatorLoop.stop() }
        try Self.step(fixture).apply(Said().context("keycloak"))

        // A later run with another redirect URI: the import changes, the existing realm does not.
        let realm = try read(fixture.folder.child("realm.yaml")).replacingOccurrences(of: "https://penvoice.webbies.dev/*", with: "https://app.webbies.dev/*")
        try write(realm, to: fixture.folder.child("realm.yaml"))
        let step = try Self.step(fixture)
        let said = Said()
        #expect(try step.check(said.context(step.name)) == .wouldApply([
            "update KeycloakRealmImport keycloak/penvoice: spec.realm.clients differ",
            "wait for the operator (a realm that exists already is not changed by an import)"]))
        try step.apply(said.context(step.name))
        #expect(said.notes.count == 1)
        #expect(said.notes.first?.hasPrefix("realm penvoice already existed") == true)
        #expect(try step.check(said.context(step.name)) == .done)
        #expect(said.notes.count == 1)
    }

    @Test func theOperatorSayingTheRealmExistsIsNoted() throws {
        let fixture = try Self.fixture()
        let operatorLoop = FakeKeycloakOperator(fixture.server, .done(message: "Realm 'penvoice' already exists. Import skipped"))
        defer { operatorLoop.stop() }
        let step = try Self.step(fixture)
        let said = Said()
        try step.apply(said.context(step.name))
        #expect(said.notes.first?.hasPrefix("realm penvoice already existed") == true)
    }

    @Test func importErrorsFailTheStepWithTheOperatorsMessage() throws {
        let fixture = try Self.fixture()
        let operatorLoop = FakeKeycloakOperator(fixture.server, .hasErrors(message: "client penvoice-web: invalid redirect URI"))
        defer { operatorLoop.stop() }
        let step = try Self.step(fixture)
        let error = #expect(throws: StepFailure.self) { try step.apply(Said().context(step.name)) }
        #expect(error?.description == "KeycloakRealmImport keycloak/penvoice: the import failed: client penvoice-web: invalid redirect URI (the operator's import Job in namespace keycloak has the details)")
        #expect(try step.check(Said().context(step.name)) == .wouldApply([
            "KeycloakRealmImport keycloak/penvoice has errors: client penvoice-web: invalid redirect URI; apply it again and wait"]))
    }

    @Test func theStepWaitsForTheOperatorsCRD() throws {
        let fixture = try Self.fixture(established: false)
        let step = try Self.step(fixture)
        #expect(try step.check(Said().context(step.name)) == .wouldApply([
            "wait for CRD keycloakrealmimports.k8s.keycloak.org to be Established (the Keycloak operator is installed from gitops)",
            "apply KeycloakRealmImport keycloak/penvoice (realm penvoice) and wait for the operator to import it"]))
        let operatorLoop = FakeKeycloakOperator(fixture.server)
        defer { operatorLoop.stop() }
        later(1) { try Self.putCRD(fixture, established: true) }
        try step.apply(Said().context(step.name))
        #expect(try step.check(Said().context(step.name)) == .done)
    }

    @Test func aCRDThatNeverComesExplainsItself() throws {
        let fixture = try Self.fixture(established: false)
        try fixture.server.put(["apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "Failed",
                                "message": "Failed to pull image \"quay.io/keycloak/keycloak-operator:26.0.0\"",
                                "metadata": ["name": "op.1", "namespace": "keycloak"],
                                "involvedObject": ["kind": "Pod", "name": "keycloak-operator-7d9"]])
        var step = try Self.step(fixture)
        step.crdTimeout = 1
        let error = #expect(throws: StepFailure.self) { try step.apply(Said().context(step.name)) }
        let lines = (error?.description ?? "").split(separator: "\n").map(String.init)
        #expect(lines.first == "timed out after 1 s waiting for CustomResourceDefinition \"keycloakrealmimports.k8s.keycloak.org\" to be Established")
        #expect(lines.contains("    Pod keycloak-operator-7d9: Failed: Failed to pull image \"quay.io/keycloak/keycloak-operator:26.0.0\""))
        #expect(lines.last == "  the Keycloak operator comes from gitops: is its Application synced (argocd app get)?")
    }

    @Test func aMissingClientSecretIsNamed() throws {
        let fixture = try Self.fixture(secret: false)
        let step = try Self.step(fixture)
        let missing = "KeycloakRealmImport keycloak/penvoice: the secret of client penvoice-api (annotation client-secret.edpctl.io/penvoice-api): Secret penvoice/penvoice-api-kc does not exist (the secrets step creates it)"
        #expect(try step.check(Said().context(step.name)) == .wouldApply([
            "apply KeycloakRealmImport keycloak/penvoice (realm penvoice) and wait for the operator to import it", "(\(missing))"]))
        let error = #expect(throws: StepFailure.self) { try step.apply(Said().context(step.name)) }
        #expect(error?.description == missing)
        #expect(try fixture.server.object(at: FakeKeycloakOperator.path) == nil)
    }
}
