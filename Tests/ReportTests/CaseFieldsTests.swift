import DatasetIO
import XCTest
@testable import Report

final class CaseFieldsTests: XCTestCase {
    /// The EFI of one (init, lead, channel) is cut from the right place of extremes.nc.
    func testEFISliceOfOneInitLeadAndChannel() throws {
        let path = NSTemporaryDirectory() + "extremes-\(UUID().uuidString).nc"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let inits = ["a", "b"], leads = [0.0, 6], channels = ["z", "u"], points = 3
        var values: [Double] = []
        for i in inits.indices { for l in leads.indices { for c in channels.indices { for p in 0..<points {
            values.append(Double(1000 * i + 100 * l + 10 * c + p))
        } } } }
        let file = LabelledArrays(axes: [.init("init", labels: inits), .init("lead", values: leads), .init("channel", labels: channels),
                                         .init("lat", values: [0]), .init("lon", values: [0, 120, 240])],
                                  variables: [.init("efi", dimensions: ["init", "lead", "channel", "lat", "lon"], values: values)])
        try file.write(to: path)
        let efi = try CaseFields.efi(path: path, initLabel: "b", leadHours: 6, channels: ["u", "z", "w"], points: points)
        XCTAssertEqual(efi?[0], [1110, 1111, 1112])
        XCTAssertEqual(efi?[1], [1100, 1101, 1102])
        XCTAssertTrue(efi?[2].allSatisfy(\.isNaN) ?? false, "a channel without EFI is blank")
        XCTAssertNil(try CaseFields.efi(path: path, initLabel: "c", leadHours: 6, channels: ["z"], points: points), "another run's case")
    }
}
