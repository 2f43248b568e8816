import Foundation
import Kube
import Testing
import TestSupport

/// Three files merged through KUBECONFIG, held against kubectl's own answer over the same files.
@Suite(.enabled(if: kubectlInstalled, "kubectl is not installed (Debian package kubectl; `make test` installs it)"))
struct KubeconfigMergeTests {
    /// a.yaml defines `shared` and `admin` first; sub/b.yaml redefines them with other fields (which
    /// must not leak in), adds `other`, `exec-user` and the only current-context; a missing file sits
    /// between them; relative paths point at files that exist both beside each kubeconfig and in the
    /// working folder, with different contents, so a path resolved against the wrong folder shows.
    private func scene() throws -> KubeScene {
        let scene = try KubeScene()
        for folder in ["", "sub/", "work/", "work/sub/"] {
            try write("CA of \(folder)ca.crt\n", to: scene.child(folder + "ca.crt"))
            try write("CA of \(folder)certs/ca.crt\n", to: scene.child(folder + "certs/ca.crt"))
            try write("cert of \(folder)c.crt\n", to: scene.child(folder + "c.crt"))
            try write("key of \(folder)c.key\n", to: scene.child(folder + "c.key"))
            try write("token of \(folder)token\n", to: scene.child(folder + "token"))
        }
        _ = try scene.file("a.yaml", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: shared
              cluster:
                server: https://a.example:6443
                certificate-authority: ca.crt
            users:
            - name: admin
              user:
                token: token-from-a
            contexts:
            - name: prod
              context: {cluster: shared, user: admin, namespace: team-a}
            - name: anonymous
              context: {cluster: shared}

            """)
        _ = try scene.file("sub/b.yaml", """
            apiVersion: v1
            kind: Config
            current-context: staging
            clusters:
            - name: shared
              cluster:
                server: https://b.example:6443
                tls-server-name: b-name
                proxy-url: socks5://127.0.0.1:1080
            - name: other
              cluster:
                server: https://other.example:6443
                certificate-authority: certs/ca.crt
                tls-server-name: other-name
                proxy-url: socks5h://proxy.example:1080
            users:
            - name: admin
              user: {username: bob, password: secret-pw, token: token-from-b}
            - name: cert-user
              user:
                client-certificate: c.crt
                client-key: c.key
            - name: file-user
              user:
                tokenFile: token
            - name: basic-user
              user: {username: alice, password: alice-pw}
            contexts:
            - name: prod
              context: {cluster: other, user: cert-user, namespace: ignored}
            - name: staging
              context: {cluster: other, user: cert-user, namespace: team-b}
            - name: files
              context: {cluster: other, user: file-user}
            - name: basic
              context: {cluster: shared, user: basic-user}

            """)
        scene.environment.variables["KUBECONFIG"] = "\(scene.child("a.yaml")):\(scene.child("missing.yaml")):sub/../../sub/b.yaml"
        return scene
    }

    @Test func mergedEntriesAndCurrentContextAreKubectls() throws {
        let scene = try scene()
        // The third path is relative to the working folder: work/sub/../../sub/b.yaml.
        let theirs = try scene.kubectl(["config", "view", "--merge", "--raw"])
        let ours = try #require(try KubeconfigLoader.merged(kubeconfig: nil, environment: scene.environment))

        #expect(ours.currentContext == theirs["current-context"] as? String)
        #expect(ours.currentContext == "staging")
        let contexts = named(theirs, "contexts", "context")
        #expect(Set(ours.contexts.keys) == Set(contexts.keys))
        for (name, context) in contexts {
            let mine = try #require(ours.contexts[name]?.value)
            #expect((mine.cluster ?? "") == context["cluster"] as? String, "context \(name)")
            #expect((mine.user ?? "") == context["user"] as? String, "context \(name)")
            #expect(mine.namespace == context["namespace"] as? String, "context \(name)")
        }
        let clusters = named(theirs, "clusters", "cluster")
        #expect(Set(ours.clusters.keys) == Set(clusters.keys))
        for (name, cluster) in clusters {
            let mine = try #require(ours.clusters[name]?.value)
            #expect(mine.server == cluster["server"] as? String, "cluster \(name)")
            #expect(mine.tlsServerName == cluster["tls-server-name"] as? String, "cluster \(name)")
            #expect(mine.proxyURL == cluster["proxy-url"] as? String, "cluster \(name)")
        }
        // The first file's `shared` won whole: nothing of b's `shared` came in.
        #expect(ours.clusters["shared"]?.value.tlsServerName == nil)
        let users = named(theirs, "users", "user")
        #expect(Set(ours.users.keys) == Set(users.keys))
        for (name, user) in users {
            let mine = try #require(ours.users[name]?.value)
            #expect(mine.token == user["token"] as? String, "user \(name)")
            #expect(mine.username == user["username"] as? String, "user \(name)")
            #expect(mine.password == user["password"] as? String, "user \(name)")
        }
        #expect(ours.users["admin"]?.value.username == nil)
        #expect(ours.files == [scene.child("a.yaml"), scene.child("sub/b.yaml")])
    }

    @Test func theFirstFileToSetCurrentContextWins() throws {
        let scene = try scene()
        _ = try scene.file("first.yaml", "current-context: prod\n")
        scene.environment.variables["KUBECONFIG"] = "../sub/b.yaml:../first.yaml:../a.yaml"
        let theirs = try scene.kubectl(["config", "view", "--merge", "--raw"])
        #expect(theirs["current-context"] as? String == "staging")
        #expect(try KubeconfigLoader.merged(kubeconfig: nil, environment: scene.environment)?.currentContext == "staging")
        scene.environment.variables["KUBECONFIG"] = "../first.yaml:../sub/b.yaml:../a.yaml"
        let reordered = try scene.kubectl(["config", "view", "--minify", "--raw"])
        let ours = try scene.load()
        #expect(ours.context == reordered["current-context"] as? String)
        #expect(ours.context == "prod")
        // b.yaml now comes before a.yaml: its `prod` (cluster other, cert-user) wins.
        #expect(ours.server == named(reordered, "clusters", "cluster").values.first?["server"] as? String)
        #expect(ours.server == "https://other.example:6443")
    }

    /// `kubectl config view --minify --flatten --context X` embeds the files kubectl resolved, so
    /// it proves which file each relative path reached.
    @Test(arguments: [nil, "prod", "staging", "files", "basic", "anonymous"])
    func resolvedContextIsKubectls(context: String?) throws {
        let scene = try scene()
        let theirs = try scene.kubectl(["config", "view", "--minify", "--flatten", "--raw"]
            + (context.map { ["--context", $0] } ?? []))
        let ours = try scene.load(context: context)

        let contextName = try #require(theirs["current-context"] as? String)
        #expect(ours.context == contextName)
        let their = try #require(named(theirs, "contexts", "context")[contextName])
        let cluster = try #require(named(theirs, "clusters", "cluster").values.first)
        #expect(ours.server == cluster["server"] as? String)
        #expect(ours.certificateAuthority == (cluster["certificate-authority-data"] as? String).flatMap { Data(base64Encoded: $0) })
        #expect(ours.tlsServerName == cluster["tls-server-name"] as? String)
        #expect(ours.proxyURL == cluster["proxy-url"] as? String)
        #expect(ours.namespace == (their["namespace"] as? String ?? "default"))
        #expect(ours.user == (their["user"] as? String ?? ""))

        let user = named(theirs, "users", "user").values.first ?? [:]
        let credentials = ours.credentials
        #expect(credentials.token == user["token"] as? String)
        #expect(credentials.username == user["username"] as? String)
        #expect(credentials.password == user["password"] as? String)
        #expect(credentials.clientCertificate == (user["client-certificate-data"] as? String).flatMap { Data(base64Encoded: $0) })
        #expect(credentials.clientKey == (user["client-key-data"] as? String).flatMap { Data(base64Encoded: $0) })
        // kubectl does not embed a tokenFile; it shows the path as written, relative to its file.
        if let tokenFile = user["tokenFile"] as? String {
            #expect(try credentials.bearerToken() == "token of sub/\(tokenFile)".trimmingCharacters(in: .whitespacesAndNewlines))
        } else {
            #expect(credentials.tokenFile == nil)
        }
    }

    @Test func theExpectedAnswersAreTheRightOnes() throws {
        // What the comparisons above rest on, spelt out: had kubectl and we agreed on a wrong rule,
        // these would catch it.
        let scene = try scene()
        let staging = try scene.load()
        #expect(staging.server == "https://other.example:6443")
        #expect(staging.certificateAuthority == Data("CA of sub/certs/ca.crt\n".utf8))
        #expect(staging.credentials.clientKey == Data("key of sub/c.key\n".utf8))
        #expect(staging.namespace == "team-b")
        let prod = try scene.load(context: "prod")
        #expect(prod.server == "https://a.example:6443")
        #expect(prod.certificateAuthority == Data("CA of ca.crt\n".utf8))
        #expect(prod.credentials.token == "token-from-a")
        #expect(prod.credentials.username == nil)
        #expect(prod.namespace == "team-a")
        #expect(try scene.load(context: "files").credentials.bearerToken() == "token of sub/token")
        #expect(try scene.load(context: "anonymous").credentials.description == "KubeCredentials(anonymous)")
    }

    @Test func anExplicitKubeconfigIsReadAloneAndMustExist() throws {
        let scene = try scene()
        let alone = try #require(try KubeconfigLoader.merged(kubeconfig: "../sub/b.yaml", environment: scene.environment))
        #expect(alone.files == [scene.child("sub/b.yaml")])
        #expect(alone.clusters["shared"]?.value.server == "https://b.example:6443")
        #expect(try scene.load(kubeconfig: "../sub/b.yaml", context: "prod").server == "https://other.example:6443")
        let theirs = try scene.kubectl(["config", "view", "--raw", "--minify", "--kubeconfig", "../sub/b.yaml", "--context", "basic"])
        #expect(try scene.load(kubeconfig: "../sub/b.yaml", context: "basic").server
            == named(theirs, "clusters", "cluster").values.first?["server"] as? String)
        #expect(scene.loadError(kubeconfig: "nope.yaml") == "kubeconfig \(scene.child("work/nope.yaml")): no such file")
    }
}
