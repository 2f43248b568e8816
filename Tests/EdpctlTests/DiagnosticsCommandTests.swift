import Foundation
import Testing
import TestSupport

/// Two stacks whose templates read variables in several places, and an instances folder beside them.
private let templates = [
    "templates/edfbuilder.yaml": "root: <<< .Env.PROVIDER >>>/<<< .Env.DOMAIN >>>\nrepo: <<< .Env.REPO_URL >>>\n",
    "templates/registry/app.yaml": "name: app\nrepo: <<< .Env.REPO_URL >>>\n",
    "templates/registry/db.yaml": "name: db\n",
    "templates/stacks/app/config.yaml": "# the app\ngreeting: <<< .Env.GREETING >>>\nagain: <<< .Env.GREETING >>>\n",
    "templates/stacks/db/values.yaml": "size: <<< .Env.DB_SIZE >>>\n",
    "instances/README.md": "instances\n",
]

/// `edpctl hydrate` of both stacks for otc/a.example.org from `directory` (below the scratch folder),
/// with `templatesDirectory` as `--templates` and `instances` as `--instances`.
private func hydrate(_ scratch: Scratch, from directory: String = "", templates templatesDirectory: String,
                     instances: String, environment: [String: String]) throws -> Edpctl.Result {
    let folder = directory.isEmpty ? scratch.path : scratch.path + "/" + directory
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return try Edpctl.run(["hydrate", "--templates", templatesDirectory, "--instances", instances,
                           "--provider", "otc", "--domain", "a.example.org", "--stacks", "app,db"],
                          in: folder, environment: environment)
}

/// Every value the small templates read but GREETING.
private let allButGreeting = ["REPO_URL": "https://git.example.org/r", "DB_SIZE": "1Gi"]

@Suite("Diagnostics: one form, relative paths, hints only when close")
struct DiagnosticsCommandTests {
    // MARK: hydrate's findings

