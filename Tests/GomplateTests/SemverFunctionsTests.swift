import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// The semver namespace against Masterminds/semver v3, the library gomplate uses: every expected
/// value below is what that library's `NewVersion`, `Version` methods and `Constraints.Check`
/// return for the same input (run at its v3.5 sources).
@Suite struct SemverFunctionsTests {
    @Test func versionsParseAsTheLibraryParsesThem() {
        // input → String|Major|Minor|Patch|Prerelease|Metadata|Original|IncPatch|IncMinor|IncMajor
        let cases = [
            ("v1.1.1", "1.1.1|1|1|1|||v1.1.1|1.1.2|1.2.0|2.0.0"),
            ("1.2.3-beta.1+build.5", "1.2.3-beta.1+build.5|1|2|3|beta.1|build.5|1.2.3-beta.1+build.5|1.2.3|1.3.0|2.0.0"),
            ("01.02.03", "1.2.3|1|2|3|||01.02.03|1.2.4|1.3.0|2.0.0"),
            ("1", "1.0.0|1|0|0|||1|1.0.1|1.1.0|2.0.0"),
            ("v2.0", "2.0.0|2|0|0|||v2.0|2.0.1|2.1.0|3.0.0"),
            ("1.2.3-0", "1.2.3-0|1|2|3|0||1.2.3-0|1.2.3|1.3.0|2.0.0"),
            ("1.2.3-rc-1+x-y", "1.2.3-rc-1+x-y|1|2|3|rc-1|x-y|1.2.3-rc-1+x-y|1.2.3|1.3.0|2.0.0"),
            ("1.2-beta", "1.2.0-beta|1|2|0|beta||1.2-beta|1.2.0|1.3.0|2.0.0"),
        ]
        for (input, expected) in cases {
            let template = "<<< $v := semver.Semver \"\(input)\" >>><<< $v >>>|<<< $v.Major >>>|<<< $v.Minor >>>|<<< $v.Patch >>>|"
                + "<<< $v.Prerelease >>>|<<< $v.Metadata >>>|<<< $v.Original >>>|<<< $v.IncPatch >>>|<<< $v.IncMinor >>>|<<< $v.IncMajor >>>"
            #expect(renderedOrError(template) == expected, "\(input)")
        }
    }

