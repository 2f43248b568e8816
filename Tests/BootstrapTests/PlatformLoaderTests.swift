import Bootstrap
import Foundation
import Testing
import TestSupport

/// `platform.yaml` as the loader reads it, and every kind of mistake it reports, all at once.
@Suite struct PlatformLoaderTests {
    private func problems(_ text: String) -> [String] {
        do {
            _ = try PlatformLoader(path: "platform.yaml").parse(text)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func readsEveryField() throws {
        let file = try PlatformLoader(path: "site/platform.yaml").parse("""
            k3s:
              version: v1.31.4+k3s1
              installer: {url: "https://mirror.example/k3s-install.sh", sha256: "\(String(repeating: "AB", count: 32))"}
              exec: [--write-kubeconfig-mode, "644", --tls-san, ultron]
              disable: [traefik, servicelb]
              images: [images/k3s-airgap.tar.zst, /srv/extra.tar]
              binary: bin/k3s
            firewall: {open: [80, 443], private: [6443]}
            charts:
              - name: base
                repo: oci://registry.example/charts
                chart: base
                version: 1.0.0
                namespace: base
                values: values/base.yaml
              - name: app
                repo: https://charts.example
                chart: app-chart
                version: "2.3.4"
                namespace: apps
                values: {replicas: 2, nested: {on: true}}
                needs: [base]
                timeout: 1h30m
            manifests:
              - files: [issuers.yaml]
                needs: [base]
            gitops:
              url: https://git.example/ops.git
              username: {file: creds/user}
              password: {env: GITOPS_PAT}
              rootApp: {file: root-app.yaml}
            secrets: secrets.yaml
            keycloak: {realmImport: realm.yaml}
            verify:
              applications: {namespace: cd, names: [root, web]}
              probes:
                - url: https://web.example/health
                  accept: "^(200|301)$"
                  host: web.internal
                  timeout: 90s
                - url: http://127.0.0.1:8080/
                  accept: [200, 204]
                - url: https://defaults.example/
            """)
        let k3s = try #require(file.k3s)
        #expect(k3s.version == "v1.31.4+k3s1")
        #expect(k3s.installerURL == "https://mirror.example/k3s-install.sh")
        #expect(k3s.installerSHA256 == String(repeating: "ab", count: 32))
        #expect(k3s.exec == ["--write-kubeconfig-mode", "644", "--tls-san", "ultron"])
        #expect(k3s.disable == ["traefik", "servicelb"])
        #expect(k3s.images == ["site/images/k3s-airgap.tar.zst", "/srv/extra.tar"])
        #expect(k3s.binary == "site/bin/k3s")
        #expect(file.firewall?.open == [80, 443])
        #expect(file.firewall?.private == [6443])
        #expect(file.charts.map(\.name) == ["base", "app"])
        let base = file.charts[0], app = file.charts[1]
        #expect(base.repo == "oci://registry.example/charts")
        #expect(base.timeout == PlatformChart.defaultTimeout)
        guard case .file(let valuesFile) = base.values else { Issue.record("base: values are not a file"); return }
        #expect(valuesFile == "site/values/base.yaml")
        #expect(app.chart == "app-chart")
        #expect(app.version == "2.3.4")
        #expect(app.namespace == "apps")
        #expect(app.needs == ["base"])
        #expect(app.timeout == 5400)
        guard case .inline(let values) = app.values else { Issue.record("app: values are not inline"); return }
        #expect(values.mapping?.map { $0.key.scalar } == ["replicas", "nested"])
        #expect(file.manifests.map(\.files) == [["site/issuers.yaml"]])
        #expect(file.manifests.map(\.needs) == [["base"]])
        let gitops = try #require(file.gitops)
        #expect(gitops.url == "https://git.example/ops.git")
        #expect(gitops.username == .file("site/creds/user"))
        #expect(gitops.password == .env("GITOPS_PAT"))
        #expect(gitops.rootApp == .file("site/root-app.yaml"))
        #expect(file.secrets == "site/secrets.yaml")
        #expect(file.keycloak?.realmImport == "site/realm.yaml")
        let verify = try #require(file.verify)
        #expect(verify.applicationsNamespace == "cd")
        #expect(verify.applications == ["root", "web"])
        #expect(verify.probes.map(\.url) == ["https://web.example/health", "http://127.0.0.1:8080/", "https://defaults.example/"])
        #expect(verify.probes.map(\.accept) == [.pattern("^(200|301)$"), .codes([200, 204]), .codes([200])])
        #expect(verify.probes.map(\.host) == ["web.internal", nil, nil])
        #expect(verify.probes.map(\.timeout) == [90, PlatformProbe.defaultTimeout, PlatformProbe.defaultTimeout])
    }

    @Test func defaultsAndTheRepositoryRootApp() throws {
        let file = try PlatformLoader(path: "platform.yaml").parse("""
            k3s: {version: v1.30.0+k3s1}
            gitops: {url: "https://git.example/ops.git", rootApp: {path: bootstrap/root-app.yaml}}
            """)
        #expect(file.k3s?.installerURL == "https://get.k3s.io")
        #expect(file.k3s?.installerSHA256 == nil)
        #expect(file.k3s?.disable == [])
        #expect(file.gitops?.rootApp == .repository("bootstrap/root-app.yaml"))
        #expect(file.gitops?.username == nil)
        #expect(file.charts.isEmpty && file.manifests.isEmpty && file.verify == nil && file.secrets == nil)
    }

    @Test func reportsEveryProblemAtOnceWithoutValues() {
        let found = problems("""
            k3s:
              version: latest
              installer: {url: "ftp://x", sha256: "s3cr3t"}
              flags: [--oops]
            firewall: {open: [80, 0, 70000], private: [six]}
            charts:
              - name: web
                repo: https://charts.example
                chart: web
                version: 1.0.0
                namespace: apps
                needs: [db, missing]
                timeout: 5 minutes
                colour: blue
              - name: web
                repo: https://charts.example
                chart: web
                version: ""
                namespace: Apps
              - repo: notaurl
                chart: x
                version: ">=1.0"
            manifests:
              - files: [a.yaml]
                needs: [nope]
              - {needs: []}
            gitops:
              url: https://git.example/ops.git
              password: {env: "ghp_abc-def"}
              rootApp: {path: a, file: b}
            keycloak: {}
            verify:
              applications: {names: [root], extra: 1}
              probes:
                - url: https://ok.example/
                  accept: [200, 999]
                  timeout: 10x
                - url: https://ok.example/
                  accept: "(unclosed"
                - accept: [200]
            extra: true
            """)
        #expect(found == [
            "platform.yaml:2:12: k3s.version: not a pinned version; name one release (a version like 1.2.3)",
            "platform.yaml:3:20: k3s.installer.url: expected an http or https URL",
            "platform.yaml:3:39: k3s.installer.sha256: expected 64 hexadecimal digits",
            "platform.yaml:4:3: k3s: unknown field \"flags\"",
            "platform.yaml:5:23: firewall.open: expected a port number from 1 to 65535",
            "platform.yaml:5:26: firewall.open: expected a port number from 1 to 65535",
            "platform.yaml:5:44: firewall.private: expected a port number from 1 to 65535",
            "platform.yaml:12:13: charts[0].needs: no chart named \"db\"",
            "platform.yaml:12:17: charts[0].needs: no chart named \"missing\"",
            "platform.yaml:13:14: charts[0].timeout: expected a duration like 90s, 5m or 1h30m",
            "platform.yaml:14:5: charts[0]: unknown field \"colour\"",
            "platform.yaml:18:14: charts[1].version: empty; name one release (a version like 1.2.3)",
            "platform.yaml:19:16: charts[1].namespace: not a valid namespace name",
            "platform.yaml:20:5: charts[2]: missing field \"name\"",
            "platform.yaml:20:5: charts[2]: missing field \"namespace\"",
            "platform.yaml:20:11: charts[2].repo: expected an http, https or oci:// URL",
            "platform.yaml:22:14: charts[2].version: not a pinned version; name one release (a version like 1.2.3)",
            "platform.yaml:25:13: manifests[0].needs: no chart named \"nope\"",
            "platform.yaml:26:5: manifests[1]: missing field \"files\"",
            "platform.yaml:29:19: gitops.password.env: not an environment variable name (letters, digits and '_', not starting with a digit)",
            "platform.yaml:30:12: gitops.rootApp: give exactly one of path (in the repository) or file (local)",
            "platform.yaml:31:11: keycloak: missing field \"realmImport\"",
            "platform.yaml:33:33: verify.applications: unknown field \"extra\"",
            "platform.yaml:36:21: verify.probes[0].accept: expected HTTP status codes (100-599)",
            "platform.yaml:37:16: verify.probes[0].timeout: expected a duration like 90s, 5m or 1h30m",
            "platform.yaml:39:15: verify.probes[1].accept: not a valid regular expression",
            "platform.yaml:40:7: verify.probes[2]: missing field \"url\"",
            "platform.yaml:41:1: platform: unknown field \"extra\"",
        ])
        // The duplicate second `web` is not in the list above because its namespace is invalid
        // first; no value of the file (the fake token, the hash, the bad URL) appears anywhere.
        for secret in ["ghp_abc", "s3cr3t", "ftp://", "notaurl", "5 minutes", "(unclosed", "latest", ">=1.0"] {
            #expect(!found.joined().contains(secret), "a message echoes \(secret)")
        }
    }

