import Foundation
import Template
import YAML

/// Reads a `platform.yaml` into a `PlatformFile`, checking all that needs no network: fields,
/// pinned versions, ports, durations, `needs` naming charts, no dependency cycle. Every problem is
/// collected and thrown together, before any step runs; no message quotes a value of the file.
package struct PlatformLoader {
    package let path: String

    package init(path: String) { self.path = path }

    package func load() throws(PlatformError) -> PlatformFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PlatformError([Diagnostic(file: path, message: "cannot read the file: \(error.localizedDescription)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PlatformError([Diagnostic(file: path, message: "the file is not UTF-8 text")])
        }
        return try parse(text)
    }

    /// `text` as the content of `path` (which names the file in diagnostics and anchors relative paths).
    package func parse(_ text: String) throws(PlatformError) -> PlatformFile {
        let root: YAMLNode?
        do {
            root = try YAMLParser.documents(in: text).first
        } catch {
            // libyaml's problem text names no content; the line is not echoed.
            throw PlatformError([Diagnostic(file: path, line: error.line, column: error.column, message: error.problem)])
        }
        var reader = PlatformReader(path: path)
        let file = reader.file(root)
        guard reader.diagnostics.isEmpty, let file else {
            // Stable: problems on one position keep the order they were found in.
            let ordered = reader.diagnostics.enumerated().sorted {
                ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset) < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
            }.map(\.element)
            throw PlatformError(ordered)
        }
        return file
    }
}

private struct PlatformReader {
    let path: String
    var diagnostics: [Diagnostic] = []

    private var folder: String { (path as NSString).deletingLastPathComponent }

    mutating func problem(_ node: YAMLNode, _ message: String) {
        diagnostics.append(Diagnostic(file: path, line: node.line, column: node.column, message: message))
    }

    mutating func file(_ root: YAMLNode?) -> PlatformFile? {
        guard let root else {
            diagnostics.append(Diagnostic(file: path, line: 1, column: 1, message: "the file is empty"))
            return nil
        }
        let allowed = ["k3s", "firewall", "charts", "manifests", "gitops", "secrets", "keycloak", "verify"]
        guard let fields = fields(root, "platform", allowed: allowed) else { return nil }
        var file = PlatformFile(path: path)
        file.k3s = fields["k3s"].flatMap { k3s($0) }
        file.firewall = fields["firewall"].flatMap { firewall($0) }
        file.charts = charts(fields["charts"])
        file.manifests = list(fields["manifests"], "manifests") { reader, node, context in reader.manifests(node, context) }
        checkNeeds(file.charts, chartNodes: fields["charts"]?.sequence ?? [], manifestNodes: fields["manifests"]?.sequence ?? [])
        file.gitops = fields["gitops"].flatMap { gitops($0) }
        file.secrets = fields["secrets"].flatMap { string($0, "secrets") }.map(resolve)
        if let node = fields["keycloak"], let keycloak = self.fields(node, "keycloak", allowed: ["realmImport"]) {
            if let importNode = keycloak["realmImport"] {
                file.keycloak = string(importNode, "keycloak.realmImport").map { PlatformKeycloak(realmImport: resolve($0)) }
            } else {
                problem(node, "keycloak: missing field \"realmImport\"")
            }
        }
        file.verify = fields["verify"].flatMap { verify($0) }
        return file
    }

    // MARK: Sections

