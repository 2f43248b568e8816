extension FunctionTable {
    mutating func addMathFunctions() {
    }
}
