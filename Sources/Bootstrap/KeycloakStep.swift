import Foundation
import Kube

/// The Keycloak realm: the KeycloakRealmImport of `platform.keycloak.realmImport`, applied once
/// the Keycloak operator (which Argo CD installs from gitops) serves its CRD, with the secrets of
/// confidential clients filled in from out-of-band Secrets, then followed until the operator says
/// Done or HasErrors. The operator creates a realm only when it does not exist yet: a realm that
/// existed is said so in a note, never reported as configured.
///
/// A client's secret is named in the manifest by an annotation per client,
/// `client-secret.edpctl.io/<clientId>: <namespace>/<secret>/<key>`, so the file holds no secret.
package struct KeycloakStep: Step {
    let context: RebuildContext
    let realmImport: String
    package let needs: [String]
    /// Seconds to wait for the operator's CRD, then for the import's status.
    package var crdTimeout: Double = 600
    package var importTimeout: Double = 600
    package var name: String { StepName.keycloak }
    private let run = RunState()

    static let apiVersion = "k8s.keycloak.org/v2alpha1"
    static let kind = "KeycloakRealmImport"
    static let crd = "keycloakrealmimports.k8s.keycloak.org"
    static let annotationPrefix = "client-secret.edpctl.io/"

    init(context: RebuildContext, realmImport: String, needs: [String]) {
        self.context = context; self.realmImport = realmImport; self.needs = needs
    }

    /// Whether this run applied the import: the check after apply then reports no realm that "already existed".
    private final class RunState: @unchecked Sendable {
        let lock = NSLock()
        var applied = false
    }

    private struct Target {
        let object: [String: Any]
        let namespace: String
        let name: String
        let realm: String
        var shown: String { "\(KeycloakStep.kind) \(namespace)/\(name)" }
    }

    private func target() throws -> Target {
        var object = try ManifestObjects.object(at: realmImport)
        guard object["apiVersion"] as? String == Self.apiVersion, object["kind"] as? String == Self.kind else {
            throw StepFailure("\(realmImport): keycloak.realmImport must be a \(Self.kind) (\(Self.apiVersion))")
        }
        var metadata = object["metadata"] as? [String: Any] ?? [:]
        let namespace = metadata["namespace"] as? String ?? "keycloak"
        metadata["namespace"] = namespace
        object["metadata"] = metadata
        let realm = ((object["spec"] as? [String: Any])?["realm"] as? [String: Any])?["realm"] as? String ?? "?"
        return Target(object: object, namespace: namespace, name: metadata["name"] as! String, realm: realm)
    }

    /// A client secret's Secret that is not there (yet): the secrets step makes it.
    private struct MissingSecret: Error, CustomStringConvertible {
        let description: String
    }

    /// `target`'s object with each annotated client's `secret` read from its Secret.
    private func filled(_ target: Target, kube: KubeClient) throws -> [String: Any] {
        var object = target.object
        let annotations = (object["metadata"] as? [String: Any])?["annotations"] as? [String: Any] ?? [:]
        var spec = object["spec"] as? [String: Any] ?? [:]
        var realm = spec["realm"] as? [String: Any] ?? [:]
        var clients = realm["clients"] as? [[String: Any]] ?? []
        for key in annotations.keys.sorted() where key.hasPrefix(Self.annotationPrefix) {
            let clientId = String(key.dropFirst(Self.annotationPrefix.count))
            let what = "\(target.shown): the secret of client \(clientId) (annotation \(key))"
            let parts = (annotations[key] as? String ?? "").split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
                throw StepFailure("\(realmImport): \(what): expected NAMESPACE/SECRET/KEY")
            }
            guard let index = clients.firstIndex(where: { $0["clientId"] as? String == clientId }) else {
                throw StepFailure("\(realmImport): \(what): the realm has no client \(clientId)")
            }
            let secret: [String: Any]?
            do {
                secret = try kube.get(apiVersion: "v1", kind: "Secret", namespace: parts[0], name: parts[1])
            } catch {
                throw StepFailure("\(what): reading Secret \(parts[0])/\(parts[1]): \(error)")
            }
            guard let secret else {
                throw MissingSecret(description: "\(what): Secret \(parts[0])/\(parts[1]) does not exist (the secrets step creates it)")
            }
            guard let encoded = (secret["data"] as? [String: Any])?[parts[2]] as? String,
                  let bytes = Data(base64Encoded: encoded), let value = String(data: bytes, encoding: .utf8), !value.isEmpty else {
                throw StepFailure("\(what): Secret \(parts[0])/\(parts[1]) has no key \(parts[2])")
            }
            clients[index]["secret"] = value
        }
        realm["clients"] = clients.isEmpty ? realm["clients"] : clients
        spec["realm"] = realm
        object["spec"] = spec
        return object
    }

    private func crdEstablished(_ kube: KubeClient) throws -> Bool {
        Self.isTrue(try kube.get(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", namespace: nil, name: Self.crd),
                    "Established")
    }

    static func condition(_ object: [String: Any]?, _ type: String) -> [String: Any]? {
        ((object?["status"] as? [String: Any])?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == type }
    }

    static func isTrue(_ object: [String: Any]?, _ type: String, generation: Int? = nil) -> Bool {
        guard let condition = condition(object, type), condition["status"] as? String == "True" else { return false }
        // A condition from before the last change of the spec is not about it.
        if let generation, let observed = condition["observedGeneration"] as? Int { return observed >= generation }
        return true
    }

    private static func generation(_ object: [String: Any]?) -> Int? {
        (object?["metadata"] as? [String: Any])?["generation"] as? Int
    }

    /// Whether the operator's own words say the realm was there before the import.
    private static func saysRealmExisted(_ object: [String: Any]?) -> Bool {
        ["Done", "HasErrors", "Started"].contains { type in
            let message = (condition(object, type)?["message"] as? String ?? "").lowercased()
            return message.contains("already exists") || message.contains("skipp")
        }
    }

    private func existedNote(_ target: Target) -> String {
        "realm \(target.realm) already existed, so \(target.shown) did not change it (the Keycloak operator creates a realm only when it does not exist): "
            + "change it in Keycloak (admin console or kcadm.sh), or delete the realm to have it imported anew"
    }

    package func check(_ stepContext: StepContext) throws -> StepCheck {
        let target = try target()
        let apply = "apply \(target.shown) (realm \(target.realm)) and wait for the operator to import it"
        let waitForCRD = "wait for CRD \(Self.crd) to be Established (the Keycloak operator is installed from gitops)"
        guard context.clusterExists else { return .wouldApply([waitForCRD, apply]) }
        let kube = try context.kube()
        guard try crdEstablished(kube) else {
            return .wouldApply([waitForCRD, apply])
        }
        let desired: [String: Any]
        do {
            desired = try filled(target, kube: kube)
        } catch let missing as MissingSecret {
            return .wouldApply([apply, "(\(missing.description))"])
        }
        guard let live = try kube.get(apiVersion: Self.apiVersion, kind: Self.kind, namespace: target.namespace, name: target.name) else {
            return .wouldApply([apply])
        }
        let differences = ManifestObjects.differences(desired: desired["spec"] ?? [String: Any](), live: live["spec"], path: "spec")
        if !differences.isEmpty {
            return .wouldApply(["update \(target.shown): " + differences.joined(separator: ", ") + " differ",
                                "wait for the operator (a realm that exists already is not changed by an import)"])
        }
        let generation = Self.generation(live)
        if Self.isTrue(live, "HasErrors", generation: generation) {
            let message = Self.condition(live, "HasErrors")?["message"] as? String ?? ""
            return .wouldApply(["\(target.shown) has errors\(message.isEmpty ? "" : ": " + message); apply it again and wait"])
        }
        guard Self.isTrue(live, "Done", generation: generation) else {
            return .wouldApply(["wait for \(target.shown) to be Done (the operator has not finished it)"])
        }
        if !run.lock.withLock({ run.applied }) || Self.saysRealmExisted(live) { stepContext.note(existedNote(target)) }
        return .done
    }

    package func apply(_ stepContext: StepContext) throws {
        let target = try target()
        let kube = try context.kube()
        stepContext.waiting("CRD \(Self.crd) Established")
        do {
            try kube.waitUntil(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", namespace: nil,
                               name: Self.crd, timeout: crdTimeout, awaited: "Established") { Self.isTrue($0, "Established") }
        } catch let timeout as KubeWaitTimeout {
            let explanation = WaitExplanation(client: kube, timeout: timeout, object: nil, namespace: target.namespace)
            throw StepFailure(explanation.description + "\n  the Keycloak operator comes from gitops: is its Application synced (argocd app get)?")
        }
        let desired: [String: Any]
        do {
            desired = try filled(target, kube: kube)
        } catch let missing as MissingSecret {
            throw StepFailure(missing.description)
        }
        let before = try kube.get(apiVersion: Self.apiVersion, kind: Self.kind, namespace: target.namespace, name: target.name)
        // Done before this run: the realm exists, and a changed import will not change it.
        let existed = Self.isTrue(before, "Done")
        let applied: [String: Any]
        do {
            applied = try kube.apply(desired, force: true)
        } catch {
            throw StepFailure("\(target.shown): \(error)")
        }
        run.lock.withLock { run.applied = true }
        let generation = Self.generation(applied)
        stepContext.waiting("\(target.shown) imported by the Keycloak operator")
        let result: [String: Any]?
        do {
            result = try kube.waitUntil(apiVersion: Self.apiVersion, kind: Self.kind, namespace: target.namespace, name: target.name,
                                        timeout: importTimeout, awaited: "Done") {
                Self.isTrue($0, "Done", generation: generation) || Self.isTrue($0, "HasErrors", generation: generation)
            }
        } catch let timeout as KubeWaitTimeout {
            let last = try? kube.get(apiVersion: Self.apiVersion, kind: Self.kind, namespace: target.namespace, name: target.name)
            throw StepFailure(WaitExplanation(client: kube, timeout: timeout, object: last, namespace: target.namespace).description)
        }
        if Self.isTrue(result, "HasErrors", generation: generation) {
            let message = Self.condition(result, "HasErrors")?["message"] as? String ?? "no message"
            throw StepFailure("\(target.shown): the import failed: \(message) (the operator's import Job in namespace \(target.namespace) has the details)")
        }
        if existed || Self.saysRealmExisted(result) { stepContext.note(existedNote(target)) }
    }
}
