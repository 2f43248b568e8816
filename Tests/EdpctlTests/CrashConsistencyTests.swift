import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


/// `edpctl render --input-dir`, `hydrate --commit` and `hydrate --commit --push` killed with SIGKILL
/// at random moments, each kill followed by a run that must repair everything by itself: it exits
/// 0, `git fsck --strict` finds nothing, the result equals a clean run's, and no temporary file
/// (nor git lock or unfinished object) is left.
///
/// Half the moments are uniform over the length of an uninterrupted run (measured first, then
/// followed as the runs go); the other half are aimed at short phases that those would rarely hit:
/// render's writes, hydrate's first clone, its commit and push, and the moments it holds
/// .git/index.lock. They are drawn from a generator seeded with `EDPCTL_CRASH_SEED` (random when
/// unset; printed, and named in every failure): `EDPCTL_CRASH_SEED=N swift test --filter
/// CrashConsistencyTests/<test>` replays a scenario's plan, while the machine's speed decides what
/// each moment hits. `EDPCTL_CRASH_KILLS` sets the kills per scenario for a long local run; the
/// default (`CrashSettings`) is sized for CI.
@Suite("Crash consistency: edpctl killed at random moments", .serialized)
struct CrashConsistencyTests {
    @Test(.timeLimit(.minutes(10)))
    func renderInputDirKilledAtRandomMomentsIsRepairedByTheNextRun() throws {
        let start = ContinuousClock.now
        let settings = try CrashSettings.current()
        var random = settings.generator(for: .render)
        let scratch = try Scratch()
        let input = scratch.path + "/in"
        try writeGeneratedTemplates(into: input)
        let output = scratch.path + "/out"
        let cache = scratch.path + "/cache"
        let runner = Runner(logs: scratch.path + "/logs")
        func render(into folder: String, cached: Bool = true) -> [String] {
            ["render", "--input-dir", input, "--output-dir", folder] + (cached ? [] : ["--no-cache"])
        }
        func environment(_ value: String) -> [String: String] {
            ["HOME": scratch.path, "EDPCTL_CACHE_DIR": cache, "VALUE": value]
        }

        // The references, rendered once without kills into new folders. Everything is rendered in
        // memory first, then written, one thread per folder, the first folder's first file first;
        // the writes are the end of a run, which varies in length, so kills aimed at them count
        // from when that file was written.
        let values = ["one", "two"]
        let firstOutput = "f0/s0/t000.yaml"
        var references: [[String: FileState]] = []
        var lengths = RunLengths()
        var writesShare = 0.0
        for value in values {
            let folder = scratch.path + "/reference-" + value
            let clean = try runner.edpctl(render(into: folder, cached: false), environment: environment(value),
                                          watching: ["writes": folder + "/" + firstOutput])
            try #require(clean.ending == .exited(0), "render: the clean reference run failed: \(clean)")
            references.append(snapshot(of: folder))
            lengths.add(clean.milliseconds)
            writesShare = max(writesShare, 1 - (clean.firstSeen["writes"] ?? 0) / clean.milliseconds)
        }
        try #require(references[0].count == generatedTemplateCount && references[0] != references[1])
        func windows() -> (whole: KillWindow, writes: KillWindow) {
            (KillWindow(name: nil, from: 0, to: lengths.median),
             KillWindow(name: "aimed at the writes", from: 0, to: writesShare * lengths.median,
                        anchor: KillWindow.Anchor(name: "the write of the first output", path: output + "/" + firstOutput)))
        }
        settings.announce(.render, [windows().whole, windows().writes])

        var phases = PhaseCounter()
        var previous: [String: FileState] = [:]
        for number in 1...settings.kills {
            if settings.stops(after: number - 1, of: .render, since: start) { break }
            let (whole, writes) = windows()
            let window = random.fraction() < 0.5 ? writes : whole
            var kill = Kill(scenario: .render, number: number, window: window, fraction: random.fraction(),
                            seed: settings.seed)
            let target = references[(number - 1) % 2]
            let value = values[(number - 1) % 2]

            let killed = try runner.edpctl(render(into: output), environment: environment(value), kill: kill)
            kill.hit = renderPhase(killed, output: snapshot(of: output), previous: previous, target: target)
            phases.count(kill.hit, leftovers: leftovers(below: output) + leftovers(below: cache))

            let next = try runner.edpctl(render(into: output), environment: environment(value),
                                         timeout: settings.timeout(lengths.median))
            #expect(next.ending == .exited(0), "\(kill): the next run (with the render cache) did not complete: \(next)")
            if next.ending == .exited(0) { lengths.add(next.milliseconds) }
            expectEqual(snapshot(of: output), target, "\(kill): the output after the next run (with the render cache)")
            let remaining = leftovers(below: output) + leftovers(below: cache)
            #expect(remaining.isEmpty,
                    "\(kill): temporary files left after the next run: \(listed(remaining, relativeTo: scratch.path))")
            // Removed, so that a later kill's failures are its own.
            remove(remaining)
            previous = target
        }
        settings.report(.render, phases, lengths, since: start)
    }

    @Test(.timeLimit(.minutes(10)))
    func hydrateCommitKilledAtRandomMomentsIsRepairedByTheNextRun() throws {
        let settings = try CrashSettings.current()
        let scratch = try Scratch()
        let bare = try makeBareRepository("instances", in: scratch.path + "/served")
        try runHydrateScenario(.hydrateCommit, settings: settings, scratch: scratch, url: bare, server: nil,
                               servedRepository: bare)
    }

    @Test(.timeLimit(.minutes(10)))
    func hydrateCommitPushKilledAtRandomMomentsIsRepairedByTheNextRun() throws {
        let settings = try CrashSettings.current()
        let scratch = try Scratch()
        let served = try makeBareRepository("instances", in: scratch.path + "/served")
        let server = try GitServer(root: scratch.path, token: "tok-crash-consistency-4711")
        try runHydrateScenario(.hydrateCommitPush, settings: settings, scratch: scratch, url: server.url("instances"),
                               server: server, servedRepository: served)
    }

    /// Kills `hydrate --commit [--push] --instances-url URL --work-dir DIR`; every few rounds DIR is
    /// removed first, so that the first clone is killed too. Without `server` nothing is pushed and
    /// `servedRepository` must stay as it was.
    private func runHydrateScenario(_ scenario: Scenario, settings: CrashSettings, scratch: Scratch, url: String,
                                    server: GitServer?, servedRepository: String) throws {
        let start = ContinuousClock.now
        var random = settings.generator(for: scenario)
        let runner = Runner(logs: scratch.path + "/logs")
        let push = server != nil
        let jobs = scratch.path + "/jobs"
        let work = jobs + "/work"
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        let domains = (1...hydratedDomainCount).map { String(format: "d%02d.t09.de", $0) }
        func hydrate(into folder: String, from url: String) -> [String] {
            ["hydrate", "--templates", packageRoot + "/templates", "--env-file", packageRoot + "/examples/edp/env",
             "--instances-url", url, "--work-dir", folder, "--domain", domains.joined(separator: ","), "--commit"]
                + (push ? ["--push"] : [])
        }
        // A variable that changes between rounds, so that every round has something to commit.
        let loadBalancerIPs = ["192.0.2.10", "192.0.2.20"]
        func environment(_ variant: Int) -> [String: String] {
            var environment = ["HOME": scratch.path, "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example.com",
                               "LOADBALANCER_IP": loadBalancerIPs[variant]]
            if let server { environment.merge(["GIT_USERNAME": server.user, "GIT_TOKEN": server.token]) { $1 } }
            return environment
        }
        let seedTip = try runner.gitOutput(["rev-parse", "main"], in: servedRepository)

        // The references: clean runs, each into a fresh work folder from a repository seeded like
        // the one under test. The first clone is over when the seed's README.md appears. The file
        // LOADBALANCER_IP changes is among the last of a domain; once the last domain's is written,
        // what remains is the commit (and push), too short to be hit often from the start, since
        // runs vary in length: kills aimed there count from when that file was written.
        let referenceRepository = try makeBareRepository("reference", in: scratch.path + "/served")
        let referenceURL = server?.url("reference") ?? referenceRepository
        let lastChangedFile = "otc/\(domains.last!)/stacks/otc/ingress-nginx/values.yaml"
        var references: [HydrateReference] = []
        var lengths = RunLengths()
        var cloneEnd = 0.0
        var tail = 0.0
        for variant in loadBalancerIPs.indices {
            let folder = scratch.path + "/reference-\(variant)"
            let clean = try runner.edpctl(hydrate(into: folder, from: referenceURL), environment: environment(variant),
                                          watching: ["clone": folder + "/README.md",
                                                     "last change": folder + "/" + lastChangedFile])
            try #require(clean.ending == .exited(0), "\(scenario): the clean reference run failed: \(clean)")
            references.append(HydrateReference(
                files: snapshot(of: folder), tree: try runner.gitOutput(["ls-tree", "-r", "HEAD"], in: folder)))
            lengths.add(clean.milliseconds)
            cloneEnd = max(cloneEnd, clean.firstSeen["clone"] ?? 0)
            tail = max(tail, 1 - (clean.firstSeen["last change"] ?? 0) / clean.milliseconds)
        }
        try #require(references[0].files.count > hydratedDomainCount * 20 && references[0].tree != references[1].tree)
        try #require(references[0].files[lastChangedFile] != references[1].files[lastChangedFile])
        let clone = KillWindow(name: "aimed at the clone", from: 0, to: max(cloneEnd * 1.5, 5))
        // The index is written in a millisecond or two under .git/index.lock (by the reset, the
        // checkout and the commit), a moment kills at other times all but never hit.
        let indexLock = KillWindow(name: "aimed at the index lock", from: 0, to: 1,
                                   anchor: KillWindow.Anchor(name: "index.lock appeared", path: work + "/.git/index.lock"))
        func windows() -> (whole: KillWindow, end: KillWindow) {
            (KillWindow(name: nil, from: 0, to: lengths.median),
             KillWindow(name: push ? "aimed at the commit and push" : "aimed at the commit", from: 0,
                        to: tail * lengths.median,
                        anchor: KillWindow.Anchor(name: "the write of the last domain's changed file",
                                                  path: work + "/" + lastChangedFile)))
        }
        settings.announce(scenario, [windows().whole, clone, windows().end, indexLock])

        var phases = PhaseCounter()
        for number in 1...settings.kills {
            if settings.stops(after: number - 1, of: scenario, since: start) { break }
            let (whole, end) = windows()
            // Every draw is made in every round, so that a seed gives the same plan whatever happens.
            let freshClone = random.fraction() < 1.0 / 3.0 || number == 1
            let aim = random.fraction()
            let window = aim >= 0.5 ? whole : freshClone ? clone : aim < 0.3 ? end : indexLock
            var kill = Kill(scenario: scenario, number: number, window: window, fraction: random.fraction(),
                            seed: settings.seed, firstClone: freshClone)
            let variant = (number - 1) % 2
            let reference = references[variant]
            if freshClone { try? FileManager.default.removeItem(atPath: work) }
            let servedBefore = try runner.gitOutput(["rev-parse", "main"], in: servedRepository)

            let killed = try runner.edpctl(hydrate(into: work, from: url), environment: environment(variant), kill: kill)
            let leftAfterKill = leftovers(below: work) + edpctlNames(in: jobs)
            kill.hit = try hydratePhase(killed, work: work, jobs: jobs, reference: reference,
                                        served: push ? servedRepository : nil, runner: runner)
            phases.count(kill.hit, leftovers: leftAfterKill)

            let next = try runner.edpctl(hydrate(into: work, from: url), environment: environment(variant),
                                         timeout: settings.timeout(lengths.median))
            let remaining = leftovers(below: work) + edpctlNames(in: jobs)
            #expect(remaining.isEmpty,
                    "\(kill): temporary files or locks left after the next run: \(listed(remaining, relativeTo: jobs))")
            // Removed, so that a later kill's failures are its own.
            remove(remaining)
            guard next.ending == .exited(0) else {
                Issue.record("\(kill): the next run did not complete: \(next)")
                // The next round starts from nothing, so that one broken folder fails one round only.
                remove([work])
                continue
            }
            lengths.add(next.milliseconds)

            do {
                try expectFsckClean(work, runner: runner, "\(kill): the work folder")
                try expectFsckClean(servedRepository, runner: runner, "\(kill): the instances repository")
                expectEqual(snapshot(of: work), reference.files, "\(kill): the work folder after the next run")
                expectSameLines(try runner.gitOutput(["ls-tree", "-r", "HEAD"], in: work), reference.tree,
                                "\(kill): the work folder's HEAD")
                let status = try runner.gitOutput(["status", "--porcelain", "--untracked-files=no"], in: work)
                #expect(status.isEmpty, "\(kill): the work folder's index differs from HEAD or the files: \(status)")
                let served = try runner.gitOutput(["rev-parse", "main"], in: servedRepository)
                if push {
                    expectSameLines(try runner.gitOutput(["ls-tree", "-r", "main"], in: servedRepository),
                                    reference.tree, "\(kill): the server's main")
                    let head = try runner.gitOutput(["rev-parse", "HEAD"], in: work)
                    #expect(served == head, "\(kill): the work folder's HEAD \(head) is not the server's main \(served)")
                    let kept = try runner.git(["merge-base", "--is-ancestor", servedBefore, "main"], in: servedRepository)
                    #expect(kept.ending == .exited(0),
                            "\(kill): the server's main \(served) no longer holds \(servedBefore), its tip before the kill")
                } else {
                    #expect(served == seedTip, "\(kill): hydrate --commit without --push changed the instances repository")
                }
            } catch {
                Issue.record("\(kill): after the next run, \(error)")
            }
        }
        settings.report(scenario, phases, lengths, since: start)
    }

    // MARK: What a kill hit, told from what it left

    private func renderPhase(_ killed: Outcome, output: [String: FileState], previous: [String: FileState],
                             target: [String: FileState]) -> String {
        if killed.ending != .killed { return "exited before the kill" }
        let written = target.filter { output[$0.key] == $0.value && previous[$0.key] != $0.value }.count
        if output == target { return "all written (killed while finishing)" }
        return written == 0 ? "before writing" : "while writing"
    }

    private func hydratePhase(_ killed: Outcome, work: String, jobs: String, reference: HydrateReference,
                              served: String?, runner: Runner) throws -> String {
        if killed.ending != .killed { return "exited before the kill" }
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: work) {
            return edpctlNames(in: jobs).isEmpty ? "before the clone" : "during the clone"
        }
        let origin = try runner.git(["rev-parse", "--verify", "--quiet", "refs/remotes/origin/main"], in: work)
        if origin.ending != .exited(0) || !fileManager.fileExists(atPath: work + "/README.md") {
            return "during the clone"
        }
        guard snapshot(of: work) == reference.files else { return "before or while hydrating" }
        let head = try runner.git(["ls-tree", "-r", "HEAD"], in: work)
        guard head.ending == .exited(0) && head.trimmedOutput == reference.tree else { return "hydrated, not committed" }
        guard let served else { return "committed" }
        return try runner.git(["ls-tree", "-r", "main"], in: served).trimmedOutput == reference.tree
            ? "pushed" : "committed, not pushed"
    }

    // MARK: Checks

    private func expectFsckClean(_ repository: String, runner: Runner, _ what: String) throws {
        let fsck = try runner.git(["fsck", "--strict"], in: repository)
        // Dangling objects are what an interrupted commit is allowed to leave; anything else is not.
        let problems = (fsck.stdout + fsck.stderr).split(separator: "\n").filter { !$0.hasPrefix("dangling ") }
        #expect(fsck.ending == .exited(0) && problems.isEmpty,
                "\(what): git fsck --strict \(fsck.ending): \(problems.prefix(5).joined(separator: "; "))")
    }

    private func expectEqual(_ actual: [String: FileState], _ expected: [String: FileState], _ what: String) {
        guard actual != expected else { return }
        var differences: [String] = []
        for path in Set(actual.keys).union(expected.keys).sorted() where actual[path] != expected[path] {
            differences.append(actual[path] == nil ? "missing " + path
                : expected[path] == nil ? "unexpected " + path : "different " + path)
        }
        Issue.record("\(what) differs from a clean run's: \(listed(differences))")
    }

    private func expectSameLines(_ actual: String, _ expected: String, _ what: String) {
        guard actual != expected else { return }
        let actualLines = Set(actual.split(separator: "\n")), expectedLines = Set(expected.split(separator: "\n"))
        let differences = actualLines.subtracting(expectedLines).map { "+ \($0)" }
            + expectedLines.subtracting(actualLines).map { "- \($0)" }
        Issue.record("\(what) is not a clean run's tree (git ls-tree -r): \(listed(differences.sorted()))")
    }
}

