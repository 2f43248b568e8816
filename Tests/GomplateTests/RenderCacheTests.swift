import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

@Suite("XXH64")
struct XXH64Tests {
    /// xxHash's sanity-test buffer: bytes from a multiplicative generator.
    static let sanityBuffer: [UInt8] = {
        var generator: UInt64 = 2_654_435_761
        return (0..<2367).map { _ in
            defer { generator &*= 11_400_714_785_074_694_797 }
            return UInt8(generator >> 56)
        }
    }()

    // The published vectors of xxHash's sanity test (lengths 0, 1, 14, 222; seeds 0 and
    // PRIME32_1), and, for the lengths between that reach every tail path, libxxhash 0.8.1's.
    @Test(arguments: [
        (0, 0, 0xEF46_DB37_51D8_E999), (0, 0x9E37_79B1, 0xAC75_FDA2_929B_17EF),
        (1, 0, 0xE934_A84A_DB05_2768), (1, 0x9E37_79B1, 0x5014_6076_43A9_B4C3),
        (14, 0, 0x8282_DCC4_994E_35C8), (14, 0x9E37_79B1, 0xC3BD_6BF6_3DEB_6DF0),
        (222, 0, 0xB641_AE8C_B691_C174), (222, 0x9E37_79B1, 0x20CB_8AB7_AE10_C14A),
        (3, 0, 0xFF7E_1959_CB50_794A), (4, 0, 0x9136_A0DC_A574_57EE), (7, 0, 0x6C83_909A_9F01_ED25),
        (8, 0, 0xCDBC_F538_E71D_1348), (31, 0, 0x299B_39A2_90E6_D783), (32, 0, 0x18B2_1649_2BB4_4B70),
        (33, 0, 0x55C8_DC3E_578F_5B59), (63, 0, 0xA9EF_BE0F_A0F3_F4E7), (64, 0, 0xEF55_8F8A_CAC2_B5CD),
        (100, 0x9E37_79B1, 0x4853_706D_C962_5CAE), (2367, 0, 0xA824_18DD_EC0E_A581),
    ] as [(Int, UInt64, UInt64)])
    func publishedVectors(length: Int, seed: UInt64, expected: UInt64) {
        let digest = Self.sanityBuffer[..<length].withUnsafeBytes { XXH64.hash($0, seed: seed) }
        #expect(digest == expected)
    }

    @Test func piecesHashLikeTheWhole() {
        let input = Array(Self.sanityBuffer[..<150])
        let whole = input.withUnsafeBytes { XXH64.hash($0, seed: 7) }
        for split in [0, 1, 5, 31, 32, 33, 64, 100, 149, 150] {
            for second in [split, min(split + 3, 150), min(split + 40, 150)] {
                var hasher = XXH64(seed: 7)
                input.withUnsafeBytes { raw in
                    hasher.update(UnsafeRawBufferPointer(rebasing: raw[..<split]))
                    hasher.update(UnsafeRawBufferPointer(rebasing: raw[split..<second]))
                    hasher.update(UnsafeRawBufferPointer(rebasing: raw[second...]))
                }
                #expect(hasher.digest() == whole, "split at \(split) and \(second)")
            }
        }
    }

    @Test func framedValuesDoNotRunTogether() {
        var first = Hash128Builder()
        first.add("ab")
        first.add("c")
        var second = Hash128Builder()
        second.add("a")
        second.add("bc")
        #expect(first.finish() != second.finish())
    }
}

@Suite("Template.calledFunctions")
struct CalledFunctionsTests {
    @Test func everyFunctionOfEveryTreeAndNothingElse() throws {
        let template = try Template(name: "t", text: """
            {{ .a | toUpper }}{{ $x := printf "%d" 1 }}{{ (strings.Trim "x" " ").Foo }}\
            {{ if eq .b 1 }}{{ add 1 2 }}{{ else if ne .b 2 }}{{ math.Max 1 2 }}{{ else }}{{ len .c }}{{ end }}\
            {{ range $i, $v := coll.Slice 1 }}{{ $v }}{{ break }}{{ end }}{{ with .d }}{{ else }}{{ toJSON . }}{{ end }}\
            {{ template "inner" (dict "k" 1) }}{{ define "inner" }}{{ base64.Encode "x" }}{{ end }}
            """, options: TemplateOptions(leftDelimiter: "{{", rightDelimiter: "}}"), functions: .gomplate)
        #expect(template.calledFunctions == [
            "toUpper", "printf", "strings.Trim", "eq", "add", "ne", "math.Max", "len", "coll.Slice", "toJSON",
            "dict", "base64.Encode",
        ])
    }

    @Test func templatesAddedLaterOrWhileExecutingCount() throws {
        let template = try Template(name: "t", text: "<<< tpl \"<<< random.AlphaNum 8 >>>\" >>><<< tpl \"plain\" >>>", functions: .gomplate)
        try template.addTemplate(name: "nested", text: "<<< uuid.V4 >>>")
        #expect(template.calledFunctions == ["tpl", "uuid.V4"])
        _ = try template.execute(.map(MapValue()), host: TestHost())
        // The second tpl replaced the first's "<inline>" template, which ran all the same.
        #expect(template.calledFunctions == ["tpl", "uuid.V4", "random.AlphaNum"])
    }
}

