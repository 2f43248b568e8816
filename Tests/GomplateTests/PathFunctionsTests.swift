import Testing
@testable import Gomplate
@testable import Template

/// Tables from Go's own `path` and `path/filepath` tests, plus the corpus's examples.
@Suite struct PathFunctionsTests {
    private func text(_ name: String, _ arguments: Value...) throws -> String? {
        guard let function = FunctionTable.gomplate[name] else { throw FunctionError("no \(name)") }
        if case .string(let result) = try function.body(arguments, TestCall()) { return result }
        return nil
    }

    @Test(arguments: [
        ("", "."), ("abc", "abc"), ("abc/def", "abc/def"), (".", "."), ("..", ".."), ("../..", "../.."),
        ("../../abc", "../../abc"), ("/abc", "/abc"), ("/", "/"), ("abc/", "abc"), ("abc/def/", "abc/def"),
        ("/abc/", "/abc"), ("abc//def//ghi", "abc/def/ghi"), ("//abc", "/abc"), ("///abc", "/abc"),
        ("//abc//", "/abc"), ("abc//", "abc"), ("abc/./def", "abc/def"), ("/./abc/def", "/abc/def"), ("abc/.", "abc"),
        ("abc/def/ghi/../jkl", "abc/def/jkl"), ("abc/def/../ghi/../jkl", "abc/jkl"), ("abc/def/..", "abc"),
        ("abc/def/../..", "."), ("/abc/def/../..", "/"), ("abc/def/../../..", ".."), ("/abc/def/../../..", "/"),
        ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"), ("abc/./../def", "def"), ("abc//./../def", "def"),
        ("abc/../../././../def", "../../def"), ("/tmp//foo/../", "/tmp"),
    ])
    func clean(_ input: String, _ expected: String) throws {
        #expect(try text("path.Clean", .string(input)) == expected)
        #expect(try text("filepath.Clean", .string(input)) == expected)
    }

    @Test(arguments: [
        ("", "."), (".", "."), ("/.", "."), ("/", "/"), ("////", "/"), ("x/", "x"), ("abc", "abc"), ("abc/def", "def"),
        ("a/b/.x", ".x"), ("a/b/c.", "c."), ("a/b/c.x", "c.x"), ("/tmp/foo", "foo"),
    ])
    func base(_ input: String, _ expected: String) throws {
        #expect(try text("path.Base", .string(input)) == expected)
        #expect(try text("filepath.Base", .string(input)) == expected)
    }

    @Test(arguments: [
        ("", "."), (".", "."), ("/.", "/"), ("/", "/"), ("////", "/"), ("/foo", "/"), ("x/", "x"), ("abc", "."),
        ("abc/def", "abc"), ("abc////def", "abc"), ("a/b/.x", "a/b"), ("a/b/c.", "a/b"), ("a/b/c.x", "a/b"),
        ("/tmp/foo", "/tmp"),
    ])
    func dir(_ input: String, _ expected: String) throws {
        #expect(try text("path.Dir", .string(input)) == expected)
        #expect(try text("filepath.Dir", .string(input)) == expected)
    }

    @Test(arguments: [
        ("path.go", ".go"), ("path.pb.go", ".go"), ("a.dir/b", ""), ("a.dir/b.go", ".go"), ("a.dir/", ""),
        ("/tmp/foo.csv", ".csv"),
    ])
    func ext(_ input: String, _ expected: String) throws {
        #expect(try text("path.Ext", .string(input)) == expected)
        #expect(try text("filepath.Ext", .string(input)) == expected)
    }

    @Test(arguments: [
        ("a/b", "a/", "b"), ("a/b/", "a/b/", ""), ("a/", "a/", ""), ("a", "", "a"), ("/", "/", ""),
        ("/tmp/foo", "/tmp/", "foo"),
    ])
    func split(_ input: String, _ dir: String, _ file: String) throws {
        for name in ["path.Split", "filepath.Split"] {
            let result = try call(name, .string(input))
            guard case .list(let parts) = result, parts.count == 2,
                  case .string(let first) = parts[0], case .string(let second) = parts[1] else {
                Issue.record("\(name) gave \(result)"); continue
            }
            #expect(first == dir)
            #expect(second == file)
        }
    }

    @Test(arguments: [
        ([String](), ""), ([""], ""), (["a"], "a"), (["a", "b"], "a/b"), (["a", ""], "a"), (["", "b"], "b"),
        (["/", "a"], "/a"), (["/", ""], "/"), (["a/", "b"], "a/b"), (["a/", ""], "a"), (["", ""], ""),
        (["/tmp", "foo", "bar"], "/tmp/foo/bar"), (["a", "", "../b"], "b"),
    ])
    func join(_ elements: [String], _ expected: String) throws {
        for name in ["path.Join", "filepath.Join"] {
            guard let join = FunctionTable.gomplate[name] else { Issue.record("no \(name)"); continue }
            #expect(try join.body(elements.map(Value.string), TestCall()).textIfString == expected)
        }
    }

    @Test func joinStringifiesNumbers() throws {
        #expect(try text("path.Join", .string("a"), .int(1), .float(2.5)) == "a/1/2.5")
    }

