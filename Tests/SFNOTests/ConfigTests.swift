import HensCore
import Spherical
import XCTest
import Config
@testable import SFNO

final class ConfigTests: XCTestCase {
    func testDecodeMakani() throws {
        let config = try SFNOConfig(yaml: """
            variant: makani
            grid: equiangular
            nlat: 121
            nlon: 240
            in_channels: 10
            out_channels: 8
            scale_factor: 2
            embed_dim: 64
            layers: 4
            mlp_ratio: 2
            encoder_ratio: 1.5
            big_skip: false
            pos_embed: direct
            normalization: instance
            hard_thresholding_fraction: 0.5
            """)
        XCTAssertEqual(config.variant, .makani)
        XCTAssertEqual(config.internalNlat, 60)
        XCTAssertEqual(config.internalNlon, 120)
        XCTAssertEqual(config.lmax, 30)
        XCTAssertEqual(config.mmax, 30)
        XCTAssertEqual(config.encoderHidden, 96)
        XCTAssertFalse(config.bigSkip)
        XCTAssertEqual(config.posEmbed, .direct)
        XCTAssertTrue(config.resamplesBetweenGrids)
    }

    func testDefaultsAndModes() throws {
        let th = try SFNOConfig(yaml: "nlat: 121\nnlon: 240\nin_channels: 8\nout_channels: 8\nscale_factor: 2\nembed_dim: 64\nlayers: 4")
        XCTAssertEqual(th.variant, .thExample)
        XCTAssertTrue(th.residualPrediction)
        XCTAssertEqual(th.normalization, .instance)
        XCTAssertEqual(th.lmax, 60)
        // makani: lmax = h·htf, mmax = min(lmax, (w/2 + 1)·htf)
        var mk = th
        mk.variant = .makani
        XCTAssertEqual(mk.internalNlat, 60)
        XCTAssertEqual(mk.lmax, 60)
        XCTAssertEqual(mk.mmax, 60)
        mk.explicitLmax = 40
        mk.explicitMmax = 20
        XCTAssertEqual(mk.lmax, 40)
        XCTAssertEqual(mk.mmax, 20)
        let explicit = try SFNOConfig(yaml: "nlat: 33\nin_channels: 2\nout_channels: 2\nembed_dim: 8\nlayers: 2\nlmax: 10\nmmax: 12")
        XCTAssertEqual(explicit.nlon, 66)
        XCTAssertEqual(explicit.lmax, 10)
        XCTAssertEqual(explicit.mmax, 10, "mmax is clamped to lmax (triangular)")
    }

    func testCodableRoundTrip() throws {
        let config = TinyConfigs.makani()
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(SFNOConfig.self, from: data), config)
    }

    private func assertRejected(_ yaml: String, mentions word: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SFNOConfig(yaml: yaml, source: "test.yaml"), file: file, line: line) { error in
            guard let e = error as? HensError else { return XCTFail("not a HensError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .invalidArgument, file: file, line: line)
            XCTAssertTrue(e.message.contains(word), "'\(e.message)' should mention \(word)", file: file, line: line)
            XCTAssertTrue(e.message.contains("test.yaml"), e.message, file: file, line: line)
        }
    }

    func testRejections() {
        let base = "nlat: 33\nnlon: 64\nin_channels: 3\nout_channels: 3\nembed_dim: 8\nlayers: 2\n"
        assertRejected(base + "embed_dims: 8", mentions: "unknown key 'embed_dims'")
        assertRejected(base + "variant: fcn3", mentions: "variant")
        assertRejected(base + "grid: hexagonal", mentions: "grid")
        assertRejected(base + "normalization: layer", mentions: "normalization")
        assertRejected(base + "pos_embed: frequency", mentions: "pos_embed")
        assertRejected(base + "big_skip: maybe", mentions: "big_skip")
        assertRejected(base + "scale_factor: 0", mentions: "scale_factor")
        assertRejected(base + "scale_factor: 40", mentions: "scale_factor")
        assertRejected(base + "hard_thresholding_fraction: 1.5", mentions: "hard_thresholding_fraction")
        assertRejected(base + "mlp_ratio: 0", mentions: "mlp_ratio")
        assertRejected(base + "lmax: 0", mentions: "lmax")
        assertRejected(base + "lmax: 500", mentions: "lmax")
        assertRejected(base + "mmax: 0", mentions: "mmax")
        assertRejected("nlat: 33\nnlon: 64\nin_channels: 2\nout_channels: 3\nembed_dim: 8\nlayers: 2", mentions: "residual_prediction")
        assertRejected("nlat: 33\nnlon: 64\nin_channels: 2\nout_channels: 3\nlayers: 2", mentions: "embed_dim")
        assertRejected(base.replacingOccurrences(of: "layers: 2", with: "layers: 0"), mentions: "layers")
        assertRejected(base.replacingOccurrences(of: "embed_dim: 8", with: "embed_dim: x"), mentions: "embed_dim")
    }

    /// A document holding other sections' keys can be read without rejecting them.
    func testEmbeddedSection() throws {
        var doc = try ConfigDocument(yaml: "nlat: 17\nnlon: 32\nin_channels: 3\nout_channels: 3\nembed_dim: 8\nlayers: 2\nlearning_rate: 0.001",
                                     source: "train.yaml")
        let config = try SFNOConfig(&doc, rejectUnknownKeys: false)
        XCTAssertEqual(config.embedDim, 8)
        XCTAssertEqual(try doc.number("learning_rate"), 0.001)
        XCTAssertNoThrow(try doc.rejectUnknownKeys())
    }
}
