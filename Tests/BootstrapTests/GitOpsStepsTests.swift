import Bootstrap
import Foundation
import Testing
import TestSupport

/// The repository and root-app steps against the fake API server, the root app read from a real
/// `git http-backend` behind a PAT.
@Suite struct GitOpsStepsTests {
    static let pat = "ghp_RepoTokenValue0123456789abcdefXYZ"
    static let rootApp = """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: root
          namespace: argocd
        spec:
          project: default
          source:
            repoURL: https://github.com/webb1es/gitops.git
            targetRevision: main
            path: apps
          destination:
            server: https://kubernetes.default.svc
            namespace: argocd
          syncPolicy:
            automated: {prune: true, selfHeal: true}

        """

    static func platform(url: String, rootApp: String = "{path: bootstrap/root-app.yaml}") -> String {
        """
        gitops:
          url: \(url)
          username: {env: GITOPS_USERNAME}
          password: {env: GITOPS_PAT}
          rootApp: \(rootApp)

        """
    }

    @Test func repositorySecretIsAppliedOnceAndCheckedWithoutValues() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("argocd")
        let environment = ["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": Self.pat]
        let context = try fixture.context(Self.platform(url: "https://github.com/webb1es/gitops.git"), environment: environment)
        let step = try fixture.step(context, StepName.repository, as: RepositoryStep.self)
        let said = Said()
        #expect(step.needs == [])
        #expect(try step.check(said.context(step.name)) == .wouldApply(["create Secret argocd/repo-gitops registering https://github.com/webb1es/gitops.git in Argo CD"]))
        try step.apply(said.context(step.name))

        let stored = try #require(try fixture.server.object(at: "/api/v1/namespaces/argocd/secrets/repo-gitops"))
        let labels = (stored["metadata"] as? [String: Any])?["labels"] as? [String: String]
        #expect(labels == ["argocd.argoproj.io/secret-type": "repository"])
        let data = (stored["data"] as? [String: String] ?? [:]).mapValues { String(decoding: Data(base64Encoded: $0) ?? Data(), as: UTF8.self) }
        #expect(data == ["type": "git", "url": "https://github.com/webb1es/gitops.git", "username": "webb1es", "password": Self.pat])

        // Idempotent: a second check is done and writes nothing.
        try fixture.server.reset()
        #expect(try step.check(said.context(step.name)) == .done)
        #expect(try fixture.writes() == 0)

