extension FunctionTable {
    mutating func addCryptoFunctions() {
    }
}
