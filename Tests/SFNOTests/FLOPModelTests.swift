import Spherical
import XCTest
@testable import SFNO

/// Parameter and FLOP counts against perf_anchors §4.1 (torch-harmonics 0.9.3 example,
/// 121×240 equiangular, 8 channels, mlp_ratio 2, instance norm, residual prediction).
final class FLOPModelTests: SFNOTestCase {
    private func anchor(scale: Int, embed: Int, layers: Int, nlat: Int = 121, nlon: Int = 240) -> SFNOConfig {
        SFNOConfig(variant: .thExample, grid: .equiangular, nlat: nlat, nlon: nlon, inChannels: 8, outChannels: 8,
                   scaleFactor: scale, embedDim: embed, layers: layers)
    }

    func testAnchorTable() throws {
        // (config, numel, real scalars, dense, triangular, tri + parity GFLOP) from perf_anchors §4.1.
        let rows: [(SFNOConfig, Int, Int, Double, Double, Double)] = [
            (anchor(scale: 2, embed: 64, layers: 4), 1_050_624, 2_033_664, 3.13, 2.54, 2.36),
            (anchor(scale: 2, embed: 128, layers: 4), 4_198_400, 8_130_560, 10.55, 8.91, 8.54),
            (anchor(scale: 2, embed: 128, layers: 8), 8_394_752, 16_259_072, 17.35, 14.33, 13.74),
            (anchor(scale: 1, embed: 64, layers: 4), 2_033_664, 3_999_744, 9.70, 6.99, 6.09),
            (anchor(scale: 1, embed: 64, layers: 4, nlat: 64, nlon: 128), 1_116_160, 2_164_736, 2.26, 1.73, 1.60),
        ]
        for (config, numel, reals, dense, tri, parity) in rows {
            let f = try SFNOFLOPModel(config: config)
            let label = "sf\(config.scaleFactor) e\(config.embedDim) l\(config.layers) \(config.nlat)×\(config.nlon)"
            XCTAssertEqual(f.parameterCount, numel, label)
            XCTAssertEqual(f.realParameterCount, reals, label)
            XCTAssertEqual(f.flops(.dense).total / 1e9, dense, accuracy: 0.005, label)
            XCTAssertEqual(f.flops(.triangular).total / 1e9, tri, accuracy: 0.005, label)
            XCTAssertEqual(f.flops(.triangularParity).total / 1e9, parity, accuracy: 0.005, label)
        }
    }

    /// K = 60 for s2 at 121×240 (internal 61×120) and the breakdown's largest part is the MLP.
    func testModesAndBreakdown() throws {
        let config = anchor(scale: 2, embed: 64, layers: 4)
        XCTAssertEqual(config.internalNlat, 61)
        XCTAssertEqual(config.internalNlon, 120)
        XCTAssertEqual(config.lmax, 60)
        XCTAssertEqual(config.mmax, 60)
        let b = try SFNOFLOPModel(config: config).flops(.dense)
        XCTAssertGreaterThan(b.mlp, b.contraction)
        XCTAssertGreaterThan(b.mlp, b.legendre)
        XCTAssertEqual(b.contraction, 4 * 8 * 64 * 64 * 3600, accuracy: 1)
    }

    /// The FLOP model's parameter count is the model's buffer length, for both variants and
    /// with every optional part.
    func testParameterCountsMatchTheModel() throws {
        let configs = [
            TinyConfigs.thExample(), TinyConfigs.thExample(layers: 2, posEmbed: .none, normalization: .none),
            TinyConfigs.makani(), TinyConfigs.makani(layers: 2, posEmbed: .none, normalization: .none, bigSkip: false),
            anchor(scale: 2, embed: 64, layers: 4),
        ]
        for config in configs {
            let model = try SFNOModel<Float>(config: config, seed: 1)
            let f = try SFNOFLOPModel(config: config)
            XCTAssertEqual(f.realParameterCount, model.parameterCount)
            XCTAssertEqual(model.withParameters { $0.count }, model.parameterCount)
        }
    }

    /// sfno.md §2.6 for makani: encoder C·H_e + H_e + H_e·E; per block E²·L complex + E² + r·E² + r·E
    /// + r·E² + E + 4E; decoder E·H_d + H_d + H_d·C_out; big skip C_in·C_out.
    func testMakaniFormula() throws {
        let config = SFNOConfig(variant: .makani, grid: .equiangular, nlat: 32, nlon: 64, inChannels: 7, outChannels: 5,
                                scaleFactor: 2, embedDim: 16, layers: 3, mlpRatio: 2, encoderRatio: 2, decoderRatio: 1)
        let e = 16, l = config.lmax, he = 32, hd = 16, r = 2
        let expected = 7 * he + he + he * e + 3 * (e * e * l + e * e + r * e * e + r * e + r * e * e + e + 4 * e)
            + e * hd + hd + hd * 5 + 7 * 5
        XCTAssertEqual(try SFNOFLOPModel(config: config).parameterCount, expected)
        XCTAssertEqual(l, 16)
        XCTAssertEqual(config.mmax, 16)
    }
}
