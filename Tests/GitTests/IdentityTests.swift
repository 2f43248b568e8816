import Foundation
import Testing
@testable import Git
import TestSupport

/// `CommitIdentity.resolve` against git itself: the same configuration files (system, XDG,
/// global, the repository's) and variables, then `git var GIT_AUTHOR_IDENT` and
/// `GIT_COMMITTER_IDENT` as the oracle.
@Suite struct IdentityTests {
    let folder: TemporaryFolder
    let repository: String

    init() throws {
        folder = try TemporaryFolder("identity")
        repository = folder.child("repo")
        try FileManager.default.createDirectory(atPath: folder.child("home"), withIntermediateDirectories: true)
        try git("init", "--quiet", repository, in: folder.path)
    }

    /// HOME, XDG_CONFIG_HOME and GIT_CONFIG_SYSTEM in the folder, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": folder.child("home"), "XDG_CONFIG_HOME": folder.child("xdg"), "GIT_CONFIG_SYSTEM": folder.child("system")]
            .merging(extra) { _, given in given }
    }

    var system: String { folder.child("system") }
    var xdg: String { folder.child("xdg/git/config") }
    var global: String { folder.child("home/.gitconfig") }
    var local: String { repository + "/.git/config" }

    /// Adds `text` to the configuration file at `path`.
    func add(_ text: String, to path: String) throws {
        let before = (try? read(path)) ?? ""
        try write(before + text, to: path)
    }

    func user(_ name: String, _ email: String) -> String {
        "[user]\n\tname = \(name)\n\temail = \(email)\n"
    }

    /// What git makes of `environment`: the author and the committer as "name <email>", or nil
    /// for one git refuses.
    func gitIdentity(_ environment: [String: String]) -> [String?] {
        var full = environment
        full["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"].map { variable in
            guard let ident = try? runProgram("/usr/bin/env", ["git", "var", variable], in: repository, environment: full)
            else { return nil }
            // "Name <email> 1700000000 +0000": the time left out.
            return ident.trimmingCharacters(in: .newlines).split(separator: " ").dropLast(2).joined(separator: " ")
        }
    }

    /// What edpctl makes of it, in the same form.
    func ourIdentity(_ environment: [String: String], given: PartialSignature = PartialSignature()) throws -> [String?] {
        let identity = try CommitIdentity.resolve(author: given, environment: environment,
                                                  repository: try Repository.open(at: repository))
        return [identity.author, identity.committer].map { "\($0.name) <\($0.email)>" }
    }

    func expectSameAsGit(_ environment: [String: String], _ expected: [String],
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(gitIdentity(environment) == expected, "git itself", sourceLocation: sourceLocation)
        #expect(try ourIdentity(environment) == expected, sourceLocation: sourceLocation)
    }

    @Test func eachLevelWinsOverTheOnesBelowItAsInGit() throws {
        try add(user("System", "system@example.com"), to: system)
        try expectSameAsGit(environment(), ["System <system@example.com>", "System <system@example.com>"])
        try add("[user]\n\tname = Xdg\n", to: xdg)
        try expectSameAsGit(environment(), ["Xdg <system@example.com>", "Xdg <system@example.com>"])
        try add(user("Global", "global@example.com"), to: global)
        try expectSameAsGit(environment(), ["Global <global@example.com>", "Global <global@example.com>"])
        try add("[user]\n\temail = repo@example.com\n", to: local)
        try expectSameAsGit(environment(), ["Global <repo@example.com>", "Global <repo@example.com>"])

        // GIT_CONFIG_GLOBAL stands for both global files; GIT_CONFIG_NOSYSTEM drops the system one.
        let other = folder.child("other.gitconfig")
        try add("[user]\n\tname = Other\n", to: other)
        try expectSameAsGit(environment(["GIT_CONFIG_GLOBAL": other]), ["Other <repo@example.com>", "Other <repo@example.com>"])
        try expectSameAsGit(environment(["GIT_CONFIG_GLOBAL": "/dev/null"]),
                            ["System <repo@example.com>", "System <repo@example.com>"])
        try expectSameAsGit(environment(["GIT_CONFIG_NOSYSTEM": "true", "GIT_CONFIG_GLOBAL": other]),
                            ["Other <repo@example.com>", "Other <repo@example.com>"])
    }

    @Test func theVariablesAndTheRoleSettingsWinOverUser() throws {
        try add(user("Global", "global@example.com"), to: global)
        try add("[author]\n\tname = Author Setting\n[committer]\n\temail = committer@example.com\n", to: global)
        try expectSameAsGit(environment(), ["Author Setting <global@example.com>", "Global <committer@example.com>"])
        try expectSameAsGit(environment(["GIT_AUTHOR_NAME": "Env Author", "GIT_COMMITTER_NAME": "Env Committer",
                                         "GIT_AUTHOR_EMAIL": "env@example.com"]),
                            ["Env Author <env@example.com>", "Env Committer <committer@example.com>"])
        // An empty author.name is passed over, as git does.
        try add("[author]\n\tname =\n", to: local)
        try expectSameAsGit(environment(), ["Global <global@example.com>", "Global <committer@example.com>"])
        // `git -c` as variables, over every file.
        try expectSameAsGit(environment(["GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "User.Name", "GIT_CONFIG_VALUE_0": "Pair",
                                         "GIT_CONFIG_KEY_1": "committer.email", "GIT_CONFIG_VALUE_1": "pair@example.com"]),
                            ["Pair <global@example.com>", "Pair <pair@example.com>"])
    }

    @Test func emailFallsBackToEMAILUnlessConfigOnly() throws {
        try add("[user]\n\tname = Jane\n", to: global)
        try expectSameAsGit(environment(["EMAIL": "jane@example.com"]), ["Jane <jane@example.com>", "Jane <jane@example.com>"])
        try add("[user]\n\temail = set@example.com\n", to: system)
        try expectSameAsGit(environment(["EMAIL": "jane@example.com"]), ["Jane <set@example.com>", "Jane <set@example.com>"])

        try add("[user]\n\tuseConfigOnly = true\n", to: local)
        try write("", to: system)
        #expect(gitIdentity(environment(["EMAIL": "jane@example.com"])) == [nil, nil])
        let error = #expect(throws: GitError.self) { try ourIdentity(environment(["EMAIL": "jane@example.com"])) }
        #expect(error == .unknownIdentity(missing: ["email"]))
    }

    @Test func includedFilesAndCrudAreReadAsGitReadsThem() throws {
        let included = folder.child("home/identity.inc")
        try write("[user]\n\tname = \"  ..Jane <J> Doe;  \"\n\temail = \"<jane@example.com>.\"\n", to: included)
        try add("[include]\n\tpath = identity.inc\n", to: global)
        try expectSameAsGit(environment(), ["Jane J Doe <jane@example.com>", "Jane J Doe <jane@example.com>"])
    }

    @Test func nothingAnywhereIsAnErrorThatNamesWhatToSet() throws {
        // git would take the account's name and guess an email from the host name; edpctl guesses neither.
        let error = #expect(throws: GitError.self) { try ourIdentity(environment()) }
        #expect(error == .unknownIdentity(missing: ["name", "email"]))
        #expect(error?.description == "the commit's author is unknown: no name and no email found; set user.name and "
            + "user.email in git's configuration (`git config --global user.name \"Your Name\"`, `git config --global "
            + "user.email you@example.com`), or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL (or EMAIL)")

        try add("[user]\n\temail = only@example.com\n", to: global)
        let name = #expect(throws: GitError.self) { try ourIdentity(environment()) }
        #expect(name?.description == "the commit's author is unknown: no name found; set user.name in git's "
            + "configuration (`git config --global user.name \"Your Name\"`), or GIT_AUTHOR_NAME")

        // Set but empty is refused where it was set, as git refuses it.
        #expect(gitIdentity(environment(["GIT_AUTHOR_NAME": ""]))[0] == nil)
        let empty = #expect(throws: GitError.self) { try ourIdentity(environment(["GIT_AUTHOR_NAME": ""])) }
        #expect(empty?.description == "the commit's author name is empty (GIT_AUTHOR_NAME)")
        try add("[user]\n\tname =\n", to: local)
        let emptySetting = #expect(throws: GitError.self) { try ourIdentity(environment()) }
        #expect(emptySetting?.description == "the commit's author name is empty (user.name of the repository's configuration)")
    }

    @Test func givenFieldsWinAndTheCommitterFallsBackToTheAuthor() throws {
        // Only an author given: git would guess a committer; edpctl takes the author, as before.
        #expect(try ourIdentity(environment(), given: PartialSignature(name: "CI", email: "ci@example.com"))
            == ["CI <ci@example.com>", "CI <ci@example.com>"])
        #expect(try ourIdentity(environment(["GIT_AUTHOR_NAME": "Env", "GIT_AUTHOR_EMAIL": "env@example.com"]))
            == ["Env <env@example.com>", "Env <env@example.com>"])
        try add(user("Global", "global@example.com"), to: global)
        // A given name, as `git commit --author`, for the author only.
        #expect(try ourIdentity(environment(["GIT_AUTHOR_NAME": "Env"]), given: PartialSignature(name: "Flag"))
            == ["Flag <global@example.com>", "Global <global@example.com>"])
    }
}
