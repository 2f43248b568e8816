import Template
import YAML

/// `platform.yaml`: everything `edpctl rebuild` installs, in the order its steps run. Paths are
/// resolved against the file's folder; nothing here holds a credential, only where to find one.
package struct PlatformFile: Sendable {
    package var path: String
    package var k3s: PlatformK3s?
    package var firewall: PlatformFirewall?
    package var charts: [PlatformChart] = []
    package var manifests: [PlatformManifests] = []
    package var gitops: PlatformGitOps?
    /// The `secrets` command's file.
    package var secrets: String?
    package var keycloak: PlatformKeycloak?
    package var verify: PlatformVerify?
}

package struct PlatformK3s: Sendable {
    package static let defaultInstallerURL = "https://get.k3s.io"
    package var version: String
    package var installerURL: String = PlatformK3s.defaultInstallerURL
    /// Lower-case hex; nil when the installer is not checked.
    package var installerSHA256: String?
    /// `INSTALL_K3S_EXEC`, one flag or value an element.
    package var exec: [String] = []
    /// Packaged components to disable (`--disable`); Traefik is kept unless listed.
    package var disable: [String] = []
    /// Image tarballs preloaded into `agent/images/` before k3s starts (air-gapped sites).
    package var images: [String] = []
    /// A k3s binary to install instead of downloading one.
    package var binary: String?
}

package struct PlatformFirewall: Sendable {
    package var open: [Int] = []
    package var `private`: [Int] = []
}

package enum PlatformChartValues: Sendable {
    case file(String)
    /// Inline values, kept as the parsed node so the HelmChart can carry them as written.
    case inline(YAMLNode)
}

package struct PlatformChart: Sendable {
    package var name: String
    package var repo: String
    package var chart: String
    package var version: String
    package var namespace: String
    package var values: PlatformChartValues?
    package var needs: [String] = []
    /// Seconds.
    package var timeout: Int = PlatformChart.defaultTimeout
    package var line: Int
    package var column: Int
    package static let defaultTimeout = 600
}

package struct PlatformManifests: Sendable {
    package var files: [String]
    /// Charts that must be installed first (their CRDs, their webhooks).
    package var needs: [String] = []
}

package enum PlatformCredential: Sendable, Equatable {
    case env(String)
    case file(String)
}

package enum PlatformRootApp: Sendable, Equatable {
    /// A path inside the gitops repository.
    case repository(String)
    /// A local file.
    case file(String)
}

package struct PlatformGitOps: Sendable {
    package var url: String
    package var username: PlatformCredential?
    package var password: PlatformCredential?
    package var rootApp: PlatformRootApp
}

package struct PlatformKeycloak: Sendable {
    /// A KeycloakRealmImport manifest.
    package var realmImport: String
}

package enum PlatformAccept: Sendable, Equatable {
    case codes([Int])
    /// A regular expression matched against the status code's digits.
    case pattern(String)
}

package struct PlatformProbe: Sendable {
    package var url: String
    package var accept: PlatformAccept = .codes([200])
    package var host: String?
    /// Seconds.
    package var timeout: Int = PlatformProbe.defaultTimeout
    package static let defaultTimeout = 300
}

package struct PlatformVerify: Sendable {
    package var applicationsNamespace: String = "argocd"
    package var applications: [String] = []
    package var probes: [PlatformProbe] = []
}

/// One problem: `platform.yaml:12:7: charts[1].needs: …`. Never carries a value from the file.
/// Every problem found while loading, in file order.
package struct PlatformError: Error, Sendable, CustomStringConvertible {
    package let diagnostics: [Diagnostic]

    package init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    package var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
