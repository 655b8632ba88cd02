import Foundation

/// One bad input or fault and what hens must do about it (README "Exit codes"): the exit code,
/// a one-line message naming the file, field or option, nothing left in the output location,
/// no crash, within its time and memory bounds.
struct FaultCase {
    /// The classes of the corpus, counted in the test's summary.
    enum Kind: String, CaseIterable {
        case option = "option value"
        case configuration = "configuration"
        case inputFile = "input file"
        case size = "absurd size"
        case outputFolder = "output folder"
        case fullDisk = "full disk"
        case signal = "signal"
    }

    /// What the output location may hold after the case.
    enum Leftovers {
        /// `OUT` does not exist.
        case nothing
        /// `OUT` may hold resumable state (committed work, the run-input record), but no
        /// temporary file, staging folder or lock.
        case resumable
        /// `OUT` is a fixture copy that must be exactly as it was (names and sizes).
        case unchanged
    }

    var kind: Kind
    /// The command line, split at spaces. `OUT` is a fresh path in the case's folder, `CASE/`
    /// that folder (where `files` are written), `FX/` the pipeline fixture, `DISK/` a small
    /// file system (full-disk cases).
    var command: String
    var status: Int32
    var mentions: [String]
    /// Files written into the case's folder first: name → contents.
    var files: [String: String] = [:]
    /// Fixture entries copied into the case's folder (or onto the small file system) first:
    /// source under FX/ → name.
    var copies: [String: String] = [:]
    /// Cut copies of repository files written into the case's folder first: name → (source
    /// relative to the package root, fraction of its bytes kept).
    var cuts: [String: (source: String, keep: Double)] = [:]
    var leftovers: Leftovers = .nothing
    /// Time bound, seconds.
    var seconds = 10.0
    /// Address-space bound, bytes.
    var memory = 1 << 30
    /// Signal sent, and when (seconds after the start).
    var signal: (number: Int32, after: Double)?
    /// Size of the small file system mounted at `DISK/`, e.g. `64k`.
    var disk: String?
    /// Bytes left free on the small file system after the copies (the rest filled).
    var diskFree: Int?
    /// A file of the case's folder with one bit flipped: name and position (fraction of its size).
    var flip: (name: String, at: Double)?
    /// Run from the case's folder instead of the package root (default configurations not found).
    var outsideCheckout = false
}

/// The makani parity fixture's HENS-fork package (relative to the package root).
private let makani = "Tests/ImportTests/Fixtures/makani/hens-fork"

/// Shorthand for the table below.
private func c(_ kind: FaultCase.Kind, _ command: String, _ status: Int32, _ mentions: String...) -> FaultCase {
    FaultCase(kind: kind, command: command, status: status, mentions: mentions)
}

private extension FaultCase {
    func with(_ change: (inout FaultCase) -> Void) -> FaultCase {
        var copy = self
        change(&copy)
        return copy
    }
    func files(_ files: [String: String]) -> FaultCase { with { $0.files = files } }
    func copies(_ copies: [String: String]) -> FaultCase { with { $0.copies = copies } }
    func cut(_ name: String, from source: String, keeping keep: Double) -> FaultCase { with { $0.cuts[name] = (source, keep) } }
    func leaving(_ leftovers: Leftovers) -> FaultCase { with { $0.leftovers = leftovers } }
    /// A small file system of `size` at DISK/, optionally filled to leave `free` bytes.
    func disk(_ size: String, free: Int? = nil) -> FaultCase { with { $0.disk = size; $0.diskFree = free } }
    /// `number` sent `after` seconds; the output may hold resumable state.
    func signal(_ number: Int32, after: Double) -> FaultCase { with { $0.signal = (number, after); $0.leftovers = .resumable } }
}

/// Commands of the fixture's stages with its small configurations (run from the package root).
private enum Stage {
    static let generate = "generate swe --config configs/swe-small.yaml --quiet --splits train=1,valid=0,test=0,climate=0 --trajectory-length 2h"
    static let ingest = "ingest --config configs/era5-sample.yaml --quiet"
    static let train = "train --dataset FX/dataset --model configs/model-swe-small.yaml --config configs/train-swe-demo.yaml --seeds 1 --epochs 1 --samples-per-epoch 4 --test-samples 1 --quiet"
    static let skill = "skill --checkpoint FX/ckpt/seed-1/checkpoint.nc --dataset FX/dataset --samples 1 --quiet"
    static let forecast = "forecast --config FX/forecast.yaml --quiet"
    static let mclimate = "mclimate --config FX/mclimate.yaml --quiet"
    static let evaluate = "evaluate --config FX/evaluate.yaml --forecast FX/forecast --dataset FX/dataset --mclimate FX/mclimate.nc --quiet"
    static let report = "report FX --scores FX/scores --forecast FX/forecast --checkpoints FX/ckpt --dataset FX/dataset --lead 1 --quiet"
}

