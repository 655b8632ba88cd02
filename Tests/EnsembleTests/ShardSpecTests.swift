import XCTest
import HensCore
@testable import Ensemble

final class ShardSpecTests: XCTestCase {
    func testParseAndMembers() throws {
        let s = try ShardSpec.parse("1/3")
        XCTAssertEqual(s.index, 1)
        XCTAssertEqual(s.count, 3)
        // 10 members over 3 shards: blocks of 4, 3, 3, contiguous and covering everything once.
        let blocks = try (0..<3).map { try ShardSpec(index: $0, count: 3).members(of: 10) }
        XCTAssertEqual(blocks, [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]])
        XCTAssertEqual(try ShardSpec(index: 1, count: 2).members(of: 0, selection: [3, 17, 42]), [42])
        XCTAssertEqual(s.fileTag, "shard-1-of-3")
        for bad in ["3/3", "-1/2", "1", "a/b", "1/0", ""] {
            XCTAssertThrowsError(try ShardSpec.parse(bad), bad)
        }
    }

    /// `--shard` wins, then a SLURM array, then SLURM tasks, then Open MPI, then PMI.
    func testLauncherPrecedence() throws {
        let all = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "4",
                   "SLURM_PROCID": "2", "SLURM_NTASKS": "3", "OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2",
                   "PMI_RANK": "0", "PMI_SIZE": "5"]
        XCTAssertEqual(try ShardSpec.detect(explicit: "0/7", environment: all), try ShardSpec(index: 0, count: 7))
        XCTAssertEqual(try ShardSpec.detect(explicit: nil, environment: all), try ShardSpec(index: 1, count: 4))
        var env = all
        env["SLURM_ARRAY_TASK_ID"] = nil; env["SLURM_ARRAY_TASK_COUNT"] = nil
        XCTAssertEqual(try ShardSpec.detect(explicit: nil, environment: env), try ShardSpec(index: 2, count: 3))
        env["SLURM_PROCID"] = nil; env["SLURM_NTASKS"] = nil
        XCTAssertEqual(try ShardSpec.detect(explicit: nil, environment: env), try ShardSpec(index: 1, count: 2))
        env["OMPI_COMM_WORLD_RANK"] = nil; env["OMPI_COMM_WORLD_SIZE"] = nil
        XCTAssertEqual(try ShardSpec.detect(explicit: nil, environment: env), try ShardSpec(index: 0, count: 5))
        XCTAssertEqual(try ShardSpec.detect(explicit: nil, environment: [:]), .single)
    }

    func testHalfSetLauncherIsAnError() {
        XCTAssertThrowsError(try ShardSpec.detect(explicit: nil, environment: ["OMPI_COMM_WORLD_RANK": "1"])) { error in
            XCTAssertTrue("\(error)".contains("OMPI_COMM_WORLD_SIZE"), "\(error)")
        }
        XCTAssertThrowsError(try ShardSpec.detect(explicit: nil, environment: ["PMI_RANK": "3", "PMI_SIZE": "2"]))
    }
}