// MARK: The fixtures

private let generatedTemplateCount = 8 * 4 * 100

/// A few thousand small templates in 8 folders of 4 subfolders each, every one with actions that
/// read `VALUE`, so that each run with another value rewrites every output.
private func writeGeneratedTemplates(into folder: String) throws {
    for top in 0..<8 {
        for sub in 0..<4 {
            let directory = "\(folder)/f\(top)/s\(sub)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for index in 0..<100 {
                let text = """
                    # f\(top)/s\(sub)/t\(index)
                    name: item-\(top)-\(sub)-\(index)
                    value: <<< .Env.VALUE >>>
                    upper: <<< .Env.VALUE | toUpper >>>
                    label: <<< printf "%s-%04d" .Env.VALUE \(index) >>>

                    """
                try Data(text.utf8).write(to: URL(fileURLWithPath: directory + String(format: "/t%03d.yaml", index)))
            }
        }
    }
}

/// Domains hydrated at once: a run of a debug build takes a few hundred milliseconds, long enough
/// for kills to land in every phase.
private let hydratedDomainCount = 25

private struct HydrateReference {
    /// The work folder's files, .git left out.
    let files: [String: FileState]
    /// `git ls-tree -r HEAD`: modes, blob ids and paths of the commit.
    let tree: String
}

