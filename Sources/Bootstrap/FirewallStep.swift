import Foundation

/// The firewall as platform.yaml wants it: `open` ports reachable from the world, `private` ports
/// not. Read from ufw, nftables or iptables, whichever is installed; changed only with
/// --apply-firewall (a wrong rule can cut the operator's own SSH session), otherwise what is wrong
/// becomes a note and the step passes.
struct FirewallStep: Step {
    let context: RebuildContext
    let firewall: PlatformFirewall

    var name: String { StepName.firewall }
    var needs: [String] { context.platform.k3s != nil ? [StepName.k3s] : [StepName.preflight] }

    func check(_ step: StepContext) throws -> StepCheck {
        guard let tool = FirewallTool.detect(context.environment) else {
            step.note("no firewall tool found on PATH (ufw, nft, iptables-save): the firewall was not checked; ports "
                + "\(list(firewall.open)) must be reachable and \(list(firewall.private)) must stay private")
            return .done
        }
        let state: FirewallState
        do {
            state = try tool.read(context.environment)
        } catch where !context.options.applyFirewall {
            // Reading needs root; without --apply-firewall an unreadable firewall is worth a note, not a failure.
            step.note("the firewall (\(tool.name)) could not be read, so it was not checked: \(error)")
            return .done
        }
        let findings = self.findings(state)
        guard !findings.isEmpty else { return .done }
        guard context.options.applyFirewall else {
            for finding in findings { step.note(finding.text) }
            step.note("the firewall (\(tool.name)) was not changed: rerun with --apply-firewall, or change it by hand")
            return .done
        }
        return .wouldApply(findings.map(\.text) + tool.commands(for: findings, state: state).map { "run " + $0.display })
    }

    func apply(_ step: StepContext) throws {
        guard let tool = FirewallTool.detect(context.environment) else { return }
        var ran: [String] = []
        var state = try tool.read(context.environment)
        // A few rounds: deleting a ufw rule for several ports can close one that must stay open.
        for _ in 0..<3 {
            let findings = self.findings(state)
            let commands = tool.commands(for: findings, state: state).filter { !ran.contains($0.display) }
            if findings.isEmpty || commands.isEmpty { break }
            for command in commands {
                step.waiting("\(command.display) to finish")
                _ = try command.output(environment: context.environment)
                ran.append(command.display)
            }
            state = try tool.read(context.environment)
        }
        if state.inactive {
            throw StepFailure(lines: ["ufw is inactive, so the rules edpctl added are not enforced yet:"] + ran.map { "  " + $0 }
                + ["edpctl does not enable ufw (that could cut your SSH session): allow SSH (ufw allow OpenSSH), run "
                    + "ufw enable, then edpctl rebuild --resume"])
        }
        let findings = self.findings(state)
        if !findings.isEmpty {
            throw StepFailure(lines: ["the firewall (\(tool.name)) still differs from platform.yaml after:"]
                + ran.map { "  " + $0 } + findings.map { "  - " + $0.text })
        }
    }

    struct Finding {
        enum Kind { case closed, exposed }
        let kind: Kind
        let port: Int
        let reason: String

        var text: String {
            switch kind {
            case .closed: "port \(port) (firewall.open) is not reachable from the world: \(reason)"
            case .exposed: "port \(port) (firewall.private) is open to the world: \(reason)"
            }
        }
    }

    func findings(_ state: FirewallState) -> [Finding] {
        firewall.open.compactMap { port in
            let (allowed, reason) = state.allowsFromWorld(port)
            return allowed ? nil : Finding(kind: .closed, port: port, reason: reason)
        } + firewall.private.compactMap { port in
            let (allowed, reason) = state.allowsFromWorld(port)
            return allowed ? Finding(kind: .exposed, port: port, reason: reason) : nil
        }
    }

    private func list(_ ports: [Int]) -> String { ports.isEmpty ? "(none)" : ports.map(String.init).joined(separator: ", ") }
}

/// One rule as far as reachability from the world goes.
struct FirewallRule {
    /// nil: every port.
    var ports: Set<Int>?
    var accepts: Bool
    /// As the tool shows it, for reasons and for deleting it.
    var text: String
    /// ufw's `To` column, which `ufw delete allow` takes.
    var reference: String?
}

