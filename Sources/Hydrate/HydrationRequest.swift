import Template
import Gomplate
import Foundation
import YAML

/// What to hydrate: a stacks template tree, rendered for one environment into
/// `<instancesDirectory>/<provider>/<domain>/`, for the selected stacks only.
public struct HydrationRequest: Sendable {
    /// The template tree: `edfbuilder.yaml`, `registry/<stack>.yaml`, `stacks/<stack>/…`.
    public var templatesDirectory: String
    /// The root of the stacks-instances checkout.
    public var instancesDirectory: String
    public var provider: String
    public var domain: String
    public var stacks: [String]
    /// `.Env`. PROVIDER, DOMAIN and STACKS are set from the fields above, so that what the
    /// templates see always matches where the files go.
    public var variables: [String: String]
    /// `.Values`: the whole `--values` document; an empty map when there is none.
    public var values: Value?
    public var leftDelimiter: String
    public var rightDelimiter: String

    public init(templatesDirectory: String, instancesDirectory: String, provider: String, domain: String,
                stacks: [String], variables: [String: String], values: Value? = nil,
                leftDelimiter: String = "<<<", rightDelimiter: String = ">>>") {
        self.templatesDirectory = templatesDirectory
        self.instancesDirectory = instancesDirectory
        self.provider = provider
        self.domain = domain
        self.stacks = stacks
        self.variables = variables
        self.values = values
        self.leftDelimiter = leftDelimiter
        self.rightDelimiter = rightDelimiter
    }

    /// The instance folder below the instances directory: `otc/test-me.t09.de`.
    public var instancePath: String { provider + "/" + domain }

    /// `core, otc,,forgejo` → `["core", "otc", "forgejo"]`: STACKS as the EDP pipeline writes it.
    public static func parseStackList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `.Env` as the templates see it.
    var environment: [String: String] {
        var environment = variables
        environment["PROVIDER"] = provider
        environment["DOMAIN"] = domain
        environment["STACKS"] = stacks.joined(separator: ",")
        return environment
    }

    /// `a.example.org,b.example.org` → both: `--domain` as several domains. Each must be a name
    /// `checkPathComponent` accepts, and none may come twice; an empty one (`a,,b`, `,`) is refused
    /// rather than skipped, since it is a typo as likely as not.
    public static func parseDomainList(_ text: String) throws -> [String] {
        let domains = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var seen: Set<String> = []
        for domain in domains {
            if domain.isEmpty && domains.count > 1 {
                throw HydrationError.invalidInput("domain list \(goQuote(text)) has an empty domain")
            }
            try checkPathComponent(domain, role: "domain")
            if !seen.insert(domain).inserted {
                throw HydrationError.invalidInput("domain \(goQuote(domain)) is given twice in \(goQuote(text))")
            }
        }
        return domains
    }

    /// Every check that needs no rendering and no instances folder: delimiters, the names of
    /// provider, domain and stacks, the templates folder, and that it offers every stack asked
    /// for. Run for every request before the first is hydrated, so a bad one writes nothing.
    public func validate() throws {
        if leftDelimiter.isEmpty || rightDelimiter.isEmpty {
            throw HydrationError.invalidInput("the template delimiters can't be empty")
        }
        try Self.checkPathComponent(provider, role: "provider")
        try Self.checkPathComponent(domain, role: "domain")
        for stack in stacks { try Self.checkPathComponent(stack, role: "stack") }
        var status = stat()
        guard stat(templatesDirectory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw HydrationError.invalidInput(
                "the templates directory \(templatesDirectory) does not exist or is not a directory")
        }
        let available = Set(try Hydrator.availableStacks(templatesDirectory: templatesDirectory))
        let unknown = stacks.filter { !available.contains($0) }
        if !unknown.isEmpty {
            let offered = available.sorted(by: goStringLess).joined(separator: ", ")
            throw HydrationError.invalidInput(
                "unknown stack\(unknown.count == 1 ? "" : "s") \(unknown.map { goQuote($0) }.joined(separator: ", ")): "
                    + "\(cleanPath(templatesDirectory))/registry has \(offered.isEmpty ? "none" : offered)")
        }
    }

    /// The longest file name (NAME_MAX of Linux, macOS and the BSDs), in bytes.
    static let maximumNameBytes = 255

