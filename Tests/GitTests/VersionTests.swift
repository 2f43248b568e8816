import Testing
import TestSupport
@testable import Git

@Test func reportsTheLinkedLibgit2Version() {
    let parts = libgit2Version.split(separator: ".")
    #expect(parts.count == 3)
    #expect(parts.allSatisfy { Int($0) != nil })
}