/// A base chain traffic to the node passes (nft, iptables' INPUT) or ufw's rule list: the first
/// matching rule from anywhere decides, else the policy.
struct FirewallChain {
    var name: String
    var family: String = ""
    var table: String = ""
    var policyAccepts: Bool
    /// Only the rules that match traffic from anywhere; rules limited to a source or an interface are left out.
    var rules: [FirewallRule]

    /// `inet filter input` for nft, the name alone otherwise.
    var label: String { family.isEmpty ? name : "\(family) \(table) \(name)" }

    func verdict(_ port: Int) -> (accepts: Bool, reason: String) {
        if let rule = rules.first(where: { $0.ports?.contains(port) ?? true }) {
            return (rule.accepts, "\(label): \(rule.text)")
        }
        return (policyAccepts, "\(label): policy \(policyAccepts ? "accept" : "drop")")
    }
}

struct FirewallState {
    var chains: [FirewallChain]
    /// ufw's `Status: inactive`.
    var inactive = false

    /// A packet must pass every base chain: a drop anywhere is final.
    func allowsFromWorld(_ port: Int) -> (Bool, String) {
        if chains.isEmpty { return (true, inactive ? "ufw is inactive" : "no input chain filters it") }
        for chain in chains {
            let (accepts, reason) = chain.verdict(port)
            if !accepts { return (false, reason) }
        }
        return (true, chains.map { $0.verdict(port).reason }.joined(separator: "; "))
    }
}

enum FirewallTool {
    case ufw, nft, iptables

    var name: String {
        switch self {
        case .ufw: "ufw"
        case .nft: "nftables"
        case .iptables: "iptables"
        }
    }

    /// ufw first (it is the front end when installed), then nftables, then iptables.
    static func detect(_ environment: [String: String]) -> FirewallTool? {
        if HostCommand.find("ufw", in: environment) != nil { return .ufw }
        if HostCommand.find("nft", in: environment) != nil { return .nft }
        if HostCommand.find("iptables-save", in: environment) != nil { return .iptables }
        return nil
    }

    func read(_ environment: [String: String]) throws -> FirewallState {
        switch self {
        case .ufw: try Self.parseUFW(HostCommand("ufw", ["status", "verbose"]).output(environment: environment))
        case .nft: Self.parseNFT(try HostCommand("nft", ["list", "ruleset"]).output(environment: environment))
        case .iptables: Self.parseIPTables(try HostCommand("iptables-save", []).output(environment: environment))
        }
    }

    /// Where the world stops: private, shared (Tailscale's 100.64.0.0/10) and loopback addresses,
    /// which kubectl over a VPN and the pods (10.42.0.0/16) still reach a private port from.
    static let privateIPv4 = ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    static let privateIPv6 = ["::1", "fc00::/7", "fe80::/10"]

    func commands(for findings: [FirewallStep.Finding], state: FirewallState) -> [HostCommand] {
        var commands: [HostCommand] = []
        func add(_ command: HostCommand) {
            if !commands.contains(where: { $0.display == command.display }) { commands.append(command) }
        }
        for finding in findings {
            let port = finding.port
            switch (self, finding.kind) {
            case (.ufw, .closed):
                add(HostCommand("ufw", ["allow", "\(port)/tcp"]))
            case (.ufw, .exposed):
                // Deleting the rules that let the world in keeps the ones for a VPN or a subnet before them.
                let chain = state.chains.first
                for rule in chain?.rules ?? [] where rule.accepts && (rule.ports?.contains(port) ?? false) {
                    if let to = rule.reference { add(HostCommand("ufw", ["delete", "allow", to])) }
                }
                if chain?.policyAccepts ?? true { add(HostCommand("ufw", ["deny", "\(port)/tcp"])) }
            case (.nft, .closed):
                for chain in state.chains where !chain.verdict(port).accepts {
                    add(HostCommand("nft", ["insert", "rule", chain.family, chain.table, chain.name,
                                            "tcp", "dport", "\(port)", "accept"]))
                }
            case (.nft, .exposed):
                // A chain of edpctl's own, before the others: a drop in any input chain is final.
                if !state.chains.contains(where: { $0.family == "inet" && $0.table == "edpctl" }) {
                    add(HostCommand("nft", ["add", "table", "inet", "edpctl"]))
                    add(HostCommand("nft", ["add", "chain", "inet", "edpctl", "input",
                                            "{ type filter hook input priority -10 ; policy accept ; }"]))
                }
                add(HostCommand("nft", ["add", "rule", "inet", "edpctl", "input", "tcp", "dport", "\(port)", "ip", "saddr",
                                        "!=", "{ " + Self.privateIPv4.joined(separator: ", ") + " }", "drop"]))
                add(HostCommand("nft", ["add", "rule", "inet", "edpctl", "input", "tcp", "dport", "\(port)", "ip6", "saddr",
                                        "!=", "{ " + Self.privateIPv6.joined(separator: ", ") + " }", "drop"]))
            case (.iptables, .closed):
                add(HostCommand("iptables", ["-I", "INPUT", "-p", "tcp", "--dport", "\(port)", "-j", "ACCEPT"]))
            case (.iptables, .exposed):
                // Inserted at the top in reverse: the private sources' accepts end up above the drop.
                add(HostCommand("iptables", ["-I", "INPUT", "-p", "tcp", "--dport", "\(port)", "-j", "DROP"]))
                for range in Self.privateIPv4.reversed() {
                    add(HostCommand("iptables", ["-I", "INPUT", "-s", range, "-p", "tcp", "--dport", "\(port)", "-j", "ACCEPT"]))
                }
            }
        }
        return commands
    }

