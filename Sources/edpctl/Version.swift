import ArgumentParser
import Git

enum EdpctlVersion {
    static let current = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print edpctl's version and the versions of the C libraries it is linked with.")

    func run() {
        print("edpctl \(EdpctlVersion.current)")
        print("libgit2 \(libgit2Version)")
    }
}