    mutating func k3s(_ node: YAMLNode) -> PlatformK3s? {
        let allowed = ["version", "installer", "exec", "disable", "images", "binary"]
        guard let fields = fields(node, "k3s", allowed: allowed) else { return nil }
        let version = pinned(fields["version"], "k3s.version", in: node)
        var k3s = PlatformK3s(version: version ?? "")
        if let installer = fields["installer"], let parts = self.fields(installer, "k3s.installer", allowed: ["url", "sha256"]) {
            if let url = parts["url"].flatMap({ string($0, "k3s.installer.url") }) {
                if isHTTPURL(url) { k3s.installerURL = url } else { problem(parts["url"]!, "k3s.installer.url: expected an http or https URL") }
            }
            if let hashNode = parts["sha256"], let hash = string(hashNode, "k3s.installer.sha256") {
                if hash.count == 64, hash.allSatisfy(\.isHexDigit) { k3s.installerSHA256 = hash.lowercased() }
                else { problem(hashNode, "k3s.installer.sha256: expected 64 hexadecimal digits") }
            }
        }
        k3s.exec = strings(fields["exec"], "k3s.exec")
        k3s.disable = strings(fields["disable"], "k3s.disable")
        k3s.images = strings(fields["images"], "k3s.images").map(resolve)
        k3s.binary = fields["binary"].flatMap { string($0, "k3s.binary") }.map(resolve)
        return version == nil ? nil : k3s
    }

    mutating func firewall(_ node: YAMLNode) -> PlatformFirewall? {
        guard let fields = fields(node, "firewall", allowed: ["open", "private"]) else { return nil }
        return PlatformFirewall(open: ports(fields["open"], "firewall.open"), private: ports(fields["private"], "firewall.private"))
    }

    mutating func charts(_ node: YAMLNode?) -> [PlatformChart] {
        var seen: [String: Int] = [:]
        return list(node, "charts") { reader, item, context in
            guard let chart = reader.chart(item, context) else { return nil }
            if let first = seen[chart.name] {
                reader.problem(item, "\(context).name: duplicate chart \(reader.quoted(chart.name)), first at line \(first)")
                return nil
            }
            seen[chart.name] = item.line
            return chart
        }
    }

    mutating func chart(_ node: YAMLNode, _ context: String) -> PlatformChart? {
        let allowed = ["name", "repo", "chart", "version", "namespace", "values", "needs", "timeout"]
        guard let fields = fields(node, context, allowed: allowed) else { return nil }
        var valid = true
        var required: [String: String] = [:]
        for field in ["name", "repo", "chart", "namespace"] {
            guard let valueNode = fields[field] else {
                problem(node, "\(context): missing field \(quoted(field))")
                valid = false
                continue
            }
            if let text = string(valueNode, "\(context).\(field)") { required[field] = text } else { valid = false }
        }
        if let name = required["name"], !isDNSLabel(name) {
            problem(fields["name"]!, "\(context).name: not a valid chart name (lower-case letters, digits and '-', at most 63)")
            valid = false
        }
        if let namespace = required["namespace"], !isDNSLabel(namespace) {
            problem(fields["namespace"]!, "\(context).namespace: not a valid namespace name")
            valid = false
        }
        if let repo = required["repo"], !isHTTPURL(repo), !repo.hasPrefix("oci://") {
            problem(fields["repo"]!, "\(context).repo: expected an http, https or oci:// URL")
            valid = false
        }
        let version = pinned(fields["version"], "\(context).version", in: node)
        var values: PlatformChartValues?
        if let valuesNode = fields["values"] {
            if valuesNode.mapping != nil {
                values = .inline(valuesNode)
            } else if let file = string(valuesNode, "\(context).values") {
                values = .file(resolve(file))
            }
        }
        let needs = strings(fields["needs"], "\(context).needs")
        let timeout = fields["timeout"].map { duration($0, "\(context).timeout") } ?? PlatformChart.defaultTimeout
        guard valid, let version, let name = required["name"], let timeout else { return nil }
        return PlatformChart(name: name, repo: required["repo"]!, chart: required["chart"]!, version: version,
                             namespace: required["namespace"]!, values: values, needs: needs, timeout: timeout,
                             line: node.line, column: node.column)
    }

