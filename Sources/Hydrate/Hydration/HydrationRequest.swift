import Foundation
import Yams

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

    /// Refuses names that would leave the folder they name a part of, or hide in it.
    static func checkPathComponent(_ value: String, role: String) throws {
        if value.isEmpty { throw HydrationError.invalidInput("\(role) is empty") }
        if value.contains("/") || value.contains("..") || value.hasPrefix(".") || value.contains("\0") {
            throw HydrationError.invalidInput(
                "\(role) \(goQuote(value)) can't be used as a folder name (no '/', no '..', no leading '.')")
        }
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
        func setting(_ given: String?, _ name: String) throws -> String {
            guard let value = given ?? variables[name], !value.isEmpty else {
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
        // The text decoded once already, so composing it again fails only on a second document.
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw HydrationError.invalidInput("\(fileName): the values file must hold a single YAML document")
        }
        var scalars: [String: String] = [:]
        guard case .mapping(let mapping)? = root else { return (document, scalars) }
        for (key, node) in mapping {
            guard let name = key.string, case .scalar(let scalar) = node,
                  let decoded = map[name], !decoded.isNull else { continue }
            scalars[name] = scalar.string
        }
        return (document, scalars)
    }
}
