extension FunctionTable {
    mutating func addPathFunctions() {
    }
}