    @Test func pathsAreRelativeToWhereTheCommandRan() throws {
        let scratch = try Scratch(templates)
        let below = try hydrate(scratch, from: "work/ci", templates: "../../templates", instances: "../../instances",
                                environment: allButGreeting)
        #expect(below.status == 1)
        #expect(below.stderr == """
            edpctl: hydration found 1 problem; nothing was written:
            ../../templates/stacks/app/config.yaml:2:19: missing key "GREETING" (in .Env.GREETING); \
            read at 2 places in this file

            """)

        // An absolute --templates reads from the working directory's point of view all the same.
        let absolute = try hydrate(scratch, templates: scratch.path + "/templates/", instances: "instances",
                                   environment: allButGreeting)
        #expect(absolute.stderr.contains("\ntemplates/stacks/app/config.yaml:2:19: missing key \"GREETING\""),
                "\(absolute.stderr)")
        let beside = try hydrate(scratch, from: "work", templates: scratch.path + "/templates",
                                 instances: "../instances", environment: allButGreeting)
        #expect(beside.stderr.contains("\n../templates/stacks/app/config.yaml:2:19: "), "\(beside.stderr)")
    }

    @Test func templateErrorsTakeTheSameFormWithoutGoPrefix() throws {
        let scratch = try Scratch(templates)
        try scratch.write("templates/stacks/app/config.yaml", "greeting: <<< .Env.GREETING >>>\nsize: <<< nosuch 1 >>>\n")
        try scratch.write("templates/stacks/db/values.yaml", "size: <<< index .Env.DB_SIZE 5 >>>\n")
        let result = try hydrate(scratch, templates: "templates", instances: "instances",
                                 environment: allButGreeting.merging(["GREETING": "hi"]) { $1 })
        #expect(result.status == 1)
        #expect(result.stderr == """
            edpctl: hydration found 2 problems; nothing was written:
            templates/stacks/app/config.yaml:2: function "nosuch" not defined
            templates/stacks/db/values.yaml:1:11: at <index .Env.DB_SIZE 5>: error calling index: \
            index out of range: 5

            """)
        // Every finding line reads PATH:LINE[:COL]: message, which a CI system can pick up.
        for line in result.stderr.split(separator: "\n").dropFirst() {
            #expect(line.wholeMatch(of: #/templates/[a-z/]+\.yaml:[0-9]+(:[0-9]+)?: .+/#) != nil, "\(line)")
        }
    }

    @Test func severalMissingVariablesAreSummedUpWithWhereToSetThem() throws {
        let scratch = try Scratch(templates)
        // PROVIDER and DOMAIN come from the flags.
        let result = try hydrate(scratch, templates: "templates", instances: "instances", environment: [:])
        #expect(result.status == 1)
        #expect(result.stderr == """
            edpctl: hydration found 3 problems; nothing was written:
            templates/edfbuilder.yaml:2:15: missing key "REPO_URL" (in .Env.REPO_URL); read at 2 places in 2 files
            templates/stacks/app/config.yaml:2:19: missing key "GREETING" (in .Env.GREETING); \
            read at 2 places in this file
            templates/stacks/db/values.yaml:1:15: missing key "DB_SIZE" (in .Env.DB_SIZE)
            3 variables are not set: DB_SIZE, GREETING, REPO_URL; set them in --env-file, --values or the environment

            """)
        #expect(try scratch.read("instances/README.md") == "instances\n")
    }

    @Test func theBundledStacksWithoutTheirVariablesGiveALinePerVariable() throws {
        let scratch = try Scratch(["instances/README.md": "instances\n"])
        let result = try Edpctl.run(["hydrate", "--templates", packageRoot + "/templates", "--instances", "instances",
                                     "--provider", "otc", "--domain", "test-me.t09.de", "--stacks", "core,otc"],
                                    in: scratch.path)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let variables = Set(lines.compactMap { $0.firstMatch(of: #/missing key "([A-Z_0-9]+)"/#).map { String($0.1) } })
        // One line per variable (CLIENT_REPO_ID alone is read in many places), the header and the summary.
        #expect(lines.count == variables.count + 2, "\(result.stderr)")
        #expect(variables.isSuperset(of: ["CLIENT_REPO_ID", "CLIENT_REPO_DOMAIN", "DOMAIN_ARGOCD"]))
        let summary = "\(variables.count) variables are not set: \(variables.sorted().joined(separator: ", ")); "
            + "set them in --env-file, --values or the environment"
        #expect(lines.last == summary)
        #expect(lines.contains { $0.contains(#"missing key "CLIENT_REPO_ID" (in .Env.CLIENT_REPO_ID); read at "#) })
    }

    // MARK: Functions

    @Test func aFunctionNameOffByALetterGetsTheNamespacesFunction() throws {
        let result = try Scratch().run("render", "-i", "<<< strings.ToUper \"a\" >>>")
        #expect(result.status == 1)
        #expect(result.stderr
            == "edpctl: template: <arg>:1: function \"strings.ToUper\" not defined; did you mean \"strings.ToUpper\"?\n")
        let lowerCase = try Scratch().run("render", "-i", "<<< strings.toupper \"a\" >>>")
        #expect(lowerCase.stderr.hasSuffix("; did you mean \"strings.ToUpper\"?\n"), "\(lowerCase.stderr)")
    }

    @Test func aFarNameGetsGoMessageAlone() throws {
        let scratch = try Scratch(["a.t": "ok\n<<< strings.Frobnicate \"a\" >>>\n", "b.t": "<<< nope >>>\n"])
        let far = try scratch.run("render", "-f", "a.t")
        #expect(far.status == 1)
        #expect(far.stderr == "edpctl: template: a.t:2: function \"strings.Frobnicate\" not defined\n")
        let short = try scratch.run("render", "-f", "b.t")
        #expect(short.stderr == "edpctl: template: b.t:1: function \"nope\" not defined\n")
    }

    @Test func aGomplateFunctionEdpctlLacksIsNamedAsSuch() throws {
        for name in ["data.CUE", "crypto.Bcrypt", "aws.EC2Meta", "sockaddr.GetPrivateIP"] {
            let result = try Scratch().run("render", "-i", "x<<< \(name) >>>")
            #expect(result.status == 1)
            #expect(result.stderr == "edpctl: template: <arg>:1: function \"\(name)\" is a gomplate function edpctl "
                + "does not have (see docs/gomplate.md)\n")
        }
    }

    // MARK: Flags

    @Test func aFarFlagGetsNoSuggestion() throws {
        let result = try Scratch().run("render", "--bogus", "-i", "x")
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--bogus'\n"), "\(result.stderr)")
        #expect(!result.stderr.contains("Did you mean"))
        #expect(result.stderr.contains("Usage: edpctl render"))
    }

    @Test func aCloseFlagGetsItsSuggestion() throws {
        let result = try Scratch().run("render", "--ot", "x", "-i", "x")
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--ot'. Did you mean '--out'?\n"), "\(result.stderr)")
    }

    /// argument-parser checks the command's own rules first; the typo is still what is reported,
    /// while a value that looks like an option, and what follows `--`, are no option.
    @Test(arguments: [
        (["hydrate", "--instancs", "i"], "Error: Unknown option '--instancs'. Did you mean '--instances'?\n"),
        (["render", "--exec-pipe", "--bogus", "-i", "x"], "Error: Unknown option '--bogus'\n"),
        (["render", "--chmod", "9", "--bogsu", "-i", "x"], "Error: Unknown option '--bogsu'\n"),
        (["render", "--chmod", "9", "--left-delim=--x", "-i", "x"], "Error: '--chmod' must be permission bits"),
        (["render", "--chmod", "9", "-i", "x", "--", "--bogus"], "Error: '--chmod' must be permission bits"),
    ])
    func aTypoIsReportedBeforeTheCommandsOwnRules(arguments: [String], start: String) throws {
        let scratch = try Scratch()
        let result = try Edpctl.run(arguments, in: scratch.path)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix(start), "\(result.stderr)")
        #expect(result.stderr.contains("See 'edpctl \(arguments[0]) --help' for more information."))
    }
}
