import Foundation
import Testing
import TestSupport
@testable import Git

/// `RemoteURL`: what is stored, what names the repository, what is a login.
@Suite struct RemoteURLTests {
    @Test(arguments: [
        // given, location (cloned from, stored), identity, username, password
        ("https://ci:T%40k:en@Git.Example.com:443/org/inst.git/", "https://Git.Example.com:443/org/inst.git/",
         "https://git.example.com/org/inst.git", "ci", "T@k:en"),
        ("http://tok@127.0.0.1:8080/inst.git", "http://127.0.0.1:8080/inst.git", "http://127.0.0.1:8080/inst.git",
         "tok", nil),
        ("HTTPS://host/x", "HTTPS://host/x", "https://host/x", nil, nil),
        ("ssh://git:secret@host:22/org/inst.git", "ssh://git@host:22/org/inst.git", "ssh://host/org/inst.git",
         "git", "secret"),
        ("ssh://git@host:2222/inst.git", "ssh://git@host:2222/inst.git", "ssh://host:2222/inst.git", "git", nil),
        ("git@Host:org/inst.git/", "git@Host:org/inst.git/", "host:org/inst.git", "git", nil),
        ("https://ci:@host/x", "https://host/x", "https://host/x", "ci", ""),
        ("https://:tok@host/x", "https://host/x", "https://host/x", "", "tok"),
        ("https://ci:p@ss:w@rd@host/x", "https://host/x", "https://host/x", "ci", "p@ss:w@rd"),
        // scp-like with a password, as people write it: the last `@host:` ends the password.
        ("ci:T0/k@en@Host:org/inst.git", "ci@Host:org/inst.git", "host:org/inst.git", "ci", "T0/k@en"),
        ("file:///srv/inst.git/", "file:///srv/inst.git/", "/srv/inst.git", nil, nil),
        ("/srv//x/../inst.git/", "/srv/inst.git", "/srv/inst.git", nil, nil),
        ("inst.git", "/work/here/inst.git", "/work/here/inst.git", nil, nil),
        ("../inst.git", "/work/inst.git", "/work/inst.git", nil, nil),
        // Split by Unicode scalars: a combining mark after `@`, `:` or `/` hides none of them.
        ("https://ci:T0k@\u{301}Host/x", "https://\u{301}Host/x", "https://\u{301}host/x", "ci", "T0k"),
        ("https://ci:\u{301}T0k@host/\u{301}x/", "https://host/\u{301}x/", "https://host/\u{301}x", "ci", "\u{301}T0k"),
        ("git@h:\u{301}x.git", "git@h:\u{301}x.git", "h:\u{301}x.git", "git", nil),
        ("/nonexistent/\u{301}x/../inst.git", "/nonexistent/inst.git", "/nonexistent/inst.git", nil, nil),
    ] as [(String, String, String, String?, String?)])
    func splitsLoginFromWhatIsStored(given: String, location: String, identity: String, username: String?,
                                     password: String?) {
        let url = RemoteURL(given, currentDirectory: "/work/here")
        #expect(url.location.hasSameBytes(as: location))
        #expect(url.identity.hasSameBytes(as: identity))
        #expect(url.username.hasSameBytes(as: username))
        #expect(url.password.hasSameBytes(as: password))
    }

    @Test(arguments: [
        ("https://host/org/inst.git", "https://user:token@HOST:443/org/inst.git/"),
        ("http://127.0.0.1:80/inst.git", "http://127.0.0.1/inst.git"),
        ("ssh://alice@host/inst.git", "ssh://bob@host:22/inst.git"),
        ("file:///srv/inst.git", "/srv/inst.git/"),
        ("/srv/a/../inst.git", "/srv/inst.git"),
    ])
    func equivalentSpellingsNameOneRepository(first: String, second: String) {
        let (a, b) = (RemoteURL(first, currentDirectory: "/"), RemoteURL(second, currentDirectory: "/"))
        #expect(a.namesSameRepository(as: b))
        #expect(a.folderName == b.folderName)
    }

