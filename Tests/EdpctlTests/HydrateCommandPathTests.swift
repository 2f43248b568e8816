import Foundation
import Testing
import TestSupport

/// Runs `script` in `scratch` (`Scratch.shell`) with `H` a function that runs
/// `edpctl hydrate --templates t --stacks core --provider p "$@"` (overridable flags after it).
private func shell(_ script: String, in scratch: Scratch) throws -> Edpctl.Result {
    try scratch.shell("H() { \"$EDPCTL\" hydrate --templates t --stacks core --provider p \"$@\"; }\n" + script)
}

/// The two-file templates tree of the issue's repros.
private let templates = ["t/registry/core.yaml": "name: core\n", "t/stacks/core/a.yaml": "domain: <<< .Env.DOMAIN >>>\n"]

/// Every file below `relative`, relative to the scratch folder, sorted.
private func files(_ scratch: Scratch, under relative: String) -> [String] {
    filePaths(below: scratch.path + "/" + relative)
}

@Suite("edpctl hydrate: templates, instance folders and names, end to end")
struct HydrateCommandPathTests {
    @Test func theTemplatesAsTheInstancesRepositoryAreRefusedOnEveryRun() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            cp -r t t2
            for run in 1 2 3; do H --templates t2 --instances t2 --domain a.de; echo "exit $?"; done
            """, in: scratch)
        #expect(result.stdout == "exit 1\nexit 1\nexit 1\n")
        let message = "edpctl: the instance folder t2/p/a.de is inside the templates directory t2: every run would "
            + "hydrate the last run's outputs again; keep the instances out of the templates\n"
        #expect(result.stderr == String(repeating: message, count: 3))
        #expect(files(scratch, under: "t2") == ["registry/core.yaml", "stacks/core/a.yaml"])
    }

    @Test func templatesThatAreTheInstanceFolderOrInsideItAreRefusedAndKept() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            mkdir -p inst/p; cp -r t inst/p/a.de
            H --templates inst/p/a.de --instances inst --domain a.de; echo "exit $?"
            H --templates ./inst/p/a.de/ --instances inst/ --domain a.de --check; echo "exit $?"
            mkdir -p inst2/p/a.de; cp -r t inst2/p/a.de/tpl
            H --templates inst2/p/a.de/tpl --instances inst2 --domain a.de; echo "exit $?"
            H --templates inst2/p/a.de/tpl --instances inst2 --domain b.de,a.de; echo "exit $?"
            """, in: scratch)
        #expect(result.stdout == "exit 1\nexit 1\nexit 1\nexit 1\n")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "edpctl: the templates directory inst/p/a.de is the instance folder inst/p/a.de: hydrating "
                + "would overwrite the templates; keep them out of every <instances>/<provider>/<domain> folder")
        #expect(lines[1].hasPrefix("edpctl: the templates directory inst/p/a.de is the instance folder inst/p/a.de: "))
        #expect(lines[2] == "edpctl: the templates directory inst2/p/a.de/tpl is inside the instance folder inst2/p/a.de: "
                + "hydrating would remove the templates, which are none of its outputs; keep them out of every "
                + "<instances>/<provider>/<domain> folder")
        #expect(lines[3] == lines[2])
        #expect(files(scratch, under: "inst/p/a.de") == ["registry/core.yaml", "stacks/core/a.yaml"])
        #expect(try scratch.read("inst/p/a.de/stacks/core/a.yaml") == "domain: <<< .Env.DOMAIN >>>\n")
        #expect(files(scratch, under: "inst2/p") == ["a.de/tpl/registry/core.yaml", "a.de/tpl/stacks/core/a.yaml"])
    }

    @Test func templatesElsewhereInTheInstancesRepositoryAreHydrated() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            mkdir inst; cp -r t inst/templates
            H --templates inst/templates --instances inst --domain a.de,b.de; echo "exit $?"
            """, in: scratch)
        #expect(result.stdout == "exit 0\n", "\(result.stderr)")
        #expect(files(scratch, under: "inst") == [
            "p/a.de/registry/core.yaml", "p/a.de/stacks/core/a.yaml", "p/b.de/registry/core.yaml", "p/b.de/stacks/core/a.yaml",
            "templates/registry/core.yaml", "templates/stacks/core/a.yaml",
        ])
    }

    @Test func aLinkIntoTheTemplatesCheckoutsGitFolderIsRefusedAndNothingLeaks() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            git -C t init -q && git -C t remote add origin https://ci:tok3n-SECRET@example.org/templates.git
            ln -s ../../.git/config t/stacks/core/cfg.txt
            mkdir inst; H --instances inst --domain a.de; echo "exit $?"
            """, in: scratch)
        #expect(result.stdout == "exit 1\n")
        #expect(result.stderr.contains("t/stacks/core/cfg.txt: symbolic link to "))
        #expect(result.stderr.contains("/t/.git/config leads to .git/config, which is not a template (names starting with '.' are not followed)"))
        #expect(!result.stderr.contains("tok3n"))
        #expect(files(scratch, under: "inst").isEmpty)
    }

    @Test func aStaleDecomposedNameNeitherBreaksCheckNorDiffAndIsPruned() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            mkdir -p inst/p/a.de/stacks/core
            printf 'y: 1\\n' > t/stacks/core/caf$(printf '\\303\\251').yaml
            printf 'old: 1\\n' > inst/p/a.de/stacks/core/cafe$(printf '\\314\\201').yaml
            H --instances inst --domain a.de --check; echo "check $?"
            H --instances inst --domain a.de --diff > diff.txt; echo "diff $?"
            H --instances inst --domain a.de; echo "hydrate $?"
            H --instances inst --domain a.de --check; echo "check $?"
            ls inst/p/a.de/stacks/core | od -An -tx1 | tr -d ' \\n' > names.txt
            """, in: scratch)
        #expect(result.stdout == "check 2\ndiff 0\nhydrate 0\ncheck 0\n", "\(result.stderr)")
        let diff = try scratch.read("diff.txt")
        #expect(diff.contains("--- a/p/a.de/stacks/core/cafe\u{301}.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-old: 1\n"))
        #expect(diff.contains("--- /dev/null\n+++ b/p/a.de/stacks/core/caf\u{E9}.yaml\n@@ -0,0 +1 @@\n+y: 1\n"))
        // a.yaml and café.yaml (NFC), one a line, in hex.
        #expect(try scratch.read("names.txt") == "612e79616d6c0a" + "636166c3a92e79616d6c0a")
    }

    @Test func leftoversWhoseNamesAreNotUTF8ArePrunedAndSuchTemplatesRefused() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            mkdir -p inst/p/a.de/old$(printf '\\376')
            printf x > inst/p/a.de/n$(printf '\\377').yaml; printf y > inst/p/a.de/old$(printf '\\376')/z.yaml
            H --instances inst --domain a.de; echo "hydrate $?"
            ls -A inst/p/a.de | od -An -tx1 | tr -d ' \\n' > names.txt
            printf q > t/stacks/core/t$(printf '\\377').yaml
            H --instances inst --domain a.de; echo "hydrate $?"
            """, in: scratch)
        #expect(result.stdout == "hydrate 0\nhydrate 1\n")
        // registry and stacks, one a line, in hex.
        #expect(try scratch.read("names.txt") == "72656769737472790a" + "737461636b730a")
        #expect(result.stderr == """
            p/a.de: 2 written, 0 unchanged, 2 removed
            edpctl: t/stacks/core/t\\xff.yaml: the file name is not valid UTF-8, which edpctl can't carry into output \
            names: rename the file, or leave it out (.gomplateignore)

            """)
    }

    @Test func specialFilesInTheTemplatesAreRefusedWithoutBlocking() throws {
        let scratch = try Scratch(templates)
        let result = try shell("""
            mkfifo t/stacks/core/pipe.yaml; ln -s /dev/zero t/stacks/core/zero.yaml; mkdir inst
            timeout 20 "$EDPCTL" hydrate --templates t --stacks core --provider p --instances inst --domain a.de; echo "exit $?"
            """, in: scratch)
        #expect(result.stdout == "exit 1\n")
        #expect(result.stderr == """
            edpctl: t/stacks/core/pipe.yaml: a named pipe (fifo): only regular files, and links to them, can be templates
            t/stacks/core/zero.yaml: symbolic link to /dev/zero leaves the input directory t

            """)
        #expect(files(scratch, under: "inst").isEmpty)
    }
}

@Suite("edpctl render: special files and names, end to end")
struct RenderCommandPathTests {
    @Test func namesThatAreNotUTF8SpecialFilesAndLinksIntoDotFoldersAreRefused() throws {
        let scratch = try Scratch(["in/a.txt": "a", "in/.git/config": "url = https://ci:tok3n@example.org/x.git\n"])
        let result = try shell("""
            printf q > in/n$(printf '\\377').txt; mkfifo in/pipe; ln -s /dev/zero in/zero; ln -s .git/config in/cfg.txt
            timeout 20 "$EDPCTL" render --input-dir in --output-dir out; echo "exit $?"
            rm in/n* in/pipe in/zero in/cfg.txt; ln -s /dev/zero in/.gomplateignore
            timeout 20 "$EDPCTL" render --input-dir in --output-dir out; echo "exit $?"
            rm in/.gomplateignore
            "$EDPCTL" render --verbose --input-dir in --output-dir out; echo "exit $?"
            """, in: scratch)
        #expect(result.stdout == "exit 1\nexit 1\nexit 0\n")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("edpctl: in/cfg.txt: symbolic link to /"))
        #expect(lines[0].hasSuffix("/in/.git/config leads to .git/config, which is not a template (names starting with '.' are not followed)"))
        #expect(Array(lines[1...]) == [
            "edpctl: in/n\\xff.txt: the file name is not valid UTF-8, which edpctl can't carry into output names: rename the file, or leave it out (.gomplateignore)",
            "edpctl: in/pipe: a named pipe (fifo): only regular files, and links to them, can be templates",
            "edpctl: in/zero: symbolic link to /dev/zero leaves the input directory in",
            "edpctl: in/.gomplateignore: symbolic link to /dev/zero leaves the input directory in",
            "rendered 2 files: 2 written, 0 unchanged",
        ])
        #expect(files(scratch, under: "out") == [".git/config", "a.txt"])
    }
}