// MARK: The kill plan

private enum Scenario: String, CustomStringConvertible {
    case render = "render --input-dir"
    case hydrateCommit = "hydrate --commit"
    case hydrateCommitPush = "hydrate --commit --push"

    var description: String { rawValue }

    /// Each scenario draws from its own stream, so that one of them can be replayed alone.
    var streamNumber: UInt64 {
        switch self {
        case .render: 1
        case .hydrateCommit: 2
        case .hydrateCommitPush: 3
        }
    }
}

private struct CrashSettings {
    /// Kills per scenario by default: with the clean runs and the checks, about a minute for the
    /// three scenarios in a debug build on two cores.
    static let defaultKills = 15
    /// With the default kills, a scenario that has spent this long (a slow or busy machine) stops
    /// after its current kill, once it has made `minimumKills`, so the suite stays fit for CI.
    static let defaultBudgetSeconds = 30.0
    static let minimumKills = 5

    let seed: UInt64
    let kills: Int
    /// nil: EDPCTL_CRASH_KILLS asked for a number of kills, and all of them are made.
    let budgetSeconds: Double?

    static func current() throws -> CrashSettings {
        let environment = ProcessInfo.processInfo.environment
        let seed: UInt64
        if let given = environment["EDPCTL_CRASH_SEED"] {
            seed = try #require(UInt64(given), "EDPCTL_CRASH_SEED must be an unsigned integer, not '\(given)'")
        } else {
            seed = UInt64.random(in: 1...UInt64(UInt32.max))
        }
        guard let given = environment["EDPCTL_CRASH_KILLS"] else {
            return CrashSettings(seed: seed, kills: defaultKills, budgetSeconds: defaultBudgetSeconds)
        }
        let kills = try #require(Int(given).flatMap { $0 > 0 ? $0 : nil },
                                 "EDPCTL_CRASH_KILLS must be a positive integer, not '\(given)'")
        return CrashSettings(seed: seed, kills: kills, budgetSeconds: nil)
    }

    /// Whether the kills stop after kill `number` (printed when they stop early).
    func stops(after number: Int, of scenario: Scenario, since start: ContinuousClock.Instant) -> Bool {
        let seconds = milliseconds(ContinuousClock.now - start) / 1000
        guard let budgetSeconds, number >= Self.minimumKills, seconds > budgetSeconds else {
            return false
        }
        print("crash consistency, \(scenario): stopped after \(number) of \(kills) kills, \(Int(seconds)) s "
            + "being over the \(Int(budgetSeconds)) s budget (EDPCTL_CRASH_KILLS lifts it)")
        return true
    }

    func generator(for scenario: Scenario) -> SplitMix64 {
        // Not a multiple of SplitMix64's own increment, which would make the streams one sequence shifted.
        SplitMix64(seed: seed ^ (scenario.streamNumber &* 0xD1B5_4A32_D192_ED03))
    }

    /// A run that needs longer than this is taken to hang.
    func timeout(_ cleanRunMilliseconds: Double) -> Double { max(60_000, cleanRunMilliseconds * 20) }

    func announce(_ scenario: Scenario, _ windows: [KillWindow]) {
        print("crash consistency, \(scenario): EDPCTL_CRASH_SEED=\(seed), \(kills) kills in "
            + windows.map(\.description).joined(separator: ", "))
    }

    func report(_ scenario: Scenario, _ phases: PhaseCounter, _ lengths: RunLengths, since start: ContinuousClock.Instant) {
        let seconds = Int(milliseconds(ContinuousClock.now - start) / 1000)
        print("crash consistency, \(scenario): EDPCTL_CRASH_SEED=\(seed): \(phases); uninterrupted runs took "
            + "\(Int(lengths.median)) ms (median); \(seconds) s in all")
    }
}