    // MARK: Parsing

    /// `80`, `80/tcp`, `80,443/tcp`, `6000:6007/tcp`, `1000-2000`; nil for something else (an application profile).
    static func ports(_ text: String, rangeSeparator: Character) -> Set<Int>? {
        var ports = Set<Int>()
        for part in text.split(separator: ",") {
            let part = part.trimmingCharacters(in: .whitespaces)
            let bounds = part.split(separator: rangeSeparator).map { Int($0) }
            if bounds.count == 1, let port = bounds[0] {
                ports.insert(port)
            } else if bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high, high - low < 65536 {
                ports.formUnion(low...high)
            } else {
                return nil
            }
        }
        return ports.isEmpty ? nil : ports
    }

    /// `ufw status verbose`: the status, the default incoming policy, and the rules table.
    static func parseUFW(_ text: String) throws -> FirewallState {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.contains(where: { $0.hasPrefix("Status: inactive") }) { return FirewallState(chains: [], inactive: true) }
        guard lines.contains(where: { $0.hasPrefix("Status: active") }) else {
            throw StepFailure(lines: ["ufw status verbose printed no status line:"] + lines.prefix(5).map { "  " + $0 })
        }
        var policyAccepts = false
        if let defaults = lines.first(where: { $0.hasPrefix("Default:") }) {
            policyAccepts = defaults.contains("allow (incoming)")
        }
        var rules: [FirewallRule] = []
        var inTable = false
        for line in lines {
            if line.hasPrefix("--") { inTable = true; continue }
            guard inTable, !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let columns = line.split(separator: "  ", omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard columns.count >= 3 else { continue }
            let to = columns[0], action = columns[1], from = columns[2]
            let words = action.split(separator: " ")
            guard let verb = words.first, words.count == 1 || words[1] == "IN" else { continue }
            // Limited to an interface or a source: not the world.
            guard from.hasPrefix("Anywhere"), !from.contains(" on "), !to.contains(" on ") else { continue }
            let spec = to.replacingOccurrences(of: " (v6)", with: "")
            let ports: Set<Int>?
            if spec == "Anywhere" {
                ports = nil
            } else {
                let parts = spec.split(separator: "/")
                if parts.count == 2 && parts[1] != "tcp" { continue }
                guard let parsed = Self.ports(String(parts[0]), rangeSeparator: ":") else { continue }
                ports = parsed
            }
            rules.append(FirewallRule(ports: ports, accepts: verb == "ALLOW" || verb == "LIMIT",
                                      text: "\(to) \(action) \(from)", reference: spec))
        }
        return FirewallState(chains: [FirewallChain(name: "ufw", policyAccepts: policyAccepts, rules: rules)])
    }

    /// `nft list ruleset` (with or without `-a`): the base chains hooked to input, their policy, and their rules.
    static func parseNFT(_ text: String) -> FirewallState {
        var chains: [FirewallChain] = []
        var family = "", table = ""
        var current: FirewallChain?
        var isInput = false
        for raw in text.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let mark = line.range(of: " # handle ") { line = String(line[..<mark.lowerBound]) }
            let words = line.split(separator: " ").map(String.init)
            if words.first == "table", words.count >= 3 {
                family = words[1]; table = words[2]
            } else if words.first == "chain", words.count >= 2 {
                current = FirewallChain(name: words[1], family: family, table: table, policyAccepts: true, rules: [])
                isInput = false
            } else if line == "}" {
                if let chain = current, isInput { chains.append(chain) }
                current = nil
            } else if current != nil, words.first == "type" {
                isInput = words.contains("hook") && words.contains("input") && words.contains("filter")
                if let policy = words.firstIndex(of: "policy"), policy + 1 < words.count {
                    current?.policyAccepts = words[policy + 1].hasPrefix("accept")
                }
            } else if current != nil, let rule = nftRule(words, text: line) {
                current?.rules.append(rule)
            }
        }
        return FirewallState(chains: chains)
    }

