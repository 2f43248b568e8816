extension FunctionTable {
    mutating func addCollFunctions() {
    }
}
