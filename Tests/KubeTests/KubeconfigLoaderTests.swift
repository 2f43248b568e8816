import Foundation
import Kube
import Testing
import TestSupport

private let minimal = """
    apiVersion: v1
    kind: Config
    current-context: only
    clusters:
    - name: k
      cluster: {server: "https://SERVER:6443"}
    contexts:
    - name: only
      context: {cluster: k}

    """

/// Where the configuration comes from when nothing is given, the auth forms, and error messages.
@Suite struct KubeconfigLoaderTests {
    // MARK: Where it is read from

    @Test func homeConfigThenK3sThenInCluster() throws {
        let scene = try KubeScene(["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"])
        _ = try scene.file("serviceaccount/token", "sa-token-1\n")
        _ = try scene.file("serviceaccount/ca.crt", "cluster CA\n")
        _ = try scene.file("serviceaccount/namespace", "penvoice\n")
        let inCluster = try scene.load()
        #expect(inCluster.server == "https://10.43.0.1:443")
        #expect(inCluster.source == "in-cluster")
        #expect(inCluster.namespace == "penvoice")
        #expect(inCluster.certificateAuthority == Data("cluster CA\n".utf8))
        #expect(try inCluster.credentials.bearerToken() == "sa-token-1")
        // The token is read at each use: a rotated one is picked up.
        _ = try scene.file("serviceaccount/token", "sa-token-2\n")
        #expect(try inCluster.credentials.bearerToken() == "sa-token-2")
        scene.environment.variables["POD_NAMESPACE"] = "from-env"
        #expect(try scene.load().namespace == "from-env")
        #expect(scene.loadError(context: "x") == "context \"x\" not found: no kubeconfig file, only the pod's service account")

        _ = try scene.file("k3s/k3s.yaml", minimal.replacingOccurrences(of: "SERVER", with: "k3s"))
        #expect(try scene.load().server == "https://k3s:6443")
        #expect(try scene.load().source == scene.child("k3s/k3s.yaml"))

        _ = try scene.file("home/.kube/config", minimal.replacingOccurrences(of: "SERVER", with: "home"))
        #expect(try scene.load().server == "https://home:6443")
        #expect(try scene.load().source == "~/.kube/config")
    }

    @Test func inClusterUsesIPv6BracketsAndDefaultNamespace() throws {
        let scene = try KubeScene(["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"])
        _ = try scene.file("serviceaccount/token", "t")
        let configuration = try scene.load()
        #expect(configuration.server == "https://[fd00::1]:6443")
        #expect(configuration.namespace == "default")
        #expect(configuration.certificateAuthority == nil)
    }

