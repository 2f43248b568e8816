import Foundation
import Testing
import TestSupport
import YAML
@testable import Hydrate
@testable import Gomplate
import Template

/// A scratch `templates/` and `instances/`, removed when the test ends.
private final class HydrationFixture {
    private let folder: TemporaryFolder
    var root: String { folder.path }
    var templates: String { root + "/templates" }
    var instances: String { root + "/instances" }

    init() throws {
        folder = try TemporaryFolder("hydration")
        try FileManager.default.createDirectory(atPath: folder.child("templates"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.child("instances"), withIntermediateDirectories: true)
    }

    func write(_ path: String, _ text: String) throws { try plant(root + "/" + path, Array(text.utf8)) }

    func template(_ path: String, _ text: String) throws { try write("templates/" + path, text) }

    func read(_ path: String) throws -> String { try TestSupport.read(root + "/" + path) }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + path) }

    /// Every file below `path` (relative to the fixture), relative to `path`, sorted.
    func files(under path: String) -> [String] { filePaths(below: root + "/" + path) }

    func status(_ path: String) -> stat {
        var status = stat()
        _ = stat(root + "/" + path, &status)
        return status
    }

    func request(stacks: [String], variables: [String: String] = [:], values: Value? = nil,
                 provider: String = "otc", domain: String = "example.org") -> HydrationRequest {
        HydrationRequest(templatesDirectory: templates, instancesDirectory: instances, provider: provider,
                         domain: domain, stacks: stacks, variables: variables, values: values)
    }

    /// Two stacks, core and otc, with Helm's own braces in one values file.
    func writeTwoStacks() throws {
        try template("edfbuilder.yaml", "path: \"<<< .Env.PROVIDER >>>/<<< .Env.DOMAIN >>>/registry\"\n")
        try template("registry/core.yaml", "path: \"<<< .Env.DOMAIN >>>/stacks/core\"\n")
        try template("registry/otc.yaml", "path: \"<<< .Env.DOMAIN >>>/stacks/otc\"\n")
        try template("stacks/core/argocd.yaml", "host: \"<<< .Env.DOMAIN_ARGOCD >>>\"\n")
        try template("stacks/core/argocd/values.yaml",
                     "url: https://<<< .Env.DOMAIN_ARGOCD >>>\nmessage: \"{{ .app.metadata.name }}\"\n")
        try template("stacks/otc/cert-manager.yaml", "email: admin@<<< .Env.DOMAIN >>>\n")
        try template("stacks/otc/cert-manager/manifests/issuer.yaml", "kind: ClusterIssuer\n")
    }

    @discardableResult
    func hydrate(_ request: HydrationRequest) throws -> HydrationReport {
        try Hydrator.apply(try Hydrator.plan(request))
    }
}

private let argocdVariables = ["DOMAIN_ARGOCD": "argocd.example.org"]