    @Test(arguments: [
        ("https://host/org/inst.git", "https://host/org/inst"),
        ("https://host/org/inst.git", "https://host/org/Inst.git"),
        ("https://host/org/inst.git", "http://host/org/inst.git"),
        ("https://host/org/inst.git", "https://host:8443/org/inst.git"),
        ("https://host/org/inst.git", "https://other/org/inst.git"),
        ("ssh://host/inst.git", "host:inst.git"),
        ("/srv/inst.git", "/srv/other.git"),
        // Canonically equivalent, but other bytes: two folders on disk, two paths on a server.
        ("/srv/caf\u{E9}.git", "/srv/cafe\u{301}.git"),
        ("https://host/caf\u{E9}.git", "https://host/cafe\u{301}.git"),
        ("git@host:\u{C5}ngstr\u{F6}m.git", "git@host:A\u{30A}ngstro\u{308}m.git"),
    ])
    func differentRepositoriesStayApart(first: String, second: String) {
        let (a, b) = (RemoteURL(first, currentDirectory: "/"), RemoteURL(second, currentDirectory: "/"))
        #expect(!a.namesSameRepository(as: b))
        #expect(a != b)
        #expect(a.folderName != b.folderName)
    }

    /// What `edpctl hydrate` refuses: every spelling of a password in the userinfo, and nothing else.
    @Test(arguments: [
        ("https://ci:tok@host/x", true), ("http://ci:@host/x", true), ("HTTPS://ci:t%6Fk@host/x", true),
        ("ssh://git:pw@host:2222/x", true), ("git+ssh://git:pw@host/x", true), ("ci:pw@host:org/x.git", true),
        ("https://ci@host/x", false), ("https://host/x", false), ("ssh://git@host/x", false),
        ("git@host:org/x.git", false), ("host:org/x.git", false), ("/srv/x:y@z.git", false),
        ("https://host/a:b@c", false),
        // Combining marks do not hide a separator: git reads bytes.
        ("https://ci:T0k@\u{301}host/x", true), ("https://ci:\u{301}T0k@host/x", true),
        ("ci:\u{301}pw@host:org/x.git", true),
    ])
    func aPasswordIsToldFromAUserName(given: String, hasPassword: Bool) {
        #expect((RemoteURL(given, currentDirectory: "/").password != nil) == hasPassword)
    }

    /// Over http(s) a query or a fragment serves no git remote (git appends `/info/refs?service=…`)
    /// and may carry a token; elsewhere `?` and `#` are characters of a path.
    @Test(arguments: [
        ("https://host/inst.git?u=a:QueryPassw0rd@x", true), ("HTTP://host/inst.git#tok", true),
        ("https://host?x=1", true), ("https://host/inst.git/?", true), ("http://host#", true),
        ("https://host/inst.git", false), ("https://host/a%3Fb.git", false), ("ssh://host/a?b.git", false),
        ("git@host:org/a?b#c.git", false), ("/srv/a?b#c.git", false), ("file:///srv/a?b.git", false),
    ])
    func aQueryOrFragmentIsToldOverHTTP(given: String, refused: Bool) {
        #expect(RemoteURL(given, currentDirectory: "/").hasQueryOrFragment == refused)
    }

    @Test func theFolderNameIsASlugAndAHashOfTheLoginFreeURL() {
        let url = RemoteURL("https://ci:s3cret@git.example.com/platform/stacks-instances.git")
        // hashlib.sha256(b"https://git.example.com/platform/stacks-instances.git"), its first 4 bytes.
        #expect(url.folderName == "git.example.com-platform-stacks-instances.git-1494f9bc")
        #expect(!url.folderName.contains("s3cret") && !url.folderName.contains("ci"))

        let long = RemoteURL("https://host/" + String(repeating: "group/", count: 30) + "inst.git")
        #expect(long.folderName.count <= 60 + 9)
        #expect(long.folderName.hasPrefix("group-group-"))
        #expect(long.folderName.wholeMatch(of: #/(group-)+inst\.git-[0-9a-f]{8}/#) != nil)

        for odd in ["/.hidden/..repo", "ssh://h/~user/x y", "file:///", "https://h/%2e%2e/ü"] {
            let name = RemoteURL(odd, currentDirectory: "/").folderName
            #expect(name.wholeMatch(of: #/[A-Za-z0-9_][A-Za-z0-9._-]*-[0-9a-f]{8}/#) != nil, "\(odd) → \(name)")
        }
    }
}
