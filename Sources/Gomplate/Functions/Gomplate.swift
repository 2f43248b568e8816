import Template
extension FunctionTable {
    /// Every gomplate function edpctl has, under gomplate's names and aliases.
    public static let gomplate: FunctionTable = {
        var table = FunctionTable()
        table.unknownFunctionHint = FunctionTable.gomplateUnknownFunctionHint
        table.addConvFunctions()
        table.addDataFunctions()
        table.addStringFunctions()
        table.addCollFunctions()
        table.addTestFunctions()
        table.addRegexpFunctions()
        table.addMathFunctions()
        table.addBase64Functions()
        table.addCryptoFunctions()
        table.addPathFunctions()
        table.addFileFunctions()
        table.addRandomFunctions()
        table.addTimeFunctions()
        table.addEnvFunctions()
        table.addTemplateFunctions()
        table.addDataSourceFunctions()
        table.addNetFunctions()
        table.addSemverFunctions()
        return table
    }()
}