/// Where in a run kills are aimed: all of a clean run, or a short part of it that kills spread over
/// all of it would rarely hit, found by watching a clean run's folders. Milliseconds after the
/// start, or after the anchor file was written.
private struct KillWindow: CustomStringConvertible {
    struct Anchor {
        let name: String
        let path: String
    }

    /// nil: all of a clean run.
    let name: String?
    let from: Double
    let to: Double
    var anchor: Anchor? = nil

    var description: String {
        "\(Int(from))–\(Int(to)) ms after \(anchor?.name ?? "the start") (\(name ?? "all of a run"))"
    }
}

/// How long an uninterrupted run takes: the median of those seen so far (the clean reference runs,
/// then each next run after a kill), so that a slow first run or a busy moment of the machine does
/// not put most kills after the end of the runs, nor a fast one before their end.
private struct RunLengths {
    private var milliseconds: [Double] = []

    mutating func add(_ length: Double) { milliseconds.append(length) }

    var median: Double {
        let sorted = milliseconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// One kill: which scenario and round, when after the start, the seed that planned it, and what
/// it hit as far as the folders tell.
private struct Kill: CustomStringConvertible {
    let scenario: Scenario
    let number: Int
    let window: KillWindow
    let milliseconds: Double
    let seed: UInt64
    let firstClone: Bool
    var hit = ""

    init(scenario: Scenario, number: Int, window: KillWindow, fraction: Double, seed: UInt64, firstClone: Bool = false) {
        self.scenario = scenario
        self.number = number
        self.window = window
        milliseconds = window.from + fraction * (window.to - window.from)
        self.seed = seed
        self.firstClone = firstClone
    }

    var description: String {
        let notes = [firstClone ? "first clone" : nil, window.name, hit.isEmpty ? nil : "hit: " + hit].compactMap { $0 }
        return "\(scenario), kill \(number) at \(String(format: "%.1f", milliseconds)) ms after "
            + (window.anchor?.name ?? "the start") + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))")
            + " (EDPCTL_CRASH_SEED=\(seed))"
    }
}

