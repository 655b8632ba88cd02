import Foundation
import HensCore
import NumericsBackend

/// The machine's practical Float32 peak: one `n × n × n` `cblas_sgemm` (C = A·B, row-major),
/// the yardstick for "per cent of peak" of the SFNO kernels.
public enum SGEMMPeak {
    /// Times the GEMM with OpenBLAS' own `threads` threads and leaves OpenBLAS single-threaded
    /// afterwards, as hens' kernels expect.
    public static func measure(n: Int, threads: Int, budget: Double, minRuns: Int) -> (timing: Timing, otherCPU: Double?) {
        var generator = SeededGenerator(seed: 7)
        let a = (0..<(n * n)).map { _ in Float(generator.nextUniform()) }
        let b = (0..<(n * n)).map { _ in Float(generator.nextUniform()) }
        var c = [Float](repeating: 0, count: n * n)
        return BLASLibrary.withLibraryThreads(threads) {
            Timing.measureWithLoad(budget: budget, minRuns: minRuns) {
                c.withUnsafeMutableBufferPointer { cp in
                    Float.blasGEMM(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                                   beta: 0, c: cp.baseAddress!, ldc: n)
                }
            }
        }
    }
}
