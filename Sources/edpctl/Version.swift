import ArgumentParser

enum EdpctlVersion {
    static let current = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print edpctl's version.")

    func run() {
        print("edpctl \(EdpctlVersion.current)")
    }
}