    mutating func manifests(_ node: YAMLNode, _ context: String) -> PlatformManifests? {
        guard let fields = fields(node, context, allowed: ["files", "needs"]) else { return nil }
        guard let filesNode = fields["files"] else {
            problem(node, "\(context): missing field \"files\"")
            return nil
        }
        let files = strings(filesNode, "\(context).files")
        if files.isEmpty, filesNode.sequence?.isEmpty == true { problem(filesNode, "\(context).files: expected at least one file") }
        return PlatformManifests(files: files.map(resolve), needs: strings(fields["needs"], "\(context).needs"))
    }

    mutating func gitops(_ node: YAMLNode) -> PlatformGitOps? {
        guard let fields = fields(node, "gitops", allowed: ["url", "username", "password", "rootApp"]) else { return nil }
        var valid = true
        for field in ["url", "rootApp"] where fields[field] == nil {
            problem(node, "gitops: missing field \(quoted(field))")
            valid = false
        }
        let url = fields["url"].flatMap { string($0, "gitops.url") }
        if let url, !isHTTPURL(url), !url.hasPrefix("ssh://"), !url.contains("@") {
            problem(fields["url"]!, "gitops.url: expected an https or ssh URL")
            valid = false
        }
        let username = fields["username"].flatMap { credential($0, "gitops.username") }
        let password = fields["password"].flatMap { credential($0, "gitops.password") }
        var rootApp: PlatformRootApp?
        if let appNode = fields["rootApp"], let app = self.fields(appNode, "gitops.rootApp", allowed: ["path", "file"]) {
            switch (app["path"], app["file"]) {
            case (let path?, nil): rootApp = string(path, "gitops.rootApp.path").map(PlatformRootApp.repository)
            case (nil, let file?): rootApp = string(file, "gitops.rootApp.file").map { .file(resolve($0)) }
            default: problem(appNode, "gitops.rootApp: give exactly one of path (in the repository) or file (local)")
            }
        }
        guard valid, let url, let rootApp else { return nil }
        return PlatformGitOps(url: url, username: username, password: password, rootApp: rootApp)
    }

    mutating func credential(_ node: YAMLNode, _ context: String) -> PlatformCredential? {
        guard let fields = fields(node, context, allowed: ["env", "file"]) else { return nil }
        switch (fields["env"], fields["file"]) {
        case (let env?, nil):
            guard let name = string(env, "\(context).env") else { return nil }
            guard isEnvironmentName(name) else {
                // Not quoted: a token pasted in place of the name must not be echoed.
                problem(env, "\(context).env: not an environment variable name (letters, digits and '_', not starting with a digit)")
                return nil
            }
            return .env(name)
        case (nil, let file?):
            return string(file, "\(context).file").map { .file(resolve($0)) }
        default:
            problem(node, "\(context): give exactly one of env or file")
            return nil
        }
    }

    mutating func verify(_ node: YAMLNode) -> PlatformVerify? {
        guard let fields = fields(node, "verify", allowed: ["applications", "probes"]) else { return nil }
        var verify = PlatformVerify()
        if let apps = fields["applications"], let appFields = self.fields(apps, "verify.applications", allowed: ["namespace", "names"]) {
            if let namespaceNode = appFields["namespace"], let namespace = string(namespaceNode, "verify.applications.namespace") {
                if isDNSLabel(namespace) { verify.applicationsNamespace = namespace }
                else { problem(namespaceNode, "verify.applications.namespace: not a valid namespace name") }
            }
            verify.applications = strings(appFields["names"], "verify.applications.names")
        }
        verify.probes = list(fields["probes"], "verify.probes") { reader, item, context in reader.probe(item, context) }
        return verify
    }