/// The error `body` throws, which must be a HydrationError.
private func hydrationError(_ body: () throws -> Void) -> HydrationError? {
    do {
        try body()
        return nil
    } catch let error as HydrationError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite("Hydration: layout and stack selection")
struct HydrationLayoutTests {
    @Test func selectedStacksLandInProviderAndDomainFolder() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        let report = try fixture.hydrate(fixture.request(stacks: ["core"], variables: argocdVariables))

        #expect(fixture.files(under: "instances") == [
            "otc/example.org/edfbuilder.yaml",
            "otc/example.org/registry/core.yaml",
            "otc/example.org/stacks/core/argocd.yaml",
            "otc/example.org/stacks/core/argocd/values.yaml",
        ])
        #expect(try fixture.read("instances/otc/example.org/edfbuilder.yaml") == "path: \"otc/example.org/registry\"\n")
        #expect(try fixture.read("instances/otc/example.org/stacks/core/argocd/values.yaml")
            == "url: https://argocd.example.org\nmessage: \"{{ .app.metadata.name }}\"\n")
        #expect(report.written == fixture.files(under: "instances"))
        #expect(report.unchanged.isEmpty && report.removed.isEmpty)
        #expect(report.summary == "otc/example.org: 4 written, 0 unchanged, 0 removed")
    }

    @Test func providerDomainAndStacksInEnvFollowTheRequest() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "<<< .Env.PROVIDER >>> <<< .Env.DOMAIN >>> <<< .Env.STACKS >>>\n")
        try fixture.hydrate(fixture.request(stacks: ["core"], variables: ["DOMAIN": "elsewhere.org", "PROVIDER": "kind"]))
        #expect(try fixture.read("instances/otc/example.org/registry/core.yaml") == "otc example.org core\n")
    }

    @Test func availableStacksAreTheRegistryEntries() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        try fixture.template("registry/README.md", "not a stack\n")
        try fixture.template("stacks/orphan/app.yaml", "a: b\n")
        #expect(try Hydrator.availableStacks(templatesDirectory: fixture.templates) == ["core", "otc"])
    }

    @Test func unknownStackIsRefusedNamingTheOffer() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core", "coder", "kyverno"])) }
        #expect(error == .invalidInput(
            "unknown stacks \"coder\", \"kyverno\": \(fixture.templates)/registry has core, otc"))
    }

    @Test(arguments: [
        ("..", "provider \"..\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        ("a/b", "provider \"a/b\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (".git", "provider \".git\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        ("", "provider is empty"),
    ])
    func unsafeProviderIsRefused(provider: String, message: String) throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], provider: provider)) }
        #expect(error == .invalidInput(message))
        #expect(fixture.files(under: "instances").isEmpty)
    }

    @Test func unsafeDomainAndStackNamesAreRefused() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        let domainError = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], domain: "x..y")) }
        #expect(domainError == .invalidInput("domain \"x..y\" can't be used as a folder name (no '/', no '..', no leading '.')"))
        let stackError = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["../core"])) }
        #expect(stackError == .invalidInput("stack \"../core\" can't be used as a folder name (no '/', no '..', no leading '.')"))
    }

    @Test func dotFilesOfTheTemplatesAreNotHydrated() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template(".git/config", "[core]\n")
        try fixture.template("stacks/core/.app.yaml.swp", "junk")
        try fixture.hydrate(fixture.request(stacks: ["core"]))
        #expect(fixture.files(under: "instances") == ["otc/example.org/registry/core.yaml"])
    }

    @Test func templateLinksLeavingTheTemplatesAreRefusedThoseInsideFollowed() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template("shared/common.yaml", "common: <<< .Env.DOMAIN >>>\n")
        try fixture.write("outside/hostname", "secret-host\n")
        try FileManager.default.createDirectory(atPath: fixture.templates + "/stacks/core", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fixture.templates + "/stacks/core/common.yaml",
                                                   withDestinationPath: "../../shared/common.yaml")
        try fixture.hydrate(fixture.request(stacks: ["core"]))
        #expect(try fixture.read("instances/otc/example.org/stacks/core/common.yaml") == "common: example.org\n")

        try FileManager.default.createSymbolicLink(atPath: fixture.templates + "/stacks/core/x.yaml",
                                                   withDestinationPath: fixture.root + "/outside/hostname")
        let target = try realPath(fixture.root + "/outside/hostname")
        let error = hydrationError { try fixture.hydrate(fixture.request(stacks: ["core"])) }
        #expect(error == .invalidInput("\(fixture.templates)/stacks/core/x.yaml: symbolic link to \(target) "
                                       + "leaves the input directory \(fixture.templates)"))
        #expect(!fixture.exists("instances/otc/example.org/stacks/core/x.yaml"))
    }

    @Test func templatesThatAreNotUTF8KeepTheirBytes() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        let text: [UInt8] = [0xFF, 0xFE] + Array("<<< .Env.DOMAIN >>>".utf8) + [0xC3, 0x00, 0x0D, 0x0A]
        let binary: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        try plant(fixture.templates + "/stacks/core/file.bin", text)
        try plant(fixture.templates + "/stacks/core/blob.bin", binary)
        try fixture.hydrate(fixture.request(stacks: ["core"]))
        let folder = fixture.instances + "/otc/example.org/stacks/core/"
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "file.bin")))
            == [0xFF, 0xFE] + Array("example.org".utf8) + [0xC3, 0x00, 0x0D, 0x0A])
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "blob.bin"))) == binary)
    }

    @Test func blankOutputIsNotProduced() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template("stacks/core/optional.yaml", "<<< if .Env.FEATURE >>>feature: on\n<<< end >>>")
        try fixture.hydrate(fixture.request(stacks: ["core"], variables: ["FEATURE": ""]))
        #expect(fixture.files(under: "instances") == ["otc/example.org/registry/core.yaml"])
    }
}

@Suite("Hydration: pruning")
struct HydrationPruneTests {
    @Test func droppedStackDisappearsAndNothingOutsideIsTouched() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        try fixture.write("instances/README.md", "the instances repository\n")
        try fixture.write("instances/otc/other.org/stacks/otc/cert-manager.yaml", "other domain\n")
        try fixture.write("instances/kind/example.org/stacks/otc/cert-manager.yaml", "other provider\n")
        try fixture.write("instances/otc/example.org.bak/registry/otc.yaml", "a look-alike folder\n")
        try fixture.hydrate(fixture.request(stacks: ["core", "otc"], variables: argocdVariables))
        try fixture.write("instances/otc/example.org/stacks/core/hand-made.yaml", "not produced\n")
        try fixture.write("instances/otc/example.org/stacks/extra/deep/file.yaml", "not produced\n")

