import Foundation
import Kube
import Testing
import TestSupport

/// A plugin that counts its runs, keeps the KUBERNETES_EXEC_INFO it was given, talks on standard
/// error, and prints a token valid until 2030 (or exits with EXIT_STATUS after printing it).
private let plugin = """
    #!/bin/sh
    echo run >> "$COUNT_FILE"
    printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
    echo "plugin: logging in $1" >&2
    cat <<JSON
    {"apiVersion": "$PLUGIN_API", "kind": "ExecCredential",
     "status": {"token": "exec-token-5ecret", "expirationTimestamp": "2030-01-01T00:00:00Z"}}
    JSON
    exit "${EXIT_STATUS:-0}"

    """

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"))
struct ExecCredentialPluginTests {
    private func scene(apiVersion: String = "client.authentication.k8s.io/v1", mode: String? = "Never",
                       exitStatus: Int = 0, provideClusterInfo: Bool = false) throws -> KubeScene {
        let scene = try KubeScene()
        _ = try scene.file("bin/plugin", plugin)
        chmod(scene.child("bin/plugin"), 0o755)
        // A real certificate: kubectl refuses to build its TLS configuration around anything else.
        try runProgram("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                            "-keyout", scene.child("ca.key"), "-out", scene.child("ca.crt"),
                                            "-subj", "/CN=edpctl test CA", "-days", "1"])
        _ = try scene.file("config", """
            apiVersion: v1
            kind: Config
            current-context: c
            clusters:
            - name: k
              cluster:
                server: https://127.0.0.1:1
                certificate-authority: ca.crt
                tls-server-name: api.example
            users:
            - name: sso
              user:
                exec:
                  apiVersion: \(apiVersion)
                  command: ./bin/plugin
                  args: [prod]
                  env:
                  - {name: COUNT_FILE, value: \(scene.child("count"))}
                  - {name: INFO_FILE, value: \(scene.child("info.json"))}
                  - {name: PLUGIN_API, value: \(apiVersion)}
                  - {name: EXIT_STATUS, value: "\(exitStatus)"}
                  installHint: install it from the wiki
                  provideClusterInfo: \(provideClusterInfo)
            \(mode.map { "      interactiveMode: \($0)" } ?? "")
            contexts:
            - name: c
              context: {cluster: k, user: sso}

            """)
        return scene
    }

    private func runs(_ scene: KubeScene) -> Int {
        ((try? read(scene.child("count"))) ?? "").split(separator: "\n").count
    }

    @Test func theCredentialIsReusedUntilItExpiresThenTheCommandRunsAgain() throws {
        let scene = try scene()
        let clock = TestClock("2029-12-31T23:59:00Z")
        scene.environment.now = { clock.now }
        let exec = try #require(try scene.load(kubeconfig: scene.child("config")).credentials.exec)
        #expect(runs(scene) == 0)
        #expect(try exec.credential().token == "exec-token-5ecret")
        #expect(try exec.credential().expiration == ISO8601DateFormatter().date(from: "2030-01-01T00:00:00Z"))
        #expect(runs(scene) == 1)
        clock.set("2029-12-31T23:59:59Z")
        _ = try exec.credential()
        #expect(runs(scene) == 1)
        clock.set("2030-01-01T00:00:01Z")
        _ = try exec.credential()
        #expect(runs(scene) == 2)
    }

    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func theExecInfoIsWhatKubectlSets(apiVersion: String) throws {
        let scene = try scene(apiVersion: apiVersion, mode: apiVersion.hasSuffix("v1") ? "IfAvailable" : nil,
                              provideClusterInfo: true)
        let exec = try #require(try scene.load(kubeconfig: scene.child("config")).credentials.exec)
        _ = try exec.credential()
        let ours = try JSONSerialization.jsonObject(with: Data(read(scene.child("info.json")).utf8)) as? NSDictionary
        let spec = ours?["spec"] as? [String: Any]
        #expect((spec?["cluster"] as? [String: Any])?["certificate-authority-data"] as? String
            == Data(try read(scene.child("ca.crt")).utf8).base64EncodedString())
        #expect((spec?["cluster"] as? [String: Any])?["tls-server-name"] as? String == "api.example")
        #expect(spec?["interactive"] as? Bool == false)
        #expect(ours?["apiVersion"] as? String == apiVersion)
        guard kubectlInstalled else { return }
        // kubectl runs the same plugin before it fails to reach 127.0.0.1:1.
        try FileManager.default.removeItem(atPath: scene.child("info.json"))
        #expect(throws: SupportError.self) { try runProgram(kubectlPath, ["--kubeconfig", scene.child("config"), "get", "--raw", "/version",
                                          "--request-timeout", "2s"], in: scene.child("work"),
                            environment: ["HOME": scene.child("home"), "PATH": "/usr/bin:/bin"]) }
        let theirs = try JSONSerialization.jsonObject(with: Data(read(scene.child("info.json")).utf8)) as? NSDictionary
        #expect(ours == theirs)
    }

    @Test func alwaysInteractiveIsRefusedWithoutATerminalAndNamesTheUser() throws {
        let scene = try scene(mode: "Always")
        let exec = try #require(try scene.load(kubeconfig: scene.child("config")).credentials.exec)
        #expect(throws: KubeconfigError.self) { try exec.credential() }
        do {
            _ = try exec.credential()
        } catch {
            #expect(error.description == "user \"sso\": exec plugin \"\(scene.child("bin/plugin"))\": "
                + "interactiveMode is Always but standard input is not a terminal")
        }
        #expect(runs(scene) == 0)
        scene.environment.stdinIsTerminal = true
        // With a terminal it runs (the test's own standard input is handed to it).
        #expect(try #require(try scene.load(kubeconfig: scene.child("config")).credentials.exec).credential().token != nil)
    }

    @Test func aFailingPluginIsNamedAndItsOutputNeverShown() throws {
        let scene = try scene(exitStatus: 3)
        let exec = try #require(try scene.load(kubeconfig: scene.child("config")).credentials.exec)
        do {
            _ = try exec.credential()
            Issue.record("a plugin exiting 3 was accepted")
        } catch {
            #expect(error.description == "user \"sso\": exec plugin \"\(scene.child("bin/plugin"))\": exited with status 3")
            #expect(!error.description.contains("5ecret"))
        }
    }

    @Test func aMissingCommandGivesTheInstallHint() throws {
        let scene = try scene()
        try FileManager.default.removeItem(atPath: scene.child("bin/plugin"))
        let exec = try #require(try scene.load(kubeconfig: scene.child("config")).credentials.exec)
        #expect(throws: KubeconfigError(file: nil, message: "user \"sso\": exec plugin \"\(scene.child("bin/plugin"))\": "
            + "cannot be started: No such file or directory\n\ninstall it from the wiki")) { try exec.credential() }
    }

    @Test func v1RequiresAnInteractiveModeAndUnknownVersionsAreRefused() throws {
        let scene = try scene(mode: nil)
        #expect(scene.loadError(kubeconfig: scene.child("config")) == "\(scene.child("config")):14:7: user \"sso\": exec: "
            + "interactiveMode must be set for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)")
        let alpha = try self.scene(apiVersion: "client.authentication.k8s.io/v1alpha1")
        #expect(alpha.loadError(kubeconfig: alpha.child("config")) == "\(alpha.child("config")):14:7: user \"sso\": exec: "
            + "apiVersion \"client.authentication.k8s.io/v1alpha1\" is not client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1")
    }

    @Test func descriptionsNeverHoldTheToken() throws {
        let scene = try scene()
        let configuration = try scene.load(kubeconfig: scene.child("config"))
        let credential = try #require(try configuration.credentials.exec?.credential())
        for text in ["\(credential)", String(reflecting: credential), "\(configuration)", "\(configuration.credentials)"] {
            #expect(!text.contains("5ecret"), "\(text)")
        }
        #expect("\(credential)".contains("token: <redacted>"))
    }
}
