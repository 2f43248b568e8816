import Testing
@testable import Gomplate
@testable import Template

@Suite struct RandomFunctionsTests {
    private func randomText(_ name: String, _ arguments: Value...) throws -> String {
        guard let function = FunctionTable.gomplate[name] else { throw FunctionError("no \(name)") }
        guard case .string(let text) = try function.body(arguments, TestCall()) else {
            throw FunctionError("\(name) did not give a string")
        }
        return text
    }

    private func allScalars(_ text: String, _ test: (Unicode.Scalar) -> Bool) -> Bool {
        text.unicodeScalars.allSatisfy(test)
    }

    @Test func characterClassesHaveTheRightLengthAndCharacters() throws {
        let ascii = try randomText("random.ASCII", .int(200))
        #expect(ascii.unicodeScalars.count == 200)
        #expect(allScalars(ascii) { $0.value >= 0x20 && $0.value <= 0x7E })
        let alpha = try randomText("random.Alpha", .int(200))
        #expect(alpha.count == 200)
        #expect(allScalars(alpha) { $0.properties.isAlphabetic && $0.isASCII })
        let alphaNum = try randomText("random.AlphaNum", .string("150"))
        #expect(alphaNum.count == 150)
        #expect(allScalars(alphaNum) { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil) })
        #expect(try randomText("random.Alpha", .int(0)) == "")
    }

