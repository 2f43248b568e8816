/// Why a kubeconfig, the in-cluster configuration or an exec credential plugin could not be used.
///
/// Like `YAMLError`, it never quotes a file's text and holds no token, key or password: a problem
/// in a kubeconfig is told by its file, position and field path (`/root/.kube/config:12:5:
/// clusters[0].cluster.server: not a string`), a missing reference by the entry that names it
/// (`context "prod": user "admin" not found in ~/.kube/config`).
package struct KubeconfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as shown (the home folder as `~`); nil when no file is concerned.
    package let file: String?
    /// 1-based; nil when the problem has no node.
    package let line: Int?
    package let column: Int?
    /// The problem without the file and position.
    package let message: String

    package init(file: String?, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: message` for a problem at a node, `message` otherwise (the file is then in
    /// the message, where it reads as English).
    package var description: String {
        guard let file, let line else { return message }
        return "\(file):\(line)" + (column.map { ":\($0)" } ?? "") + ": " + message
    }
}