/// The corpus: every class of fault over every subcommand.
enum FaultCorpus {
    static let cases: [FaultCase] = options + configurations + inputFiles + sizes + outputFolders + fullDisks + signals

    // MARK: Option values

    static let options: [FaultCase] = [
        c(.option, "\(Stage.generate) --out OUT --threads 0", 2, "--threads: at least 1", "got 0"),
        c(.option, "\(Stage.generate) --out OUT --threads=-3", 2, "--threads"),
        c(.option, "\(Stage.generate) --out OUT --threads many", 64, "--threads"),
        c(.option, "\(Stage.generate) --out OUT --log-format xml", 64, "--log-format"),
        c(.option, "\(Stage.generate) --out OUT --trajectory-length 0h", 2, "trajectory_length", "positive multiple"),
        c(.option, "\(Stage.generate) --out OUT --trajectory-length soon", 2, "--trajectory-length", "soon"),
        c(.option, "\(Stage.generate) --out OUT --splits train=1,tomorrow=2", 2, "tomorrow"),
        c(.option, "\(Stage.generate) --out OUT --splits train=-1", 2, "splits.train", "-1"),
        c(.option, "\(Stage.generate) --out OUT --channels geopotential,humidity", 2, "humidity"),
        c(.option, "\(Stage.generate) --out OUT --seed=-5", 2, "seed"),
        c(.option, "\(Stage.ingest) --out OUT --valid 2017-01-01..2017-01-02", 2, "--valid: dates that no other split has", "overlaps train 2017-01-01"),
        c(.option, "\(Stage.ingest) --out OUT --member=-1", 2, "--member must be ≥ 0, got -1"),
        c(.option, "\(Stage.ingest) --out OUT --grid hexagonal:10x20", 2, "--grid", "KIND:NLATxNLON"),
        c(.option, "\(Stage.ingest) --out OUT --regrid nearest-ish", 2, "--regrid"),
        c(.option, "\(Stage.ingest) --out OUT --train 2017-13-01..2017-13-02", 2, "--train", "2017-13-01"),
        c(.option, "train --dataset FX/dataset --out OUT --seeds 1,2 --checkpoints 2", 2, "--seeds", "--checkpoints", "not both"),
        c(.option, "\(Stage.train) --out OUT --epochs 0", 2, "epochs"),
        c(.option, "train --dataset FX/dataset --out OUT --seeds one", 2, "--seeds"),
        c(.option, "\(Stage.train) --out OUT --samples-per-epoch 2", 2, "samples_per_epoch", "batch_size"),
        c(.option, "\(Stage.skill) --out OUT --split tomorrow", 2, "--split", "tomorrow"),
        c(.option, "\(Stage.skill) --out OUT --samples 0", 2, "--samples"),
        c(.option, "\(Stage.forecast) --out OUT --batch-size 8 --memory 1GiB", 2, "--batch-size", "--memory", "not both"),
        c(.option, "\(Stage.forecast) --out OUT --batch-size 0", 2, "batch_size"),
        c(.option, "\(Stage.forecast) --out OUT --steps 0", 2, "steps"),
        c(.option, "\(Stage.forecast) --out OUT --ensemble-size 0", 2, "members"),
        c(.option, "\(Stage.forecast) --out OUT --ensemble-size 3", 2, "members"),
        c(.option, "\(Stage.forecast) --out OUT --memory lots", 2, "memory"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --nodes 0 --cores-per-node 8", 2, "--nodes", "got 0"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --nodes 2 --cores-per-node=-4", 2, "--cores-per-node", "got -4"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --nodes 2", 2, "--cores-per-node", "go together"),
        c(.option, "\(Stage.forecast) --out OUT --nodes 2 --cores-per-node 8", 2, "--nodes", "only with --dry-run"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --member-step-seconds 0", 2, "--member-step-seconds", "got 0"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --member-step-seconds nan", 2, "--member-step-seconds"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --nodes 2 --cores-per-node 8 --memory-per-node lots", 2, "--memory-per-node", "lots"),
        c(.option, "\(Stage.forecast) --out OUT --dry-run --model-config configs/model-hens-721.yaml", 2, "--member-step-seconds", "--model-config"),
        c(.option, "\(Stage.forecast) --out OUT --memory 1KiB", 2, "--memory"),
        c(.option, "\(Stage.forecast) --out OUT --significant-digits 9", 2, "significant_digits"),
        c(.option, "\(Stage.forecast) --out OUT --control sometimes", 2, "control"),
        c(.option, "\(Stage.forecast) --out OUT --perturbation gentle", 2, "perturbation"),
        c(.option, "\(Stage.forecast) --out OUT --shard 3/2", 2, "--shard"),
        c(.option, "\(Stage.forecast) --out OUT --shard half", 2, "--shard"),
        c(.option, "\(Stage.forecast) --out OUT --members 99", 2, "--members"),
        c(.option, "\(Stage.forecast) --out OUT --init yesterday", 2, "init"),
        c(.option, "\(Stage.forecast) --out OUT --seed=-1", 64, "--seed"),
        c(.option, "\(Stage.forecast) --out OUT --shard 1/2 --restart-changed", 2, "--restart-changed"),
        c(.option, "\(Stage.mclimate) --out OUT --ensemble-size 0", 2, "members"),
        c(.option, "\(Stage.mclimate) --out OUT --date 13-45", 2, "--date"),
        c(.option, "\(Stage.mclimate) --out OUT --window-days=-1", 2, "--window-days"),
        c(.option, "\(Stage.evaluate) --out OUT --lat-weights sideways", 2, "--lat-weights: one of cos, area, gauss, got 'sideways'"),
        c(.option, "\(Stage.evaluate) --out OUT --bootstrap-leads 99", 2, "bootstrap_leads", "lead indices"),
        c(.option, "\(Stage.evaluate) --out OUT --bootstrap-sizes 1", 2, "--bootstrap-sizes"),
        c(.option, "\(Stage.evaluate) --out OUT --bootstrap-replicates 1", 2, "--bootstrap-replicates"),
        c(.option, "\(Stage.evaluate) --out OUT --events wind_speed:fast", 2, "fast"),
        c(.option, "\(Stage.evaluate) --out OUT --channels humidity", 2, "humidity"),
        c(.option, "\(Stage.evaluate) --out OUT --memory 0", 2, "memory"),
        c(.option, "scores FX/scores --lead 999", 3, "scores.csv", "lead 999"),
        c(.option, "scores FX/scores --band arctic-circle", 3, "scores.csv", "arctic-circle"),
        c(.option, "compare FX/scores/scores.nc FX/scores/scores.nc --score skill-ish", 2, "--score"),
        c(.option, "compare FX/scores/scores.nc FX/scores/scores.nc --replicates 0", 2, "--replicates"),
        c(.option, "\(Stage.report) --out OUT --lead 999", 2, "--lead"),
        c(.option, "check sht --nlat 0", 2, "nlat"),
        c(.option, "check sht --grid hexagonal", 2, "grid"),
        c(.option, "forecast --out OUT --no-such-option", 64, "--no-such-option"),
        c(.option, "calibrate --checkpoints FX/ckpt --dataset FX/dataset --samples 1 --out OUT", 2, "--samples", "at least 2"),
        c(.option, "calibrate --checkpoints FX/ckpt --dataset FX/dataset --length-scale=-5km --out OUT", 2, "--length-scale"),
        c(.option, "compare FX/scores/scores.nc FX/scores/scores.nc --group-by weekday", 2, "--group-by"),
        c(.option, "report FX --scores FX/scores --compare justaname --out OUT --quiet", 2, "--compare", "NAME=SCORES_FOLDER"),
    ]

    // MARK: Configuration files

    static let configurations: [FaultCase] = [
        c(.configuration, "generate swe --config CASE/absent.yaml --out OUT", 3, "CASE/absent.yaml: cannot read the configuration file"),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 3, "CASE/c.yaml", "not valid YAML").files(["c.yaml": "nlat: [64\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "colour").files(["c.yaml": "nlat: 64\ndt: 150\ndt_out: 1h\ntrajectory_length: 2h\ncolour: blue\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "nlat").files(["c.yaml": "nlat: sixty-four\ndt: 150\ndt_out: 1h\ntrajectory_length: 2h\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "dt").files(["c.yaml": "nlat: 64\ndt: -150\ndt_out: 1h\ntrajectory_length: 2h\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "dt_out").files(["c.yaml": "nlat: 64\ndt: 150\ndt_out: 1000\ntrajectory_length: 2h\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "nlat").files(["c.yaml": "dt: 150\ndt_out: 1h\ntrajectory_length: 2h\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "mach").files(["c.yaml": "nlat: 64\ndt: 150\ndt_out: 1h\ntrajectory_length: 2h\nmach: 3\n"]),
        c(.configuration, "generate swe --config CASE/c.yaml --out OUT", 2, "CASE/c.yaml").files(["c.yaml": ""]),
        c(.configuration, "ingest --config CASE/c.yaml --out OUT --quiet", 3, "CASE/c.yaml", "matches no file").files(["c.yaml": "inputs: [nothing-here-*.nc]\nvariables: {}\n"]),
        c(.configuration, "ingest --config CASE/c.yaml --out OUT --quiet", 2, "CASE/c.yaml").files(["c.yaml": "inputs: 7\n"]),
        c(.configuration, "train --dataset FX/dataset --model CASE/m.yaml --out OUT", 2, "CASE/m.yaml").files(["m.yaml": "embed_dim: -4\n"]),
        c(.configuration, "train --dataset FX/dataset --model CASE/m.yaml --out OUT", 2, "CASE/m.yaml").files(["m.yaml": "layers: two\n"]),
        c(.configuration, "train --dataset FX/dataset --model configs/model-swe-small.yaml --config CASE/t.yaml --out OUT", 2, "CASE/t.yaml").files(["t.yaml": "epochs: 1\nlr: fast\n"]),
        c(.configuration, "train --dataset FX/dataset --model configs/model-swe-small.yaml --config CASE/t.yaml --out OUT", 2, "CASE/t.yaml").files(["t.yaml": "epochs: 1\nschedule: zigzag\n"]),
        c(.configuration, "train --dataset FX/dataset --out OUT", 3, "configs/model-swe-small.yaml: cannot read the model configuration (--model)")
            .with { $0.outsideCheckout = true },
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "CASE/f.yaml").files(["f.yaml": "checkpoints: []\ndataset: x\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "pairing").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\npairing: triplets\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "band_latitude").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nband_latitude: 95\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "length_scale").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nlength_scale: -3km\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "crop").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\ncrop: 60,10,0,20\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "skill").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nperturbation: bred-vector\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "unexpected_key").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nunexpected_key: 1\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "noise_scale").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nperturbation: none\nnoise_scale: -0.5\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 2, "model_error_scale").files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nperturbation: none\nmodel_error_scale: 1e9\n"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 3, "CASE/me.json", "made for a 9×16 grid")
            .files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nperturbation: none\nmodel_error: me.json\n", "me.json": "{\"format\": \"hens-model-error\", \"version\": 1, \"hens_version\": \"x\", \"checkpoints\": [\"a\"], \"dataset\": \"d\", \"split\": \"valid\", \"samples\": 4, \"step_hours\": 1, \"nlat\": 9, \"nlon\": 16, \"channels\": [\"geopotential\", \"vorticity\", \"divergence\"], \"units\": [\"m2 s-2\", \"s-1\", \"s-1\"], \"sigma\": [1, 1e-6, 1e-6], \"length_scale_m\": 500000}"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 3, "CASE/me.json", "fitted on the test split")
            .files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nperturbation: none\nmodel_error: me.json\n", "me.json": "{\"format\": \"hens-model-error\", \"version\": 1, \"hens_version\": \"x\", \"checkpoints\": [\"a\"], \"dataset\": \"d\", \"split\": \"test\", \"samples\": 4, \"step_hours\": 1, \"nlat\": 9, \"nlon\": 16, \"channels\": [\"geopotential\", \"vorticity\", \"divergence\"], \"units\": [\"m2 s-2\", \"s-1\", \"s-1\"], \"sigma\": [1, 1e-6, 1e-6], \"length_scale_m\": 500000}"]),
        c(.configuration, "forecast --config CASE/f.yaml --out OUT --quiet", 3, "CASE/me.json", "expected a hens model-error calibration")
            .files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nperturbation: none\nmodel_error: me.json\n", "me.json": "[1, 2]"]),
        c(.configuration, "train --dataset FX/dataset --model configs/model-swe-small.yaml --config CASE/t.yaml --out OUT", 2, "crps_members", "undefined")
            .files(["t.yaml": "epochs: 1\nloss: crps\ncrps_members: 1\n"]),
        c(.configuration, "train --dataset FX/dataset --model configs/model-swe-small.yaml --config CASE/t.yaml --out OUT", 2, "noise channels")
            .files(["t.yaml": "epochs: 1\nloss: crps\ncrps_members: 2\nvalidation_leads: 2\n"]),
        c(.configuration, "train --dataset FX/dataset --model CASE/m.yaml --out OUT", 2, "noise_channels").files(["m.yaml": "variant: makani\nnlat: 64\nnlon: 128\nembed_dim: 4\nlayers: 1\nnoise_channels: -2\n"]),
        c(.configuration, "train --dataset FX/dataset --model CASE/m.yaml --out OUT", 2, "noise_length_scale").files(["m.yaml": "nlat: 64\nnlon: 128\nembed_dim: 4\nlayers: 1\nnoise_channels: 2\nnoise_length_scale: 1e12km\n"]),
        c(.configuration, "evaluate --config CASE/e.yaml --forecast FX/forecast --dataset FX/dataset --out OUT --quiet", 2, "zonal_band").files(["e.yaml": "zonal_band: [60, 30]\n"]),
        c(.configuration, "evaluate --config CASE/e.yaml --forecast FX/forecast --dataset FX/dataset --out OUT --quiet", 2, "tails").files(["e.yaml": "tails: [q95]\n"]),
        c(.configuration, "evaluate --config CASE/e.yaml --forecast FX/forecast --dataset FX/dataset --out OUT --quiet", 2, "seed").files(["e.yaml": "seed: -2\n"]),
    ]

    // MARK: Input files

    static let inputFiles: [FaultCase] = [
        c(.inputFile, "inspect CASE/absent.nc", 3, "CASE/absent.nc"),
        c(.inputFile, "inspect CASE/empty.nc", 3, "CASE/empty.nc").files(["empty.nc": ""]),
        c(.inputFile, "inspect CASE/text.nc", 3, "CASE/text.nc").files(["text.nc": "this is not NetCDF\n"]),
        c(.inputFile, "inspect CASE/grib.nc", 3, "CASE/grib.nc").files(["grib.nc": "GRIB\u{01}\u{02}\u{03}7777"]),
        c(.inputFile, "ingest CASE/text.nc --out OUT --quiet", 3, "CASE/text.nc").files(["text.nc": "this is not NetCDF\n"]),
        // A NetCDF-3 file cut in half used to ingest as constant values with exit 0.
        // hens import: released checkpoints that are cut, malicious, or for another network.
        c(.inputFile, "import CASE/best.tar --config \(makani)/config.json --means \(makani)/global_means.npy --stds \(makani)/global_stds.npy --out OUT",
          3, "CASE/best.tar").cut("best.tar", from: "\(makani)/training_checkpoints/best_ckpt_mp0.tar", keeping: 0.5),
        c(.inputFile, "import Tests/DatasetIOTests/Fixtures/torch-formats/evil_os_system.pt --config \(makani)/config.json --means \(makani)/global_means.npy --stds \(makani)/global_stds.npy --out OUT",
          3, "evil_os_system.pt", "'os.system'"),
        c(.inputFile, "import CASE/absent --out OUT", 3, "CASE/absent", "no such package"),
        c(.configuration, "import \(makani) --config CASE/config.json --out OUT", 3, "CASE/config.json", "filter_type is 'non-linear'")
            .files(["config.json": "{\"filter_type\": \"non-linear\", \"embed_dim\": 32}"]),
        c(.option, "import \(makani) --to onnx --out OUT", 64, "--to"),
        c(.outputFolder, "import \(makani) --out FX/dataset", 2, "--out", "folder"),
        c(.inputFile, "inspect CASE/half.nc", 3, "CASE/half.nc", "truncated").cut("half.nc", from: "data-samples/ncep-air-small.nc", keeping: 0.5),
        c(.inputFile, "ingest CASE/half.nc --out OUT --quiet", 3, "CASE/half.nc", "truncated").cut("half.nc", from: "data-samples/ncep-air-small.nc", keeping: 0.5),
        c(.inputFile, "inspect CASE/head.nc", 3, "CASE/head.nc").cut("head.nc", from: "data-samples/era5-eda-oldcds.nc", keeping: 0.001),
        c(.inputFile, "inspect CASE/h5.nc", 3, "CASE/h5.nc", "truncated").cut("h5.nc", from: "data-samples/era5-eda-newcds.nc", keeping: 0.6),
        c(.inputFile, "ingest CASE/h5.nc --out OUT --quiet", 3, "CASE/h5.nc").cut("h5.nc", from: "data-samples/era5-eda-newcds.nc", keeping: 0.6),
        c(.inputFile, "skill --checkpoint CASE/ck.nc --dataset FX/dataset --out OUT", 3, "CASE/ck.nc").copies(["ckpt/seed-1/checkpoint.nc": "ck.nc"])
            .with { $0.cuts = [:]; $0.flip = ("ck.nc", 0.7) },
        c(.inputFile, "ingest CASE/absent-*.nc --out OUT --quiet", 3, "CASE/absent-*.nc", "matches no file"),
        c(.inputFile, "ingest FX/dataset/stats.nc --out OUT --quiet", 3, "stats.nc"),
        c(.inputFile, "train --dataset CASE/nowhere --out OUT --model configs/model-swe-small.yaml --config configs/train-swe-demo.yaml", 3, "CASE/nowhere"),
        c(.inputFile, "train --dataset CASE --out OUT --model configs/model-swe-small.yaml --config configs/train-swe-demo.yaml", 3, "CASE"),
        c(.inputFile, "train --dataset CASE/d --out OUT --model configs/model-swe-small.yaml --config configs/train-swe-demo.yaml", 3, "CASE/d")
            .files(["d/train.nc": "garbage", "d/stats.nc": "garbage"]),
        c(.inputFile, "skill --checkpoint CASE/absent.nc --dataset FX/dataset --out OUT", 3, "CASE/absent.nc"),
        c(.inputFile, "skill --checkpoint CASE/ck.nc --dataset FX/dataset --out OUT", 3, "CASE/ck.nc").files(["ck.nc": "not a checkpoint"]),
        c(.inputFile, "skill --checkpoint FX/dataset/train.nc --dataset FX/dataset --out OUT", 3, "train.nc"),
        c(.inputFile, "skill --checkpoint FX/ckpt/seed-1/checkpoint.nc --dataset CASE/nowhere --out OUT", 3, "CASE/nowhere"),
        c(.inputFile, "\(Stage.forecast) --out OUT --skill CASE/s.json", 3, "CASE/s.json").files(["s.json": "{ not json"]),
        c(.inputFile, "\(Stage.forecast) --out OUT --skill CASE/s.json", 3, "CASE/s.json").files(["s.json": "{\"channels\": 3}"]),
        c(.inputFile, "\(Stage.forecast) --out OUT --checkpoints CASE/ck.nc", 3, "CASE/ck.nc").files(["ck.nc": "not a checkpoint"]),
        c(.inputFile, "\(Stage.forecast) --out OUT --checkpoints CASE/empty-folder", 3, "CASE/empty-folder").files(["empty-folder/.keep": ""]),
        c(.inputFile, "\(Stage.forecast) --out OUT --dataset CASE/nowhere", 3, "CASE/nowhere"),
        c(.inputFile, "merge CASE/no-forecast", 3, "CASE/no-forecast"),
        c(.inputFile, "merge CASE", 3, "CASE"),
        c(.inputFile, "\(Stage.mclimate) --out OUT --skill CASE/absent.json", 3, "CASE/absent.json"),
        c(.inputFile, "\(Stage.evaluate) --out OUT --forecast CASE/nowhere", 3, "CASE/nowhere"),
        c(.inputFile, "\(Stage.evaluate) --out OUT --mclimate FX/dataset/train.nc", 3, "train.nc"),
        c(.inputFile, "\(Stage.evaluate) --out OUT --external CASE/x.nc", 3, "CASE/x.nc").files(["x.nc": "not NetCDF"]),
        c(.inputFile, "scores CASE/nowhere", 3, "CASE/nowhere"),
        c(.inputFile, "scores CASE", 3, "CASE").files(["scores.csv": "channel,lead\nz\n"]),
        c(.inputFile, "compare FX/scores/scores.nc CASE/nowhere.nc", 3, "CASE/nowhere.nc"),
        c(.inputFile, "report FX --scores CASE/nowhere --out OUT --quiet", 3, "CASE/nowhere"),
        c(.inputFile, "report FX --scores FX/scores --checkpoints CASE/nowhere --out OUT --quiet", 2, "--checkpoints", "CASE/nowhere"),
    ]

    // MARK: Absurd sizes

    static let sizes: [FaultCase] = [
        c(.size, "\(Stage.forecast) --out OUT --ensemble-size 1000000000", 2, "--ensemble-size", "at most 1048576"),
        c(.size, "\(Stage.forecast) --out OUT --ensemble-size 1000000000 --dry-run", 2, "--ensemble-size", "at most 1048576"),
        c(.size, "\(Stage.forecast) --out OUT --ensemble-size 10000000", 2, "at most 1048576"),
        c(.size, "\(Stage.forecast) --out OUT --steps 1000000000", 2, "--steps", "at most"),
        c(.size, "\(Stage.forecast) --out OUT --init-count 1000000000", 2, "--init-count", "at most"),
        c(.size, "\(Stage.forecast) --out OUT --memory 1e30GiB", 2, "memory"),
        c(.size, "\(Stage.forecast) --out OUT --dry-run --nodes 100000000 --cores-per-node 8", 2, "--nodes", "1000000"),
        c(.size, "\(Stage.forecast) --out OUT --dry-run --nodes 2 --cores-per-node 8 --memory-per-node 1GiB --model-config configs/model-hens-721.yaml --member-step-seconds 100", 2, "--memory-per-node"),
        c(.size, "\(Stage.forecast) --out OUT --batch-size 1000000 --ensemble-size 1000000", 2, "batch_size", "fits in memory"),
        c(.size, "\(Stage.ingest) --out OUT --grid equiangular:100000x200000", 2, "--grid", "at most 4096"),
        c(.size, "\(Stage.ingest) --out OUT --grid legendre-gauss:64x100000000", 2, "--grid", "at most 8192"),
        c(.size, "generate swe --config CASE/c.yaml --out OUT", 2, "nlat", "at most 1024").files(["c.yaml": "nlat: 1000000\ndt: 150\ndt_out: 1h\ntrajectory_length: 2h\n"]),
        c(.size, "\(Stage.generate) --out OUT --trajectory-length 1e30h", 2, "trajectory_length", "at most"),
        c(.size, "\(Stage.generate) --out OUT --splits train=1000000000", 2, "splits.train", "at most"),
        c(.size, "\(Stage.evaluate) --out OUT --bootstrap-replicates 1000000000000", 2, "--bootstrap-replicates"),
        c(.size, "\(Stage.evaluate) --out OUT --bootstrap-sizes 4000000000", 2, "--bootstrap-sizes", "at most"),
        c(.size, "\(Stage.evaluate) --out OUT --memory 1e40GiB", 2, "memory"),
        c(.size, "check sht --nlat 1000000", 2, "nlat"),
        c(.size, "\(Stage.train) --out OUT --epochs 100000000000000000000", 64, "--epochs"),
        c(.size, "\(Stage.skill) --out OUT --leads 1000000000", 2, "--leads"),
        c(.size, "\(Stage.mclimate) --out OUT --ensemble-size 999999 --init-count 100000", 2, "memory"),
    ]

    // MARK: Output folders

    static let outputFolders: [FaultCase] = [
        c(.outputFolder, "\(Stage.generate) --out CASE", 3, "will not remove them").files(["thesis.tex": "notes"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.generate) --out CASE --overwrite", 3, "will not remove them").files(["thesis.tex": "notes"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.generate) --out CASE/dataset --seed 5", 3, "other inputs", "--overwrite").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.evaluate) --out CASE/dataset", 2, "is not a hens").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.report) --out CASE/dataset", 2, "is not a hens").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.forecast) --out CASE/forecast --seed 9", 3, "other inputs", "seed").copies(["forecast": "forecast"]).leaving(.unchanged)
            .with { $0.mentions = ["other inputs", "configuration"] },
        c(.outputFolder, "\(Stage.forecast) --out CASE/forecast --shard 1/2", 3, "shard layout").copies(["forecast": "forecast"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.forecast) --out CASE/dataset", 3, "CASE/dataset").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.train) --out CASE/dataset", 3, "CASE/dataset").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.ingest) --out CASE/dataset", 4, "CASE/dataset").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.ingest) --out CASE", 3, "CASE", "will not remove them").files(["thesis.tex": "notes"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.mclimate) --out CASE/dataset", 2, "--out", "CASE/dataset is a folder").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "\(Stage.skill) --out CASE/dataset", 2, "--out", "CASE/dataset is a folder").copies(["dataset": "dataset"]).leaving(.unchanged),
        c(.outputFolder, "merge CASE/forecast --out CASE/dataset", 3, "CASE").copies(["forecast": "forecast", "dataset": "dataset"]).leaving(.unchanged),
    ]

    // MARK: Full disks

    static let fullDisks: [FaultCase] = [
        c(.fullDisk, "\(Stage.generate) --out DISK/out", 4, "DISK/out", "not enough free space").disk("64k"),
        c(.fullDisk, "generate swe --config configs/swe-small.yaml --quiet --splits train=1,valid=1,test=0,climate=0 --trajectory-length 4h --out DISK/out", 4, "no space left on device").disk("1m").leaving(.resumable),
        c(.fullDisk, "\(Stage.ingest) --out DISK/out", 4, "DISK/out", "not enough free space").disk("64k"),
        c(.fullDisk, "\(Stage.train) --out DISK/out", 4, "no space left on device").disk("1m").leaving(.resumable),
        c(.fullDisk, "\(Stage.skill) --out DISK/out.json", 4, "no space left on device").disk("4k"),
        c(.fullDisk, "\(Stage.forecast) --out DISK/out", 4, "no space left on device").disk("64k").leaving(.resumable),
        c(.fullDisk, "\(Stage.forecast) --out DISK/out", 4, "no space left on device").disk("1m").leaving(.resumable),
        c(.fullDisk, "forecast --config CASE/f.yaml --quiet --out DISK/out", 4, "not enough free space").disk("1m")
            .files(["f.yaml": "checkpoints: [FX/ckpt]\ndataset: FX/dataset\nskill: FX/skill.json\nskill_lead: 12h\nmembers: 4\nsteps: 2\ndeflate_level: none\n"]),
        c(.fullDisk, "merge --forecast DISK/forecast --overwrite", 4, "no space left on device").disk("16m", free: 16 << 10).copies(["forecast": "forecast"]).leaving(.unchanged),
        c(.fullDisk, "\(Stage.mclimate) --out DISK/out.nc", 4, "no space left on device").disk("1m"),
        c(.fullDisk, "\(Stage.evaluate) --out DISK/out", 4, "no space left on device").disk("64k"),
        c(.fullDisk, "\(Stage.evaluate) --out DISK/out", 4, "no space left on device").disk("1m"),
        c(.fullDisk, "\(Stage.report) --out DISK/out", 4, "no space left on device").disk("1m"),
    ]

    // MARK: Signals

    /// Runs long enough (several seconds) to be interrupted half-way.
    private static let longGenerate = "generate swe --config configs/swe-small.yaml --quiet --out OUT"
    private static let longTrain = "train --dataset FX/dataset --model configs/model-swe-small.yaml --config configs/train-swe-demo.yaml --seeds 1 --epochs 10 --test-samples 1 --quiet --out OUT"
    private static let longForecast = "forecast --config FX/forecast.yaml --quiet --ensemble-size 256 --steps 8 --batch-size 8 --out OUT"
    private static let longMclimate = "mclimate --config FX/mclimate.yaml --quiet --ensemble-size 129 --out OUT"
    private static let longEvaluate = "\(Stage.evaluate) --bootstrap-replicates 2000 --out OUT"
    private static let longIngest = "\(Stage.ingest) --grid equiangular:2049x4096 --out OUT"

    static let signals: [FaultCase] = [
        c(.signal, longGenerate, 130, "interrupted by SIGINT").signal(SIGINT, after: 1.5),
        c(.signal, longGenerate, 143, "interrupted by SIGTERM").signal(SIGTERM, after: 1.5),
        c(.signal, longIngest, 143, "interrupted by SIGTERM").signal(SIGTERM, after: 0.8).leaving(.nothing),
        c(.signal, longTrain, 130, "interrupted by SIGINT").signal(SIGINT, after: 1.5),
        c(.signal, longTrain, 143, "interrupted by SIGTERM").signal(SIGTERM, after: 1.5),
        c(.signal, longForecast, 130, "interrupted by SIGINT").signal(SIGINT, after: 1.5),
        c(.signal, longForecast, 143, "interrupted by SIGTERM").signal(SIGTERM, after: 1.5),
        c(.signal, longMclimate, 143, "interrupted by SIGTERM").signal(SIGTERM, after: 1.5).leaving(.nothing),
        c(.signal, longEvaluate, 130, "interrupted by SIGINT").signal(SIGINT, after: 1.5).leaving(.nothing),
        c(.signal, longEvaluate, 143, "interrupted by SIGTERM").signal(SIGTERM, after: 1.5).leaving(.nothing),
        c(.signal, "\(Stage.report) --out OUT", 143, "interrupted by SIGTERM").signal(SIGTERM, after: 0.8).leaving(.nothing),
        c(.signal, longForecast, 129, "interrupted by SIGHUP").signal(SIGHUP, after: 1.5),
    ]
}
