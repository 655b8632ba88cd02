// swift-tools-version:6.0
// hens — huge-ensemble weather emulation on the CPU.
import PackageDescription

let package = Package(
    name: "hens",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hens", targets: ["hens"]),
        .library(name: "Spherical", targets: ["Spherical"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // C libraries, found through pkg-config (Debian: libnetcdf-dev, libfftw3-dev, libopenblas-dev).
        .systemLibrary(name: "CNetCDF", pkgConfig: "netcdf", providers: [.apt(["libnetcdf-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // C library declarations Swift's Glibc module lacks (mallopt).
        .systemLibrary(name: "CSystem"),
        // CPUID, the start-up check of the build's instruction set, the build's git commit.
        .target(name: "CHensPlatform", exclude: ["README.md"]),

        // Shared foundations: errors, threading, logging, progress, RNG, versions (no YAML, no BLAS).
        .target(name: "HensCore", dependencies: ["CSystem"], exclude: ["README.md"]),
        // Configuration documents: YAML with typed, error-reporting look-ups and overrides.
        .target(name: "Config", dependencies: ["HensCore", .product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        // The numerics backend, the only importer of FFTW and BLAS: GEMM, real FFT plans under one
        // planner lock, the BLAS kernel selection and self-check, CPU identity, provenance.
        .target(name: "NumericsBackend", dependencies: ["HensCore", "CFFTW", "COpenBLAS", "CHensPlatform"], exclude: ["README.md"]),
        // Quadrature, Legendre functions, ring FFTs, scalar and vector spherical harmonic transforms.
        .target(name: "Spherical", dependencies: ["HensCore", "NumericsBackend"], exclude: ["README.md"]),
        // Rotating shallow-water equations on the sphere: the embedded default data set.
        .target(name: "ShallowWater", dependencies: ["HensCore", "Config", "NumericsBackend", "Spherical", "DatasetIO"], exclude: ["README.md"]),
        // Every file format: the canonical data-set files (splits, statistics), checkpoints, ensemble
        // shards and summaries, model climates, run-file schemas (skill, metrics), CF time and
        // unpacking, the analysis archive view; NetCDF written atomically.
        .target(name: "DatasetIO", dependencies: ["HensCore", "NumericsBackend", "CNetCDF", .product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        // Real NetCDF → canonical dataset: variable table, date splits, regridding onto the model grid.
        .target(name: "Ingest", dependencies: ["HensCore", "Config", "DatasetIO", "Spherical", "Regrid"], exclude: ["README.md"]),
        // Real lat-lon data onto a model grid: bilinear, conservative and spectral regridding.
        .target(name: "Regrid", dependencies: ["HensCore", "Spherical"], exclude: ["README.md"]),
        // Spherical Fourier Neural Operator: layers with hand-written backward passes, the model,
        // the model of a checkpoint file.
        .target(name: "SFNO", dependencies: ["HensCore", "Config", "Spherical", "NumericsBackend", "DatasetIO"], exclude: ["README.md"]),
        // Output channels derived from a model state (winds from vorticity and divergence), shared
        // by the forecast's outputs and the truth it is scored against.
        .target(name: "ChannelDerivation", dependencies: ["HensCore", "Spherical", "DatasetIO"], exclude: ["README.md"]),
        // Pure score kernels (no I/O): sorting, CRPS, ranks, dispersion, reliability/ROC, spectra,
        // EFI/SOT, bootstraps, latitude weights, the sorted per-point pass.
        .target(name: "Scores", dependencies: ["HensCore", "NumericsBackend", "Spherical"], exclude: ["README.md"]),
        // Training: losses, optimiser, schedules, data pairs, the trainer loop, checkpoints, the skill table.
        .target(name: "Training", dependencies: ["HensCore", "Config", "NumericsBackend", "Spherical", "DatasetIO", "SFNO", "Scores"], exclude: ["README.md"]),
        // Released SFNO checkpoints (makani / Earth2Studio packages, safetensors) into hens
        // checkpoints and back: configuration, weight and channel mapping, fixed inputs.
        .target(name: "ModelImport", dependencies: ["HensCore", "Spherical", "DatasetIO", "SFNO"], exclude: ["README.md"]),
        // Huge ensembles: seed noise, bred vectors, member layout, streaming statistics, rollout,
        // the model climate's reforecasts.
        .target(name: "Ensemble", dependencies: ["HensCore", "Config", "NumericsBackend", "Spherical", "DatasetIO", "SFNO", "ChannelDerivation", "Scores"], exclude: ["README.md"]),
        // The `hens evaluate` driver: reads forecasts and truth, tiles them over the score kernels,
        // writes the score files.
        .target(name: "Evaluation", dependencies: ["HensCore", "Config", "Spherical", "NumericsBackend", "DatasetIO", "ChannelDerivation", "Scores"], exclude: ["README.md"]),
        // The report of a scored run: figures from the score tables, drawn by gnuplot, in one HTML page.
        .target(name: "Report", dependencies: ["HensCore", "DatasetIO", "Evaluation", "Scores",
                                               .product(name: "Plot", package: "Plot"), .product(name: "SwiftCSV", package: "SwiftCSV")],
                exclude: ["README.md"]),
        // The benchmarks behind `hens bench …`: case tables, timing loops and statistics, the JSON
        // rows, the Python anchor runners of bench/anchors. A join layer beside the CLI: it may
        // import any stage, and no library target imports it.
        .target(name: "Benchmarks", dependencies: ["HensCore", "NumericsBackend", "Spherical", "ShallowWater", "DatasetIO", "Ingest",
                                                   "SFNO", "Training", "Ensemble", "Config", "Scores"],
                exclude: ["README.md"]),
        // The command-line tool: argument parsing and wiring only.
        .executableTarget(
            name: "hens",
            dependencies: [
                "HensCore", "Config", "NumericsBackend", "Spherical", "ShallowWater", "DatasetIO", "Ingest", "SFNO", "Training",
                "Scores", "Ensemble", "Evaluation", "Report", "Benchmarks", "ModelImport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]),

        // What the test targets share: temporary folders, tolerances, error-message assertions.
        .target(name: "HensTestSupport", dependencies: ["HensCore"], exclude: ["README.md"]),

        .testTarget(name: "ConfigTests", dependencies: ["Config", "HensTestSupport"]),
        .testTarget(name: "NumericsBackendTests", dependencies: ["HensTestSupport", "NumericsBackend", "HensCore"]),
        .testTarget(name: "SphericalTests", dependencies: ["HensTestSupport", "Spherical"]),
        .testTarget(name: "ShallowWaterTests", dependencies: ["HensTestSupport", "ShallowWater", "DatasetIO", "Config"]),
        .testTarget(name: "DatasetIOTests", dependencies: ["HensTestSupport", "DatasetIO", "NumericsBackend"], exclude: ["Fixtures"]),
        .testTarget(name: "IngestTests", dependencies: ["HensTestSupport", "Ingest", "DatasetIO", "Spherical", "Config"]),
        .testTarget(name: "SFNOTests", dependencies: ["HensTestSupport", "SFNO", "Spherical", "Config"], resources: [.copy("parity")]),
        .testTarget(name: "TrainingTests", dependencies: ["HensTestSupport", "Training", "SFNO", "DatasetIO", "Config", "Scores", "Spherical"]),
        .testTarget(name: "EnsembleTests", dependencies: ["HensTestSupport", "Ensemble", "SFNO", "Spherical", "DatasetIO", "Training", "ChannelDerivation", "Config"]),
        .testTarget(name: "ScoresTests", dependencies: ["HensTestSupport", "Scores", "Spherical", "HensCore"], resources: [.copy("anchor")]),
        .testTarget(name: "EvaluationTests", dependencies: ["HensTestSupport", "Evaluation", "Scores", "DatasetIO", "Spherical", "HensCore"]),
        .testTarget(name: "ReportTests", dependencies: ["HensTestSupport", "Report", "DatasetIO", "HensCore"]),
        .testTarget(name: "RegridTests", dependencies: ["HensTestSupport", "Regrid"], resources: [.copy("golden")]),
        .testTarget(name: "ImportTests", dependencies: ["HensTestSupport", "ModelImport", "SFNO", "DatasetIO", "Spherical", "HensCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "BenchmarksTests", dependencies: ["HensTestSupport", "Benchmarks", "HensCore"]),
        // The built hens executable run as a user runs it: exit codes, one-line errors, BLAS kernel
        // selection, bit-identical generation under load (make check; not part of the unit passes).
        .testTarget(name: "HensEndToEndTests", dependencies: ["HensTestSupport", "HensCore", "DatasetIO"]),
        // The module graph's layering rules, read from Package.swift and the import lines.
        .testTarget(name: "ArchitectureTests"),
    ],
    swiftLanguageModes: [.v6]
)
