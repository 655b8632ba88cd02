import HensCore

/// The bytes an SFNO inference process holds, from the configuration alone (no allocation):
/// what `hens bench sfno --configs hens-721` compares with the measured peak and what
/// `hens forecast --dry-run` plans a cluster with (docs/hens-size.md).
///
/// With E the embedding, P = max(data, internal) grid points, K = Σₘ (lmax − m) the
/// triangular modes and W the workspaces (one per member run concurrently):
///
///     parameters  4 · parameterCount                       (the spectral weights 8·lmax·E²·4 dominate)
///     workspace   4 · W · (2·E·P                            ping-pong activations
///                          + 2·2K·E                         SHT(x) and W ⋆ SHT(x)
///                          + chunk · (S + 2·mmax·nlat)      one transform chunk
///                          + threads · ((E + H)·tile + 6E·mmax))  per-worker tiles and degree buffers
///     tables      4 · Σ_grids Σₘ (rows of l ≥ m) · ring pairs  the Legendre tables, once per grid
///     inputs      4 · batch · (Cin + Cout) · data points   the caller's input and output
///
/// FFTW plans, OpenBLAS' per-thread buffers and the runtime add tens of MB (`overheadBytes`).
public struct SFNOMemoryModel: Sendable {
    /// Weights (Float32).
    public let parameterBytes: Int
    /// One inference workspace (`SFNOWorkspace`) for the given thread count.
    public let workspaceBytes: Int
    /// The transforms' Legendre tables (data grid and internal grid).
    public let tableBytes: Int
    /// One member's input plus output on the data grid.
    public let inputOutputBytesPerMember: Int
    /// Allowance for FFTW plans, BLAS buffers, code and the runtime.
    public static let overheadBytes = 256 << 20

    /// The estimate for `config` run with `threads` worker threads.
    public init(config: SFNOConfig, threads: Int) throws {
        try config.validate()
        let a = SFNOArchitecture(config)
        parameterBytes = 4 * a.parameterCount
        workspaceBytes = 4 * ForwardScratch<Float>.count(a, tiles: ColumnTiles(hidden: a.hiddenMax), workers: max(1, threads))
        var tables = Self.tableCount(nlat: config.nlat, lmax: a.modes.lmax, mmax: a.modes.mmax)
        if config.internalNlat != config.nlat || config.internalNlon != config.nlon || config.grid != .legendreGauss {
            tables += Self.tableCount(nlat: config.internalNlat, lmax: a.modes.lmax, mmax: a.modes.mmax)
        }
        tableBytes = 4 * tables
        inputOutputBytesPerMember = 4 * (config.inChannels + config.outChannels) * config.dataPoints
    }

    /// Bytes of a process that runs `batch` members through `workspaces` workspaces.
    public func totalBytes(batch: Int = 1, workspaces: Int = 1) -> Int {
        parameterBytes + max(1, workspaces) * workspaceBytes + tableBytes + max(1, batch) * inputOutputBytesPerMember
            + Self.overheadBytes
    }

    /// Reals of one grid's parity tables: for each order m, the symmetric rows against the
    /// (nlat + 1)/2 even pairs and the antisymmetric rows against the nlat/2 odd pairs.
    static func tableCount(nlat: Int, lmax: Int, mmax: Int) -> Int {
        let even = (nlat + 1) / 2, odd = nlat / 2
        return (0..<mmax).reduce(0) { total, m in
            total + (lmax - m + 1) / 2 * even + (lmax - m) / 2 * odd
        }
    }
}