    @Test func isAbs() throws {
        for name in ["path.IsAbs", "filepath.IsAbs"] {
            #expect(try call(name, .string("/tmp/foo.csv")).boolIfBool == true)
            #expect(try call(name, .string("../foo.csv")).boolIfBool == false)
            #expect(try call(name, .string("")).boolIfBool == false)
        }
    }

    /// `nil` as the third element: Go's `ErrBadPattern`.
    @Test(arguments: [
        ("abc", "abc", true), ("*", "abc", true), ("*c", "abc", true), ("a*", "a", true), ("a*", "abc", true),
        ("a*", "ab/c", false), ("a*/b", "abc/b", true), ("a*/b", "a/c/b", false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true), ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false), ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true), ("a*b?c*x", "abxbbxdbxebxczzy", false), ("ab[c]", "abc", true),
        ("ab[b-d]", "abc", true), ("ab[e-g]", "abc", false), ("ab[^c]", "abc", false), ("ab[^b-d]", "abc", false),
        ("ab[^e-g]", "abc", true), ("a\\*b", "a*b", true), ("a\\*b", "ab", false), ("a?b", "a☺b", true),
        ("a[^a]b", "a☺b", true), ("a???b", "a☺b", false), ("a[^a][^a][^a]b", "a☺b", false), ("[a-ζ]*", "α", true),
        ("*[a-ζ]", "A", false), ("a?b", "a/b", false), ("a*b", "a/b", false), ("[\\]a]", "]", true),
        ("[\\-]", "-", true), ("[x\\-]", "x", true), ("[x\\-]", "-", true), ("[x\\-]", "z", false),
        ("[\\-x]", "x", true), ("[\\-x]", "-", true), ("[\\-x]", "a", false), ("*x", "xxx", true),
        ("*.csv", "foo.csv", true),
        ("[]a]", "]", nil), ("[-]", "-", nil), ("[x-]", "x", nil), ("[x-]", "-", nil), ("[x-]", "z", nil),
        ("[-x]", "x", nil), ("[-x]", "-", nil), ("[-x]", "a", nil), ("\\", "a", nil), ("[a-b-c]", "a", nil),
        ("[", "a", nil), ("[^", "a", nil), ("[^bc", "a", nil), ("a[", "a", nil), ("a[", "ab", nil), ("a[", "x", nil),
        ("a/b[", "x", nil),
    ] as [(String, String, Bool?)])
    func match(_ pattern: String, _ name: String, _ expected: Bool?) throws {
        for function in ["path.Match", "filepath.Match"] {
            if let expected {
                #expect(try call(function, .string(pattern), .string(name)).boolIfBool == expected, "\(pattern) ~ \(name)")
            } else {
                do {
                    _ = try call(function, .string(pattern), .string(name))
                    Issue.record("\(pattern) is a bad pattern")
                } catch let error as FunctionError {
                    #expect(error.message == "syntax error in pattern")
                }
            }
        }
    }

    /// `nil`: Go fails with "Rel: can't make … relative to …".
    @Test(arguments: [
        ("a/b", "a/b", "."), ("a/b/.", "a/b", "."), ("a/b", "a/b/.", "."), ("./a/b", "a/b", "."), ("a/b", "./a/b", "."),
        ("ab/cd", "ab/cde", "../cde"), ("ab/cd", "ab/c", "../c"), ("a/b", "a/b/c/d", "c/d"), ("a/b", "a/b/../c", "../c"),
        ("a/b/../c", "a/b", "../b"), ("a/b/c", "a/c/d", "../../c/d"), ("a/b", "c/d", "../../c/d"),
        ("a/b/c/d", "a/b", "../.."), ("a/b/c/d", "a/b/", "../.."), ("a/b/c/d/", "a/b", "../.."),
        ("../../a/b", "../../a/b/c/d", "c/d"), ("/a/b", "/a/b", "."), ("/ab/cd", "/ab/cde", "../cde"),
        ("/a/b", "/a/b/c/d", "c/d"), ("/a/b/c", "/a/c/d", "../../c/d"), ("/a/b", "/c/d", "../../c/d"),
        ("/a/b/c/d/", "/a/b/", "../.."), ("/../../a/b", "/../../a/b/c/d", "c/d"), (".", "a/b", "a/b"), (".", "..", ".."),
        ("/a", "/a/b/c", "b/c"),
        ("..", ".", nil), ("..", "a", nil), ("../..", "..", nil), ("a", "/a", nil), ("/a", "a", nil),
    ] as [(String, String, String?)])
    func rel(_ base: String, _ target: String, _ expected: String?) throws {
        if let expected {
            #expect(try text("filepath.Rel", .string(base), .string(target)) == expected)
        } else {
            do {
                _ = try call("filepath.Rel", .string(base), .string(target))
                Issue.record("Rel \(base) \(target) succeeded")
            } catch let error as FunctionError {
                #expect(error.message == "Rel: can't make \(target) relative to \(base)")
            }
        }
    }

    @Test func unixOnlyConversions() throws {
        #expect(try text("filepath.FromSlash", .string("/foo/bar")) == "/foo/bar")
        #expect(try text("filepath.ToSlash", .string("/foo/bar")) == "/foo/bar")
        #expect(try text("filepath.VolumeName", .string("/foo/bar")) == "")
        #expect(FunctionTable.gomplate["path.Rel"] == nil)
    }
}

private extension Value {
    var boolIfBool: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }
}