    mutating func probe(_ node: YAMLNode, _ context: String) -> PlatformProbe? {
        guard let fields = fields(node, context, allowed: ["url", "accept", "host", "timeout"]) else { return nil }
        guard let urlNode = fields["url"] else {
            problem(node, "\(context): missing field \"url\"")
            return nil
        }
        guard let url = string(urlNode, "\(context).url") else { return nil }
        var probe = PlatformProbe(url: url)
        var valid = true
        if !isHTTPURL(url) {
            problem(urlNode, "\(context).url: expected an http or https URL")
            valid = false
        }
        if let acceptNode = fields["accept"] {
            if let items = acceptNode.sequence {
                var codes: [Int] = []
                for item in items {
                    if let text = item.scalar, item.isUntaggedPlainScalar, let code = Int(text), (100...599).contains(code) { codes.append(code) }
                    else { problem(item, "\(context).accept: expected HTTP status codes (100-599)"); valid = false }
                }
                if items.isEmpty { problem(acceptNode, "\(context).accept: expected at least one status code"); valid = false }
                probe.accept = .codes(codes)
            } else if let pattern = string(acceptNode, "\(context).accept") {
                if (try? NSRegularExpression(pattern: pattern)) == nil {
                    problem(acceptNode, "\(context).accept: not a valid regular expression")
                    valid = false
                }
                probe.accept = .pattern(pattern)
            } else {
                valid = false
            }
        }
        probe.host = fields["host"].flatMap { string($0, "\(context).host") }
        if let timeoutNode = fields["timeout"] {
            if let seconds = duration(timeoutNode, "\(context).timeout") { probe.timeout = seconds } else { valid = false }
        }
        return valid ? probe : nil
    }

    // MARK: The dependency graph

