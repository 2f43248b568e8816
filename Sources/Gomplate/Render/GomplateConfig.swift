import Foundation
import YAML
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// gomplate's configuration file (`.gomplate.yaml`, `--config`, `GOMPLATE_CONFIG`), every key of
/// gomplate v5's `Config` (config.go, `yaml:` tags), as written. gomplate decodes it with yaml.v3
/// and no strict mode, so a misspelt key is silently ignored there; here it is a warning naming
/// the key's line and column. Values of the wrong type are errors, as they are for yaml.v3.
package struct GomplateConfig: Sendable, Equatable {
    /// A `datasources`, `context` or `templates` entry: `{url: …, header: {Name: [values]}}`.
    package struct Source: Sendable, Equatable {
        package var alias: String
        /// The URL as written (`templates` take it as a path when it has no scheme).
        package var text: String
        package var url: SourceURL
        /// HTTP headers by name. The values are secrets (`Authorization`): never shown.
        package var headers: [String: [String]]
    }

    /// A `plugins` entry: a command, or `{cmd, args, timeout, pipe}`.
    package struct Plugin: Sendable, Equatable {
        package var name: String
        package var command: String
        package var arguments: [String]
        /// In nanoseconds; nil when not set (`pluginTimeout` or its default applies).
        package var timeout: Int?
        package var pipe: Bool
    }

    package var input: String?
    package var inputDir: String?
    package var inputFiles: [String] = []
    package var excludes: [String] = []
    package var excludeProcessing: [String] = []
    package var outputDir: String?
    package var outputMap: String?
    package var outputFiles: [String] = []
    package var chmod: String?
    package var leftDelim: String?
    package var rightDelim: String?
    package var missingKey: String?
    package var dataSources: [Source] = []
    package var contexts: [Source] = []
    package var templates: [Source] = []
    package var plugins: [Plugin] = []
    package var postExec: [String] = []
    /// In nanoseconds.
    package var pluginTimeout: Int?
    package var execPipe = false
    package var experimental = false
    /// The keys gomplate would ignore, one `file:line:col: …` message each.
    package var warnings: [String] = []
    /// Where each top-level key was set (`.gomplate.yaml:3:1`), for messages about its value.
    package var positions: [String: String] = [:]

    package init() {}

    /// Reads the file gomplate would: `--config` when given (`flag`), else `GOMPLATE_CONFIG` when
    /// set, else `.gomplate.yaml` in the working directory. An empty name means no file; a file
    /// named by the flag or the variable must exist, the default one need not
    /// (internal/cmd/config.go, `pickConfigFile`, `readConfigFile`).
    /// - Returns: the file's path as shown in messages and its settings, or nil when none is read.
    package static func load(flag: String?, environment: [String: String],
                             workingDirectory: String) throws -> (path: String, config: GomplateConfig)? {
        var path = ".gomplate.yaml"
        var required = false
        if let named = flag ?? environment["GOMPLATE_CONFIG"] {
            if named.isEmpty { return nil }
            path = named
            required = true
        }
        let fullPath = joinPath(workingDirectory, path)
        let origin = flag != nil ? "--config" : required ? "GOMPLATE_CONFIG" : "the default"
        var status = stat()
        if stat(fullPath, &status) != 0 {
            if !required && errno == ENOENT { return nil }
            throw GomplateConfigError("config file \(path) (\(origin)) can't be read: open \(path): \(describeErrno(errno))")
        }
        let bytes: [UInt8]
        do {
            bytes = try readFileBytes(fullPath)
        } catch {
            throw GomplateConfigError("config file \(path) (\(origin)) can't be read: \(error)")
        }
        return (path, try GomplateConfig(file: path, text: String(decoding: bytes, as: UTF8.self)))
    }

    /// Parses the text of the config file `file` (its name in messages).
    package init(file: String, text: String) throws {
        let root: YAMLNode?
        do {
            root = try YAMLParser(text).nextDocument()
        } catch {
            throw GomplateConfigError("\(file):\(error.line):\(error.column): \(error.problem)")
        }
        guard let root, !Self.isNull(root) else { return }
        let reader = Reader(file: file)
        guard let pairs = root.mapping else {
            throw reader.error(root, "a config file must be a mapping of settings, not \(Self.kind(of: root))")
        }
        for (keyNode, value) in pairs {
            let key = keyNode.scalar ?? ""
            positions[key] = "\(file):\(keyNode.line):\(keyNode.column)"
            if Self.isNull(value) { continue }
            switch key {
            case "in": input = try reader.string(value, key)
            case "inputDir": inputDir = try reader.string(value, key)
            case "inputFiles": inputFiles = try reader.strings(value, key)
            case "excludes": excludes = try reader.strings(value, key)
            case "excludeProcessing": excludeProcessing = try reader.strings(value, key)
            case "outputDir": outputDir = try reader.string(value, key)
            case "outputMap": outputMap = try reader.string(value, key)
            case "outputFiles": outputFiles = try reader.strings(value, key)
            case "chmod": chmod = try reader.string(value, key)
            case "leftDelim": leftDelim = try reader.string(value, key)
            case "rightDelim": rightDelim = try reader.string(value, key)
            case "missingKey": missingKey = try reader.string(value, key)
            case "datasources": dataSources = try reader.sources(value, key)
            case "context": contexts = try reader.sources(value, key)
            case "templates": templates = try reader.sources(value, key)
            case "plugins": plugins = try reader.plugins(value, key)
            case "postExec": postExec = try reader.strings(value, key)
            case "pluginTimeout": pluginTimeout = try reader.duration(value, key)
            case "execPipe": execPipe = try reader.bool(value, key)
            case "experimental": experimental = try reader.bool(value, key)
            default: reader.unknown(keyNode, among: Self.keys)
            }
        }
        warnings = reader.warnings
    }

    /// gomplate's keys, in config.go's order.
    static let keys = ["datasources", "context", "templates", "plugins", "in", "inputDir", "inputFiles", "excludes",
                       "excludeProcessing", "outputDir", "outputMap", "outputFiles", "chmod", "leftDelim",
                       "rightDelim", "missingKey", "postExec", "pluginTimeout", "execPipe", "experimental"]

    static func isNull(_ node: YAMLNode) -> Bool {
        guard let text = node.scalar else { return false }
        if node.tag == YAMLTag.null { return true }
        guard node.isUntaggedPlainScalar else { return false }
        if case .null = resolvePlainScalar(text) { return true }
        return false
    }

    static func kind(of node: YAMLNode) -> String {
        switch node.content {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: "a scalar"
        }
    }

    /// Reads values, naming the file, line and column of what is wrong. Never quotes a value: a
    /// header's may be a secret.
    private final class Reader {
        let file: String
        var warnings: [String] = []

        init(file: String) { self.file = file }

        func error(_ node: YAMLNode, _ message: String) -> GomplateConfigError {
            GomplateConfigError("\(file):\(node.line):\(node.column): \(message)")
        }

        func string(_ node: YAMLNode, _ key: String) throws -> String {
            guard let text = node.scalar else { throw error(node, "'\(key)' must be a string, not \(GomplateConfig.kind(of: node))") }
            return text
        }

        func strings(_ node: YAMLNode, _ key: String) throws -> [String] {
            guard let items = node.sequence else {
                throw error(node, "'\(key)' must be a list of strings, not \(GomplateConfig.kind(of: node))")
            }
            return try items.map { item in
                guard let text = item.scalar else {
                    throw error(item, "'\(key)' must be a list of strings, not hold \(GomplateConfig.kind(of: item))")
                }
                return text
            }
        }

        func bool(_ node: YAMLNode, _ key: String) throws -> Bool {
            // yaml.v3 reads only true/false (in three casings) as a bool; `yes` is a string.
            if let text = node.scalar, node.tag == nil || node.tag == YAMLTag.prefix + "bool",
               node.scalarStyle == .plain, case .bool(let value) = resolvePlainScalar(text) {
                return value
            }
            throw error(node, "'\(key)' must be true or false")
        }

        func duration(_ node: YAMLNode, _ key: String) throws -> Int {
            let text = try string(node, key)
            do {
                return try goParseDuration(text)
            } catch {
                throw self.error(node, "'\(key)' must be a duration such as 5s or 500ms: \(error)")
            }
        }

        func mapping(_ node: YAMLNode, _ key: String) throws -> YAMLNode.Mapping {
            guard let pairs = node.mapping else { throw error(node, "'\(key)' must be a mapping, not \(GomplateConfig.kind(of: node))") }
            return pairs
        }

        func sources(_ node: YAMLNode, _ key: String) throws -> [Source] {
            try mapping(node, key).map { aliasNode, value in
                let alias = try string(aliasNode, key)
                let path = "\(key).\(alias)"
                var text = ""
                var headers: [String: [String]] = [:]
                if !GomplateConfig.isNull(value) {
                    for (fieldNode, field) in try mapping(value, path) {
                        switch fieldNode.scalar {
                        case "url": text = try string(field, "\(path).url")
                        case "header":
                            for (nameNode, values) in try mapping(field, "\(path).header") {
                                let name = try string(nameNode, "\(path).header")
                                headers[name] = try strings(values, "\(path).header.\(name)")
                            }
                        default: unknown(fieldNode, among: ["url", "header"])
                        }
                    }
                }
                // Not quoted: a URL may hold a password.
                guard let url = try? SourceURL(sourceArgument: text) else {
                    throw self.error(value, "'\(path).url' is not a URL or path gomplate can read")
                }
                return Source(alias: alias, text: text, url: url, headers: headers)
            }
        }

        func plugins(_ node: YAMLNode, _ key: String) throws -> [Plugin] {
            try mapping(node, key).map { nameNode, value in
                let name = try string(nameNode, key)
                let path = "\(key).\(name)"
                if value.scalar != nil {
                    return Plugin(name: name, command: try string(value, path), arguments: [], timeout: nil, pipe: false)
                }
                var plugin = Plugin(name: name, command: "", arguments: [], timeout: nil, pipe: false)
                for (fieldNode, field) in try mapping(value, path) where !GomplateConfig.isNull(field) {
                    switch fieldNode.scalar {
                    case "cmd": plugin.command = try string(field, "\(path).cmd")
                    case "args": plugin.arguments = try strings(field, "\(path).args")
                    case "timeout": plugin.timeout = try duration(field, "\(path).timeout")
                    case "pipe": plugin.pipe = try bool(field, "\(path).pipe")
                    default: unknown(fieldNode, among: ["cmd", "args", "timeout", "pipe"])
                    }
                }
                return plugin
            }
        }

        func unknown(_ keyNode: YAMLNode, among keys: [String]) {
            let key = keyNode.scalar ?? GomplateConfig.kind(of: keyNode)
            var message = "\(file):\(keyNode.line):\(keyNode.column): unknown setting '\(key)', ignored (as gomplate does)"
            if let close = keys.first(where: { $0.lowercased() == key.lowercased().replacingOccurrences(of: "-", with: "") }) {
                message += "; did you mean '\(close)'?"
            }
            warnings.append(message)
        }
    }
}

/// A config file that can't be read or used, with its file, line and column when it has them.
package struct GomplateConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