    @Test func nothingToReadIsOneClearError() throws {
        let scene = try KubeScene()
        #expect(scene.loadError() == "no kubeconfig: ~/.kube/config, \(scene.child("k3s/k3s.yaml")) not found, and not in a pod "
            + "(KUBERNETES_SERVICE_HOST is not set); give --kubeconfig or set KUBECONFIG")
        // KUBECONFIG replaces the home file: when none of its files exists, ~/.kube/config is not read.
        _ = try scene.file("home/.kube/config", minimal)
        scene.environment.variables["KUBECONFIG"] = "gone.yaml::gone.yaml"
        #expect(scene.loadError() == "no kubeconfig: \(scene.child("work/gone.yaml")) not found, and not in a pod "
            + "(KUBERNETES_SERVICE_HOST is not set); give --kubeconfig or set KUBECONFIG")
    }

    // MARK: Auth forms

    @Test func everyAuthForm() throws {
        let scene = try KubeScene()
        let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        let key = "-----BEGIN EC PRIVATE KEY-----\nk3y-5ecret\n-----END EC PRIVATE KEY-----\n"
        _ = try scene.file("home/.kube/keys/c.key", key)
        _ = try scene.file("home/.kube/token", " file-token-5ecret \n")
        _ = try scene.file("home/.kube/config", """
            current-context: data
            clusters:
            - name: k
              cluster:
                server: https://k:6443
                certificate-authority-data: \(Data(certificate.utf8).base64EncodedString())
                insecure-skip-tls-verify: true
            users:
            - name: data
              user:
                client-certificate-data: \(Data(certificate.utf8).base64EncodedString())
                client-key-data: \(Data(key.utf8).base64EncodedString())
            - name: files
              user: {client-certificate-data: \(Data(certificate.utf8).base64EncodedString()), client-key: keys/c.key}
            - name: token
              user: {token: tok-5ecret}
            - name: tokenFile
              user: {tokenFile: token, token: ignored-5ecret}
            - name: basic
              user: {username: ops, password: pw-5ecret}
            contexts:
            - {name: data, context: {cluster: k, user: data, namespace: ns}}
            - {name: files, context: {cluster: k, user: files}}
            - {name: token, context: {cluster: k, user: token}}
            - {name: tokenFile, context: {cluster: k, user: tokenFile}}
            - {name: basic, context: {cluster: k, user: basic}}

            """)
        let data = try scene.load()
        #expect(data.certificateAuthority == Data(certificate.utf8))
        #expect(data.insecureSkipTLSVerify)
        #expect(data.credentials.clientCertificate == Data(certificate.utf8))
        #expect(data.credentials.clientKey == Data(key.utf8))
        #expect(data.namespace == "ns")
        #expect(try scene.load(context: "files").credentials.clientKey == Data(key.utf8))
        #expect(try scene.load(context: "token").credentials.bearerToken() == "tok-5ecret")
        #expect(try scene.load(context: "tokenFile").credentials.bearerToken() == "file-token-5ecret")
        let basic = try scene.load(context: "basic").credentials
        #expect(basic.username == "ops" && basic.password == "pw-5ecret")

        var descriptions: [String] = []
        for context in ["data", "files", "token", "tokenFile", "basic"] {
            let configuration = try scene.load(context: context)
            descriptions += ["\(configuration)", String(reflecting: configuration.credentials)]
        }
        let merged = try #require(try KubeconfigLoader.merged(kubeconfig: nil, environment: scene.environment))
        descriptions += merged.users.values.map { "\($0.value)" }
        for text in descriptions {
            #expect(!text.contains("5ecret"), "\(text)")
            #expect(!text.contains(Data(key.utf8).base64EncodedString()), "\(text)")
        }
        #expect("\(basic)" == "KubeCredentials(basic: ops:<redacted>)")
    }

    @Test func conflictingAuthFormsAreRefusedAsKubectlRefusesThem() throws {
        let scene = try KubeScene()
        _ = try scene.file("home/.kube/config", """
            clusters:
            - {name: k, cluster: {server: https://k}}
            users:
            - name: both
              user: {token: t, username: u, password: p}
            - name: half
              user: {client-certificate-data: YQ==}
            contexts:
            - {name: both, context: {cluster: k, user: both}}
            - {name: half, context: {cluster: k, user: half}}

            """)
        #expect(scene.loadError(context: "both")
            == "~/.kube/config:4:3: user \"both\": more than one authentication method (token and basic auth); use one")
        #expect(scene.loadError(context: "half")
            == "~/.kube/config:6:3: user \"half\": a client certificate needs its key, and a key its certificate")
    }

    // MARK: Errors

    @Test(arguments: [
        ("clusters:\n- name: k\n  cluster:\n    server: [a]\n", "~/.kube/config:4:13: clusters[0].cluster.server: not a string"),
        ("users:\n- name: u\n  user:\n    client-key-data: '!!'\n", "~/.kube/config:4:22: users[0].user.client-key-data: not base64"),
        ("clusters: {}\n", "~/.kube/config:1:11: clusters: not a list"),
        ("clusters:\n- cluster: {}\n", "~/.kube/config:2:3: clusters[0]: has no name"),
        ("contexts:\n- name: a\n- name: a\n", "~/.kube/config:3:3: contexts[1]: context \"a\" already defined at line 2"),
        ("clusters:\n- name: k\n  cluster: {insecure-skip-tls-verify: maybe}\n",
         "~/.kube/config:3:39: clusters[0].cluster.insecure-skip-tls-verify: not a boolean (true or false)"),
        ("users:\n- name: u\n  user:\n    exec: {apiVersion: x}\n", "~/.kube/config:4:11: users[0].user.exec.command: missing"),
        ("users:\n- name: u\n  user:\n    exec: {command: x, interactiveMode: Sometimes}\n",
         "~/.kube/config:4:41: users[0].user.exec.interactiveMode: \"Sometimes\" is not Never, IfAvailable or Always"),
        ("current-context: a\nkind: Config: x\n", "~/.kube/config:2:13: mapping values are not allowed in this context"),
        ("clusters: []\n", "no context: current-context is not set in ~/.kube/config and no --context was given"),
    ])
    func fileErrorsNameTheFileThePositionAndTheField(text: String, message: String) throws {
        let scene = try KubeScene()
        _ = try scene.file("home/.kube/config", text)
        #expect(scene.loadError() == message)
    }

    @Test func missingReferencesNameTheContextAndTheFiles() throws {
        let scene = try KubeScene()
        _ = try scene.file("home/.kube/config", """
            clusters:
            - name: k
              cluster: {server: https://k}
            - name: empty
              cluster: {}
            contexts:
            - {name: prod, context: {cluster: k, user: admin}}
            - {name: lost, context: {cluster: gone}}
            - {name: bare, context: {cluster: empty}}
            - {name: nocluster, context: {}}

            """)
        #expect(scene.loadError(context: "prod") == "context \"prod\": user \"admin\" not found in ~/.kube/config")
        #expect(scene.loadError(context: "lost") == "context \"lost\": cluster \"gone\" not found in ~/.kube/config")
        #expect(scene.loadError(context: "bare") == "~/.kube/config:4:3: cluster \"empty\": no server")
        #expect(scene.loadError(context: "nocluster") == "~/.kube/config:10:3: context \"nocluster\": no cluster")
        #expect(scene.loadError(context: "nope") == "context \"nope\" not found in ~/.kube/config")
        _ = try scene.file("second", "contexts:\n- {name: other, context: {cluster: k, user: u}}\n")
        scene.environment.variables["KUBECONFIG"] = scene.child("home/.kube/config") + ":" + scene.child("second")
        #expect(scene.loadError(context: "other") == "context \"other\": user \"u\" not found in ~/.kube/config, \(scene.child("second"))")
    }

    @Test func unreadableFilesAreNamed() throws {
        let scene = try KubeScene()
        _ = try scene.file("home/.kube/config", """
            current-context: c
            clusters:
            - {name: k, cluster: {server: https://k, certificate-authority: missing-ca.crt}}
            contexts:
            - {name: c, context: {cluster: k}}

            """)
        #expect(scene.loadError() == "cluster \"k\": certificate-authority \(scene.child("home/.kube/missing-ca.crt")): No such file or directory")
    }
}
