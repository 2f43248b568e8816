import Foundation

/// The names steps go by (`--from`, `--only`, the journal, the summary table), so that steps made
/// in different files can need each other.
package enum StepName {
    package static let preflight = "preflight"
    package static let k3s = "k3s"
    package static let firewall = "firewall"
    package static func chart(_ name: String) -> String { "chart/\(name)" }
    /// `manifests/<file name without extension>` of the entry's first file.
    package static func manifests(_ entry: PlatformManifests) -> String {
        "manifests/" + ((entry.files.first.map { ($0 as NSString).lastPathComponent } ?? "manifests") as NSString).deletingPathExtension
    }
    package static let repository = "repository"
    package static let rootApp = "root-app"
    package static let secrets = "secrets"
    package static let keycloak = "keycloak"
    package static let verify = "verify"
}

/// Every step of a rebuild of `context.platform`, in the runbook's order: the host (preflight, k3s,
/// firewall), the charts and manifests, then GitOps (repository, root app), the out-of-band
/// Secrets, the Keycloak realm and the proof. A section the file leaves out has no step.
package enum RebuildSteps {
    package static func make(_ context: RebuildContext) throws -> [any Step] {
        var steps: [any Step] = []
        steps += HostSteps.make(context)
        steps += ChartSteps.make(context)
        steps += GitOpsSteps.make(context)
        return steps
    }
}
