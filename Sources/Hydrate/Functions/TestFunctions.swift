extension FunctionTable {
    mutating func addTestFunctions() {
    }
}
