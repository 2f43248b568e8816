extension FunctionTable {
    mutating func addRandomFunctions() {
    }
}
