extension FunctionTable {
    mutating func addStringFunctions() {
    }
}
