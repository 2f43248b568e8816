import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

@Suite struct EnvFunctionsTests {
    private func text(_ name: String, _ arguments: Value..., environment: [String: String] = [:],
                      workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> String? {
        guard let function = FunctionTable.gomplate[name] else { throw FunctionError("no \(name)") }
        let host = TestHost(environment: environment, workingDirectory: workingDirectory)
        if case .string(let result) = try function.body(arguments, TestCall(host: host)) { return result }
        return nil
    }

    @Test func getenvReadsTheHostEnvironmentNotTheProcess() throws {
        // The corpus: env.Getenv "USER" with USER set for the case; getenv "FOO" with FOO unset is "".
        #expect(try text("env.Getenv", .string("USER"), environment: ["USER": "hairyhenderson"]) == "hairyhenderson")
        #expect(try text("getenv", .string("FOO"), environment: ["FOO": "foo"]) == "foo")
        #expect(try text("getenv", .string("PATH")) == "")
        #expect(try text("getenv", .string("BLAHBLAHBLAH")) == "")
    }

    @Test func getenvDefaultAppliesToUnsetAndEmpty() throws {
        // The corpus: getenv "FIRSTNAME" "you" unset, getenv "FOO" "foo" with FOO="".
        #expect(try text("getenv", .string("FIRSTNAME"), .string("you")) == "you")
        #expect(try text("getenv", .string("FOO"), .string("foo"), environment: ["FOO": ""]) == "foo")
        #expect(try text("getenv", .string("FOO"), .string("foo"), environment: ["FOO": "bar"]) == "bar")
        #expect(throws: FunctionError.self) { try call("getenv", .string("FOO"), .int(1)) }
        #expect(FunctionTable.gomplate["getenv"]?.minArguments == 1)
        #expect(FunctionTable.gomplate["getenv"]?.maxArguments == nil)
    }

    @Test func fileVariablesFillUnsetOnes() throws {
        let scratch = try TemporaryFolder("h3-env")
        let folder = scratch.path
        try plant(scratch.child("mysecret"), Array("safe\n".utf8))
        // The corpus: SECRET_FILE names a file relative to the working directory; its content is trimmed.
        let environment = ["SECRET_FILE": "mysecret"]
        #expect(try text("getenv", .string("SECRET"), environment: environment, workingDirectory: folder) == "safe")
        #expect(try text("env.ExpandEnv", .string("Your secret is $SECRET"), environment: environment,
                         workingDirectory: folder) == "Your secret is safe")
        // A set variable wins over its _FILE; a missing file gives "" (or the default).
        #expect(try text("getenv", .string("SECRET"), environment: ["SECRET": "direct", "SECRET_FILE": "mysecret"],
                         workingDirectory: folder) == "direct")
        #expect(try text("getenv", .string("SECRET"), .string("fallback"), environment: ["SECRET_FILE": "nope"],
                         workingDirectory: folder) == "fallback")
        #expect(try text("getenv", .string("SECRET"), environment: ["SECRET_FILE": scratch.child("mysecret")]) == "safe")
    }

    @Test(arguments: [
        // The corpus's cases, then Go's os.Expand edge cases.
        ("Hello $USER", "Hello hairyhenderson"), ("Hey, ${FIRSTNAME}!", "Hey, !"), ("${BAR}foo", "foo"),
        ("${FOO}", "foo"), ("$FOO$FOO", "foofoo"), ("$", "$"), ("a$", "a$"), ("$ x", "$ x"), ("${}x", "x"),
        ("${FOO", "FOO"), ("$1x", "x"), ("${*}", ""), ("$FOO_BAR-", "-"), ("ü$FOO ü", "üfoo ü"), ("no dollars", "no dollars"),
    ])
    func expandEnv(_ input: String, _ expected: String) throws {
        let environment = ["USER": "hairyhenderson", "FOO": "foo"]
        #expect(try text("env.ExpandEnv", .string(input), environment: environment) == expected)
    }

    @Test func hasEnvCountsEmptyAsSet() throws {
        func has(_ name: String, _ environment: [String: String]) throws -> Bool? {
            let host = TestHost(environment: environment)
            if case .bool(let flag) = try call("env.HasEnv", .string(name), host: host) { return flag }
            return nil
        }
        #expect(try has("FOO", [:]) == false)
        #expect(try has("FOO", ["FOO": ""]) == true)
        #expect(try has("FOO", ["FOO": "bar"]) == true)
    }

    @Test func envIsAStringMap() throws {
        let host = TestHost(environment: ["USER": "hairyhenderson", "HOME": "/home/hairyhenderson"])
        let result = try call("env.Env", host: host)
        guard case .map(let map) = result else { Issue.record("env.Env gave \(result)"); return }
        #expect(map.elementType == .string)
        #expect(map.sortedKeys == ["HOME", "USER"])
        if case .string(let user) = map["USER"] { #expect(user == "hairyhenderson") } else { Issue.record("USER") }
    }
}
