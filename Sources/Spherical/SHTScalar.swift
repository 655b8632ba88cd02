import NumericsBackend

/// A floating-point type the transforms work in: `Float` or `Double` (the numerics backend's
/// scalars, with their GEMM). Legendre recurrences always run in Double.
public typealias SHTScalar = BackendScalar

/// How FFTW chooses its plans (the numerics backend's setting; `.estimate` is reproducible).
public typealias FFTPlanning = NumericsBackend.FFTPlanning