    /// A rule that matches traffic from anywhere (on a TCP port, or on every port), or edpctl's own
    /// `saddr != { private ranges } drop`; nil for a rule with a condition this does not model.
    static func nftRule(_ words: [String], text: String) -> FirewallRule? {
        guard let verdict = words.last(where: { ["accept", "drop", "reject"].contains($0) }) else { return nil }
        var ports: Set<Int>?
        var rest = words
        if let dport = words.firstIndex(of: "dport"), dport > 0, words[dport - 1] == "tcp", dport + 1 < words.count {
            var spec = words[dport + 1]
            var end = dport + 2
            if spec == "{", let close = words[(dport + 1)...].firstIndex(of: "}") {
                spec = words[(dport + 2)..<close].joined().replacingOccurrences(of: " ", with: "")
                end = close + 1
            }
            guard let parsed = Self.ports(spec, rangeSeparator: "-") else { return nil }
            ports = parsed
            rest.removeSubrange((dport - 1)..<end)
        }
        let isOwnDrop = verdict == "drop" && text.contains("saddr != {")
        if !isOwnDrop {
            // What is left must say nothing about where the packet comes from.
            var index = 0
            while index < rest.count {
                switch rest[index] {
                case "counter", "accept", "drop", "reject": index += 1
                case "packets", "bytes": index += 2
                case "with": return FirewallRule(ports: ports, accepts: false, text: text, reference: nil)
                default: return nil
                }
            }
        }
        return FirewallRule(ports: ports, accepts: verdict == "accept", text: text, reference: nil)
    }

    /// `iptables-save`: the filter table's INPUT chain.
    static func parseIPTables(_ text: String) -> FirewallState {
        var inFilter = false
        var chain: FirewallChain?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("*") { inFilter = line == "*filter"; continue }
            guard inFilter else { continue }
            let words = line.split(separator: " ").map(String.init)
            if words.first == ":INPUT" {
                chain = FirewallChain(name: "INPUT", family: "iptables", table: "filter", policyAccepts: words.count < 2 || words[1] == "ACCEPT", rules: [])
            } else if words.count > 2, words[0] == "-A", words[1] == "INPUT", let rule = iptablesRule(Array(words.dropFirst(2)), text: line) {
                chain?.rules.append(rule)
            }
        }
        return FirewallState(chains: chain.map { [$0] } ?? [])
    }

    static func iptablesRule(_ words: [String], text: String) -> FirewallRule? {
        var ports: Set<Int>?
        var target: String?
        var index = 0
        while index < words.count {
            let word = words[index], value = index + 1 < words.count ? words[index + 1] : ""
            switch word {
            case "-p": if value != "tcp" { return nil }; index += 2
            case "-m": if !["tcp", "multiport", "comment"].contains(value) { return nil }; index += 2
            case "--comment": index += 2
            case "--dport", "--dports":
                guard let parsed = Self.ports(value, rangeSeparator: ":") else { return nil }
                ports = parsed; index += 2
            case "-j": target = value; index += 2
            default: return nil
            }
        }
        guard let target, ["ACCEPT", "DROP", "REJECT"].contains(target) else { return nil }
        return FirewallRule(ports: ports, accepts: target == "ACCEPT", text: text, reference: nil)
    }
}
