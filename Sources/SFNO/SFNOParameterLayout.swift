import HensCore

extension SFNOConfig {
    /// The tensor table (names, shapes, offsets) and length of the flat parameter buffer this
    /// configuration's model has, without allocating the model — what an importer needs to lay
    /// out a checkpoint of several gigabytes before streaming its weights.
    /// - Throws: `HensError` for an invalid configuration.
    public func parameterTable() throws -> (tensors: [ParameterTensor], count: Int) {
        try validate()
        let architecture = SFNOArchitecture(self)
        return (architecture.tensors, architecture.parameterCount)
    }
}