/// What the kills hit and what they left, for the summary printed after each scenario.
private struct PhaseCounter: CustomStringConvertible {
    private var phases: [String: Int] = [:]
    private var order: [String] = []
    private var killsThatLeftFiles = 0
    private var leftoverKinds: [String: Int] = [:]

    mutating func count(_ phase: String, leftovers: [String]) {
        if phases[phase] == nil { order.append(phase) }
        phases[phase, default: 0] += 1
        if !leftovers.isEmpty { killsThatLeftFiles += 1 }
        for kind in Set(leftovers.map(leftoverKind)) { leftoverKinds[kind, default: 0] += 1 }
    }

    var description: String {
        let hit = order.map { "\(phases[$0] ?? 0) \($0)" }.joined(separator: ", ")
        let kinds = leftoverKinds.sorted { $0.key < $1.key }.map { "\($0.key) after \($0.value)" }
            .joined(separator: ", ")
        let total = phases.values.reduce(0, +)
        return "\(total) kills: \(hit); \(killsThatLeftFiles) left temporary files or locks behind"
            + (kinds.isEmpty ? "" : " (\(kinds))")
    }

    private func leftoverKind(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.contains(".edpctl-clone-") { return "a clone folder" }
        if name.contains(".edpctl-") { return "an edpctl temporary file" }
        if name.hasSuffix(".lock") { return name.contains("pack") ? "a pack file's lock" : name }
        return "an unfinished git object file"
    }
}