        let plan = try Hydrator.plan(fixture.request(stacks: ["core"], variables: argocdVariables))
        #expect(plan.removals.map(\.path) == [
            "registry/otc.yaml", "stacks/core/hand-made.yaml", "stacks/extra/deep/file.yaml",
            "stacks/otc/cert-manager.yaml", "stacks/otc/cert-manager/manifests/issuer.yaml",
        ])
        #expect(plan.removedDirectories == [
            "stacks/otc/cert-manager/manifests", "stacks/extra/deep", "stacks/otc/cert-manager", "stacks/extra", "stacks/otc",
        ])
        let report = try Hydrator.apply(plan)
        #expect(report.removed.count == 5)
        #expect(report.summary == "otc/example.org: 0 written, 4 unchanged, 5 removed")

        #expect(fixture.files(under: "instances") == [
            "README.md",
            "kind/example.org/stacks/otc/cert-manager.yaml",
            "otc/example.org.bak/registry/otc.yaml",
            "otc/example.org/edfbuilder.yaml",
            "otc/example.org/registry/core.yaml",
            "otc/example.org/stacks/core/argocd.yaml",
            "otc/example.org/stacks/core/argocd/values.yaml",
            "otc/other.org/stacks/otc/cert-manager.yaml",
        ])
        #expect(!fixture.exists("instances/otc/example.org/stacks/otc"))
        #expect(!fixture.exists("instances/otc/example.org/stacks/extra"))
    }

    @Test func linkInTheInstanceFolderIsRemovedNotFollowed() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        try fixture.write("outside/stacks/core/argocd.yaml", "outside the instance folder\n")
        try FileManager.default.createDirectory(atPath: fixture.instances + "/otc/example.org", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fixture.instances + "/otc/example.org/stacks",
                                                   withDestinationPath: fixture.root + "/outside/stacks")
        try FileManager.default.createSymbolicLink(atPath: fixture.instances + "/otc/example.org/edfbuilder.yaml",
                                                   withDestinationPath: fixture.root + "/outside/stacks/core/argocd.yaml")

        let plan = try Hydrator.plan(fixture.request(stacks: ["core"], variables: argocdVariables))
        #expect(plan.removals.map(\.path) == ["stacks"])
        #expect(plan.files.first { $0.path == "edfbuilder.yaml" }?.change == .update)
        _ = try Hydrator.apply(plan)

        #expect(try fixture.read("outside/stacks/core/argocd.yaml") == "outside the instance folder\n")
        #expect(try fixture.read("instances/otc/example.org/stacks/core/argocd.yaml") == "host: \"argocd.example.org\"\n")
        #expect(try fixture.read("instances/otc/example.org/edfbuilder.yaml") == "path: \"otc/example.org/registry\"\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.instances + "/otc/example.org/stacks")
        #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
    }

    @Test func temporaryFilesOfKilledRunsAreRemovedNotReportedNorPlanned() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        try fixture.hydrate(fixture.request(stacks: ["core"], variables: argocdVariables))
        let folder = fixture.instances + "/otc/example.org"
        let dead = try deadProcessID()
        let leftovers = [".edfbuilder.yaml.edpctl-\(dead)-1", "stacks/core/.argocd.yaml.edpctl-\(dead)-2",
                         "stacks/gone/.x.yaml.edpctl-\(dead)-3"]
        for leftover in leftovers { try plant(folder + "/" + leftover, Array("half".utf8)) }
        let running = "stacks/core/.argocd.yaml.edpctl-\(getpid())-4"
        try plant(folder + "/" + running)

        let plan = try Hydrator.plan(fixture.request(stacks: ["core"], variables: argocdVariables))
        #expect(plan.removals.isEmpty)
        #expect(plan.removedDirectories == ["stacks/gone"])
        #expect(!plan.files.contains { $0.path.contains(".edpctl-") })
        #expect(plan.unifiedDiff().isEmpty)
        let report = try Hydrator.apply(plan)
        #expect(report.removed.isEmpty)
        #expect(fixture.files(under: "instances/otc/example.org") == [
            "edfbuilder.yaml", "registry/core.yaml", "stacks/core/argocd.yaml", running, "stacks/core/argocd/values.yaml",
        ].sorted())
    }

    @Test func linkedProviderOrDomainFolderIsRefused() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        try FileManager.default.createDirectory(atPath: fixture.root + "/outside", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fixture.instances + "/otc", withDestinationPath: fixture.root + "/outside")
        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], variables: argocdVariables)) }
        #expect(error == .invalidInput("\(fixture.instances)/otc is a symbolic link; hydration does not write through links"))
        #expect(fixture.files(under: "outside").isEmpty)
    }
}

