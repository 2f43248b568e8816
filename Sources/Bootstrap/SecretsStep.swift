import Foundation
import Secrets

/// The out-of-band Secrets: `edpctl secrets recreate`'s plan and apply, values taken from the
/// run's environment. Existing Secrets are kept as they are (no `--update`), as the command does.
package struct SecretsStep: Step {
    let context: RebuildContext
    let file: String
    package let needs: [String]
    package var name: String { StepName.secrets }

    private func plan() throws -> (KubeSecretStore, SecretsPlan) {
        let store = KubeSecretStore(client: try context.kube())
        do {
            let secrets = try SecretsLoader(path: file, defaultNamespace: store.defaultNamespace).load()
            return (store, try SecretsPlanner(file: secrets, store: store, environment: context.environment).plan())
        } catch {
            // Each problem names its file, line and column, never a value.
            throw StepFailure(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
    }

    package func check(_ stepContext: StepContext) throws -> StepCheck {
        let (_, plan) = try plan()
        guard plan.changes == 0 else { return .wouldApply(plan.description.split(separator: "\n").map(String.init)) }
        for entry in plan.entries where entry.action == .keep && entry.differs {
            stepContext.note("Secret \(entry.secret) differs from its source in \((file as NSString).lastPathComponent) and was kept; `edpctl secrets recreate --update -f \(file)` replaces it")
        }
        return .done
    }

    package func apply(_ stepContext: StepContext) throws {
        let (store, plan) = try plan()
        for entry in plan.entries where entry.manifest != nil {
            do {
                try store.apply(entry)
            } catch {
                throw StepFailure("Secret \(entry.secret): \(error) (a re-run applies the rest and keeps what was done)")
            }
        }
    }
}
