import DatasetIO
import Foundation
import HensCore
import XCTest

/// Damaged copies of every import format's fixtures — bit flips, bytes set to 0x00/0xFF/0x7F/
/// 0x80, 32-bit fields set to extreme values, truncations, inserted, deleted and duplicated runs
/// — each either read or refused with a `HensError`: no crash, no hang, no other error.
/// Deterministic (SplitMix64, fixed seeds), so a failure reproduces.
final class CheckpointFormatFuzzTests: XCTestCase {
    static let casesPerFamily = 2500

    /// One random damage to `bytes`.
    private func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let interesting: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE]
        func index() -> Int { bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count)) }
        func run() -> Int { 1 + Int(rng.next() % 64) }
        switch rng.next() % 8 {
        case 0: if !bytes.isEmpty { bytes[index()] ^= UInt8(1) << (rng.next() % 8) }
        case 1: if !bytes.isEmpty { bytes[index()] = interesting[Int(rng.next() % UInt64(interesting.count))] }
        case 2:  // a 32-bit field set to an extreme value
            let at = index()
            let value: [UInt32] = [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 1, 0xFFFF]
            withUnsafeBytes(of: value[Int(rng.next() % UInt64(value.count))].littleEndian) { v in
                for k in 0..<4 where at + k < bytes.count { bytes[at + k] = v[k] }
            }
        case 3: bytes.removeLast(min(bytes.count, Int(rng.next() % UInt64(max(bytes.count, 1)))))  // truncation
        case 4:  // insert a run of one byte or of random bytes
            let at = index(), n = run(), fill = interesting[Int(rng.next() % UInt64(interesting.count))]
            let random = rng.next() % 2 == 0
            bytes.insert(contentsOf: (0..<n).map { _ in random ? UInt8(truncatingIfNeeded: rng.next()) : fill }, at: at)
        case 5:  // delete a run
            let at = index()
            bytes.removeSubrange(at..<min(bytes.count, at + run()))
        case 6:  // duplicate a chunk elsewhere
            let from = index(), n = run(), to = index()
            let chunk = Array(bytes[from..<min(bytes.count, from + n)])
            bytes.insert(contentsOf: chunk, at: min(to, bytes.count))
        default:  // overwrite a run with random bytes
            let at = index()
            for k in at..<min(bytes.count, at + run()) { bytes[k] = UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    /// Runs `parse` on `casesPerFamily` damaged copies of the seeds; returns how many were read.
    private func fuzz(_ family: String, seeds: [[UInt8]], seed: UInt64, _ parse: (MappedBytes) throws -> Void) -> Int {
        var rng = SplitMix64(seed: seed)
        var read = 0, refused = 0
        for n in 0..<Self.casesPerFamily {
            var bytes = seeds[n % seeds.count]
            for _ in 0...(rng.next() % 4) { mutate(&bytes, &rng) }
            do {
                try parse(MappedBytes(copying: bytes, name: "\(family)-\(n)"))
                read += 1
            } catch let error as HensError {
                XCTAssertFalse(error.message.contains("\n"), "\(family) case \(n): one line: \(error.message)")
                refused += 1
            } catch {
                XCTFail("\(family) case \(n): not a HensError: \(error)")
            }
        }
        XCTAssertEqual(read + refused, Self.casesPerFamily, family)
        // Both outcomes occur: damage the readers tolerate (padding, values) and damage they refuse.
        XCTAssertGreaterThan(read, 0, "\(family): no damaged copy was readable")
        XCTAssertGreaterThan(refused, Self.casesPerFamily / 10, "\(family): too few damaged copies were refused")
        return read + refused
    }

    func testDamagedFilesAreReadOrRefused() throws {
        let started = Date()
        var total = 0
        let torchSeeds = try ["state_dict.pt", "zip64.pt", "makani_checkpoint.tar", "real_torch.pt"].map(TorchFormatFixtures.bytes)
        total += fuzz("torch", seeds: torchSeeds, seed: 1) { file in
            let checkpoint = try TorchCheckpoint(file)
            for tensor in checkpoint.tensors where tensor.float32Count <= 1 << 20 {
                if tensor.elementType.isFloatingPoint { _ = try checkpoint.float32Values(tensor.name) } else { _ = try checkpoint.float64Values(tensor.name) }
            }
        }
        let pickleSeeds = try torchSeeds.map { bytes -> [UInt8] in
            let archive = try ZipArchive(MappedBytes(copying: bytes, name: "seed"))
            return try archive.contents(of: try XCTUnwrap(archive.entries.first { $0.name.hasSuffix("data.pkl") }))
        }
        total += fuzz("pickle", seeds: pickleSeeds, seed: 2) { file in _ = try PickleMachine.load(file.bytes, context: file.name) }
        let npySeeds = try ["float64_2x3.npy", "float32_vector.npy", "int64_scalar.npy", "uint8_2x2.npy", "bool_3.npy", "fortran_2x3.npy"]
            .map(TorchFormatFixtures.bytes)
        total += fuzz("npy", seeds: npySeeds, seed: 3) { file in _ = try NPYArray(file) }
        total += fuzz("safetensors", seeds: [try TorchFormatFixtures.bytes("small.safetensors")], seed: 4) { file in
            let tensors = try SafeTensorsFile(file)
            for tensor in tensors.tensors where tensor.elementType.isFloatingPoint && tensor.float32Count <= 1 << 20 {
                _ = try tensors.float32Values(tensor.name)
            }
        }
        XCTAssertEqual(total, 4 * Self.casesPerFamily)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 20, "the fuzz pass must stay well inside CI's budget")
    }
}
