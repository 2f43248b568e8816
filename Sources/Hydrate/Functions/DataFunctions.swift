extension FunctionTable {
    mutating func addDataFunctions() {
    }
}
