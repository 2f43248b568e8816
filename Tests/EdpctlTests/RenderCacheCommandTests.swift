import Foundation
import Testing

@Suite("edpctl render, the render cache")
struct RenderCacheCommandTests {
    /// The cache files below `folder` of the scratch directory.
    private func cacheFiles(_ scratch: Scratch, in folder: String = "cache") -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: scratch.path + "/" + folder)) ?? [])
            .filter { $0.hasSuffix(".cache") }
    }

    private func render(_ scratch: Scratch, _ extra: String..., environment: [String: String]) throws -> Edpctl.Result {
        try Edpctl.run(["render", "--verbose", "--input-dir", "in", "--output-dir", "out"] + extra, in: scratch.path,
                       environment: environment)
    }

    @Test func aSecondRunComesFromTheCacheUntilSomethingChanges() throws {
        let scratch = try Scratch(["in/a.yaml": "a: <<< .Env.A >>>\n", "in/sub/b.yaml": "b: <<< \"b\" | toUpper >>>\n"])
        var environment = ["EDPCTL_CACHE_DIR": "cache", "A": "1"]
        let first = try render(scratch, environment: environment)
        #expect(first.status == 0)
        #expect(first.stderr == "rendered 2 files: 2 written, 0 unchanged\n")
        #expect(cacheFiles(scratch).count == 1)

        let second = try render(scratch, environment: environment)
        #expect(second.stderr == "rendered 2 files: 0 written, 2 unchanged; 2 from the render cache\n")

        // b.yaml does not read A: it comes from the cache.
        environment["A"] = "2"
        let changedEnvironment = try render(scratch, environment: environment)
        #expect(changedEnvironment.stderr == "rendered 2 files: 1 written, 1 unchanged; 1 from the render cache\n")
        #expect(try scratch.read("out/a.yaml") == "a: 2\n")

        try scratch.write("in/sub/b.yaml", "b: <<< \"c\" | toUpper >>>\n")
        let changedTemplate = try render(scratch, environment: environment)
        #expect(changedTemplate.stderr == "rendered 2 files: 1 written, 1 unchanged; 1 from the render cache\n")
        #expect(try scratch.read("out/sub/b.yaml") == "b: C\n")

        try FileManager.default.removeItem(atPath: scratch.path + "/out/a.yaml")
        let deleted = try render(scratch, environment: environment)
        #expect(deleted.stderr == "rendered 2 files: 1 written, 1 unchanged; 1 from the render cache\n")
        #expect(try scratch.read("out/a.yaml") == "a: 2\n")
    }

    @Test func impureTemplatesRenderEveryTime() throws {
        let scratch = try Scratch(["in/password": "<<< random.AlphaNum 16 >>>", "in/copy": "<<< file.Read \"data\" >>>",
                                   "data": "one"])
        let environment = ["EDPCTL_CACHE_DIR": "cache"]
        _ = try render(scratch, environment: environment)
        let password = try scratch.read("out/password")
        try scratch.write("data", "two")
        let again = try render(scratch, environment: environment)
        #expect(again.stderr == "rendered 2 files: 2 written, 0 unchanged\n")
        #expect(try scratch.read("out/password") != password)
        #expect(try scratch.read("out/copy") == "two")
    }

    @Test func noCacheNeitherReadsNorWrites() throws {
        let scratch = try Scratch(["in/a.yaml": "a"])
        let environment = ["EDPCTL_CACHE_DIR": "cache"]
        let uncached = try render(scratch, "--no-cache", environment: environment)
        #expect(uncached.status == 0)
        #expect(!scratch.exists("cache"))
        _ = try render(scratch, environment: environment)
        #expect(cacheFiles(scratch).count == 1)
        let ignoring = try render(scratch, "--no-cache", environment: environment)
        #expect(ignoring.stderr == "rendered 1 file: 0 written, 1 unchanged\n")
    }

    @Test func theCacheFolderFollowsXDGAndHome() throws {
        let scratch = try Scratch(["in/a.yaml": "a"])
        _ = try render(scratch, environment: ["HOME": scratch.path + "/home"])
        #expect(cacheFiles(scratch, in: "home/.cache/edpctl/render").count == 1)
        _ = try render(scratch, environment: ["HOME": scratch.path + "/home", "XDG_CACHE_HOME": scratch.path + "/xdg"])
        #expect(cacheFiles(scratch, in: "xdg/edpctl/render").count == 1)
    }

    @Test func aCorruptCacheIsIgnored() throws {
        let scratch = try Scratch(["in/a.yaml": "a: <<< print 1 >>>"])
        let environment = ["EDPCTL_CACHE_DIR": "cache"]
        _ = try render(scratch, environment: environment)
        let file = try #require(cacheFiles(scratch).first)
        try scratch.write("cache/" + file, "not a cache")
        let again = try render(scratch, environment: environment)
        #expect(again.status == 0)
        #expect(again.stderr == "rendered 1 file: 0 written, 1 unchanged\n")
        #expect(try render(scratch, environment: environment).stderr.hasSuffix("; 1 from the render cache\n"))
    }

    @Test func aCacheFolderInsideTheOutputIsRefused() throws {
        let scratch = try Scratch(["in/a.yaml": "a"])
        let result = try render(scratch, environment: ["EDPCTL_CACHE_DIR": "out/.cache"])
        #expect(result.status == 0)
        #expect(result.stderr == """
            edpctl: warning: not using the render cache: the cache folder \(scratch.path)/out/.cache is inside the output directory \(scratch.path)/out
            rendered 1 file: 1 written, 0 unchanged

            """)
        #expect(!scratch.exists("out/.cache"))
    }

    @Test func theCacheHoldsNoSecretsOrTemplateText() throws {
        let scratch = try Scratch(["in/a.yaml": "password: <<< .Env.PASSWORD >>> # marker-51f0e2\n"])
        _ = try render(scratch, environment: ["EDPCTL_CACHE_DIR": "cache", "PASSWORD": "hunter2-8c41d9"])
        let file = try #require(cacheFiles(scratch).first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/cache/" + file))
        for needle in ["hunter2-8c41d9", "marker-51f0e2", "PASSWORD", "a.yaml"] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) is in the cache")
        }
    }

    @Test func helpExplainsNoCache() throws {
        let help = try Scratch().run("render", "--help").stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("--no-cache Don't read or write the render cache of --output-dir."))
        #expect(help.contains("EDPCTL_CACHE_DIR"))
    }
}
