extension FunctionTable {
    mutating func addRegexpFunctions() {
    }
}
