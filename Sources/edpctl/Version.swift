import ArgumentParser
import Git
import YAML

enum EdpctlVersion {
    static let current = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print edpctl's version and the versions of the C libraries it is linked with.")

    func run() {
        let lines = ["edpctl \(EdpctlVersion.current)", "libgit2 \(libgit2Version)", "libyaml \(libyamlVersion)"]
        Output().data(Array(lines.map { $0 + "\n" }.joined().utf8))
    }
}
