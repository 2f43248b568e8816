import ArgumentParser
import Git
import HTTP
import YAML

enum EdpctlVersion {
    static let current = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print edpctl's version, the commit it was built from and the C libraries it is linked with.",
        discussion: """
            The commit and its date are read from git when the binary is built; "dirty" means the \
            work tree had changes that commit does not hold. libgit2, libcurl and libyaml are the \
            distribution's shared libraries, so their versions are those of the installed packages.

            Examples:
              edpctl version                  # for a bug report
              edpctl version --output json    # for a script: jq -r .commit
            """)

    @OptionGroup var outputOptions: OutputOptions

    func run() {
        let report = VersionReport()
        let output = Output(outputOptions.output)
        switch outputOptions.output {
        case .human: output.data(Array(report.text.utf8))
        case .json: output.report(report.text, event: "version", report)
        }
    }
}

/// What `edpctl version` reports; its JSON form is the `version` event.
struct VersionReport: Encodable {
    var version = EdpctlVersion.current
    var commit = BuildInfo.commit
    var commitDate = BuildInfo.commitDate
    var dirty = BuildInfo.dirty
    var libgit2 = libgit2Version
    var libcurl = libcurlVersion
    var libcurlTLS = libcurlTLSVersion
    var libyaml = libyamlVersion

    var text: String {
        let tree = dirty ? " (dirty: the work tree had uncommitted changes)" : ""
        let tls = libcurlTLS.map { " (\($0))" } ?? ""
        return """
            edpctl \(version)
            commit \(commit)\(tree)
            date \(commitDate)
            libgit2 \(libgit2)
            libcurl \(libcurl)\(tls)
            libyaml \(libyaml)

            """
    }
}