@Suite("Function inputs")
struct FunctionInputsTests {
    static let table = FunctionTable.gomplate
    /// What a render cache key holds (the `NAME_FILE` files when they are regular files).
    static let keyed: FunctionInputs = [.environment, .environmentFiles, .templates]

    /// The functions whose output the cache must never reuse: the list the cache kept by name
    /// before each function said what it reads, unchanged.
    @Test func theUncacheableFunctionsAreExactlyThese() {
        let uncacheable = Self.table.functions.filter { !$0.value.reads.isSubset(of: Self.keyed) }.keys.sorted()
        #expect(uncacheable == [
            "crypto.AESEncrypt", "crypto.ECDSAGenerateKey", "crypto.Ed25519GenerateKey", "crypto.EncryptAES",
            "crypto.RSAEncrypt", "crypto.RSAGenerateKey", "datasource", "datasourceExists", "datasourceReachable",
            "defineDatasource", "ds", "file.Exists", "file.IsDir", "file.Read", "file.ReadDir", "file.Stat",
            "file.Walk", "file.Write", "include", "listDatasources", "net.LookupCNAME", "net.LookupIP", "net.LookupIPs",
            "net.LookupSRV", "net.LookupSRVs", "net.LookupTXT", "random.ASCII", "random.Alpha",
            "random.AlphaNum", "random.Float", "random.Item", "random.Number", "random.String", "time.Now",
            "time.Parse", "time.ParseInLocation", "time.ParseLocal", "time.Since", "time.Unix", "time.Until",
            "time.ZoneName", "time.ZoneOffset", "uuid.V1", "uuid.V4",
        ])
        let readingEnvironmentFiles = Self.table.functions.filter { $0.value.reads.contains(.environmentFiles) }
        #expect(readingEnvironmentFiles.keys.sorted() == ["env.ExpandEnv", "env.Getenv", "getenv", "time.ParseLocal"])
    }

    /// A function added without saying what it reads fails here, though the cache would already
    /// treat it as reading anything.
    @Test func everyFunctionSaysWhatItReads() {
        let undeclared = Self.table.functions.filter { $0.value.reads.contains(.undeclared) }.keys.sorted()
        #expect(undeclared == [])
        #expect(TemplateFunction("f", arguments: 0) { _, _ in .null }.reads == .undeclared)
    }

    @Test func namespacesReadWhatTheyAreAbout() {
        for (name, function) in Self.table.functions {
            let reads = function.reads
            if name.hasPrefix("file.") { #expect(reads.contains(.files), "\(name)") }
            if name.hasPrefix("random.") { #expect(reads.contains(.randomness), "\(name)") }
            // The rest of `net` parses and computes.
            if name.hasPrefix("net.") { #expect(reads == (name.hasPrefix("net.Lookup") ? .network : []), "\(name)") }
            if name.hasPrefix("env.") || name == "getenv" { #expect(reads.contains(.environment), "\(name)") }
            if name.hasPrefix("tmpl.") || name == "tpl" { #expect(reads.contains(.templates), "\(name)") }
            if name.lowercased().contains("datasource") || ["ds", "include"].contains(name) {
                #expect(reads.contains(.dataSources), "\(name)")
            }
            // The rest of `time` is layouts, duration units and ParseDuration: constants and arithmetic.
            if name.hasPrefix("time.") {
                if Self.timeReadingClockOrZones.contains(function.name) {
                    #expect(!reads.isDisjoint(with: [.clock, .timeZones]), "\(name)")
                } else {
                    #expect(reads.isEmpty, "\(name)")
                }
            }
        }
    }

    static let timeReadingClockOrZones: Set<String> = [
        "Now", "ZoneName", "ZoneOffset", "Parse", "ParseInLocation", "ParseLocal", "Unix", "Since", "Until",
    ]

    @Test func goBuiltinsReadNothingUnlessOverridden() {
        #expect(Builtins.names.allSatisfy { FunctionTable().inputs(ofCalled: $0) == [] })
        #expect(FunctionTable().inputs(ofCalled: "time.Now") == .undeclared)
        #expect(Self.table.inputs(ofCalled: "time.Now").contains(.clock))
        #expect(Self.table.inputs(ofCalled: "print") == [])
    }

    /// Every function said to be pure gives the same result, or the same error, called twice on one
    /// host and once on another with a different environment, folder, template path and data
    /// sources: a pure function that read any of them, the clock or randomness would differ.
    @Test func pureFunctionsAnswerAlikeOnEveryHost() throws {
        let first = try TemporaryFolder()
        let second = try TemporaryFolder()
        try write("first", to: first.child("x"))
        try write("second", to: second.child("x"))
        let hosts = [
            TestHost(environment: ["x": "1", "TZ": "UTC"], workingDirectory: first.path, templatePath: "a",
                     dataSources: ["x": "a: 1"]),
            TestHost(environment: ["x": "2", "TZ": "Asia/Tokyo"], workingDirectory: second.path, templatePath: "b",
                     dataSources: ["x": "a: 2"]),
        ]
        let argumentLists: [[Value]] = [[], [.string("x")], [.int(8)], [.string("x"), .string("x")], [.int(8), .int(9)]]
        var probed = 0
        // WPAPSK runs 4,096 PBKDF2 rounds, seconds in a debug build; PBKDF2 itself stands for it.
        for (name, function) in Self.table.functions.sorted(by: { $0.key < $1.key })
        where function.isPure && name != "crypto.WPAPSK" {
            for arguments in argumentLists where arguments.count >= function.minArguments
                && arguments.count <= function.maxArguments ?? .max {
                func result(_ host: TestHost) -> String {
                    do { return goPrintForMessage(try function.body(arguments, TestCall(host: host))) }
                    catch { return "error: \(error)" }
                }
                let answers = [result(hosts[0]), result(hosts[0]), result(hosts[1])]
                #expect(Set(answers).count == 1, "\(name) \(arguments.map(goPrintForMessage)): \(answers)")
                probed += 1
            }
        }
        #expect(probed > 150)
    }
}

@Suite("Render cache file")
struct RenderCacheFileTests {
    static let entries: [Hash128: CachedEntry] = {
        let none = EnvironmentStamp(reads: HashedReads(EnvironmentReads()), digest: Hash128(high: 5, low: 6))
        let some = EnvironmentStamp(reads: HashedReads(EnvironmentReads(names: ["A", "B_FILE"])),
                                    digest: Hash128(high: 7, low: .max))
        let all = EnvironmentStamp(reads: HashedReads(EnvironmentReads(names: ["A"], all: true)),
                                   digest: Hash128(high: 0, low: 1))
        let stamp = FileStamp(size: 42, modified: -5, changed: 1_700_000_000_123_456_789, inode: 99, device: .max)
        return [
            Hash128(high: 1, low: 2): CachedEntry(output: .blank, environment: none),
            Hash128(high: .max, low: 0): CachedEntry(output: .file(stamp), environment: some),
            Hash128(high: 3, low: 0): CachedEntry(output: .file(stamp), environment: some),
            Hash128(high: 4, low: 0): CachedEntry(output: .blank, environment: all),
        ]
    }()

    @Test func roundTrips() {
        #expect(RenderCache.decode(RenderCache.encode(Self.entries)) == Self.entries)
        #expect(RenderCache.decode(RenderCache.encode([:])) == [:])
    }

    @Test func anythingButAnIntactFileOfThisVersionIsNoCache() {
        let bytes = RenderCache.encode(Self.entries)
        var flipped = bytes
        flipped[30] ^= 1
        var flippedRecord = bytes
        flippedRecord[bytes.count - 20] ^= 1
        var otherVersion = bytes
        otherVersion[8] &+= 1
        for broken in [flipped, flippedRecord, otherVersion, Array(bytes.dropLast()), bytes + [0], [], Array("edpctlRC".utf8),
                       Array(repeating: 0xFF, count: 200)] {
            #expect(RenderCache.decode(broken) == nil)
        }
    }

    /// Counts that promise more than the file holds, under a valid checksum, are refused without
    /// reserving room for them.
    @Test func countsBeyondTheFileAreNoCache() {
        func file(readSets: UInt32, records: UInt32, body: [UInt8] = []) -> [UInt8] {
            var bytes = Array("edpctlRC".utf8)
            for field in [RenderCache.formatVersion, readSets, records] {
                withUnsafeBytes(of: field.littleEndian) { bytes += $0 }
            }
            bytes += body
            let sum = bytes.withUnsafeBytes { XXH64.hash($0, seed: 0) }
            withUnsafeBytes(of: sum.littleEndian) { bytes += $0 }
            return bytes
        }
        #expect(RenderCache.decode(file(readSets: 0, records: 0)) == [:])
        #expect(RenderCache.decode(file(readSets: .max, records: 0)) == nil)
        #expect(RenderCache.decode(file(readSets: 0, records: .max)) == nil)
        // One read set that claims 2^32 - 1 names, and one whose flag is neither 0 nor 1.
        #expect(RenderCache.decode(file(readSets: 1, records: 0, body: [0, 0xFF, 0xFF, 0xFF, 0xFF])) == nil)
        #expect(RenderCache.decode(file(readSets: 1, records: 0, body: [2, 0, 0, 0, 0])) == nil)
        #expect(RenderCache.decode(file(readSets: 1, records: 0, body: [1, 0, 0, 0, 0])) == [:])
    }

    @Test func locationFollowsTheEnvironment() throws {
        func location(_ environment: [String: String], output: String = "out") throws -> String? {
            try RenderCache.location(outputDirectory: output, inputDirectory: "in", workingDirectory: "/work",
                                     environment: environment)
        }
        let home = try #require(try location(["HOME": "/home/ada"]))
        #expect(home.hasPrefix("/home/ada/.cache/edpctl/render/") && home.hasSuffix(".cache"))
        #expect(try location(["HOME": "/home/ada", "XDG_CACHE_HOME": "/xdg"])?.hasPrefix("/xdg/edpctl/render/") == true)
        #expect(try location(["HOME": "/home/ada", "XDG_CACHE_HOME": "relative"])?.hasPrefix("/home/ada/.cache/") == true)
        #expect(try location(["EDPCTL_CACHE_DIR": "c", "XDG_CACHE_HOME": "/xdg"])?.hasPrefix("/work/c/") == true)
        #expect(try location([:]) == nil)
        // One output directory, however it is spelled, has one cache file; another has its own.
        #expect(try location(["HOME": "/h"], output: "/work/./x/../out/") == location(["HOME": "/h"]))
        #expect(try location(["HOME": "/h"], output: "out2") != location(["HOME": "/h"]))
        #expect(throws: RenderCacheError.self) { try location(["EDPCTL_CACHE_DIR": "out/.cache"]) }
        #expect(throws: RenderCacheError.self) { try location(["EDPCTL_CACHE_DIR": "/work/in"]) }
        #expect(try location(["EDPCTL_CACHE_DIR": "/work/outer"]) != nil)
    }

    @Test func onlyStampsOfAnEarlierTickAreSettled() {
        let now: Int64 = 1_700_000_000_500_000_000
        let stamp = { (modified: Int64, changed: Int64) in
            FileStamp(size: 1, modified: modified, changed: changed, inode: 1, device: 1)
        }
        #expect(stamp(now - 4_000_000, now - 1).isSettled(now: now))
        #expect(!stamp(now - 4_000_000, now).isSettled(now: now))
        #expect(!stamp(now, now - 1).isSettled(now: now))
        // Whole seconds: perhaps a file system that keeps no finer times.
        #expect(!stamp(1_700_000_000_000_000_000, 1_700_000_000_000_000_000).isSettled(now: now))
        #expect(stamp(1_699_999_998_000_000_000, 1_699_999_998_000_000_000).isSettled(now: now))
    }
}

/// Counts the templates that reach the engine.
private final class RenderCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []

    func record(_ name: String) {
        lock.lock()
        names.append(name)
        lock.unlock()
    }

    /// The relative paths rendered since the last call, sorted.
    func take() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        defer { names = [] }
        return names.sorted()
    }
}

/// A tree in a scratch folder, rendered as `edpctl render --input-dir in --output-dir out` does,
/// with its cache in `cache/`.
private final class CacheFixture {
    private let folder: TemporaryFolder
    var root: String { folder.path }
    var environment: [String: String] = ["NAME": "ada"]
    var contexts: [String] = []
    var nestedTemplates: [String] = []
    var options = TemplateOptions()
    var excludeProcessing: [String] = []
    let counter = RenderCounter()

    init() throws {
        folder = try TemporaryFolder("render-cache")
        try FileManager.default.createDirectory(atPath: folder.child("in"), withIntermediateDirectories: true)
    }

    var cachePath: String {
        get throws {
            try #require(try RenderCache.location(outputDirectory: "out", inputDirectory: "in", workingDirectory: root,
                                                  environment: ["EDPCTL_CACHE_DIR": "cache"]))
        }
    }

    func write(_ relative: String, _ text: String) throws { try plant(root + "/" + relative, Array(text.utf8)) }

    func read(_ relative: String) throws -> String { try TestSupport.read(root + "/out/" + relative) }

    func inode(_ relative: String) -> ino_t {
        var status = stat()
        _ = stat(root + "/out/" + relative, &status)
        return status.st_ino
    }

    /// Renders the tree; returns the report and the files that were rendered (not taken from the cache).
    @discardableResult
    func run(cache: Bool = true) throws -> (report: TreeWriteReport, rendered: [String]) {
        let session = try RenderSession(RenderConfiguration(
            options: options, contexts: try contexts.map(NamedSource.init(argument:)),
            nestedTemplates: nestedTemplates.map(NestedTemplateSource.init(argument:)), workingDirectory: root,
            environment: environment))
        let renderer = TreeRenderer(inputDirectory: root + "/in", outputDirectory: root + "/out",
                                    excludeProcessing: excludeProcessing, leftDelimiter: options.leftDelimiter)
        let renderCache = cache ? RenderCache(path: try cachePath, session: session, toolVersion: "test") : nil
        let counter = counter
        let report = try renderer.renderAndWrite(cache: renderCache) { file, input in
            counter.record(file.relativePath)
            return try session.renderOutput(name: file.inputPath, bytes: input)
        }
        return (report, counter.take())
    }
}