    @Test func stringDefaultsToGomplatesSet() throws {
        let text = try randomText("random.String", .int(300))
        #expect(text.count == 300)
        #expect(allScalars(text) { "-._".unicodeScalars.contains($0) || ($0.isASCII && $0.properties.isAlphabetic)
                || ("0"..."9").contains($0) })
        #expect(throws: FunctionError.self) { try randomText("random.String", .int(0)) }
        let withEmptyPattern = try randomText("random.String", .int(300), .string(""))
        #expect(allScalars(withEmptyPattern) { $0.isASCII && ($0.properties.isAlphabetic || "-._0123456789".unicodeScalars.contains($0)) })
    }

    @Test func stringWithAPatternUsesItsCharacters() throws {
        #expect(allScalars(try randomText("random.String", .int(100), .string("[a-c]"))) { ("a"..."c").contains($0) })
        #expect(allScalars(try randomText("random.String", .int(100), .string("[^\\x00-\\x{FFFF}]"))) { $0.value > 0xFFFF })
        #expect(allScalars(try randomText("random.String", .int(100), .string("[[:xdigit:]]"))) {
            $0.isASCII && $0.properties.isASCIIHexDigit
        })
        #expect(allScalars(try randomText("random.String", .int(100), .string("\\d"))) { ("0"..."9").contains($0) })
        #expect(allScalars(try randomText("random.String", .int(50), .string("\\p{Lu}"))) {
            $0.properties.generalCategory == .uppercaseLetter
        })
        #expect(allScalars(try randomText("random.String", .int(20), .string("[\\-_]"))) { $0 == "-" || $0 == "_" })
    }

    @Test func stringWithBoundsUsesTheRange() throws {
        // Single characters are the bounds themselves; other strings are numbers.
        #expect(allScalars(try randomText("random.String", .int(100), .string("a"), .string("e"))) { ("a"..."e").contains($0) })
        #expect(allScalars(try randomText("random.String", .int(100), .string("0x20"), .string("0x22"))) {
            (0x20...0x22).contains($0.value)
        })
        #expect(allScalars(try randomText("random.String", .int(100), .int(0x3b1), .int(0x3c9))) {
            (0x3b1...0x3c9).contains($0.value)
        })
        // Control characters are not printable.
        do {
            _ = try randomText("random.String", .int(3), .int(0), .int(0x1f))
            Issue.record("control characters were accepted")
        } catch let error as FunctionError {
            #expect(error.message == "no printable codepoints found between U'\\x00' and U'\\x1f'")
        }
    }

    @Test func itemPicksFromTheList() throws {
        let items: [Value] = [.string("a"), .string("b"), .int(3)]
        for _ in 0..<20 {
            let picked = try call("random.Item", .list(items))
            switch picked {
            case .string(let s): #expect(s == "a" || s == "b")
            case .int(let i): #expect(i == 3)
            default: Issue.record("picked \(picked)")
            }
        }
        #expect(throws: FunctionError.self) { try call("random.Item", .list([])) }
        #expect(throws: FunctionError.self) { try call("random.Item", .string("abc")) }
    }

    @Test func numberAndFloatStayInRange() throws {
        guard let number = FunctionTable.gomplate["random.Number"], let float = FunctionTable.gomplate["random.Float"] else {
            Issue.record("missing functions"); return
        }
        for _ in 0..<50 {
            if case .int(let n) = try number.body([], TestCall()) { #expect((0...100).contains(n)) } else { Issue.record("not int") }
            if case .int(let n) = try number.body([.int(-3), .int(3)], TestCall()) { #expect((-3...3).contains(n)) }
            if case .float(let f) = try float.body([], TestCall()) { #expect(f >= 0 && f < 1) } else { Issue.record("not float") }
            if case .float(let f) = try float.body([.float(-5.5), .int(-5)], TestCall()) { #expect(f >= -5.5 && f <= -5) }
        }
        #expect(throws: FunctionError.self) { try number.body([.int(5), .int(1)], TestCall()) }
        #expect(throws: FunctionError.self) { try number.body([.int(Int.min), .int(Int.max)], TestCall()) }
    }

    @Test func uuidsHaveTheirVersionAndVariant() throws {
        for name in ["uuid.V4", "uuid.V1"] {
            let text = try randomText(name)
            let parsed = try UUIDValue(parsing: text)
            #expect(parsed.description == text)
            #expect(try parsed.member("Variant", arguments: [])?.textIfString == "RFC4122")
            #expect(try parsed.member("Version", arguments: [])?.textIfString == (name == "uuid.V4" ? "VERSION_4" : "VERSION_1"))
        }
        #expect(try randomText("uuid.V4") != randomText("uuid.V4"))
        // The corpus: uuid.Nil.
        #expect(try randomText("uuid.Nil") == "00000000-0000-0000-0000-000000000000")
    }

    @Test(arguments: [
        // The corpus: "totally invalid" is not a UUID, the urn form is.
        ("totally invalid", false), ("urn:uuid:12345678-90ab-cdef-fedc-ba9876543210", true),
        ("{12345678-90ab-cdef-fedc-ba9876543210}", true), ("1234567890abcdeffedcba9876543210", true),
        ("12345678-90AB-CDEF-FEDC-BA9876543210", true), ("12345678-90ab-cdef-fedc-ba987654321g", false),
        ("12345678090ab-cdef-fedc-ba9876543210", false), ("urn:uuix:12345678-90ab-cdef-fedc-ba9876543210", false),
    ])
    func isValid(_ text: String, _ valid: Bool) throws {
        if case .bool(let result) = try call("uuid.IsValid", .string(text)) { #expect(result == valid) } else {
            Issue.record("IsValid did not give a bool")
        }
    }

    @Test func parseGivesAnObjectWithGoogleUUIDMethods() throws {
        // The corpus: (uuid.Parse "000001f5-4470-21e9-9b00-72000877c7b0").Domain = Person.
        let result = try call("uuid.Parse", .string("000001f5-4470-21e9-9b00-72000877c7b0"))
        guard case .object(let parsed) = result else { Issue.record("Parse gave \(result)"); return }
        #expect(try parsed.member("Domain", arguments: [])?.textIfString == "Person")
        #expect(try parsed.member("Version", arguments: [])?.textIfString == "VERSION_2")
        #expect(try parsed.member("URN", arguments: [])?.textIfString == "urn:uuid:000001f5-4470-21e9-9b00-72000877c7b0")
        if case .int(let id) = try parsed.member("ID", arguments: []) { #expect(id == 501) } else { Issue.record("ID") }
        #expect(parsed.goDescription == "000001f5-4470-21e9-9b00-72000877c7b0")
        do {
            _ = try call("uuid.Parse", .string("short"))
            Issue.record("parsed a short string")
        } catch let error as FunctionError {
            #expect(error.message == "invalid UUID length: 5")
        }
    }
}