// MARK: Files

/// A file as a comparison sees it: permission bits and bytes (a link: its target).
private struct FileState: Equatable {
    let mode: mode_t
    let bytes: Data
}

/// Every file below `root` by relative path, `.git` left out, and so are the names `leftovers`
/// reports (a separate check, so that each failure says one thing).
private func snapshot(of root: String) -> [String: FileState] {
    var files: [String: FileState] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = enumerator.nextObject() as? String {
        let name = (relative as NSString).lastPathComponent
        if name == ".git" { enumerator.skipDescendants(); continue }
        if name.contains(".edpctl-") { enumerator.skipDescendants(); continue }
        let path = root + "/" + relative
        var status = stat()
        guard lstat(path, &status) == 0 else { continue }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            files[relative] = FileState(mode: status.st_mode & 0o7777,
                                        bytes: FileManager.default.contents(atPath: path) ?? Data())
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? ""
            files[relative] = FileState(mode: S_IFLNK, bytes: Data(target.utf8))
        default:
            break
        }
    }
    return files
}

/// What a killed run may leave below `root`: edpctl's temporary files and clone folders (`.edpctl-`
/// in the name), and in `.git` git's lock files (`*.lock`) and unfinished object files (git's
/// `tmp_*` and `incoming-*`, libgit2's `*_git2_*` below `objects`).
private func leftovers(below root: String) -> [String] {
    var found: [String] = []
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return found }
    while let relative = enumerator.nextObject() as? String {
        let components = relative.split(separator: "/")
        let name = String(components.last ?? "")
        let inGit = components.dropLast().contains(".git")
        let inObjects = inGit && components.dropLast().contains("objects")
        if name.contains(".edpctl-") || (inGit && name.hasSuffix(".lock"))
            || (inObjects && (name.hasPrefix("tmp_") || name.hasPrefix("incoming-") || name.contains("_git2_"))) {
            found.append(root + "/" + relative)
            // A leftover folder (a clone's, git's quarantine) counts once.
            enumerator.skipDescendants()
        }
    }
    return found.sorted()
}