    @Test func duplicateChartNames() {
        #expect(problems("""
            charts:
              - {name: a, repo: "https://c.example", chart: a, version: 1.0.0, namespace: a}
              - {name: a, repo: "https://c.example", chart: a, version: 1.0.1, namespace: a}
            """) == ["platform.yaml:3:5: charts[1].name: duplicate chart \"a\", first at line 2"])
    }

    @Test func reportsADependencyCycle() {
        #expect(problems("""
            charts:
              - {name: a, repo: "https://c.example", chart: a, version: 1.0.0, namespace: x, needs: [c]}
              - {name: b, repo: "https://c.example", chart: b, version: 1.0.0, namespace: x, needs: [a]}
              - {name: c, repo: "https://c.example", chart: c, version: 1.0.0, namespace: x, needs: [b]}
              - {name: d, repo: "https://c.example", chart: d, version: 1.0.0, namespace: x, needs: [d]}
              - {name: e, repo: "https://c.example", chart: e, version: 1.0.0, namespace: x, needs: [a, d]}
            """) == [
                "platform.yaml:2:5: charts[0].needs: dependency cycle a -> c -> b -> a",
                "platform.yaml:5:5: charts[3].needs: dependency cycle d -> d",
            ])
    }

    @Test(arguments: [("5m", 300), ("300s", 300), ("1h30m", 5400), ("2h", 7200), ("1m30s", 90)])
    func durations(written: String, seconds: Int) throws {
        let file = try PlatformLoader(path: "platform.yaml").parse("""
            verify: {probes: [{url: "https://a.example/", timeout: \(written)}]}
            """)
        #expect(file.verify?.probes.first?.timeout == seconds)
    }

    @Test(arguments: ["0s", "300", "m5", "5m5m", "30s1m", "5 m", "1d", "-5m"])
    func badDurations(written: String) {
        #expect(problems("verify: {probes: [{url: \"https://a.example/\", timeout: \"\(written)\"}]}") == [
            "platform.yaml:1:56: verify.probes[0].timeout: expected a duration like 90s, 5m or 1h30m",
        ])
    }

    @Test func syntaxErrorsAndEmptyFiles() {
        #expect(problems("k3s: [unclosed\n").count == 1)
        #expect(problems("") == ["platform.yaml:1:1: the file is empty"])
        #expect(problems("- a\n") == ["platform.yaml:1:1: platform: expected a mapping"])
    }

    @Test func loadsBothExamples() throws {
        let ultron = try PlatformLoader(path: packageRoot + "/examples/ultron/platform.yaml").load()
        #expect(ultron.k3s?.exec == ["--write-kubeconfig-mode", "644", "--tls-san", "100.101.102.103", "--tls-san", "ultron"])
        #expect(ultron.k3s?.disable == [])
        #expect(ultron.charts.map(\.name) == ["cert-manager", "kube-prometheus-stack", "argo-cd", "argo-rollouts", "argo-workflows", "argo-events"])
        #expect(ultron.gitops?.rootApp == .repository("bootstrap/root-app.yaml"))
        #expect(ultron.gitops?.password == .env("GITOPS_PAT"))
        #expect(ultron.verify?.probes.first?.accept == .pattern("^(200|301|302|307|308)$"))
        let edp = try PlatformLoader(path: packageRoot + "/examples/edp/platform.yaml").load()
        #expect(edp.charts.last?.needs == ["cert-manager", "ingress-nginx"])
        // Every local file the examples name is there.
        for file in [ultron, edp] {
            let paths = file.manifests.flatMap(\.files) + [file.secrets, file.keycloak?.realmImport].compactMap { $0 }
            for path in paths { #expect(FileManager.default.fileExists(atPath: path), "\(path) is missing") }
        }
    }
}
