import Foundation

/// What a step's read-only check found: nothing to do, or the changes apply would make, as lines for a human.
package enum StepCheck: Sendable, Equatable {
    case done
    case wouldApply([String])
}

/// What a step sees while it runs: its name and ways to say what it is waiting for or what the
/// operator should know.
package struct StepContext: Sendable {
    package let stepName: String
    let onWaiting: @Sendable (String) -> Void
    let onNote: @Sendable (String) -> Void

    package init(stepName: String, onWaiting: @escaping @Sendable (String) -> Void = { _ in },
                 onNote: @escaping @Sendable (String) -> Void = { _ in }) {
        self.stepName = stepName
        self.onWaiting = onWaiting
        self.onNote = onNote
    }

    /// Reported as a progress event, so a long wait never looks like a hang.
    package func waiting(_ text: String) { onWaiting(text) }

    /// Something the operator should read that does not fail the step (a firewall left open without
    /// --apply-firewall, a realm that already existed); kept in the step's record.
    package func note(_ text: String) { onNote(text) }
}

/// One part of the rebuild: `check` never changes anything; `apply` is idempotent.
package protocol Step: Sendable {
    var name: String { get }
    var needs: [String] { get }
    func check(_ context: StepContext) throws -> StepCheck
    func apply(_ context: StepContext) throws
}

/// Why a step failed: the object or command and what to do, one or more lines; never a value.
package struct StepFailure: Error, Sendable, CustomStringConvertible, LocalizedError {
    package let description: String
    package init(_ description: String) { self.description = description }
    package init(lines: [String]) { description = lines.joined(separator: "\n") }
    package var errorDescription: String? { description }
}