@Suite("Hydration: missing variables and template errors")
struct HydrationMissingVariableTests {
    @Test func everyMissingVariableIsListedWithItsPositionAndNothingIsWritten() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "path: \"<<< .Env.CLIENT_REPO_ID >>>/<<< .Env.DOMAIN >>>\"\n")
        try fixture.template("stacks/core/argocd.yaml", """
            a: 1
            repo: "https://<<< .Env.CLIENT_REPO_DOMAIN >>>/<<< .Env.CLIENT_REPO_ORG_NAME >>>"
            id: <<< .Env.CLIENT_REPO_ID >>>
            replicas: <<< .Values.argocd.replicas >>>

            """)
        try fixture.template("edfbuilder.yaml", "unchanged: <<< .Env.DOMAIN >>>\n")
        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"])) }
        #expect(error?.description == """
            hydration found 5 problems; nothing was written:
            registry/core.yaml:1:16: missing key "CLIENT_REPO_ID" (in .Env.CLIENT_REPO_ID)
            stacks/core/argocd.yaml:2:24: missing key "CLIENT_REPO_DOMAIN" (in .Env.CLIENT_REPO_DOMAIN)
            stacks/core/argocd.yaml:2:56: missing key "CLIENT_REPO_ORG_NAME" (in .Env.CLIENT_REPO_ORG_NAME)
            stacks/core/argocd.yaml:3:13: missing key "CLIENT_REPO_ID" (in .Env.CLIENT_REPO_ID)
            stacks/core/argocd.yaml:4:22: missing key "argocd" (in .Values.argocd.replicas)
            3 variables are not set: CLIENT_REPO_DOMAIN, CLIENT_REPO_ID, CLIENT_REPO_ORG_NAME; set them in --env-file, \
            --values or the environment
            """)
        if case .rejected(let diagnostics)? = error {
            #expect(diagnostics.allSatisfy { $0.kind == .missingKey })
        }
        #expect(fixture.files(under: "instances").isEmpty)
    }

    @Test func templateErrorsAreListedWithTheMissingKeysOfOtherFiles() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: <<< .Env.NOPE >>>\n")
        try fixture.template("stacks/core/broken.yaml", "a: b\nc: <<< nosuchfunction >>>\n")
        try fixture.template("stacks/core/unclosed.yaml", "a: <<< if true >>>b\n")
        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"])) }
        #expect(error?.description == """
            hydration found 3 problems; nothing was written:
            registry/core.yaml:1:12: missing key "NOPE" (in .Env.NOPE)
            stacks/core/broken.yaml:2: function "nosuchfunction" not defined
            stacks/core/unclosed.yaml:2: unexpected EOF
            """)
    }

    @Test func invalidRenderedYAMLNamesFileAndPosition() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: <<< .Env.A >>>\n  c: d\n")
        try fixture.template("stacks/core/notes.txt", "a: b\n  c: d\n")
        try fixture.template("stacks/core/duplicate.yml", "a: 1\na: 2\n")
        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], variables: ["A": "b"])) }
        #expect(error?.description == """
            hydration found 2 problems; nothing was written:
            registry/core.yaml:2:4: the rendered output is not valid YAML: mapping values are not allowed in this context
            stacks/core/duplicate.yml:1:1: the rendered output is not valid YAML: mapping key "a" already defined
            """)
    }
}

@Suite("Hydration: the credential guard")
struct HydrationGuardTests {
    private let credentials = [
        "DEX_CLIENT_SECRET": "hunter2-but-longer",
        "api_token": "tok-123456",
        "SSH_KEY": "ssh-ed25519 AAAAkey",
        "PIN_PASSWORD": "abc",
        "KEYBOARD": "qwerty",
    ]

    @Test func secretsWithDataAndCredentialValuesAreAllListedWithoutTheirValues() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "pin: <<< .Env.PIN_PASSWORD >>>\nlayout: <<< .Env.KEYBOARD >>>\n")
        try fixture.template("stacks/core/dex-secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: dex-client
              namespace: dex
            stringData:
              clientSecret: "<<< .Env.DEX_CLIENT_SECRET >>>"

            """)
        try fixture.template("stacks/core/list.yaml", """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Secret
                metadata:
                  name: listed
                data:
                  key: YWJjZA==
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: empty
            data: {}

            """)
        try fixture.template("stacks/core/config.yaml", """
            token: <<< .Env.api_token | base64.Encode >>>
            key: "<<< .Env.SSH_KEY >>>"

            """)
        try fixture.template("stacks/core/script.sh", "curl -H 'Authorization: <<< .Env.api_token >>>'\n")

        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], variables: credentials)) }
        let hint = "<<</* edpctl:allow-secrets */>>>"
        #expect(error?.description == """
            hydration found 6 problems; nothing was written:
            stacks/core/config.yaml:1:8: the value of the credential variable api_token appears base64-encoded in the output (keep it out of git, or opt the file out with \(hint))
            stacks/core/config.yaml:2:7: the value of the credential variable SSH_KEY appears in the output (keep it out of git, or opt the file out with \(hint))
            stacks/core/dex-secret.yaml:6:1: Secret "dex/dex-client" has stringData in it: Secrets are created outside git (or opt the file out with \(hint))
            stacks/core/dex-secret.yaml:7:18: the value of the credential variable DEX_CLIENT_SECRET appears in the output (keep it out of git, or opt the file out with \(hint))
            stacks/core/list.yaml:8:5: Secret "listed" has data in it: Secrets are created outside git (or opt the file out with \(hint))
            stacks/core/script.sh:1:25: the value of the credential variable api_token appears in the output (keep it out of git, or opt the file out with \(hint))
            """)
        for value in credentials.values where value.count >= 4 {
            #expect(error?.description.contains(value) == false)
        }
        #expect(fixture.files(under: "instances").isEmpty)
    }

    /// Go's run-time errors quote the value they fail on; a credential's never reaches the message.
    @Test func templateErrorsNeverQuoteACredential() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template("stacks/core/misuse.yaml", "<<< range .Env.DEX_CLIENT_SECRET >>>x<<< end >>>\n")
        try fixture.template("stacks/core/encoded.yaml", "<<< range (base64.Encode .Env.api_token) >>>x<<< end >>>\n")

        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], variables: credentials)) }
        let description = try #require(error?.description)
        #expect(description.contains("range can't iterate over <DEX_CLIENT_SECRET redacted>"), "\(description)")
        #expect(description.contains("<api_token redacted>"), "\(description)")
        for value in credentials.values where value.count >= 4 {
            #expect(!description.contains(value))
            #expect(!description.contains(Data(value.utf8).base64EncodedString()))
        }
        #expect(fixture.files(under: "instances").isEmpty)
    }

    @Test func templateCommentOptsOneFileOut() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template("stacks/core/deliberate.yaml", """
            <<</* edpctl:allow-secrets */>>>
            apiVersion: v1
            kind: Secret
            metadata:
              name: dex-client
            stringData:
              clientSecret: "<<< .Env.DEX_CLIENT_SECRET >>>"

            """)
        try fixture.template("stacks/core/trimmed.yaml", "<<<- /* edpctl:allow-secrets */ ->>>\nkey: <<< .Env.SSH_KEY >>>\n")
        try fixture.template("stacks/core/not-opted-out.yaml", "# edpctl:allow-secrets\nkey: <<< .Env.SSH_KEY >>>\n")

        let error = hydrationError { _ = try Hydrator.plan(fixture.request(stacks: ["core"], variables: credentials)) }
        #expect(error?.description == """
            hydration found 1 problem; nothing was written:
            stacks/core/not-opted-out.yaml:2:6: the value of the credential variable SSH_KEY appears in the output (keep it out of git, or opt the file out with <<</* edpctl:allow-secrets */>>>)
            """)

        try FileManager.default.removeItem(atPath: fixture.templates + "/stacks/core/not-opted-out.yaml")
        let plan = try Hydrator.plan(fixture.request(stacks: ["core"], variables: credentials))
        #expect(plan.filesAllowingSecrets == ["stacks/core/deliberate.yaml", "stacks/core/trimmed.yaml"])
        _ = try Hydrator.apply(plan)
        #expect(try fixture.read("instances/otc/example.org/stacks/core/deliberate.yaml").hasPrefix("\napiVersion: v1\n"))
        #expect(try fixture.read("instances/otc/example.org/stacks/core/trimmed.yaml") == "key: ssh-ed25519 AAAAkey\n")
    }

    @Test func credentialNames() {
        for name in ["GITEA_PASSWORD", "password", "ArgoSecret", "FORGEJO_TOKEN", "tokens", "OS_ACCESS_KEY", "ssh_key",
                     "DB_PASSWD", "GIT_SSH_PASSPHRASE", "OPENAI_APIKEY", "x_api_key", "api-key", "AWS_CREDENTIALS",
                     "GOOGLE_APPLICATION_CREDENTIAL", "SSH_PRIVATE_KEY", "private", "AWS_SECRET_ACCESS_KEY",
                     "SIGNING_KEY", "KEYCLOAK_ADMIN_PASSWORD", "CLIENT_SECRET_VALUE", "GIT_TOKEN"] {
            #expect(CredentialVariables.isCredentialName(name), "\(name)")
        }
        // Public keys, and names whose last word says the value points at a credential.
        for name in ["KEYBOARD", "KEY", "DOMAIN", "PUBKEY", "MONKEY_BUSINESS", "PATH", "HOME", "KEYCLOAK_URL",
                     "PUBLIC_KEY_URL", "PUBLIC_KEY", "SSH_PUBLIC_KEY", "TOKEN_URL", "OIDC_TOKEN_ENDPOINT",
                     "DEX_CLIENT_SECRET_NAME", "PRIVATE_KEY_FILE", "SSH_PRIVATE_KEY_PATH", "TOKEN_TTL",
                     "AUTH_TOKEN_ENABLED", "AWS_ACCESS_KEY_ID", "KEY_ID", "SECRETS_NAMESPACE", "GIT_USERNAME"] {
            #expect(!CredentialVariables.isCredentialName(name), "\(name)")
        }
    }

    @Test func flagWordsAndNumbersAreNotTreatedAsSecrets() {
        for value in ["true", "FALSE", "enabled", "8080", "abc"] {
            #expect(!CredentialVariables.couldBeSecret(value), "\(value)")
        }
        for value in ["hunter2", "s3cr3t-value", "ghp_0123456789"] {
            #expect(CredentialVariables.couldBeSecret(value), "\(value)")
        }
    }
}

@Suite("Hydration: writing only what changed")
struct HydrationIdempotenceTests {
    @Test func unchangedFilesAreNotRewritten() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        try fixture.hydrate(fixture.request(stacks: ["core", "otc"], variables: argocdVariables))
        let unchangedPath = "instances/otc/example.org/stacks/otc/cert-manager.yaml"
        let changedPath = "instances/otc/example.org/stacks/core/argocd.yaml"
        let before = fixture.status(unchangedPath)
        let changedBefore = fixture.status(changedPath)

        let again = try Hydrator.plan(fixture.request(stacks: ["core", "otc"], variables: argocdVariables))
        #expect(!again.hasChanges)
        #expect(again.unifiedDiff().isEmpty)
        #expect(try Hydrator.apply(again).written.isEmpty)

        let report = try fixture.hydrate(fixture.request(stacks: ["core", "otc"], variables: ["DOMAIN_ARGOCD": "cd.example.org"]))
        #expect(report.written == ["otc/example.org/stacks/core/argocd.yaml", "otc/example.org/stacks/core/argocd/values.yaml"])
        #expect(report.unchanged.count == 5)
        let after = fixture.status(unchangedPath)
        #expect(after.st_ino == before.st_ino)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        #expect(fixture.status(changedPath).st_ino != changedBefore.st_ino)
        #expect(try fixture.read(changedPath) == "host: \"cd.example.org\"\n")
    }

    @Test func planNeverWrites() throws {
        let fixture = try HydrationFixture()
        try fixture.writeTwoStacks()
        let plan = try Hydrator.plan(fixture.request(stacks: ["core"], variables: argocdVariables))
        #expect(plan.hasChanges)
        #expect(plan.preview.written.count == 4)
        #expect(fixture.files(under: "instances").isEmpty)
        #expect(!fixture.exists("instances/otc"))
    }
}

@Suite("Hydration: diff")
struct HydrationDiffTests {
    @Test func diffShowsUpdatesCreationsAndRemovalsAsGitDoes() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "one: 1\nhost: <<< .Env.HOST >>>\nthree: 3\nfour: 4\n")
        try fixture.template("stacks/core/c.yaml", "c: gone\n")
        try fixture.hydrate(fixture.request(stacks: ["core"], variables: ["HOST": "old.example.org"]))
        try FileManager.default.removeItem(atPath: fixture.templates + "/stacks/core/c.yaml")
        try fixture.template("stacks/core/b.yaml", "b: new")

        let plan = try Hydrator.plan(fixture.request(stacks: ["core"], variables: ["HOST": "new.example.org"]))
        #expect(plan.unifiedDiff() == """
            --- a/otc/example.org/registry/core.yaml
            +++ b/otc/example.org/registry/core.yaml
            @@ -1,4 +1,4 @@
             one: 1
            -host: old.example.org
            +host: new.example.org
             three: 3
             four: 4
            --- /dev/null
            +++ b/otc/example.org/stacks/core/b.yaml
            @@ -0,0 +1 @@
            +b: new
            \\ No newline at end of file
            --- a/otc/example.org/stacks/core/c.yaml
            +++ /dev/null
            @@ -1 +0,0 @@
            -c: gone

            """)
    }

    @Test func distantChangesGetTheirOwnHunks() {
        let old = (1...20).map { "\($0)\n" }.joined()
        let new = old.replacingOccurrences(of: "\n2\n", with: "\ntwo\n").replacingOccurrences(of: "\n18\n", with: "\neighteen\n")
        #expect(unifiedDiff(path: "f", old: Array(old.utf8), new: Array(new.utf8)) == """
            --- a/f
            +++ b/f
            @@ -1,5 +1,5 @@
             1
            -2
            +two
             3
             4
             5
            @@ -15,6 +15,6 @@
             15
             16
             17
            -18
            +eighteen
             19
             20

            """)
    }

    @Test func missingFinalNewlineAndBinaryContent() {
        #expect(unifiedDiff(path: "f", old: Array("a\nb".utf8), new: Array("a\nc".utf8)) == """
            --- a/f
            +++ b/f
            @@ -1,2 +1,2 @@
             a
            -b
            \\ No newline at end of file
            +c
            \\ No newline at end of file

            """)
        #expect(unifiedDiff(path: "f", old: [0, 1], new: [0, 2]) == "Binary files a/f and b/f differ\n")
    }
}

@Suite("Hydration: variables and values")
struct HydrationInputTests {
    @Test func valuesFileThenEnvFileThenEnvironment() throws {
        let fixture = try HydrationFixture()
        try fixture.write("values.yaml", """
            DOMAIN: from-values.org
            STACKS: core
            MODE: 0777
            ONLY_VALUES: v
            nested:
              replicas: 3
            empty: ~

            """)
        try fixture.write("env", """
            # the CI job's variables
            export DOMAIN=from-envfile.org

            PROVIDER=otc
            ONLY_ENVFILE='x # y'

            """)
        let inputs = try HydrationInputs.load(valuesFile: fixture.root + "/values.yaml", envFile: fixture.root + "/env",
                                              environment: ["DOMAIN": "from-environment.org"])
        #expect(inputs.variables == [
            "DOMAIN": "from-environment.org", "STACKS": "core", "MODE": "0777", "ONLY_VALUES": "v",
            "PROVIDER": "otc", "ONLY_ENVFILE": "x # y",
        ])

        try fixture.template("registry/core.yaml", """
            domain: <<< .Env.DOMAIN >>>
            mode: "<<< .Env.MODE >>>"
            replicas: <<< .Values.nested.replicas >>>

            """)
        let request = try inputs.request(templatesDirectory: fixture.templates, instancesDirectory: fixture.instances)
        #expect(request.provider == "otc" && request.domain == "from-environment.org" && request.stacks == ["core"])
        try fixture.hydrate(request)
        #expect(try fixture.read("instances/otc/from-environment.org/registry/core.yaml")
            == "domain: from-environment.org\nmode: \"0777\"\nreplicas: 3\n")
    }

    @Test func flagsWinOverVariables() throws {
        let inputs = HydrationInputs(variables: ["PROVIDER": "otc", "DOMAIN": "a.org", "STACKS": "core, otc,,forgejo"])
        let fromVariables = try inputs.request(templatesDirectory: "t", instancesDirectory: "i")
        #expect(fromVariables.stacks == ["core", "otc", "forgejo"])
        let fromFlags = try inputs.request(templatesDirectory: "t", instancesDirectory: "i", provider: "kind",
                                           domain: "b.org", stacks: ["core"])
        #expect(fromFlags.instancePath == "kind/b.org" && fromFlags.stacks == ["core"])
    }

    @Test func missingSettingsAreNamed() throws {
        let none = HydrationInputs(variables: [:])
        #expect(hydrationError { _ = try none.request(templatesDirectory: "t", instancesDirectory: "i") }
            == .invalidInput("no stacks selected: pass --stacks or set STACKS (e.g. core,otc,forgejo)"))
        let noDomain = HydrationInputs(variables: ["STACKS": "core", "PROVIDER": "otc"])
        #expect(hydrationError { _ = try noDomain.request(templatesDirectory: "t", instancesDirectory: "i") }
            == .invalidInput("no domain given: pass --domain or set DOMAIN (environment, --env-file or --values)"))
    }

    @Test func valuesFileErrorsNameTheFile() throws {
        let fixture = try HydrationFixture()
        try fixture.write("list.yaml", "- a\n- b\n")
        try fixture.write("bad.yaml", "a: b\n  c: d\n")
        try fixture.write("two.yaml", "a: 1\n---\nb: 2\n")
        let list = fixture.root + "/list.yaml"
        let bad = fixture.root + "/bad.yaml"
        let two = fixture.root + "/two.yaml"
        #expect(hydrationError { _ = try HydrationInputs.load(valuesFile: list, envFile: nil, environment: [:]) }
            == .invalidInput("\(list):1:1: the values document must be a mapping of names to values"))
        #expect(hydrationError { _ = try HydrationInputs.load(valuesFile: bad, envFile: nil, environment: [:]) }
            == .invalidInput("\(bad):2:4: mapping values are not allowed in this context"))
        #expect(hydrationError { _ = try HydrationInputs.load(valuesFile: two, envFile: nil, environment: [:]) }
            == .invalidInput("\(two): the values file must hold a single YAML document"))
        #expect(hydrationError { _ = try HydrationInputs.load(valuesFile: nil, envFile: fixture.root + "/none", environment: [:]) }
            == .invalidInput("open \(fixture.root)/none: no such file or directory"))
    }
}

@Suite("Hydration: env files")
struct HydrationEnvFileTests {
    @Test func linesCommentsExportAndQuotes() throws {
        let text = """
            # comment

              export   SPACED=value   # trailing comment
            PLAIN=a#b
            EMPTY=
            SINGLE='it is $HOME \\n'
            DOUBLE="line\\nnext \\"q\\" \\$HOME"
            URL=https://example.org/?a=b
            CRLF=x\r
            PLAIN=later wins
            """
        #expect(try EnvFile.parse(text, fileName: "env") == [
            "SPACED": "value", "PLAIN": "later wins", "EMPTY": "", "SINGLE": "it is $HOME \\n",
            "DOUBLE": "line\nnext \"q\" $HOME", "URL": "https://example.org/?a=b", "CRLF": "x",
        ])
    }

    @Test(arguments: [
        ("A=1\nNO_EQUALS_HERE\n", "ci.env:2:1: expected KEY=VALUE"),
        ("  1BAD=x\n", "ci.env:1:3: invalid variable name (a letter or _, then letters, digits and _)"),
        ("MY KEY=x\n", "ci.env:1:1: invalid variable name (a letter or _, then letters, digits and _)"),
        ("API_TOKEN: s3cr3t=value\n", "ci.env:1:1: invalid variable name (a letter or _, then letters, digits and _)"),
        ("GITEA_PASSWORD=\"s3cr3t-value\n", "ci.env:1:16: unterminated double-quoted value"),
        ("TOKEN='s3cr3t-value' tail\n", "ci.env:1:22: unexpected text after the closing quote"),
    ])
    func errorsNameFileLineAndColumnButNotTheValue(text: String, message: String) {
        let error = hydrationError { _ = try EnvFile.parse(text, fileName: "ci.env") }
        #expect(error == .invalidInput(message))
        #expect(error?.description.contains("s3cr3t") == false)
    }
}

private let sharedTools = packageRoot + "/../shared/tools"
private let allStacks = ["core", "otc", "forgejo", "observability", "observability-client"]

/// Hydrates the bundled templates for examples/edp/env with every stack into `fixture`.
private func hydrateBundledExample(into fixture: HydrationFixture) throws -> HydrationReport {
    let inputs = try HydrationInputs.load(valuesFile: nil, envFile: packageRoot + "/examples/edp/env", environment: [:])
    let request = try inputs.request(templatesDirectory: packageRoot + "/templates", instancesDirectory: fixture.instances,
                                     stacks: allStacks)
    return try Hydrator.apply(try Hydrator.plan(request))
}

/// Whether validate-manifests.py is beside the repository and python3 has what it imports.
private let validatorIsAvailable: Bool = {
    guard FileManager.default.fileExists(atPath: sharedTools + "/validate-manifests.py") else { return false }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["python3", "-c", "import yaml, jsonschema"]
    probe.standardOutput = FileHandle.nullDevice
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}()

@Suite("Hydration: the bundled templates")
struct HydrationBundledTemplateTests {
    @Test func everyStackHydratesToValidYAML() throws {
        let fixture = try HydrationFixture()
        let report = try hydrateBundledExample(into: fixture)
        #expect(report.instancePath == "otc/test-me.t09.de")
        let files = fixture.files(under: "instances/otc/test-me.t09.de")
        #expect(files.count == report.written.count)
        for stack in allStacks {
            #expect(files.contains("registry/\(stack).yaml"))
            #expect(files.contains { $0.hasPrefix("stacks/\(stack)/") })
        }
        for file in files {
            let text = try fixture.read("instances/otc/test-me.t09.de/" + file)
            #expect(!text.contains("<<<") && !text.contains(">>>"), "\(file)")
            #expect(YAMLParser.firstError(in: text) == nil, "\(file)")
        }
        let argocd = try fixture.read("instances/otc/test-me.t09.de/stacks/core/argocd/values.yaml")
        #expect(argocd.contains("Application {{ .app.metadata.name }} has been synced"))
    }

    @Test func diffOfANewLoadBalancerAddressIsTheDocumentedOne() throws {
        let fixture = try HydrationFixture()
        _ = try hydrateBundledExample(into: fixture)
        var inputs = try HydrationInputs.load(valuesFile: nil, envFile: packageRoot + "/examples/edp/env", environment: [:])
        inputs.variables["LOADBALANCER_IP"] = "192.0.2.20"
        let plan = try Hydrator.plan(try inputs.request(templatesDirectory: packageRoot + "/templates",
                                                        instancesDirectory: fixture.instances, stacks: allStacks))
        #expect(plan.preview.written == ["otc/test-me.t09.de/stacks/otc/ingress-nginx/values.yaml"])
        let documentation = try String(contentsOfFile: packageRoot + "/docs/hydrate.md", encoding: .utf8)
        #expect(documentation.contains("```diff\n" + plan.unifiedDiff() + "```\n"))
    }

    @Test(.enabled(if: validatorIsAvailable, "../shared/tools/validate-manifests.py (or python3 with yaml and jsonschema) is not available"))
    func manifestsPassValidateManifests() throws {
        let fixture = try HydrationFixture()
        _ = try hydrateBundledExample(into: fixture)
        let folder = "instances/otc/test-me.t09.de"
        // Helm values files are not Kubernetes objects; the validator gets the files that hold one.
        let manifests = try fixture.files(under: folder).filter { file in
            try YAMLParser.documents(in: fixture.read(folder + "/" + file)).contains { document in
                document.mapping?.contains { $0.key.scalar == "kind" } == true
            }
        }
        #expect(manifests.count >= 25)
        let validator = Process()
        validator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        validator.arguments = ["python3", sharedTools + "/validate-manifests.py", "--crds", sharedTools + "/../crds"]
            + manifests.map { fixture.root + "/" + folder + "/" + $0 }
        let output = Pipe()
        validator.standardOutput = output
        validator.standardError = output
        try validator.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        validator.waitUntilExit()
        #expect(validator.terminationStatus == 0, "\(text)")
        #expect(text.contains(" 0 failed"), "\(text)")
    }
}

@Suite("Hydration diagnostics carry their position as fields")
struct HydrationDiagnosticFieldTests {
    @Test func aTemplateErrorKeepsGosTextAndReadsAsPathLineColumn() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template("stacks/core/app.yaml", "a: 1\nb: <<< index \"abc\" 5 >>>\n")
        guard case .rejected(let found)? = hydrationError({ try fixture.hydrate(fixture.request(stacks: ["core"])) }) else {
            Issue.record("the template error was not reported")
            return
        }
        let diagnostic = try #require(found.first { $0.kind == .template })
        #expect(diagnostic.file == "stacks/core/app.yaml")
        #expect(diagnostic.line == 2)
        let column = try #require(diagnostic.column)
        // Go prints the column 0-based; the field is 1-based, as every Diagnostic's. The message keeps
        // Go's text; the description gives the place once, in the form of every finding.
        #expect(diagnostic.message.hasPrefix("template: stacks/core/app.yaml:2:\(column - 1): executing"))
        #expect(diagnostic.description.hasPrefix("stacks/core/app.yaml:2:\(column): at <index \"abc\" 5>: "))
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(diagnostic)) as? [String: Any]
        #expect(json?["kind"] as? String == "template")
        #expect(json?["line"] as? Int == 2)
        #expect(json?["column"] as? Int == column)
    }

    @Test func aMissingKeyNamesItsKeyAsTheSubject() throws {
        let fixture = try HydrationFixture()
        try fixture.template("registry/core.yaml", "a: b\n")
        try fixture.template("stacks/core/app.yaml", "a: 1\nhost: <<< .Env.CLIENT_REPO_ID >>>\n")
        guard case .rejected(let found)? = hydrationError({ try fixture.hydrate(fixture.request(stacks: ["core"])) }) else {
            Issue.record("the missing key was not reported")
            return
        }
        let diagnostic = try #require(found.first { $0.kind == .missingKey })
        let column = try #require(diagnostic.column)
        #expect(diagnostic.description.hasPrefix("stacks/core/app.yaml:2:\(column): "))
        #expect(diagnostic.diagnostic.subject == "CLIENT_REPO_ID")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(diagnostic)) as? [String: Any]
        #expect(json?["subject"] as? String == "CLIENT_REPO_ID")
        #expect(json?["line"] as? Int == 2)
        #expect(json?["file"] as? String == "stacks/core/app.yaml")
    }
}
