import Foundation
import Template

/// Resolves every key of every Secret — sources first, then templates in the order their `key`
/// calls need, then every check — collecting each problem as a diagnostic at its key.
struct Resolver {
    let file: SecretsFile
    let environment: [String: String]
    /// Reads existing Secrets once each, for the plan and for `fromSecret`.
    let cluster: ClusterReader
    /// Keys whose generated value is made anew even though the Secret has one.
    let rotate: Set<RotateTarget>
    private(set) var diagnostics: [Diagnostic] = []
    /// The file's Secrets by `namespace/name`: `fromSecret` reads one of them from the file (as this
    /// run will write it), not from the cluster.
    private let inFile: [String: SecretSpec]
    /// The values of the file's Secrets resolved so far, by `namespace/name`.
    private var resolved: [String: [String: SecretValue]] = [:]

    init(file: SecretsFile, environment: [String: String], cluster: ClusterReader, rotate: Set<RotateTarget>) {
        self.file = file
        self.environment = environment
        self.cluster = cluster
        self.rotate = rotate
        inFile = Dictionary(file.secrets.map { ($0.reference, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private mutating func problem(_ mark: Mark, _ secret: SecretSpec, _ key: String?, _ message: String) {
        let subject = key.map { "\(secret.reference)/\($0)" } ?? secret.reference
        let about = key.map { "\(secret.reference): key \(quoted($0))" } ?? secret.reference
        diagnostics.append(Diagnostic(file: file.path, line: mark.line, column: mark.column,
                                      message: "\(about): \(message)", subject: subject))
    }

    /// The value of each key that resolved and passed its checks, by key name.
    mutating func resolve(_ secret: SecretSpec, existing: ExistingSecret?) -> [String: SecretValue] {
        var values: [String: SecretValue] = [:]
        var failed: Set<String> = []
        var templates: [KeySpec] = []
        for key in secret.keys {
            if case .template = key.source.source {
                templates.append(key)
            } else if let value = value(of: key.source, at: key.mark, key: key, secret: secret, existing: existing) {
                values[key.name] = value
            } else {
                failed.insert(key.name)
            }
        }
        renderTemplates(templates, secret: secret, values: &values, failed: &failed)
        for key in secret.keys {
            guard let value = values[key.name] else { continue }
            let problems = key.checks.problems(value)
            for message in problems { problem(key.mark, secret, key.name, message) }
            if !problems.isEmpty { values[key.name] = nil }
        }
        resolved[secret.reference] = values
        return values
    }

    /// Problems are placed at `mark`: the key's, or for a part of a `dockerconfigjson` the part's.
    private mutating func value(of spec: SourceSpec, at mark: Mark, key: KeySpec, secret: SecretSpec,
                                existing: ExistingSecret?) -> SecretValue? {
        switch spec.source {
        case .env(let name):
            guard let text = environment[name] else {
                problem(mark, secret, key.name, "environment variable \(name) is not set")
                return nil
            }
            guard !text.isEmpty else {
                problem(mark, secret, key.name, "environment variable \(name) is empty")
                return nil
            }
            return SecretValue(text)
        case .file(let written, let path):
            let bytes: [UInt8]
            switch readFile(path) {
            case .success(let read): bytes = read
            case .failure(let failure):
                problem(mark, secret, key.name, "cannot read file \(quoted(written)): \(failure)")
                return nil
            }
            guard !bytes.isEmpty else {
                problem(mark, secret, key.name, "file \(quoted(written)) is empty")
                return nil
            }
            return SecretValue(bytes)
        case .generate(let generate):
            let target = RotateTarget(namespace: secret.namespace, name: secret.name, key: key.name)
            // A generated value is made once: after that the cluster's copy is the value.
            if let kept = existing?.data[key.name], !rotate.contains(target) { return kept }
            return Generator.value(generate)
        case .fromSecret(let reference):
            let namespace = reference.namespace.isEmpty ? secret.namespace : reference.namespace
            if let spec = inFile["\(namespace)/\(reference.name)"] {
                return fileValue(reference.key, of: spec, at: mark, key: key, secret: secret)
            }
            let other: ExistingSecret?
            do {
                other = try cluster.secret(namespace: namespace, name: reference.name)
            } catch {
                problem(mark, secret, key.name, "cannot read Secret \(namespace)/\(reference.name): \(error)")
                return nil
            }
            guard let other else {
                problem(mark, secret, key.name, "Secret \(namespace)/\(reference.name) not found")
                return nil
            }
            guard let value = other.data[reference.key] else {
                problem(mark, secret, key.name, "Secret \(namespace)/\(reference.name) has no key \(quoted(reference.key))")
                return nil
            }
            return value
        case .literal(let text):
            return SecretValue(text)
        case .template:
            preconditionFailure("templates are rendered after the other sources")
        case .dockerConfigJSON(let registrySpec, let usernameSpec, let passwordSpec):
            let parts = [registrySpec, usernameSpec, passwordSpec].map { value(of: $0, at: $0.mark, key: key, secret: secret, existing: existing) }
            guard let registry = parts[0]?.text, let username = parts[1]?.text, let password = parts[2]?.text else {
                for (index, part) in parts.enumerated() where part != nil && part?.text == nil {
                    let mark = [registrySpec, usernameSpec, passwordSpec][index].mark
                    problem(mark, secret, key.name, "the \(["registry", "username", "password"][index]) is not UTF-8 text")
                }
                return nil
            }
            return SecretValue(DockerConfig.json(registry: registry, username: username, password: password))
        }
    }

    /// A key of another Secret of the file, as resolved earlier in this run.
    private mutating func fileValue(_ name: String, of other: SecretSpec, at mark: Mark, key: KeySpec,
                                    secret: SecretSpec) -> SecretValue? {
        guard other.reference != secret.reference else {
            problem(mark, secret, key.name, "fromSecret names this same Secret; a template with key \(quoted(name)) reads its own keys")
            return nil
        }
        guard other.keys.contains(where: { $0.name == name }) else {
            problem(mark, secret, key.name, "Secret \(other.reference) of this file has no key \(quoted(name))")
            return nil
        }
        guard let values = resolved[other.reference] else {
            problem(mark, secret, key.name, "Secret \(other.reference) comes later in the file; list it before the Secrets that read it")
            return nil
        }
        // nil when that key failed: its own problem is reported already.
        return values[name]
    }

    // MARK: Templates

    /// Renders templates in rounds: a template that asks (through `key`) for another template not
    /// rendered yet waits for the next round; when a round renders none, the ones left wait on each
    /// other, a cycle.
    private mutating func renderTemplates(_ keys: [KeySpec], secret: SecretSpec, values: inout [String: SecretValue],
                                          failed: inout Set<String>) {
        var pending = keys
        var waitsOn: [String: String] = [:]
        while !pending.isEmpty {
            var next: [KeySpec] = []
            for key in pending {
                guard case .template(let text) = key.source.source else { continue }
                let pendingNames = Set(pending.map(\.name))
                switch render(text, key: key, secret: secret, values: values, pending: pendingNames, failed: failed) {
                case .rendered(let value):
                    values[key.name] = value
                case .waiting(let other):
                    waitsOn[key.name] = other
                    next.append(key)
                case .blocked:
                    // Another key's problem, already reported.
                    failed.insert(key.name)
                case .failed(let message):
                    problem(key.mark, secret, key.name, message)
                    failed.insert(key.name)
                }
            }
            if next.count == pending.count {
                for key in next {
                    problem(key.mark, secret, key.name, "templates form a cycle: \(cycle(from: key.name, waitsOn))")
                    failed.insert(key.name)
                }
                return
            }
            pending = next
        }
    }

    /// `a → b → a`: the keys from `start`'s cycle, in the order they wait on each other.
    private func cycle(from start: String, _ waitsOn: [String: String]) -> String {
        var path = [start]
        var current = start
        while let next = waitsOn[current] {
            if let loopStart = path.firstIndex(of: next) {
                return (path[loopStart...] + [next]).map(quoted).joined(separator: " → ")
            }
            path.append(next)
            current = next
        }
        return path.map(quoted).joined(separator: " → ")
    }

    private enum Rendering {
        case rendered(SecretValue)
        case waiting(on: String)
        case blocked
        case failed(String)
    }

    private func render(_ text: String, key: KeySpec, secret: SecretSpec, values: [String: SecretValue],
                        pending: Set<String>, failed: Set<String>) -> Rendering {
        let lookup = KeyLookup(values: values, pending: pending.subtracting([key.name]), failed: failed,
                               own: key.name, names: Set(secret.keys.map(\.name)))
        let data = Value.map(MapValue(["name": .string(secret.name), "namespace": .string(secret.namespace)]))
        do {
            let template = try Template(name: key.name, text: text, functions: TemplateFunctions.table(lookup))
            return .rendered(SecretValue(try template.render(data, host: TemplateHost())))
        } catch let error as TemplateError {
            if let wait = lookup.waitingOn { return .waiting(on: wait) }
            if lookup.blocked { return .blocked }
            let at = error.node.map { "at <\($0)>: " } ?? ""
            return .failed("template: \(at)\(scrub(error.message, values))")
        } catch {
            return .failed("template: \(scrub("\(error)", values))")
        }
    }

    /// Go's messages can quote an operand; a key's value never goes out in one.
    private func scrub(_ message: String, _ values: [String: SecretValue]) -> String {
        values.values.compactMap(\.text).filter { $0.count >= 3 }.sorted { $0.count > $1.count }
            .reduce(message) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }
}

/// What `key "NAME"` sees while one template renders, and what it asked for that was not ready.
final class KeyLookup: @unchecked Sendable {
    let values: [String: SecretValue]
    let pending: Set<String>
    let failed: Set<String>
    let own: String
    let names: Set<String>
    private let lock = NSLock()
    private var waiting: String?
    private var blockedFlag = false

    init(values: [String: SecretValue], pending: Set<String>, failed: Set<String>, own: String, names: Set<String>) {
        self.values = values
        self.pending = pending
        self.failed = failed
        self.own = own
        self.names = names
    }

    var waitingOn: String? { lock.withLock { waiting } }
    var blocked: Bool { lock.withLock { blockedFlag } }

    func value(_ name: String) throws -> Value {
        if name == own { throw FunctionError("key \(quoted(name)) is the key this template makes") }
        if let value = values[name] {
            guard let text = value.text else { throw FunctionError("key \(quoted(name)) is not UTF-8 text") }
            return .string(text)
        }
        if pending.contains(name) {
            lock.withLock { waiting = name }
            throw FunctionError("key \(quoted(name)) is not rendered yet")
        }
        if failed.contains(name) || names.contains(name) {
            lock.withLock { blockedFlag = true }
            throw FunctionError("key \(quoted(name)) has no value")
        }
        throw FunctionError("the Secret has no key \(quoted(name))")
    }
}

/// The functions a key's template may call: `key` and `urlencode`, besides Go's builtins
/// (`urlquery` among them). Nothing reads the environment, files or the clock.
enum TemplateFunctions {
    static func table(_ lookup: KeyLookup) -> FunctionTable {
        var table = FunctionTable()
        table.add(TemplateFunction("key", arguments: 1, reads: []) { arguments, _ in
            guard case .string(let name) = arguments[0] else { throw FunctionError("key takes a key's name as a string") }
            return try lookup.value(name)
        }, as: "key")
        table.add(TemplateFunction("urlencode", arguments: 1, reads: []) { arguments, _ in
            guard case .string(let text) = arguments[0] else { throw FunctionError("urlencode takes a string") }
            return .string(percentEncode(text))
        }, as: "urlencode")
        return table
    }

    /// Every byte but RFC 3986's unreserved characters as `%XX`: safe in a URL's user info, path or
    /// query alike (a space is `%20`, not `+`, which libpq would keep as a `+`).
    static func percentEncode(_ text: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// The engine's host: templates here read nothing from outside.
final class TemplateHost: FunctionContext {
    var environment: [String: String] { [:] }
    var workingDirectory: String { "" }
    var templatePath: String { "" }
    func dataSource(_ alias: String, subpath: String?) throws -> Value { throw FunctionError("no data sources here") }
    func dataSourceText(_ alias: String, subpath: String?) throws -> String { throw FunctionError("no data sources here") }
    func hasDataSource(_ alias: String) -> Bool { false }
}

/// The `.dockerconfigjson` a kubelet reads: `{"auths":{REGISTRY:{"username","password","auth"}}}`.
enum DockerConfig {
    static func json(registry: String, username: String, password: String) -> [UInt8] {
        let auth = Data("\(username):\(password)".utf8).base64EncodedString()
        let object = ["auths": [registry: ["username": username, "password": password, "auth": auth]]]
        // Only strings: serialization cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data)
    }
}