/// What is in `folder` itself with the names edpctl gives its temporary files and clone folders.
/// The work folder's lock file (`.<name>.edpctl-lock`) is meant to stay: removing a file others may
/// be waiting to `flock` is racy.
private func edpctlNames(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { $0.contains(".edpctl-") && !$0.hasSuffix(".edpctl-lock") }.sorted()
        .map { folder + "/" + $0 }
}

private func remove(_ paths: [String]) {
    for path in paths { try? FileManager.default.removeItem(atPath: path) }
}

/// The first few items and how many there are, for a failure message that stays readable; paths
/// below `folder` are shown relative to it.
private func listed(_ items: [String], relativeTo folder: String? = nil, limit: Int = 6) -> String {
    let shown = items.prefix(limit).map { item in
        folder.flatMap { item.hasPrefix($0 + "/") ? String(item.dropFirst($0.count + 1)) : nil } ?? item
    }.joined(separator: ", ")
    return items.count > limit ? "\(items.count): \(shown), …" : shown
}

// MARK: Running and killing

private struct Outcome: CustomStringConvertible {
    enum Ending: Equatable, CustomStringConvertible {
        case exited(Int32)
        case killed
        case otherSignal(Int32)
        case timedOut

        var description: String {
            switch self {
            case .exited(let status): "exited \(status)"
            case .killed: "killed"
            case .otherSignal(let signal): "died of signal \(signal)"
            case .timedOut: "timed out (killed)"
            }
        }
    }

    let ending: Ending
    let milliseconds: Double
    let stdout: String
    let stderr: String
    /// When each watched path first existed, in milliseconds after the start, by the name it was given.
    let firstSeen: [String: Double]

    var trimmedOutput: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    var description: String {
        "\(ending) after \(Int(milliseconds)) ms; stderr: \(stderr.isEmpty ? "(empty)" : String(stderr.suffix(2000)))"
    }
}

/// Starts programs with posix_spawn rather than Foundation's Process so that the test reaps them
/// itself: until then a child's pid stays taken, and a SIGKILL that comes after the child exited
/// on its own reaches no other process. The signal goes to the program itself, no shell between.
private final class Runner {
    private let logs: String
    private var runs = 0
    private let gitPath: String

    init(logs: String) {
        self.logs = logs
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        gitPath = path.split(separator: ":").map { $0 + "/git" }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/git"
    }

