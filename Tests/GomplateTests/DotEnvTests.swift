import Testing
@testable import Gomplate

/// The one `.env` parser in both its dialects: what they share, and each rule where they differ.
@Suite("Data: .env files")
struct DotEnvTests {
    private func parse(_ text: String, _ dialect: DotEnv.Dialect) -> String {
        do {
            return try DotEnv.parse(text, dialect: dialect).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: " | ")
        } catch let error as DotEnv.SyntaxError {
            return "\(error.line):\(error.column): \(error.message)"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [DotEnv.Dialect.godotenv, .ciEnvFile])
    func bothDialectsReadTheCommonForm(dialect: DotEnv.Dialect) {
        let text = "# comment\r\n\r\n  export   SPACED=value   # trailing\r\nPLAIN=a#b\nEMPTY=\n"
            + "SINGLE='it is $HOME \\n'\nDOUBLE=\"a\\nb \\\"q\\\"\"\nURL=https://example.org/?a=b\nPLAIN=later wins"
        #expect(parse(text, dialect)
            == "DOUBLE=a\nb \"q\" | EMPTY= | PLAIN=later wins | SINGLE=it is $HOME \\n | SPACED=value | URL=https://example.org/?a=b")
    }

    /// One line per rule of `DotEnv.Dialect`: godotenv's result, then the CI file's.
    @Test(arguments: [
        // colonAssigns
        ("KEY: value", "KEY=value", "1:1: expected KEY=VALUE"),
        // checksNames
        ("FOO.BAR = x", "FOO.BAR=x", "1:1: invalid variable name (a letter or _, then letters, digits and _)"),
        // quotesSpanLines
        ("A=\"one\ntwo\"", "A=one\ntwo", "1:3: unterminated double-quoted value"),
        // refusesTextAfterQuote
        ("A='x' y", "A=x", "1:7: unexpected text after the closing quote"),
        // trimsUnicodeWhiteSpace
        ("A=x\u{A0}", "A=x", "A=x\u{A0}"),
        // expandsVariables, and with it the escapes of double quotes
        ("A=1\nB=$A-${A}\nC=\"\\t$A\\$A\\q\"", "A=1 | B=1-1 | C=t1$Aq", "A=1 | B=$A-${A} | C=\t$A$A\\q"),
    ])
    func theDialectsDifferInEachNamedRule(text: String, godotenv: String, ciEnvFile: String) {
        #expect(parse(text, .godotenv) == godotenv)
        #expect(parse(text, .ciEnvFile) == ciEnvFile)
    }

    @Test func godotenvErrorsAreGomplates() {
        #expect(parse("A=1\nNOEQ", .godotenv) == "2:1: unexpected character \"N\" in variable name near \"NOEQ\"")
        #expect(parse("A=\"abc\ndef", .godotenv) == "1:3: unterminated quoted value \"abc")
        #expect(parse("A=1\nNOEQ", .ciEnvFile) == "2:1: expected KEY=VALUE")
    }

    /// Where the two parsers the dialects replace disagreed by accident, both now follow godotenv.
    @Test(arguments: [DotEnv.Dialect.godotenv, .ciEnvFile])
    func sharedRulesFollowGodotenv(dialect: DotEnv.Dialect) {
        #expect(parse("export\tA=1", dialect) == "A=1")
        #expect(parse("A=#x", dialect) == "A=#x")
        #expect(parse("A=x\r", dialect) == "A=x")
    }
}