    @Test func invalidVersionsFailWithTheLibrarysMessages() {
        let cases = [
            ("1.2.3-01", "version segment starts with 0"),
            ("1.2.3-beta..1", "invalid semantic version"),
            ("1.2.3.4", "invalid semantic version"),
            ("v", "invalid semantic version"),
            ("", "invalid semantic version"),
            (" 1.2.3", "invalid semantic version"),
            ("1.2.3-", "invalid semantic version"),
            ("1.2.3+", "invalid semantic version"),
            ("1.2.3+build..1", "invalid semantic version"),
            ("V1.2.3", "invalid semantic version"),
            ("99999999999999999999.0.0", #"error parsing version segment: strconv.ParseUint: parsing "99999999999999999999": value out of range"#),
        ]
        for (input, message) in cases {
            #expect(renderedOrError("<<< semver.Semver \"\(input)\" >>>")
                == #"error: template: t:1:4: executing "t" at <semver.Semver>: error calling Semver: "# + message, "\(input)")
        }
        #expect(renderedOrError("<<< semver.Semver 1 >>>").hasSuffix("wrong type for value; expected string; got int"))
    }

    @Test func versionMethods() {
        // The docs' example, and the setters' checks.
        #expect(renderedOrError(#"the pre release version is <<< ("v1.1.1" | semver.Semver).SetPrerelease "beta.1" >>>"#)
            == "the pre release version is 1.1.1-beta.1")
        #expect(renderedOrError(#"<<< ((semver.Semver "v1.2.3").SetMetadata "sha.5114f85").String >>> <<< (semver.Semver "v1.2.3-rc.1").IncPatch >>>"#)
            == "1.2.3+sha.5114f85 1.2.3")
        #expect(renderedOrError(#"<<< (semver.Semver "1.2.3").SetPrerelease "01" >>>"#).hasSuffix("error calling SetPrerelease: version segment starts with 0"))
        #expect(renderedOrError(#"<<< (semver.Semver "1.2.3").SetMetadata "a..b" >>>"#).hasSuffix("error calling SetMetadata: invalid metadata string"))
        #expect(renderedOrError(#"<<< (semver.Semver "18446744073709551615.1.2").IncMajor >>>"#)
            .hasSuffix("error calling IncMajor: major version increment would overflow uint64"))
        // Above Int64.max, a number comes back as its digits.
        #expect(renderedOrError(#"<<< (semver.Semver "18446744073709551615.1.2").Major >>>"#) == "18446744073709551615")
        // Comparisons take *semver.Version, as semver.Semver returns it.
        #expect(renderedOrError(#"<<< $a := semver.Semver "1.2.3-beta.2" >>><<< $b := semver.Semver "1.2.3-beta.10" >>><<< $a.LessThan $b >>> <<< $a.Compare $b >>> <<< $b.GreaterThan $a >>> <<< $a.Equal (semver.Semver "v1.2.3-beta.2+meta") >>> <<< $a.LessThanEqual $a >>> <<< $a.GreaterThanEqual $b >>>"#)
            == "true -1 true true true false")
        // Go's templates cannot call pointer methods on the plain values IncMajor and the setters return.
        #expect(renderedOrError(#"<<< (semver.Semver "1.2.3").IncMajor.Original >>>"#).hasSuffix("can't evaluate field Original in type semver.Version"))
        #expect(renderedOrError(#"<<< (semver.Semver "1.2.3").LessThan (semver.Semver "1.2.3").IncMajor >>>"#)
            .hasSuffix("error calling LessThan: wrong type for value; expected *semver.Version; got semver.Version"))
        #expect(renderedOrError(#"<<< (semver.Semver "1.2.3").LessThan "2.0.0" >>>"#)
            .hasSuffix("error calling LessThan: wrong type for value; expected *semver.Version; got string"))
        #expect(renderedOrError(#"<<< semver.Semver "v1.2.3" | toJSON >>>"#) == #""1.2.3""#)
    }

    @Test func constraintsAsTheLibraryChecksThem() {
        let cases: [(String, String, Bool)] = [
            ("> 1.0", "1.4.6", true),
            ("> 1.0", "1.2.4", true),
            ("> 1.0", "0.0.0", false),
            ("> 1.0", "1.2.3-alpha", false),
            ("> 1.0, <1.1", "1.0.0", false),
            ("> 1.0, <1.1", "1.2.3", false),
            (">=1.0.0", "4.2.3", true),
            (">=1.0.0", "1.0.0", true),
            (">=1.0.0", "0.0.0", false),
            (">=1.0.0", "1.2.3-alpha", false),
            ("<1.0.0", "0.2.3", true),
            ("<1.0.0", "0.0.4", true),
            ("<1.0.0", "1.4.6", false),
            ("<1.0.0", "1.0.0", false),
            ("^1.2.3", "1.2.3", true),
            ("^1.2.3", "1.4.5", true),
            ("^1.2.3", "1.2.4-rc", false),
            ("^1.2.3", "2.0.0", false),
            ("^1.2", "1.4.5", true),
            ("^1.2", "1.2.3", true),
            ("^1.2", "1.2.3-beta.2.1", false),
            ("^1.2", "1.2.4-rc", false),
            ("^1", "v1.1.1", true),
            ("^1", "1.0.0", true),
            ("^1", "1.2.3-beta", false),
            ("^1", "1.2.3-alpha", false),
            ("^0.2.3", "0.2.3", true),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "1.0.0", false),
            ("^0.2.3", "2.0.0", false),
            ("^0.0.3", "0.0.3", true),
            ("^0.0.3", "1.2.4-rc", false),
            ("^0.0.3", "1.3.0", false),
            ("^0.0", "0.0.4", true),
            ("^0.0", "0.0.0", true),
            ("^0.0", "1.3.0", false),
            ("^0.0", "3.9.9", false),
            ("^0", "0.2.3", true),
            ("^0", "0.0.4", true),
            ("^0", "1.2.3-beta.2", false),
            ("^0", "1.2.3+meta", false),
            ("^*", "0.0.0", true),
            ("^*", "1.2.4", false),
            ("^*", "4.2.3", false),
            ("~1.2.3", "1.2.4", true),
            ("~1.2.3", "1.2.3+meta", true),
            ("~1.2.3", "1.4.5", false),
            ("~1.2.3", "4.2.3", false),
            ("~1.2", "1.2.3", true),
            ("~1.2", "1.2.3+meta", true),
            ("~1.2", "2.0.0-rc.1", false),
            ("~1.2", "0.2.3", false),
            ("~1", "1.2", true),
            ("~1", "01.02.03", true),
            ("~1", "3.9.9", false),
            ("~1", "4.2.3", false),
            ("~0", "0.3.0", true),
            ("~0", "0.0.3", true),
            ("~0", "2.0.0-rc.1", false),
            ("~0", "3.9.9", false),
            ("~>1.2", "1.2", true),
            ("~>1.2", "1.2.3+meta", true),
            ("~>1.2", "0.2.9", false),
            ("~>1.2", "2.0.0", false),
            ("1.2.x", "1.2.4", true),
            ("1.2.x", "1.2.3", true),
            ("1.2.x", "3.9.9", false),
            ("1.2.x", "0.0.3", false),
            ("1.x", "01.02.03", true),
            ("1.x", "1.2", true),
            ("1.x", "1.2.3-alpha", false),
            ("1.x", "1.2.4-rc", false),
            ("*", "4.2.3", true),
            ("*", "0.2.9", true),
            ("*", "1.2.4-rc", false),
            ("*", "1.2.3-beta", false),
            ("x", "1.2.4", true),
            ("x", "1.2", true),
            ("x", "1.2.3-alpha", false),
            ("x", "1.2.3-beta.2", false),
            ("1.2 - 1.4.5", "1.2.3+meta", true),
            ("1.2 - 1.4.5", "1.3.0", true),
            ("1.2 - 1.4.5", "0.2.3", false),
            ("1.2 - 1.4.5", "4.2.3", false),
            ("1.2.3 - 2", "01.02.03", true),
            ("1.2.3 - 2", "1.2.3", true),
            ("1.2.3 - 2", "0.2.3", false),
            ("1.2.3 - 2", "1.2.3-beta.10", false),
            (">= 1.2, < 3.0.0 || >= 4.2.3", "2.0.0", true),
            (">= 1.2, < 3.0.0 || >= 4.2.3", "1.2.3+meta", true),
            (">= 1.2, < 3.0.0 || >= 4.2.3", "1.2.3-beta.2.1", false),
            (">= 1.2, < 3.0.0 || >= 4.2.3", "1.2.3-beta.2", false),
            ("!=1.2.3", "3.9.9", true),
            ("!=1.2.3", "1.0.0", true),
            ("!=1.2.3", "1.2.3-beta", false),
            ("!=1.2.3", "1.2.3-alpha", false),
            ("!=1.2.x", "0.2.9", true),
            ("!=1.2.x", "0.0.0", true),
            ("!=1.2.x", "2.0.0-rc.1", false),
            ("!=1.2.x", "1.2.4", false),
            ("!=1.x", "2.0.0", true),
            ("!=1.x", "0.0.3", true),
            ("!=1.x", "1.2.3+meta", false),
            ("!=1.x", "1.2.3-beta.10", false),
            ("!= 1.2.3-beta", "1.2.3+meta", true),
            ("!= 1.2.3-beta", "0.0.4", true),
            ("!= 1.2.3-beta", "1.2.3-beta", false),
            (">1.2.x", "1.3.0", true),
            (">1.2.x", "2.0.0", true),
            (">1.2.x", "1.2.3-beta.2", false),
            (">1.2.x", "0.2.9", false),
            (">1.x", "3.9.9", true),
            (">1.x", "2.0.0", true),
            (">1.x", "1.2.3-beta.10", false),
            (">1.x", "1.0.0", false),
            ("<=1.2.x", "1.2.4", true),
            ("<=1.2.x", "0.2.3", true),
            ("<=1.2.x", "1.4.6", false),
            ("<=1.2.x", "2.0.0-rc.1", false),
            ("<=1.x", "0.2.3", true),
            ("<=1.x", "1.4.6", true),
            ("<=1.x", "4.2.3", false),
            ("<=1.x", "3.9.9", false),
            ("<= 1.2.3", "1.0.0", true),
            ("<= 1.2.3", "1.2.3", true),
            ("<= 1.2.3", "1.2.3-beta.10", false),
            ("<= 1.2.3", "1.2.3-beta.2", false),
            ("=1.2.3", "1.2.3+meta", true),
            ("=1.2.3", "01.02.03", true),
            ("=1.2.3", "1.4.5", false),
            ("=1.2.3", "1.2.3-beta", false),
            ("1.2.3", "1.2.3+meta", true),
            ("1.2.3", "01.02.03", true),
            ("1.2.3", "1.2.3-beta.2.1", false),
            ("1.2.3", "1.2.3-beta", false),
            ("v1.2.3", "01.02.03", true),
            ("v1.2.3", "1.2.3+meta", true),
            ("v1.2.3", "0.2.3", false),
            ("v1.2.3", "1.4.5", false),
            (">= 1.2.3-alpha", "1.3.0", true),
            (">= 1.2.3-alpha", "2.0.0", true),
            (">= 1.2.3-alpha", "0.2.3", false),
            (">= 1.2.3-alpha", "0.2.9", false),
            ("^1.2.3-beta.2", "1.2.3-beta.2.1", true),
            ("^1.2.3-beta.2", "1.4.5", true),
            ("^1.2.3-beta.2", "v1.1.1", false),
            ("^1.2.3-beta.2", "0.0.4", false),
            ("~1.2.3-beta.2", "1.2.3-beta.2", true),
            ("~1.2.3-beta.2", "1.2.3-beta.2.1", true),
            ("~1.2.3-beta.2", "0.0.3", false),
            ("~1.2.3-beta.2", "v1.1.1", false),
            (">1.2.3-beta", "1.3.0", true),
            (">1.2.3-beta", "1.2.3-beta.2", true),
            (">1.2.3-beta", "1.2.3-beta", false),
            (">1.2.3-beta", "0.0.3", false),
            ("1.2.3 1.2.4", "4.2.3", false),
            ("1.2.3 1.2.4", "1.2.4-rc", false),
            (">=1.0 <2.0", "1.4.5", true),
            (">=1.0 <2.0", "1.2.3", true),
            (">=1.0 <2.0", "0.2.3", false),
            (">=1.0 <2.0", "1.2.3-beta", false),
            (">=1.0,<2.0", "01.02.03", true),
            (">=1.0,<2.0", "1.4.6", true),
            (">=1.0,<2.0", "4.2.3", false),
            (">=1.0,<2.0", "0.0.0", false),
            ("=>1.0", "1.4.6", true),
            ("=>1.0", "1.0.0", true),
            ("=>1.0", "1.2.3-beta.2", false),
            ("=>1.0", "1.2.4-rc", false),
            ("=<1.0", "0.3.0", true),
            ("=<1.0", "1.0.0", true),
            ("=<1.0", "2.0.0", false),
            ("=<1.0", "1.2.4", false),
            ("1.2.3+build", "1.2.3", true),
            ("1.2.3+build", "01.02.03", true),
            ("1.2.3+build", "1.4.6", false),
            ("1.2.3+build", "1.3.0", false),
            (">= 01.2", "2.0.0", true),
            (">= 01.2", "01.02.03", true),
            (">= 01.2", "v1.1.1", false),
            (">= 01.2", "1.0.0", false),
            (" ^ 1.2 ", "1.2.3", true),
            (" ^ 1.2 ", "1.4.6", true),
            (" ^ 1.2 ", "0.2.9", false),
            (" ^ 1.2 ", "0.2.3", false),
            (">=*", "0.0.3", true),
            (">=*", "v1.1.1", true),
            (">=*", "1.2.3-beta", false),
            (">=*", "1.2.3-beta.2", false),
            (">1.0.0-rc.1", "1.2.3-beta.2.1", true),
            (">1.0.0-rc.1", "1.2.4-rc", true),
            (">1.0.0-rc.1", "0.2.9", false),
            (">1.0.0-rc.1", "0.3.0", false),
            ("~1.x", "1.4.5", true),
            ("~1.x", "1.2.3+meta", true),
            ("~1.x", "1.2.3-beta.2.1", false),
            ("~1.x", "0.2.3", false),
            ("^1.x", "1.0.0", true),
            ("^1.x", "1.2", true),
            ("^1.x", "2.0.0-rc.1", false),
            ("^1.x", "1.2.3-beta", false),
            ("<1.x", "0.0.3", true),
            ("<1.x", "0.3.0", true),
            ("<1.x", "1.2.3", false),
            ("<1.x", "1.3.0", false),
            ("<*", "1.2.4", false),
            ("<*", "1.2.3+meta", false),
            (">*", "0.3.0", true),
            (">*", "0.2.3", true),
            (">*", "1.2.3-beta.2.1", false),
            (">*", "2.0.0-rc.1", false),
            ("!=*", "1.4.5", true),
            ("!=*", "01.02.03", true),
            ("!=*", "0.0.0", false),
            ("!=*", "1.2.3-beta", false),
        ]
        for (constraint, version, expected) in cases {
            let output = renderedOrError("<<< semver.CheckConstraint \"\(constraint)\" \"\(version)\" >>>")
            #expect(output == String(expected), "\(constraint) on \(version)")
        }
    }

    @Test func constraintSyntaxErrors() {
        let cases = [
            ("abc", #"improper constraint: "abc""#),
            ("", #"improper constraint: """#),
            ("||", #"improper constraint: """#),
            ("> 1.0 ||", #"improper constraint: """#),
            ("1.2.3.4", #"improper constraint: "1.2.3.4""#),
            (">1|2", "constraint parser error"),
        ]
        for (constraint, message) in cases {
            #expect(renderedOrError("<<< semver.CheckConstraint \"\(constraint)\" \"1.0.0\" >>>")
                == #"error: template: t:1:4: executing "t" at <semver.CheckConstraint>: error calling CheckConstraint: "# + message, "\(constraint)")
        }
        #expect(renderedOrError(#"<<< semver.CheckConstraint ">= 1.0" "va.b.c" >>>"#).hasSuffix("error calling CheckConstraint: invalid semantic version"))
        #expect(renderedOrError(#"<<< semver.CheckConstraint ">= 1.0" 1 >>>"#).hasSuffix("wrong type for value; expected string; got int"))
    }
}