    /// Refuses names that would leave the folder they name a part of, hide in it, or read
    /// differently from what they are: empty, with a control character (C0, DEL, C1, and the
    /// line and paragraph separators U+2028 and U+2029), with whitespace at either end, or with
    /// `/`, `..` or a leading `.`; and names no file system takes, longer than 255 bytes. The
    /// value is quoted as Go quotes it, control characters escaped.
    static func checkPathComponent(_ value: String, role: String) throws {
        if value.isEmpty { throw HydrationError.invalidInput("\(role) is empty") }
        if value.unicodeScalars.contains(where: isControl) {
            throw HydrationError.invalidInput("\(role) \(goQuote(value)) contains a control character")
        }
        if value.first!.isWhitespace || value.last!.isWhitespace {
            throw HydrationError.invalidInput("\(role) \(goQuote(value)) begins or ends with whitespace")
        }
        // By bytes, as the file system reads them: by Characters, `/\u{301}` is no `/`.
        let bytes = Array(value.utf8)
        if bytes.contains(UInt8(ascii: "/")) || bytes.first == UInt8(ascii: ".")
            || zip(bytes, bytes.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }) {
            throw HydrationError.invalidInput(
                "\(role) \(goQuote(value)) can't be used as a folder name (no '/', no '..', no leading '.')")
        }
        if value.utf8.count > maximumNameBytes {
            throw HydrationError.invalidInput("\(role) \(goQuote(value)) is \(value.utf8.count) bytes long: "
                + "a folder name has at most \(maximumNameBytes)")
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

/// The variables and values of a hydration, from their three sources. A variable set in more than
/// one place takes the value of the later one: `--values FILE` (its top-level scalars, as written)
/// < `--env-file FILE` < the process environment.
public struct HydrationInputs: Sendable {
    /// What becomes `.Env`.
    public var variables: [String: String]
    /// The whole `--values` document (`.Values`), nil without one.
    public var values: Value?

    public init(variables: [String: String], values: Value? = nil) {
        self.variables = variables
        self.values = values
    }

    /// Reads the files given (either may be nil) and merges them under `environment`.
    public static func load(valuesFile: String?, envFile: String?,
                            environment: [String: String]) throws -> HydrationInputs {
        var variables: [String: String] = [:]
        var values: Value?
        if let valuesFile {
            let text = try readText(valuesFile)
            let (document, scalars) = try parseValues(text, fileName: valuesFile)
            values = document
            variables.merge(scalars) { _, later in later }
        }
        if let envFile {
            variables.merge(try EnvFile.parse(try readText(envFile), fileName: envFile)) { _, later in later }
        }
        variables.merge(environment) { _, later in later }
        return HydrationInputs(variables: variables, values: values)
    }

    /// The request for these inputs. `provider`, `domain` and `stacks` given here (the command's
    /// flags) win over PROVIDER, DOMAIN and STACKS among the variables.
    public func request(templatesDirectory: String, instancesDirectory: String, provider: String? = nil,
                        domain: String? = nil, stacks: [String]? = nil,
                        leftDelimiter: String = "<<<", rightDelimiter: String = ">>>") throws -> HydrationRequest {
        // A flag given empty is refused by the name checks (`provider is empty`), not replaced.
        func setting(_ given: String?, _ name: String) throws -> String {
            if let given { return given }
            guard let value = variables[name], !value.isEmpty else {
                let flag = name.lowercased()
                throw HydrationError.invalidInput(
                    "no \(flag) given: pass --\(flag) or set \(name) (environment, --env-file or --values)")
            }
            return value
        }
        let selected = stacks ?? variables["STACKS"].map(HydrationRequest.parseStackList) ?? []
        if selected.isEmpty {
            throw HydrationError.invalidInput("no stacks selected: pass --stacks or set STACKS (e.g. core,otc,forgejo)")
        }
        return HydrationRequest(templatesDirectory: templatesDirectory, instancesDirectory: instancesDirectory,
                                provider: try setting(provider, "PROVIDER"), domain: try setting(domain, "DOMAIN"),
                                stacks: selected, variables: variables, values: values,
                                leftDelimiter: leftDelimiter, rightDelimiter: rightDelimiter)
    }

    private static func readText(_ path: String) throws -> String {
        do {
            return String(decoding: try readFileBytes(path), as: UTF8.self)
        } catch {
            throw HydrationError.invalidInput("\(error)")
        }
    }

    /// The document as `.Values`, and its top-level scalars as variables, in the text they were
    /// written with (`0777` stays `0777`, which a round trip through a number would not keep).
    private static func parseValues(_ text: String, fileName: String) throws -> (document: Value, scalars: [String: String]) {
        let document: Value
        do {
            document = try decodeYAMLValue(text, sourceName: fileName)
        } catch {
            // Which scalars are credentials is known only once the file is read.
            throw HydrationError.invalidInput(CredentialVariables.withoutQuotedScalars("\(error)"))
        }
        guard case .map(let map) = document else {
            throw HydrationError.invalidInput(
                "\(fileName):1:1: the values document must be a mapping of names to values")
        }
        // The first document decoded once already, so reading the text again fails only on a second one.
        guard let documents = try? YAMLParser.documents(in: text), documents.count <= 1 else {
            throw HydrationError.invalidInput("\(fileName): the values file must hold a single YAML document")
        }
        var scalars: [String: String] = [:]
        guard let mapping = documents.first?.mapping else { return (document, scalars) }
        for (key, node) in mapping {
            guard let name = key.scalar, let text = node.scalar, let decoded = map[name], !decoded.isNull else { continue }
            scalars[name] = text
        }
        return (document, scalars)
    }
}