@Suite("Render cache")
struct RenderCacheTests {
    @Test func aSecondRunRendersNothingAndTouchesNothing() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "name: <<< .Env.NAME >>>\n")
        try tree.write("in/deep/b.yaml", "<<< \"b\" | toUpper >>>\n")
        try tree.write("in/blank.yaml", "<<< \"\" >>>  \n")
        try tree.write("in/plain.txt", "no delimiter\n")
        let first = try tree.run()
        #expect(first.rendered == ["a.yaml", "blank.yaml", "deep/b.yaml"])
        #expect(first.report == TreeWriteReport(written: 3, blank: 1))
        let inode = tree.inode("a.yaml")
        let cacheFile = try FileManager.default.attributesOfItem(atPath: try tree.cachePath)[.systemFileNumber] as? Int

        let second = try tree.run()
        #expect(second.rendered == [])
        #expect(second.report == TreeWriteReport(unchanged: 3, blank: 1, cached: 4))
        #expect(second.report.summary == "rendered 4 files: 0 written, 3 unchanged, 1 empty (not written); 4 from the render cache")
        #expect(tree.inode("a.yaml") == inode)
        #expect(try tree.read("a.yaml") == "name: ada\n")
        // Nothing new was learnt: the cache file is not rewritten either.
        #expect(try FileManager.default.attributesOfItem(atPath: try tree.cachePath)[.systemFileNumber] as? Int == cacheFile)
    }

    @Test func aChangedTemplateRendersAgainAlone() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "a: <<< .Env.NAME >>>")
        try tree.write("in/b.yaml", "b: <<< .Env.NAME >>>")
        try tree.run()
        try tree.write("in/a.yaml", "a2: <<< .Env.NAME >>>")
        let again = try tree.run()
        #expect(again.rendered == ["a.yaml"])
        #expect(again.report == TreeWriteReport(written: 1, unchanged: 1, cached: 1))
        #expect(try tree.read("a.yaml") == "a2: ada")
    }

    @Test func aChangedVariableRendersAgainOnlyWhatReadsIt() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "<<< .Env.NAME >>>")
        try tree.write("in/b.yaml", "<<< getenv \"OTHER\" \"none\" >>>")
        try tree.write("in/c.yaml", "<<< \"c\" >>>")
        try tree.write("in/d.yaml", "<<< $e := .Env >>><<< index $e \"NAME\" >>>")
        try tree.write("in/e.yaml", "<<< env.Getenv (print \"OTH\" \"ER\") >>>")
        try tree.run()
        tree.environment["NAME"] = "grace"
        #expect(try tree.run().rendered == ["a.yaml", "d.yaml"])
        #expect(try tree.read("a.yaml") == "grace")
        #expect(try tree.read("d.yaml") == "grace")
        tree.environment["OTHER"] = "set"
        #expect(try tree.run().rendered == ["b.yaml", "e.yaml"])
        #expect(try tree.read("b.yaml") == "set")
        #expect(try tree.read("e.yaml") == "set")
        #expect(try tree.run().rendered == [])
        // Back to a value an earlier run saw: the cache keeps only the last run's entry.
        tree.environment["NAME"] = "ada"
        #expect(try tree.run().rendered == ["a.yaml", "d.yaml"])
        #expect(try tree.read("a.yaml") == "ada")
    }

    /// A CI job's environment changes every run (job ids, hyperfine's random variable): variables no
    /// template reads, set, changed or unset, render nothing again.
    @Test func anUnrelatedVariableRendersNothingAgain() throws {
        let tree = try CacheFixture()
        tree.environment["CI_JOB_ID"] = "1"
        try tree.write("in/a.yaml", "<<< .Env.NAME >>>")
        try tree.write("in/b.yaml", "<<< getenv \"TOKEN\" \"none\" >>><<< env.HasEnv \"X\" >>><<< has .Env \"Y\" >>>")
        try tree.write("in/c.yaml", "<<< \"c\" | toUpper >>>")
        try tree.write("in/plain.txt", "copied")
        #expect(try tree.run().rendered == ["a.yaml", "b.yaml", "c.yaml"])
        for change in [("CI_JOB_ID", "2"), ("NEW_VARIABLE", ""), ("NAMES", "ada"), ("TOKEN_FILE_X", "x")] {
            tree.environment[change.0] = change.1
            let again = try tree.run()
            #expect(again.rendered == [], "\(change)")
            #expect(again.report == TreeWriteReport(unchanged: 4, cached: 4), "\(change)")
        }
        tree.environment["CI_JOB_ID"] = nil
        #expect(try tree.run().rendered == [])
        #expect(try tree.read("a.yaml") == "ada")
    }

    /// A variable read and unset is not one set to "": `env.HasEnv` and `has` tell them apart.
    @Test func unsetAndEmptyAreDifferentValues() throws {
        let tree = try CacheFixture()
        try tree.write("in/has.yaml", "<<< env.HasEnv \"X\" >>>")
        try tree.write("in/map.yaml", "<<< has .Env \"Y\" >>>")
        try tree.run()
        #expect(try tree.read("has.yaml") == "false")
        tree.environment["X"] = ""
        #expect(try tree.run().rendered == ["has.yaml"])
        #expect(try tree.read("has.yaml") == "true")
        tree.environment["Y"] = ""
        #expect(try tree.run().rendered == ["map.yaml"])
        #expect(try tree.read("map.yaml") == "true")
        tree.environment["Y"] = nil
        #expect(try tree.run().rendered == ["map.yaml"])
        #expect(try tree.read("map.yaml") == "false")
    }

    /// Whatever sees the whole environment keys on all of it: ranging over `.Env`, `env.Env`,
    /// `.Env` handed to a function or printed, `len`, a nested template given `$`.
    @Test func aTemplateReadingTheWholeEnvironmentRendersAgainOnAnyChange() throws {
        let tree = try CacheFixture()
        tree.nestedTemplates = ["all=all.t"]
        try tree.write("all.t", "<<< len .Env >>>")
        let wholes = [
            "range.yaml": "<<< range $k, $v := .Env >>><<< $k >>> <<< end >>>",
            "envEnv.yaml": "<<< len env.Env >>>", "json.yaml": "<<< .Env | toJSON | len >>>",
            "print.yaml": "<<< printf \"%v\" .Env | len >>>", "len.yaml": "<<< len .Env >>>",
            "yaml.yaml": "<<< data.ToYAML .Env | len >>>", "nested.yaml": "<<< template \"all\" $ >>>",
            "if.yaml": "<<< if .Env >>>set<<< end >>>",
        ]
        for (name, text) in wholes { try tree.write("in/" + name, text) }
        try tree.write("in/one.yaml", "<<< .Env.NAME >>>")
        #expect(try tree.run().rendered.count == wholes.count + 1)
        tree.environment["CI_JOB_ID"] = "1"
        #expect(try tree.run().rendered == wholes.keys.sorted())
        #expect(try tree.read("len.yaml") == "2")
        #expect(try tree.read("nested.yaml") == "2")
        #expect(try tree.run().rendered == [])
    }

    /// Under `-c .=FILE` the data is the file's alone: its `Env` key is no environment.
    @Test func aWholeContextsEnvKeyIsNotTheEnvironment() throws {
        let tree = try CacheFixture()
        try tree.write("values.yaml", "Env: {NAME: from-file}\n")
        tree.contexts = [".=values.yaml"]
        try tree.write("in/a.yaml", "<<< .Env.NAME >>>")
        try tree.run()
        #expect(try tree.read("a.yaml") == "from-file")
        tree.environment["NAME"] = "grace"
        #expect(try tree.run().rendered == [])
        try tree.write("values.yaml", "Env: {NAME: changed}\n")
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "changed")
    }

    /// A nested template and `tpl` read through the same `.Env` and host: their reads count.
    @Test func readsOfNestedAndInlineTemplatesCount() throws {
        let tree = try CacheFixture()
        try tree.write("label.t", "<<< .Env.LABEL >>>")
        tree.nestedTemplates = ["label=label.t"]
        tree.environment["LABEL"] = "one"
        try tree.write("in/nested.yaml", "<<< template \"label\" . >>>")
        try tree.write("in/exec.yaml", "<<< tmpl.Exec \"label\" >>>")
        try tree.write("in/inline.yaml", "<<< tpl \"<<< getenv `INLINE` >>>\" >>>")
        try tree.run()
        tree.environment["LABEL"] = "two"
        #expect(try tree.run().rendered == ["exec.yaml", "nested.yaml"])
        #expect(try tree.read("exec.yaml") == "two")
        tree.environment["INLINE"] = "x"
        #expect(try tree.run().rendered == ["inline.yaml"])
        #expect(try tree.read("inline.yaml") == "x")
    }

    @Test func aChangedContextRendersAgain() throws {
        let tree = try CacheFixture()
        try tree.write("values.yaml", "size: 1\n")
        tree.contexts = ["values=values.yaml"]
        try tree.write("in/a.yaml", "size: <<< .values.size >>>")
        try tree.run()
        try tree.write("values.yaml", "size: 2\n")
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "size: 2")
        tree.contexts = ["other=values.yaml"]
        try tree.write("in/a.yaml", "size: <<< .other.size >>>")
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.run().rendered == [])
    }

    @Test func aChangedNestedTemplateRendersAgain() throws {
        let tree = try CacheFixture()
        try tree.write("partials/labels.t", "app: <<< . >>>")
        tree.nestedTemplates = ["labels=partials/labels.t"]
        try tree.write("in/a.yaml", "<<< template \"labels\" \"shop\" >>>")
        try tree.run()
        try tree.write("partials/labels.t", "name: <<< . >>>")
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "name: shop")
    }

    @Test func otherDelimitersRenderAgain() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "<<< \"x\" >>>{{ \"y\" }}")
        try tree.run()
        tree.options = TemplateOptions(leftDelimiter: "{{", rightDelimiter: "}}")
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "<<< \"x\" >>>y")
        tree.options = TemplateOptions(leftDelimiter: "{{", rightDelimiter: "}}", missingKey: .zero)
        #expect(try tree.run().rendered == ["a.yaml"])
    }

    @Test func anOutputEditedOrDeletedBySomeoneElseIsRenderedAgain() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "a: <<< .Env.NAME >>>")
        try tree.write("in/b.yaml", "b: <<< .Env.NAME >>>")
        try tree.run()
        // Same size, written in place: only the times tell.
        let handle = try #require(FileHandle(forWritingAtPath: tree.root + "/out/a.yaml"))
        try handle.write(contentsOf: Data("a: bob".utf8))
        try handle.close()
        try FileManager.default.removeItem(atPath: tree.root + "/out/b.yaml")
        let again = try tree.run()
        #expect(again.rendered == ["a.yaml", "b.yaml"])
        #expect(again.report.written == 2)
        #expect(try tree.read("a.yaml") == "a: ada")
        #expect(try tree.read("b.yaml") == "b: ada")
    }

    @Test func anEditedOutputGivenItsOldTimesBackIsRenderedAgain() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "a: <<< .Env.NAME >>>")
        try tree.run()
        let path = tree.root + "/out/a.yaml"
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data("a: bob".utf8))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "a: ada")
    }

    @Test func impureTemplatesRenderEveryTime() throws {
        let tree = try CacheFixture()
        try tree.write("data.txt", "from a file")
        try tree.write("in/random.yaml", "<<< random.AlphaNum 8 >>>")
        try tree.write("in/file.yaml", "<<< file.Read \"data.txt\" >>>")
        try tree.write("in/inline.yaml", "<<< tpl \"<<< uuid.V4 >>>\" >>>")
        try tree.write("in/pure.yaml", "<<< tpl \"<<< print 1 >>>\" >>>")
        try tree.run()
        try tree.write("data.txt", "changed")
        let again = try tree.run()
        #expect(again.rendered == ["file.yaml", "inline.yaml", "random.yaml"])
        #expect(try tree.read("file.yaml") == "changed")
        #expect(try tree.read("pure.yaml") == "1")
    }

    @Test func anImpureNestedTemplateKeepsEveryTemplateOutOfTheCache() throws {
        let tree = try CacheFixture()
        try tree.write("now.t", "<<< time.Now >>>")
        tree.nestedTemplates = ["now=now.t"]
        try tree.write("in/a.yaml", "a")
        try tree.write("in/b.yaml", "<<< \"b\" >>>")
        try tree.run()
        // a.yaml is copied (no delimiter), not rendered: it is cached all the same.
        #expect(try tree.run().rendered == ["b.yaml"])
    }

    @Test func theFileGetenvFallsBackOnIsPartOfTheKey() throws {
        let tree = try CacheFixture()
        try tree.write("secret", "s3cret")
        tree.environment["TOKEN_FILE"] = "secret"
        try tree.write("in/a.yaml", "<<< getenv \"TOKEN\" >>>")
        try tree.write("in/b.yaml", "<<< .Env.NAME >>>")
        try tree.run()
        #expect(try tree.run().rendered == [])
        try tree.write("secret", "rotated")
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "rotated")
        tree.environment["TOKEN"] = "direct"
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "direct")
    }

    /// A pipe is never read to hash it: a template that reads a `NAME_FILE` naming one (which
    /// `getenv "NAME"` would follow) always renders; the other templates, `getenv` ones too, are
    /// cached as ever.
    @Test func aPipeNamedByANameFileKeepsOnlyItsReadersOutOfTheCache() throws {
        let tree = try CacheFixture()
        #expect(mkfifo(tree.root + "/pipe", 0o600) == 0)
        tree.environment["PIPED_FILE"] = "pipe"
        tree.environment["TOKEN"] = "t"
        try tree.write("in/a.yaml", "<<< .Env.PIPED_FILE >>>")
        try tree.write("in/b.yaml", "<<< getenv \"TOKEN\" >>>")
        try tree.write("in/c.yaml", "<<< .Env.NAME >>>")
        #expect(try tree.run().rendered == ["a.yaml", "b.yaml", "c.yaml"])
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.read("a.yaml") == "pipe")
    }

    @Test func verbatimFilesAreCachedToo() throws {
        let tree = try CacheFixture()
        tree.excludeProcessing = ["raw/*"]
        try tree.write("in/raw/k.yaml", "<<< not rendered >>>")
        try tree.run()
        #expect(try tree.run().report.cached == 1)
        try tree.write("in/raw/k.yaml", "<<< changed >>>")
        #expect(try tree.run().report.written == 1)
        #expect(try tree.read("raw/k.yaml") == "<<< changed >>>")
    }

    @Test func aCorruptCacheIsIgnoredAndReplaced() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "<<< .Env.NAME >>>")
        try tree.run()
        let path = try tree.cachePath
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try tree.run().rendered == ["a.yaml"])
        #expect(try tree.run().rendered == [])
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try tree.run().rendered == ["a.yaml"])
    }

    @Test func withoutACacheNothingIsReadOrWritten() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "<<< .Env.NAME >>>")
        try tree.run(cache: false)
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/cache"))
        try tree.run()
        #expect(try tree.run(cache: false).rendered == ["a.yaml"])
    }

    @Test func aFailedRunSavesNothing() throws {
        let tree = try CacheFixture()
        try tree.write("in/a.yaml", "<<< .Env.NAME >>>")
        try tree.write("in/b.yaml", "<<< .Env.MISSING >>>")
        #expect(throws: RenderErrors.self) { try tree.run() }
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/cache"))
    }

    @Test func theCacheHoldsNoTemplateTextAndNoValues() throws {
        let tree = try CacheFixture()
        tree.environment["SECRET_TOKEN"] = "value-0c5e1d7f"
        try tree.write("in/a.yaml", "token: <<< .Env.SECRET_TOKEN >>> template-9b2a44")
        try tree.run()
        let cache = try Data(contentsOf: URL(fileURLWithPath: try tree.cachePath))
        for needle in ["value-0c5e1d7f", "template-9b2a44", "a.yaml", "SECRET_TOKEN"] {
            #expect(cache.range(of: Data(needle.utf8)) == nil, "\(needle)")
        }
        // One record: header, one read set of one name's hash, 77 bytes, checksum.
        #expect(cache.count == 20 + (1 + 4 + 16) + 77 + 8)
    }
}
