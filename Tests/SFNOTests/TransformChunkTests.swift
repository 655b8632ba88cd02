import Spherical
import XCTest
@testable import SFNO

/// Channel-chunked transforms: a call on many fields runs in chunks of `chunkFields` through
/// one chunk's scratch (how the HENS-size model keeps its transform scratch at ~0.5 GB).
final class TransformChunkTests: SFNOTestCase {
    /// All four operations in chunks of 8 (and a remainder) against one pass over all fields.
    /// Determinism contract (B): each chunk's Legendre GEMMs are narrower than the single pass's
    /// (another shape), so the two agree to Float32 rounding, not bit for bit.
    func testChunkedTransformsAgreeWithOnePass() throws {
        let grid = try SphericalGrid(.equiangular, nlat: 33, nlon: 64)
        let fields = 21
        let one = try GridTransform<Float>(grid: grid, modes: TriangularModes(lmax: 16, mmax: 16), planning: .estimate)
        let chunked = try GridTransform<Float>(grid: grid, modes: TriangularModes(lmax: 16, mmax: 16), planning: .estimate)
        XCTAssertGreaterThanOrEqual(one.chunkFields, fields, "the default chunk of a small grid holds every field")
        chunked.chunkFields = 8
        let gridCount = fields * one.points, coefficientCount = one.coefficientCount(fields: fields)
        let f: [Float] = randomValues(gridCount, seed: 1)
        let c: [Float] = randomValues(coefficientCount, seed: 2)
        var scratch = [Float](repeating: 0, count: one.scratchCount(fields: fields))
        XCTAssertLessThan(chunked.scratchCount(fields: 8), scratch.count)

        func run(_ t: GridTransform<Float>, scratchCount: Int) -> [[Float]] {
            var fc = [Float](repeating: .nan, count: coefficientCount), ca = fc
            var cf = [Float](repeating: .nan, count: gridCount), fa = cf
            var s = [Float](repeating: 0, count: scratchCount)
            f.withUnsafeBufferPointer { fp in fc.withPointer { o in s.withPointer { t.forward(fp.baseAddress!, into: o, count: fields, scratch: $0) } } }
            c.withUnsafeBufferPointer { cp in cf.withPointer { o in s.withPointer { t.inverse(cp.baseAddress!, into: o, count: fields, scratch: $0) } } }
            f.withUnsafeBufferPointer { fp in ca.withPointer { o in s.withPointer { t.inverseAdjoint(fp.baseAddress!, into: o, count: fields, scratch: $0) } } }
            c.withUnsafeBufferPointer { cp in fa.withPointer { o in s.withPointer { t.forwardAdjoint(cp.baseAddress!, into: o, count: fields, scratch: $0) } } }
            return [fc, cf, ca, fa]
        }
        let reference = run(one, scratchCount: scratch.count)
        // The chunked transform gets exactly one chunk's scratch: it must not touch more.
        let results = run(chunked, scratchCount: chunked.scratchCount(fields: 8))
        scratch.removeAll()
        for (name, (a, b)) in zip(["forward", "inverse", "inverse adjoint", "forward adjoint"], zip(reference, results)) {
            let scale = a.map { abs($0) }.max()!
            XCTAssertTrue(b.allSatisfy { $0.isFinite }, "\(name): a coefficient or point was not written")
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(name): chunked differs by \(worst) (scale \(scale))")
        }
    }
}
