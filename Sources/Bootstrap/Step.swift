import Foundation

/// What a step's read-only check found: nothing to do, or the changes apply would make, as lines for a human.
package enum StepCheck: Sendable, Equatable {
    case done
    case wouldApply([String])
}

/// What a step sees while it runs: its name and a way to say what it is waiting for.
package struct StepContext: Sendable {
    package let stepName: String
    let onWaiting: @Sendable (String) -> Void

    package init(stepName: String, onWaiting: @escaping @Sendable (String) -> Void = { _ in }) {
        self.stepName = stepName
        self.onWaiting = onWaiting
    }

    /// Reported as a progress event, so a long wait never looks like a hang.
    package func waiting(_ text: String) { onWaiting(text) }
}

/// One part of the rebuild: `check` never changes anything; `apply` is idempotent.
package protocol Step: Sendable {
    var name: String { get }
    var needs: [String] { get }
    func check(_ context: StepContext) throws -> StepCheck
    func apply(_ context: StepContext) throws
}