    /// `needs` name charts of this file (reported at the entry, even when its chart has other
    /// problems); the charts' `needs` form no cycle (reported once per cycle, at the chart it starts from).
    mutating func checkNeeds(_ charts: [PlatformChart], chartNodes: [YAMLNode], manifestNodes: [YAMLNode]) {
        func named(_ item: YAMLNode, _ field: String) -> YAMLNode? { item.mapping?.first(where: { $0.key.scalar == field })?.value }
        let known = Set(chartNodes.compactMap { named($0, "name")?.scalar })
        for (section, items) in [("charts", chartNodes), ("manifests", manifestNodes)] {
            for (index, item) in items.enumerated() {
                for need in named(item, "needs")?.sequence ?? [] {
                    if let name = need.scalar, !known.contains(name) {
                        problem(need, "\(section)[\(index)].needs: no chart named \(quoted(name))")
                    }
                }
            }
        }
        let byName = Dictionary(charts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let indexes = Dictionary(chartNodes.enumerated().compactMap { index, item in named(item, "name")?.scalar.map { ($0, index) } },
                                 uniquingKeysWith: { first, _ in first })
        // Depth-first; a chart met again while on the path closes a cycle.
        var onPath: [String: Bool] = [:]  // true: on the path, false: done
        var reported: Set<Set<String>> = []
        func visit(_ name: String, _ trail: [String], _ reader: inout PlatformReader) {
            if let open = onPath[name] {
                if open, let start = trail.firstIndex(of: name) {
                    let cycle = Array(trail[start...]) + [name]
                    if reported.insert(Set(cycle)).inserted, let chart = byName[name], let index = indexes[name] {
                        reader.diagnostics.append(Diagnostic(file: reader.path, line: chart.line, column: chart.column,
                            message: "charts[\(index)].needs: dependency cycle \(cycle.joined(separator: " -> "))"))
                    }
                }
                return
            }
            onPath[name] = true
            for need in byName[name]?.needs ?? [] where byName[need] != nil { visit(need, trail + [name], &reader) }
            onPath[name] = false
        }
        for chart in charts { visit(chart.name, [], &self) }
    }

    // MARK: Scalars, lists and mappings

    /// A mapping's fields by name; an unknown field is a problem (reported, then ignored).
    mutating func fields(_ node: YAMLNode, _ context: String, allowed: [String]) -> [String: YAMLNode]? {
        guard let pairs = node.mapping else {
            problem(node, "\(context): expected a mapping")
            return nil
        }
        var fields: [String: YAMLNode] = [:]
        for (key, value) in pairs {
            guard let name = key.scalar else {
                problem(key, "\(context): a field name must be a string")
                continue
            }
            if allowed.contains(name) { fields[name] = value } else { problem(key, "\(context): unknown field \(quoted(name))") }
        }
        return fields
    }

    mutating func list<T>(_ node: YAMLNode?, _ context: String, _ item: (inout PlatformReader, YAMLNode, String) -> T?) -> [T] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            problem(node, "\(context): expected a list")
            return []
        }
        return items.enumerated().compactMap { index, element in item(&self, element, "\(context)[\(index)]") }
    }

    mutating func string(_ node: YAMLNode, _ context: String) -> String? {
        guard let text = node.scalar, !(node.isUntaggedPlainScalar && ["~", "null", "Null", "NULL", ""].contains(text)) else {
            problem(node, "\(context): expected a string")
            return nil
        }
        return text
    }

    mutating func strings(_ node: YAMLNode?, _ context: String) -> [String] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            problem(node, "\(context): expected a list of strings")
            return []
        }
        return items.compactMap { string($0, context) }
    }

    /// A version that names one release: present, not empty, not `latest`.
    mutating func pinned(_ node: YAMLNode?, _ context: String, in parent: YAMLNode) -> String? {
        guard let node else {
            problem(parent, "\(context.split(separator: ".").dropLast().joined(separator: ".")): missing field \"version\" (pin a release)")
            return nil
        }
        guard let version = string(node, context) else { return nil }
        guard !version.trimmingCharacters(in: .whitespaces).isEmpty else {
            problem(node, "\(context): empty; name one release (a version like 1.2.3)")
            return nil
        }
        let lowered = version.lowercased()
        guard !["latest", "stable", "*"].contains(lowered), !lowered.contains("x"), !lowered.hasPrefix("^"), !lowered.hasPrefix("~"),
              !lowered.hasPrefix(">"), !lowered.hasPrefix("<") else {
            problem(node, "\(context): not a pinned version; name one release (a version like 1.2.3)")
            return nil
        }
        return version
    }

    mutating func ports(_ node: YAMLNode?, _ context: String) -> [Int] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            problem(node, "\(context): expected a list of ports")
            return []
        }
        return items.compactMap { item in
            guard let text = item.scalar, item.isUntaggedPlainScalar, let port = Int(text), (1...65535).contains(port) else {
                problem(item, "\(context): expected a port number from 1 to 65535")
                return nil
            }
            return port
        }
    }

    /// `300s`, `5m`, `1h30m` in seconds.
    mutating func duration(_ node: YAMLNode, _ context: String) -> Int? {
        if let text = node.scalar, let seconds = Self.seconds(text), seconds > 0 { return seconds }
        problem(node, "\(context): expected a duration like 90s, 5m or 1h30m")
        return nil
    }

    static func seconds(_ text: String) -> Int? {
        var total = 0
        var digits = ""
        var units: [Character] = []
        for character in text {
            if character.isASCII, character.isNumber { digits.append(character); continue }
            let scale: Int
            switch character {
            case "h": scale = 3600
            case "m": scale = 60
            case "s": scale = 1
            default: return nil
            }
            // Each unit once, largest first.
            guard let amount = Int(digits), digits.count <= 6, !units.contains(character),
                  units.allSatisfy({ "hms".firstIndex(of: $0)! < "hms".firstIndex(of: character)! }) else { return nil }
            units.append(character)
            total += amount * scale
            digits = ""
        }
        return digits.isEmpty && !units.isEmpty ? total : nil
    }

    func resolve(_ written: String) -> String {
        written.hasPrefix("/") || folder.isEmpty ? written : folder + "/" + written
    }

    // MARK: Names

    func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "http" || scheme == "https"
    }

    func isDNSLabel(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
    }

    /// A name from the file in double quotes, control characters escaped so they cannot garble a message.
    func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f: out += String(format: "\\x%02x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
