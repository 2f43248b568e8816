import Foundation

/// The steps that prepare the node itself: preflight (read-only), k3s, firewall.
package enum HostSteps {
    package static func make(_ context: RebuildContext) -> [any Step] {
        var steps: [any Step] = [PreflightStep(context: context)]
        if let k3s = context.platform.k3s { steps.append(K3sStep(context: context, k3s: k3s)) }
        if let firewall = context.platform.firewall { steps.append(FirewallStep(context: context, firewall: firewall)) }
        return steps
    }
}

/// A program run with part of the rebuild's environment (its PATH, so tests can put stubs first),
/// with no shell between.
struct HostCommand {
    /// What a program edpctl runs may see of the environment. The rebuild's environment holds the
    /// platform's credentials (the PAT, the Secrets' sources); the k3s installer is a script from the
    /// internet and firewall tools need none of them, so only these names are passed on.
    static let passedOnNames: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
                                             "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"]
    static let passedOnPrefixes = ["LC_", "INSTALL_K3S_", "K3S_"]

    static func passedOn(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in passedOnNames.contains(name) || passedOnPrefixes.contains { name.hasPrefix($0) } }
    }

    let program: String
    let arguments: [String]

    init(_ program: String, _ arguments: [String]) {
        self.program = program
        self.arguments = arguments
    }

    /// As an operator would type it, for plans and errors.
    var display: String { ([program] + arguments).joined(separator: " ") }

    /// The program's path from `environment`'s PATH; nil when it is not there.
    static func find(_ program: String, in environment: [String: String]) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let path = environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(program)"
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
               access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    struct Outcome {
        let status: Int32
        /// Standard output and standard error, interleaved as written.
        let output: String

        /// The last `count` lines of the output, to show why a program failed.
        func tail(_ count: Int = 20) -> [String] {
            output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .reversed().drop { $0.isEmpty }.reversed().suffix(count).map { $0 }
        }
    }

    /// Runs the program to its end. Throws only when it cannot be started.
    func run(environment: [String: String]) throws -> Outcome {
        guard let executable = Self.find(program, in: environment) else {
            throw StepFailure("\(program) is not on PATH (\(environment["PATH"] ?? "unset")): cannot run \(display)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = Self.passedOn(environment)
        process.standardInput = FileHandle.nullDevice
        // One pipe for both streams, read to its end before waiting: two pipes could fill one while we read the other.
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw StepFailure("cannot run \(display): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Runs the program and returns its output; a non-zero exit is an error showing the output's last lines.
    func output(environment: [String: String]) throws -> String {
        let outcome = try run(environment: environment)
        guard outcome.status == 0 else {
            throw StepFailure(lines: ["\(display) exited \(outcome.status):"] + outcome.tail().map { "  " + $0 })
        }
        return outcome.output
    }
}

/// Hosts named in URLs, and whether they resolve.
enum HostNames {
    /// The host of `url`: `https://host:port/…`, `oci://host/…`, or git's `user@host:path`; nil when there is none.
    static func host(of url: String) -> String? {
        if let components = URLComponents(string: url), let host = components.host, !host.isEmpty {
            return host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        }
        // scp-like git address: [user@]host:path
        guard !url.contains("://"), let colon = url.firstIndex(of: ":") else { return nil }
        let before = url[..<colon]
        let host = before.split(separator: "@").last.map(String.init) ?? String(before)
        return host.isEmpty || host.contains("/") ? nil : host
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// nil when `host` resolves, else getaddrinfo's reason.
    static func resolutionProblem(_ host: String) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        return code == 0 ? nil : String(cString: gai_strerror(code))
    }
}
