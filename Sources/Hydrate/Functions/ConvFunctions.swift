extension FunctionTable {
    mutating func addConvFunctions() {
    }
}
