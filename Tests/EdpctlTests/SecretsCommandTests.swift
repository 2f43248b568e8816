import Foundation
import Testing
import TestSupport

// `edpctl secrets recreate | check | list`, the built binary against the fake Kubernetes API server
// (Tests/Support/fake-kube-apiserver.py) over HTTPS. Every run's output is searched for the values
// used and their base64, which must never appear.

@Suite struct SecretsCommandTests {
    let server: FakeKubeServer
    let scratch: Scratch
    /// The variables the file's `env` keys read: values with the characters that trip people up.
    let values: [String: String]

    static let file = """
        secrets:
          - name: alpha
            namespace: apps
            createNamespace: true
            keys:
              password: {env: ALPHA_PASSWORD}
              user: {literal: alpha-user}
          - name: beta
            keys:
              token: {env: BETA_TOKEN}
          - name: gamma
            namespace: apps
            keys:
              token: {env: GAMMA_TOKEN}
              session: {generate: {length: 32}}
          - name: delta
            namespace: apps
            keys:
              password: {env: DELTA_PASSWORD}
              uri:
                template: "postgresql://app:<<< key \\"password\\" | urlencode >>>@db:5432/app"

        """

    static let names = ["alpha", "beta", "gamma", "delta"]

    init() throws {
        server = try FakeKubeServer()
        scratch = try Scratch(["secrets.yaml": Self.file])
        func value(_ tag: String) -> String { "\(tag)+/=" + UUID().uuidString.lowercased() + "@:?" }
        values = ["ALPHA_PASSWORD": value("a"), "BETA_TOKEN": value("b"), "GAMMA_TOKEN": value("g"),
                  "DELTA_PASSWORD": value("d")]
    }

    /// Runs `edpctl secrets SUBCOMMAND -f secrets.yaml --kubeconfig … --namespace apps …` with
    /// `values` (changed by `environment`) and checks that its output holds no value.
    @discardableResult
    func edpctl(_ arguments: String..., environment: [String: String?] = [:]) throws -> Edpctl.Result {
        var variables = values
        for (name, value) in environment { variables[name] = value }
        variables["HOME"] = scratch.path
        let result = try Edpctl.run(["secrets"] + arguments + ["-f", "secrets.yaml", "--kubeconfig", server.kubeconfigPath,
                                                               "--namespace", "apps"],
                                    in: scratch.path, environment: variables)
        try expectNoValue(in: result.stdout + result.stderr, extra: Array(variables.values))
        return result
    }

    /// No value used (nor one the cluster holds), raw or in base64, appears in `text`.
    func expectNoValue(in text: String, extra: [String] = []) throws {
        var secrets = Set(values.values).union(extra.filter { $0.count >= 8 })
        for name in Self.names {
            for value in try data(name)?.values.map({ $0 }) ?? [] where value.count >= 8 { secrets.insert(value) }
        }
        // Booleans, so that a failure's message does not quote the text with the value in it.
        for secret in secrets {
            let printed = text.contains(secret)
            let printedBase64 = text.contains(Data(secret.utf8).base64EncodedString())
            #expect(!printed, "a value was printed")
            #expect(!printedBase64, "a value's base64 was printed")
        }
    }

    /// The decoded data of Secret apps/NAME as the fake stores it; nil when there is none.
    func data(_ name: String) throws -> [String: String]? {
        guard let object = try server.object(at: "/api/v1/namespaces/apps/secrets/\(name)") else { return nil }
        return (object["data"] as? [String: String] ?? [:])
            .mapValues { String(decoding: Data(base64Encoded: $0) ?? Data(), as: UTF8.self) }
    }

    func resourceVersion(_ name: String) throws -> String? {
        let object = try server.object(at: "/api/v1/namespaces/apps/secrets/\(name)")
        return (object?["metadata"] as? [String: Any])?["resourceVersion"] as? String
    }

    /// Requests that wrote (create, update, patch, delete) since the last reset.
    func writes() throws -> [String] {
        try server.requests().filter { ["create", "update", "patch", "delete"].contains($0.verb) }.map { "\($0.method) \($0.path)" }
    }