        // A new PAT: the check says which key differs, never what either value is.
        let rotated = "ghp_NewRotatedTokenValue987654321zyx"
        let changed = try fixture.step(try fixture.context(Self.platform(url: "https://github.com/webb1es/gitops.git"),
                                                          environment: ["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": rotated]),
                                       StepName.repository, as: RepositoryStep.self)
        let check = try changed.check(said.context(step.name))
        #expect(check == .wouldApply(["update Secret argocd/repo-gitops: password differs"]))
        for text in ["\(check)"] + said.notes + said.waiting {
            #expect(!text.contains(Self.pat) && !text.contains(rotated))
        }
        try changed.apply(said.context(step.name))
        #expect(try changed.check(said.context(step.name)) == .done)
    }

    @Test func aMissingCredentialNamesTheFieldAndTheVariable() throws {
        let fixture = try GitOpsFixture()
        let context = try fixture.context(Self.platform(url: "https://github.com/webb1es/gitops.git"), environment: ["GITOPS_USERNAME": "webb1es"])
        let step = try fixture.step(context, StepName.repository, as: RepositoryStep.self)
        let error = #expect(throws: StepFailure.self) { try step.check(Said().context(step.name)) }
        #expect(error?.description == "platform.yaml: gitops.password: the environment variable GITOPS_PAT is not set; set it and run again")
        #expect(try fixture.writes() == 0)

        // Argo CD not installed yet (no namespace): the error says what was being done, not the PAT.
        let environment = ["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": Self.pat]
        let installed = try fixture.step(try fixture.context(Self.platform(url: "https://github.com/webb1es/gitops.git"), environment: environment),
                                         StepName.repository, as: RepositoryStep.self)
        let failure = #expect(throws: StepFailure.self) { try installed.apply(Said().context(step.name)) }
        #expect(failure?.description.hasPrefix("Secret argocd/repo-gitops: ") == true)
        #expect(failure?.description.hasSuffix("(is Argo CD installed, namespace argocd present?)") == true)
        #expect(failure.map { !$0.description.contains(Self.pat) } == true)
    }

    @Test func aTokenForAnSSHURLIsRefused() throws {
        let fixture = try GitOpsFixture()
        let context = try fixture.context(Self.platform(url: "git@github.com:webb1es/gitops.git"),
                                          environment: ["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": Self.pat])
        let step = try fixture.step(context, StepName.repository, as: RepositoryStep.self)
        let error = #expect(throws: StepFailure.self) { try step.check(Said().context(step.name)) }
        #expect(error?.description == "platform.yaml: gitops.password: a password or token needs an https URL; for an SSH URL register the repository's sshPrivateKey by hand (kubectl) and leave gitops.password out")
    }

    @Test func aCredentialFileIsReadWithoutItsNewline() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("argocd")
        try write(Self.pat + "\n", to: fixture.folder.child("pat"))
        let platform = """
            gitops:
              url: https://github.com/webb1es/gitops.git
              password: {file: pat}
              rootApp: {file: root-app.yaml}

            """
        let step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.repository, as: RepositoryStep.self)
        try step.apply(Said().context(step.name))
        let stored = try #require(try fixture.server.object(at: "/api/v1/namespaces/argocd/secrets/repo-gitops"))
        let data = stored["data"] as? [String: String] ?? [:]
        #expect(data["password"] == Data(Self.pat.utf8).base64EncodedString())
        #expect(data["username"] == Data("git".utf8).base64EncodedString())

        try FileManager.default.removeItem(atPath: fixture.folder.child("pat"))
        let error = #expect(throws: StepFailure.self) { try step.check(Said().context(step.name)) }
        #expect(error?.description == "platform.yaml: gitops.password: cannot read the file \(fixture.folder.child("pat")); create it and run again")
    }

    /// The root app read from a clone over the real git http-backend with the PAT, applied and refreshed.
    @Test func rootAppFromTheRepositoryIsAppliedAndRefreshed() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("argocd")
        try fixture.registerArgoCD()
        try makeBareRepository("gitops", in: fixture.folder.child("git/served"), files: ["bootstrap/root-app.yaml": Self.rootApp])
        let git = try GitServer(root: fixture.folder.child("git"), user: "webb1es", token: Self.pat)
        let context = try fixture.context(Self.platform(url: git.url("gitops")),
                                          environment: ["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": Self.pat])
        let step = try fixture.step(context, StepName.rootApp, as: RootAppStep.self)
        #expect(step.needs == [StepName.repository])
        let said = Said()
        let before = try temporaryClones()
        #expect(try step.check(said.context(step.name)) == .wouldApply([
            "create Application argocd/root from bootstrap/root-app.yaml in \(git.url("gitops"))",
            "ask Argo CD to refresh it (argocd.argoproj.io/refresh: normal)"]))
        try step.apply(said.context(step.name))
        #expect(try temporaryClones() == before)

        let stored = try #require(try fixture.server.object(at: "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/root"))
        let metadata = stored["metadata"] as? [String: Any] ?? [:]
        #expect((metadata["annotations"] as? [String: String])?["argocd.argoproj.io/refresh"] == "normal")
        let source = (stored["spec"] as? [String: Any])?["source"] as? [String: Any]
        #expect(source?["path"] as? String == "apps")
        #expect(((stored["spec"] as? [String: Any])?["syncPolicy"] as? [String: Any]).map { ($0["automated"] as? [String: Any])?["prune"] as? Bool } == true)

        try fixture.server.reset()
        let again = try fixture.step(context, StepName.rootApp, as: RootAppStep.self)
        #expect(try again.check(said.context(step.name)) == .done)
        #expect(try fixture.writes() == 0)
        // The clone logged in with the PAT; the token is in no request line of the server.
        #expect(try git.requests().contains { $0.contains("\" 200 ") })
        #expect(try !git.requests().contains { $0.contains(Self.pat) })

        // The live spec drifted (someone edited it): the check names the field, apply puts it back.
        var edited = stored
        var spec = edited["spec"] as? [String: Any] ?? [:]
        spec["source"] = ["repoURL": "https://github.com/webb1es/gitops.git", "targetRevision": "main", "path": "other"]
        edited["spec"] = spec
        try fixture.server.put(edited)
        #expect(try again.check(said.context(step.name)) == .wouldApply([
            "update Application argocd/root from bootstrap/root-app.yaml in \(git.url("gitops")): spec.source.path differ",
            "ask Argo CD to refresh it (argocd.argoproj.io/refresh: normal)"]))
        try again.apply(said.context(step.name))
        #expect(try again.check(said.context(step.name)) == .done)
    }

    @Test func aWrongTokenFailsTheCloneWithoutShowingIt() throws {
        let fixture = try GitOpsFixture()
        try fixture.registerArgoCD()
        try makeBareRepository("gitops", in: fixture.folder.child("git/served"), files: ["bootstrap/root-app.yaml": Self.rootApp])
        let git = try GitServer(root: fixture.folder.child("git"), user: "webb1es", token: Self.pat)
        let wrong = "ghp_WrongTokenValue55555555555555555"
        let context = try fixture.context(Self.platform(url: git.url("gitops")), environment: ["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": wrong])
        let step = try fixture.step(context, StepName.rootApp, as: RootAppStep.self)
        let error = #expect(throws: StepFailure.self) { try step.check(Said().context(step.name)) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("cloning \(git.url("gitops")) for the root app failed: "))
        #expect(!text.contains(wrong))
    }

    @Test func rootAppFromALocalFile() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("argocd")
        try write(Self.rootApp, to: fixture.folder.child("root-app.yaml"))
        let platform = """
            gitops:
              url: https://github.com/webb1es/gitops.git
              rootApp: {file: root-app.yaml}

            """
        let step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.rootApp, as: RootAppStep.self)
        // A dry run before Argo CD is installed: its Application kind is not served yet.
        #expect(try step.check(Said().context(step.name)) == .wouldApply([
            "create Application argocd/root from \(fixture.folder.child("root-app.yaml")) (once Argo CD serves Applications)",
            "ask Argo CD to refresh it (argocd.argoproj.io/refresh: normal)"]))
        try fixture.registerArgoCD()
        try step.apply(Said().context(step.name))
        #expect(try step.check(Said().context(step.name)) == .done)
    }

    /// The argo-cd chart's Job can finish before its Application CRD is Established (argo-helm
    /// installs CRDs as templates): apply waits for the kind to be served, and says so.
    @Test func rootAppWaitsForTheApplicationKindToBeServed() throws {
        let fixture = try GitOpsFixture()
        try fixture.namespaces("argocd")
        try write(Self.rootApp, to: fixture.folder.child("root-app.yaml"))
        let platform = "gitops:\n  url: https://github.com/webb1es/gitops.git\n  rootApp: {file: root-app.yaml}\n"
        let step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.rootApp, as: RootAppStep.self)
        let said = Said()
        let started = Date()
        later(0.6) { try fixture.registerArgoCD() }
        try step.apply(said.context(step.name))
        #expect(Date().timeIntervalSince(started) >= 0.6)
        #expect(said.waiting == ["a CustomResourceDefinition serving Application in argoproj.io/v1alpha1 to be Established (for Application argocd/root)"])
        #expect(try fixture.server.object(at: "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/root") != nil)
        #expect(try step.check(said.context(step.name)) == .done)
    }

    @Test func rootAppWithoutArgoCDTimesOutNamingWhatIsMissing() throws {
        let fixture = try GitOpsFixture()
        try write(Self.rootApp, to: fixture.folder.child("root-app.yaml"))
        let platform = "gitops:\n  url: https://github.com/webb1es/gitops.git\n  rootApp: {file: root-app.yaml}\n"
        var step = try fixture.step(try fixture.context(platform, environment: [:]), StepName.rootApp, as: RootAppStep.self)
        step.crdTimeout = 0.5
        let error = #expect(throws: StepFailure.self) { try step.apply(Said().context(step.name)) }
        #expect(error?.description == "Application argocd/root cannot be applied: timed out after 0.5 s waiting for a "
            + "CustomResourceDefinition serving Application in argoproj.io/v1alpha1 to be installed (the argo-cd chart installs it: is its chart step done?)")
        #expect(try fixture.writes() == 0)
    }

    /// The folders the root-app step clones into, left in the temporary folder.
    private func temporaryClones() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("edpctl-gitops-") }.sorted()
    }
}
