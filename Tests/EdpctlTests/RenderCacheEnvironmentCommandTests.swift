import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The render cache keys each output on the environment variables its template read, so a CI job
/// whose environment changes every run (job ids) still hits it.
@Suite("edpctl render, the render cache and the environment")
struct RenderCacheEnvironmentCommandTests {
    private static let templates = [
        "in/a.yaml": "a: <<< .Env.A >>>\n",
        "in/b.yaml": "b: <<< getenv \"B\" \"unset\" >>>\n",
        "in/c.yaml": "<<< range $k, $v := .Env >>><<< $k >>>=<<< $v >>>\n<<< end >>>",
        "in/d.yaml": "d: <<< \"d\" | toUpper >>>\n",
    ]

    private func render(_ scratch: Scratch, _ environment: [String: String]) throws -> String {
        let result = try Edpctl.run(["render", "--verbose", "--input-dir", "in", "--output-dir", "out"], in: scratch.path,
                                    environment: environment.merging(["EDPCTL_CACHE_DIR": "cache"]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
        return result.stderr
    }

    private func inode(_ scratch: Scratch, _ relative: String) -> ino_t {
        var status = stat()
        _ = stat(scratch.path + "/" + relative, &status)
        return status.st_ino
    }

    @Test func aChangedUnrelatedVariableIsACacheHit() throws {
        let scratch = try Scratch(Self.templates)
        var environment = ["A": "1", "B": "2", "CI_JOB_ID": "100"]
        #expect(try render(scratch, environment) == "rendered 4 files: 4 written, 0 unchanged\n")
        let inodes = ["a", "b", "d"].map { inode(scratch, "out/\($0).yaml") }

        environment["CI_JOB_ID"] = "101"
        // Only c.yaml, which ranges over the whole environment, renders again.
        #expect(try render(scratch, environment) == "rendered 4 files: 1 written, 3 unchanged; 3 from the render cache\n")
        #expect(try scratch.read("out/c.yaml").contains("CI_JOB_ID=101\n"))
        #expect(["a", "b", "d"].map { inode(scratch, "out/\($0).yaml") } == inodes)

        environment["CI_JOB_ID"] = nil
        environment["RUNNER_NAME"] = "runner-7"
        #expect(try render(scratch, environment) == "rendered 4 files: 1 written, 3 unchanged; 3 from the render cache\n")
        #expect(try render(scratch, environment) == "rendered 4 files: 0 written, 4 unchanged; 4 from the render cache\n")
    }

    @Test func aChangedVariableRendersAgainWhatReadsItAndNothingElse() throws {
        let scratch = try Scratch(Self.templates)
        var environment = ["A": "1", "B": "2"]
        _ = try render(scratch, environment)

        environment["A"] = "one"
        #expect(try render(scratch, environment) == "rendered 4 files: 2 written, 2 unchanged; 2 from the render cache\n")
        #expect(try scratch.read("out/a.yaml") == "a: one\n")

        environment["B"] = "two"
        #expect(try render(scratch, environment) == "rendered 4 files: 2 written, 2 unchanged; 2 from the render cache\n")
        #expect(try scratch.read("out/b.yaml") == "b: two\n")
        #expect(try scratch.read("out/a.yaml") == "a: one\n")
    }

    /// `getenv` gives its default for an unset and an empty variable alike, so the output stays;
    /// `env.HasEnv` tells them apart, so its output must change.
    @Test func unsetAndEmptyAreTwoValues() throws {
        let scratch = try Scratch(["in/b.yaml": "b: <<< getenv \"B\" \"unset\" >>>\n",
                                   "in/has.yaml": "has: <<< env.HasEnv \"B\" >>>\n"])
        _ = try render(scratch, [:])
        #expect(try scratch.read("out/has.yaml") == "has: false\n")
        #expect(try render(scratch, ["B": ""]) == "rendered 2 files: 1 written, 1 unchanged\n")
        #expect(try scratch.read("out/has.yaml") == "has: true\n")
        #expect(try scratch.read("out/b.yaml") == "b: unset\n")
        #expect(try render(scratch, [:]) == "rendered 2 files: 1 written, 1 unchanged\n")
        #expect(try scratch.read("out/has.yaml") == "has: false\n")
    }

    @Test func aSecretValueIsNotInTheCacheNorItsName() throws {
        let scratch = try Scratch(["in/a.yaml": "password: <<< getenv \"DB_PASSWORD\" >>>\n",
                                   "in/b.yaml": "<<< .Env.API_TOKEN >>>\n"])
        _ = try render(scratch, ["DB_PASSWORD": "hunter2-77a0c3", "API_TOKEN": "tok-5e19b8"])
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/cache")
        let file = try #require(files.first { $0.hasSuffix(".cache") })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/cache/" + file))
        for needle in ["hunter2-77a0c3", "tok-5e19b8", "DB_PASSWORD", "API_TOKEN"] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) is in the cache")
        }
    }
}