    static func urlEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }

    @Test func recreateCreatesEverySecretAndASecondRunChangesNothing() throws {
        let first = try edpctl("recreate")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try server.object(at: "/api/v1/namespaces/apps") != nil)
        #expect(try data("alpha") == ["password": values["ALPHA_PASSWORD"]!, "user": "alpha-user"])
        #expect(try data("beta") == ["token": values["BETA_TOKEN"]!])
        let gamma = try #require(try data("gamma"))
        #expect(gamma["token"] == values["GAMMA_TOKEN"])
        #expect(gamma["session"]?.count == 32)
        #expect(try data("delta") == ["password": values["DELTA_PASSWORD"]!,
                                      "uri": "postgresql://app:\(Self.urlEncoded(values["DELTA_PASSWORD"]!))@db:5432/app"])
        #expect(try writes().allSatisfy { $0.hasPrefix("PATCH ") })
        for name in Self.names { #expect(first.stderr.contains("done  apps/\(name)"), "\(first.stderr)") }

        try server.reset()
        let second = try edpctl("recreate", "--output", "json")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try writes() == [])
        let events = second.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let plan = try #require(events.first { $0["event"] as? String == "plan" })
        #expect(plan["changes"] as? Int == 0)
        let result = try #require(events.first { $0["event"] as? String == "result" })
        #expect((result["done"] as? [String]) == [])
        #expect(try data("gamma")?["session"] == gamma["session"], "a generated value is made once")
    }

    @Test func checkExitsTwoWhenAValueChangesAndUpdateBringsItBack() throws {
        #expect(try edpctl("check").status == 2)
        #expect(try edpctl("recreate").status == 0)
        let clean = try edpctl("check")
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")

        let changed = "b-changed+/=" + UUID().uuidString
        let drift = try edpctl("check", environment: ["BETA_TOKEN": changed])
        #expect(drift.status == 2)
        #expect(drift.stdout.contains("differs  apps/beta"), "\(drift.stdout)")
        #expect(!drift.stdout.contains("apps/alpha"))

        #expect(try edpctl("recreate", environment: ["BETA_TOKEN": changed]).status == 0)
        #expect(try data("beta")?["token"] == values["BETA_TOKEN"], "without --update an existing Secret is kept")
        try server.reset()
        #expect(try edpctl("recreate", "--update", environment: ["BETA_TOKEN": changed]).status == 0)
        #expect(try data("beta")?["token"] == changed)
        #expect(try writes() == ["PATCH /api/v1/namespaces/apps/secrets/beta"])
        #expect(try edpctl("check", environment: ["BETA_TOKEN": changed]).status == 0)
    }

    @Test func rotateMakesOnlyTheNamedGeneratedKeyAnew() throws {
        #expect(try edpctl("recreate").status == 0)
        let before = try #require(try data("gamma"))
        try server.reset()
        let rotated = try edpctl("recreate", "--rotate", "apps/gamma/session")
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let after = try #require(try data("gamma"))
        #expect(after["session"] != before["session"] && after["session"]?.count == 32)
        #expect(after["token"] == before["token"])
        #expect(try writes() == ["PATCH /api/v1/namespaces/apps/secrets/gamma"])
        let wrong = try edpctl("recreate", "--rotate", "apps/gamma/token")
        #expect(wrong.status == 1 && wrong.stderr.contains("only generated keys rotate"), "\(wrong.stderr)")
    }

    @Test func updateReplacesAValueAnotherFieldManagerSet() throws {
        #expect(try edpctl("recreate").status == 0)
        // beta as an operator would have typed it in: `kubectl create` owns its token now.
        try scratch.write("client.pem", server.clientCertificatePEM)
        try scratch.write("client-key.pem", server.clientKeyPEM, mode: 0o600)
        let body = #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"beta","namespace":"apps"},"data":{"token":"aGFuZA=="}}"#
        try runProgram("/usr/bin/env", ["python3", "-c", """
            sys, ssl, http = __import__("sys"), __import__("ssl"), __import__("http.client")
            tls = ssl.create_default_context(cafile=sys.argv[1]); tls.load_cert_chain("client.pem", "client-key.pem")
            c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=tls)
            c.request("DELETE", "/api/v1/namespaces/apps/secrets/beta"); c.getresponse().read()
            c.request("POST", "/api/v1/namespaces/apps/secrets?fieldManager=kubectl-create", body=sys.argv[3],
                      headers={"Content-Type": "application/json"})
            r = c.getresponse(); r.read(); sys.exit(0 if r.status == 201 else r.status)
            """, server.folder.child("ca.pem"), String(server.port), body], in: scratch.path)
        #expect(try data("beta")?["token"] == "hand")
        #expect(try edpctl("check").status == 2)
        let update = try edpctl("recreate", "--update")
        #expect(update.status == 0, "\(update.stderr)")
        #expect(try data("beta")?["token"] == values["BETA_TOKEN"])
    }

    @Test func listShowsKeysSourcesAndWhetherEachExists() throws {
        let before = try edpctl("list")
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("apps/alpha  Opaque  missing"), "\(before.stdout)")
        #expect(before.stdout.contains("  password  env\n  user  literal"), "\(before.stdout)")
        #expect(before.stdout.contains("  session  generate"))
        #expect(before.stdout.contains("  uri  template"))
        #expect(try edpctl("recreate").status == 0)
        let after = try edpctl("list", "--output", "json")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])
        let secrets = try #require(event["secrets"] as? [[String: Any]])
        #expect(secrets.map { $0["secret"] as? String } == Self.names.map { "apps/\($0)" })
        #expect(secrets.allSatisfy { $0["exists"] as? Bool == true })
    }

    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        try server.reset()
        let result = try edpctl("recreate", "--dry-run")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("create  apps/alpha  (and namespace apps)\n  password  env  new\n  user  literal  new"),
                "\(result.stdout)")
        #expect(result.stdout.contains("4 Secret(s) to write"))
        let counters = try server.counters()
        #expect(counters.requests["create"] == nil && counters.requests["patch"] == nil, "\(counters.requests)")
        #expect(try server.object(at: "/api/v1/namespaces/apps") == nil)
    }

    @Test func aFailureHalfWayReportsWhatWasDoneAndAReRunCompletesTheRest() throws {
        try server.inject(.errors(count: 50, code: 500), method: "PATCH", path: "/secrets/gamma")
        let failed = try edpctl("recreate")
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("done  apps/alpha\ndone  apps/beta\nfailed  apps/gamma\nnot attempted  apps/delta"),
                "\(failed.stderr)")
        #expect(failed.stderr.contains("apps/gamma: "), "\(failed.stderr)")
        #expect(try data("beta") != nil && data("gamma") == nil && data("delta") == nil)
        let alphaVersion = try resourceVersion("alpha")

        try server.clearFaults()
        try server.reset()
        let rerun = try edpctl("recreate")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try writes() == ["PATCH /api/v1/namespaces/apps/secrets/gamma", "PATCH /api/v1/namespaces/apps/secrets/delta"])
        #expect(try resourceVersion("alpha") == alphaVersion)
        #expect(try data("delta")?["password"] == values["DELTA_PASSWORD"])
    }

    @Test func aDroppedConnectionMidRunIsRetried() throws {
        try server.inject(.drop(count: 1), method: "PATCH", path: "/secrets/beta")
        let result = try edpctl("recreate")
        #expect(result.status == 0, "\(result.stderr)")
        for name in Self.names { #expect(try data(name) != nil) }
        let beta = try server.requests().filter { $0.method == "PATCH" && $0.path.hasSuffix("/secrets/beta") }.map(\.code)
        #expect(beta.count == 2 && beta.first == 0 && (200..<300).contains(beta.last ?? 0), "\(beta)")
    }

    @Test func everyMissingSourceIsReportedAtOnceAndNothingIsWritten() throws {
        let result = try edpctl("recreate", environment: ["BETA_TOKEN": nil, "GAMMA_TOKEN": nil])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        for name in ["BETA_TOKEN", "GAMMA_TOKEN"] {
            #expect(lines.contains { $0.hasPrefix("edpctl: secrets.yaml:") && $0.contains(name) }, "\(result.stderr)")
        }
        #expect(result.stderr.contains("nothing was applied"))
        let json = try edpctl("recreate", "--output", "json", environment: ["BETA_TOKEN": nil, "GAMMA_TOKEN": nil])
        let errors = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "error" }.compactMap { $0["message"] as? String }
        #expect(errors.count == 2 && errors[0].contains("BETA_TOKEN") && errors[1].contains("GAMMA_TOKEN"), "\(errors)")
        #expect(errors.allSatisfy { $0.hasPrefix("secrets.yaml:") })
        #expect(try writes() == [])
        #expect(try server.object(at: "/api/v1/namespaces/apps") == nil)
    }

    @Test func noValueIsPrintedByAnyCommandInAnyForm() throws {
        var transcript = ""
        // Generated values change with --rotate: every one the cluster held is searched for.
        var held: [String] = []
        func collect() throws { for name in Self.names { held += try data(name)?.values.map { $0 } ?? [] } }
        for format in ["human", "json"] {
            for arguments in [["list"], ["recreate", "--dry-run"], ["check"], ["recreate"], ["recreate"], ["check"], ["list"],
                              ["recreate", "--update", "--rotate", "apps/gamma/session"]] {
                let result = try Edpctl.run(["secrets"] + arguments + ["--output", format, "-f", "secrets.yaml",
                                                                       "--kubeconfig", server.kubeconfigPath, "--namespace", "apps"],
                                            in: scratch.path, environment: values.merging(["HOME": scratch.path]) { $1 })
                transcript += result.stdout + result.stderr
                try collect()
            }
            try server.inject(.errors(count: 50, code: 500), method: "PATCH", path: "/secrets/delta")
            let failing = try edpctl("recreate", "--update", "--output", format, environment: ["DELTA_PASSWORD": "x" + UUID().uuidString])
            transcript += failing.stdout + failing.stderr
            try server.clearFaults()
            let check = try edpctl("check", "--output", format, environment: ["GAMMA_TOKEN": "y" + UUID().uuidString])
            transcript += check.stdout + check.stderr
        }
        #expect(transcript.contains("apps/gamma"), "the runs printed something")
        try expectNoValue(in: transcript, extra: held)
    }
}