    /// `edpctl arguments…` with only `environment` and PATH set; when `kill` is given, killed
    /// `kill.milliseconds` after its start or after its window's anchor file was written (its
    /// change time passed the one it had before the start; no kill if it never is).
    func edpctl(_ arguments: [String], environment: [String: String], kill: Kill? = nil, timeout: Double = 120_000,
                watching watched: [String: String] = [:]) throws -> Outcome {
        guard let binary = Edpctl.binary else {
            throw SupportError("edpctl was not found beside the test bundle; build it first (swift build) or set EDPCTL_BINARY")
        }
        var full = environment
        full["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return try run(binary.path, arguments, environment: full, kill: kill, timeout: timeout, watching: watched)
    }

    /// The git CLI in `directory`, isolated from the machine's and user's configuration.
    func git(_ arguments: [String], in directory: String) throws -> Outcome {
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "HOME": logs, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
                           "GIT_TERMINAL_PROMPT": "0"]
        return try run(gitPath, ["-C", directory] + arguments, environment: environment, kill: nil,
                       timeout: 120_000, watching: [:])
    }

    /// The output of a git command that must succeed, without the surrounding whitespace.
    func gitOutput(_ arguments: [String], in directory: String) throws -> String {
        let result = try git(arguments, in: directory)
        guard result.ending == .exited(0) else {
            throw SupportError("git \(arguments.joined(separator: " ")) in \(directory): \(result)")
        }
        return result.trimmedOutput
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String], kill planned: Kill?,
                     timeout: Double, watching watched: [String: String]) throws -> Outcome {
        runs += 1
        let outputPath = "\(logs)/\(runs).out", errorPath = "\(logs)/\(runs).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        let anchor = planned?.window.anchor?.path
        let anchorBefore = anchor.flatMap(changeTime)
        var pid: pid_t = 0
        let clock = ContinuousClock()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        let start = clock.now
        guard spawned == 0 else {
            throw SupportError("posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        func elapsed() -> Double { milliseconds(clock.now - start) }

        var killAt = anchor == nil ? planned?.milliseconds : nil
        var status: Int32 = 0
        var firstSeen: [String: Double] = [:]
        var ending: Outcome.Ending?
        while ending == nil {
            let reaped = waitpid(pid, &status, WNOHANG)
            let now = elapsed()
            if reaped == pid {
                let signal = status & 0x7F
                ending = signal == 0 ? .exited((status >> 8) & 0xFF) : signal == SIGKILL ? .killed : .otherSignal(signal)
            } else if reaped < 0 && errno != EINTR {
                throw SupportError("waitpid \(pid): \(String(cString: strerror(errno)))")
            } else if now > timeout {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                ending = .timedOut
            } else if let due = killAt, now >= due {
                // Not reaped yet, so `pid` is still this child's, even if it has just exited.
                kill(pid, SIGKILL)
                killAt = .infinity
            } else {
                if let planned, let anchor, killAt == nil, let changed = changeTime(anchor), changed != anchorBefore {
                    killAt = now + planned.milliseconds
                }
                for (name, path) in watched where firstSeen[name] == nil && access(path, F_OK) == 0 {
                    firstSeen[name] = now
                }
                let untilKill = (killAt ?? .infinity) - elapsed()
                // Finer steps while waiting for the anchor, whose write the kill times are counted from.
                sleep(milliseconds: max(0, min(untilKill, anchor != nil && killAt == nil ? 0.2 : 0.5)))
            }
        }
        let duration = elapsed()
        let stdout = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: FileManager.default.contents(atPath: errorPath) ?? Data(), as: UTF8.self)
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorPath)
        return Outcome(ending: ending ?? .timedOut, milliseconds: duration, stdout: stdout, stderr: stderr,
                       firstSeen: firstSeen)
    }
}

/// The change time of `path` in nanoseconds, or nil when there is none: an atomic write (a new
/// file renamed into place) always gives a later one, even when the inode number is reused.
private func changeTime(_ path: String) -> Int64? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    #if canImport(Darwin)
    let time = status.st_ctimespec
    #else
    let time = status.st_ctim
    #endif
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

private func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

private func sleep(milliseconds: Double) {
    var request = timespec(tv_sec: Int(milliseconds / 1000),
                           tv_nsec: Int((milliseconds.truncatingRemainder(dividingBy: 1000)) * 1_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

private extension SplitMix64 {
    /// Uniform in [0, 1), from the top 53 bits.
    mutating func fraction() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}
