import ChannelDerivation
import DatasetIO
import HensCore
import SFNO

/// The buffers of one batch of members during a rollout: the normalised states before and
/// after a step (swapped, never copied), and the output fields of one lead. Allocated once per
/// batch; the step loop allocates nothing.
final class MemberRollout {
    let stateCount: Int
    let batch: Int
    private(set) var current: UnsafeMutablePointer<Float>
    private var next: UnsafeMutablePointer<Float>
    private var output: UnsafeMutablePointer<Float>?
    private var outputCount = 0

    init(stateCount: Int, batch: Int) {
        self.stateCount = stateCount
        self.batch = batch
        current = .allocate(capacity: stateCount * batch)
        next = .allocate(capacity: stateCount * batch)
        current.initialize(repeating: 0, count: stateCount * batch)
        next.initialize(repeating: 0, count: stateCount * batch)
    }

    deinit {
        current.deallocate()
        next.deallocate()
        output?.deallocate()
    }

    /// The states before the last `advance` (until the next one).
    var previous: UnsafePointer<Float> { UnsafePointer(next) }

    /// One model step of every member (`noise`: what a stochastic model's members read;
    /// `validTime`: UTC seconds since 1970 of the current states, for models reading cos-zenith).
    func advance(_ model: ForecastModel, noise: MemberNoise? = nil, validTime: Double? = nil) {
        model.step(current, next, batch, noise: noise, validTime: validTime)
        swap(&current, &next)
    }

    /// A buffer for `members × values` output values (kept across leads).
    func outputBuffer(members: Int, values: Int) -> UnsafeMutablePointer<Float> {
        let needed = members * values
        if needed > outputCount {
            output?.deallocate()
            output = .allocate(capacity: needed)
            outputCount = needed
        }
        return output!
    }

    /// Every member's output channels, physical units, cropped: `[member][channel][point]`.
    /// Members are spread over the workers, each with its own scratch; a member's values do
    /// not depend on which worker computed them.
    func fillOutputs(model: ForecastModel, outputs: OutputChannelPlan, crop: GridCrop?, fullPoints: Int, members: Int,
                     into buffer: UnsafeMutablePointer<Float>) {
        let outCount = outputs.outputs.count
        let points = crop?.fieldCount ?? fullPoints
        let nlon = model.network.config.nlon
        let pointers = Pointers(states: current, buffer: buffer)
        let n = stateCount
        // Per-worker scratch, made once per batch (not per lead) before the workers start.
        while scratch.count < max(1, min(Parallel.threadCount, members)) {
            scratch.append(WorkerScratch(physical: OwnedBuffer(count: n), full: OwnedBuffer(count: outCount * fullPoints),
                                         workspace: outputs.makeWorkspace()))
        }
        let scratch = self.scratch
        Parallel.forEachWorker(tasks: members) { worker, workers in
            let own = scratch[worker]
            let physical = own.physical.base, full = own.full.base, workspace = own.workspace
            var m = worker
            while m < members {
                model.denormalize(pointers.states + m * n, into: physical)
                outputs.compute(state: physical, into: full, workspace: workspace)
                let destination = pointers.buffer + m * outCount * points
                for c in 0..<outCount {
                    if let crop {
                        crop.gather(full + c * fullPoints, longitudeCount: nlon, into: destination + c * points)
                    } else {
                        (destination + c * points).update(from: full + c * fullPoints, count: fullPoints)
                    }
                }
                m += workers
            }
        }
    }

    /// One worker's buffers for `fillOutputs`.
    private struct WorkerScratch: @unchecked Sendable {  // unchecked: each worker uses only its own scratch
        let physical: OwnedBuffer<Float>
        let full: OwnedBuffer<Float>
        let workspace: OutputChannelWorkspace
    }

    private var scratch: [WorkerScratch] = []

    private struct Pointers: @unchecked Sendable {  // unchecked: workers write disjoint members of the buffers
        let states: UnsafeMutablePointer<Float>
        let buffer: UnsafeMutablePointer<Float>
    }
}
