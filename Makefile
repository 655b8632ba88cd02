# hens — build, test, demo and benchmark entry points. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := demo

SWIFT      ?= swift
RUN_DIR    ?= runs/demo
SWE_CONFIG ?= configs/swe-small.yaml
DATASET    ?= $(RUN_DIR)/dataset
MODEL_CONFIG ?= configs/model-swe-small.yaml
TRAIN_CONFIG ?= configs/train-swe-demo.yaml
CHECKPOINTS  ?= $(RUN_DIR)/checkpoints
FORECAST_CONFIG ?= configs/forecast-swe-small.yaml
FORECAST     ?= $(RUN_DIR)/forecast
MCLIMATE_CONFIG ?= configs/mclimate-swe-small.yaml
EVALUATE_CONFIG ?= configs/evaluate-swe-small.yaml
SCORES       ?= $(RUN_DIR)/scores
REPORT       ?= $(RUN_DIR)/report
# The stochastic family beside the bred vectors (docs/calibration.md): a CRPS-trained SFNO with
# noise channels, its ensemble and scores; and the model-error forcing the bred vectors use.
CRPS_MODEL_CONFIG ?= configs/model-swe-small-stochastic.yaml
CRPS_TRAIN_CONFIG ?= configs/train-swe-crps-demo.yaml
CRPS_CHECKPOINTS  ?= $(RUN_DIR)/checkpoints-crps
CRPS_FORECAST_CONFIG ?= configs/forecast-swe-crps.yaml
CRPS_FORECAST     ?= $(RUN_DIR)/forecast-crps
CRPS_EVALUATE_CONFIG ?= configs/evaluate-swe-crps.yaml
CRPS_SCORES       ?= $(RUN_DIR)/scores-crps
MODEL_ERROR       ?= $(RUN_DIR)/model-error.json
CALIBRATE_FLAGS   ?= --iterations 2 --init-count 3 --ensemble-size 16
HEADLINE_LEAD ?= 6
# Extra options of each stage (e.g. TRAIN_FLAGS="--epochs 1" for a quick look); they are not
# file dependencies, so use them with a RUN_DIR of their own.
TRAIN_FLAGS    ?=
FORECAST_FLAGS ?=
MCLIMATE_FLAGS ?=
EVALUATE_FLAGS ?=
# make hens: the full-size run (fully trained checkpoints of HENS_SEEDS, 7,424 members).
HENS_RUN     ?= runs/hens
HENS_SEEDS   ?= 1,2,3,4
ERA5_DIR     ?= runs/era5-sample
# Release builds for the host's own vector units (AVX-512 where present), as the toolchain's
# clang resolves -march=native; PORTABLE=1 builds for Haswell-class x86-64 (x86-64-v3: AVX2 + FMA,
# which the SHT kernels rely on) into .build-portable, for clusters of mixed CPUs. A binary refuses to start, in one line
# (exit 69), on a CPU that lacks a feature it was built for.
ARCH       := $(shell uname -m)
PORTABLE   ?=
SWIFT_CLANG := $(dir $(realpath $(shell command -v $(SWIFT))))clang
HOST_CPU   := $(shell echo | $(SWIFT_CLANG) -march=native -x c -\#\#\# -c - 2>&1 | sed -n 's/.*"-target-cpu" "\([^"]*\)".*/\1/p' | head -n 1)
TARGET_CPU := $(if $(filter x86_64,$(ARCH)),$(if $(PORTABLE),haswell,$(or $(HOST_CPU),haswell)),)
ARCH_FLAGS := $(if $(TARGET_CPU),-Xswiftc -target-cpu -Xswiftc $(TARGET_CPU) -Xcc -march=$(TARGET_CPU),)
SCRATCH    := $(if $(PORTABLE),.build-portable,.build)
BUILD_FLAGS = -c release --scratch-path $(SCRATCH) $(ARCH_FLAGS)
HENS        = $(SCRATCH)/release/hens
# The git commit and target CPU compiled into hens (hens --version, file attributes); rewritten
# only when they change, so an unchanged tree relinks nothing.
BUILD_STAMP := Sources/CHensPlatform/build_stamp.h
# The Python environment of the anchor runners in bench/anchors/ (make anchors-venv); make bench
# times the reference implementations with it when it exists.
ANCHORS_VENV ?= bench/.venv
ANCHORS_PY   := $(ANCHORS_VENV)/bin/python
ANCHOR_FLAG   = $(if $(wildcard $(ANCHORS_PY)),--anchor $(ANCHORS_PY))
# PyTorch's CPU-only wheels (no CUDA libraries, ~3 GB less than PyPI's default Linux wheel), used
# when this index answers; otherwise torch comes from PyPI like everything else.
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
# Runs a stage command and prints its wall time: $(call timed,label,command).
timed = start=$$(date +%s); $(2) && echo "== $(1): $$(( $$(date +%s) - start )) s"

SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEPS_PKGS  := libnetcdf-dev libfftw3-dev libopenblas-dev netcdf-bin pkg-config gnuplot-nox
# Tools that only the tests need: cdo (ingest parity), mpirun (sharded forecasts), Chromium (the report in a browser).
TEST_PKGS  := cdo openmpi-bin chromium

.PHONY: deps deps-test build build-stamp build-portable test-build unit check e2e check-long check-calibration test demo demo-run hens report report-check bench bench-swe anchors-venv dataset checkpoints checkpoints-crps skill calibrate forecast forecast-crps mclimate evaluate evaluate-crps era5-sample check-cron-sleep check-forecast check-forecast-run clean

## deps: install the C libraries through apt, only when pkg-config does not find them already.
deps:
	@if pkg-config --exists netcdf fftw3 fftw3f openblas 2>/dev/null && command -v ncdump >/dev/null && command -v gnuplot >/dev/null; then \
	  echo "deps: netcdf, fftw3, fftw3f, openblas, ncdump and gnuplot found"; \
	else \
	  echo "deps: installing $(DEPS_PKGS)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEPS_PKGS); \
	fi

## deps-test: extra packages only the tests need.
deps-test: deps
	@missing=""; for p in $(TEST_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps-test: installing$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps-test: nothing to install"; fi

## build: release build of the hens executable for this machine's CPU (PORTABLE=1: Haswell-class x86-64-v3).
build: deps build-stamp
	$(SWIFT) build $(BUILD_FLAGS) --product hens

## build-portable: the portable binary (Haswell-class, x86-64-v3) in .build-portable; make test compiles it.
build-portable:
	@$(MAKE) --no-print-directory build PORTABLE=1

build-stamp:
	@commit=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	if [ "$$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then commit="$$commit-dirty"; fi; \
	printf '#define HENS_BUILD_COMMIT "%s"\n#define HENS_BUILD_TARGET_CPU "%s"\n' "$$commit" "$(or $(TARGET_CPU),default)" > $(BUILD_STAMP).new; \
	if cmp -s $(BUILD_STAMP).new $(BUILD_STAMP); then rm -f $(BUILD_STAMP).new; else mv $(BUILD_STAMP).new $(BUILD_STAMP); fi

## test: everything make unit and make check run, after installing what they need (the only
## targets that call apt are deps and deps-test).
test: deps deps-test
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory check

## test-build: the release build with its tests (numerical code is far too slow in debug builds).
test-build: build-stamp
	$(SWIFT) build $(BUILD_FLAGS) --build-tests -Xswiftc -enable-testing

## unit: the unit tests in-process, under two BLAS kernels (scripts/unit-tests.sh).
unit: test-build
	@HENS=$(HENS) SWIFT="$(SWIFT)" BUILD_FLAGS="$(BUILD_FLAGS)" bash scripts/unit-tests.sh

## check: integration — the built hens run as users run it: the end-to-end tests in Swift
## (exit codes and one-line errors, BLAS kernel selection, bit-identical generation under load),
## sharded/mpirun/killed-and-resumed forecasts, the demo chain and its report in headless
## Chromium, and the portable binary compiled.
check: test-build
	@$(MAKE) --no-print-directory e2e
	@# The test build's hens (built with -enable-testing) runs the chain checks; `build` would recompile.
	@$(MAKE) --no-print-directory check-forecast-run
	@$(MAKE) --no-print-directory demo-run && $(MAKE) --no-print-directory report-check
	@$(MAKE) --no-print-directory build-portable

## e2e: the end-to-end tests (Tests/HensEndToEndTests) against the test build's hens.
e2e:
	HENS=$(abspath $(HENS)) $(SWIFT) test $(BUILD_FLAGS) -Xswiftc -enable-testing --skip-build --disable-swift-testing --filter HensEndToEndTests

## check-long: checks too long for make test (their results go into the closing notes): hens
## generate swe 10 times under load, all identical; the calibration experiment.
check-long: test-build
	HENS=$(abspath $(HENS)) HENS_REPRO_REPEATS=10 $(SWIFT) test $(BUILD_FLAGS) -Xswiftc -enable-testing --skip-build --disable-swift-testing --filter ReproducibilityTests
	HENS=$(abspath $(HENS)) RUN=$(CALIBRATION_RUN) bash scripts/calibration-experiment.sh

## demo: the embedded-default chain, end to end (extended by every stage that exists).
demo: build
	@$(MAKE) --no-print-directory demo-run

## demo-run: the demo's stages with the hens already built (make test runs it with the test build).
demo-run:
	@echo "== hens --help"; $(HENS) --help
	@echo "== SHT round trip on the default grid (legendre-gauss 64×128)"
	$(HENS) check sht --grid legendre-gauss --nlat 64 --nlon 128 --batch 64
	@$(MAKE) --no-print-directory dataset
	@echo "== the default dataset's header"; ncdump -h $(DATASET)/train.nc
	@$(MAKE) --no-print-directory checkpoints
	@$(MAKE) --no-print-directory checkpoints-crps
	@$(MAKE) --no-print-directory forecast
	@echo "== the forecast's files"; ls -l $(FORECAST)/*/
	@$(MAKE) --no-print-directory forecast-crps
	@$(MAKE) --no-print-directory evaluate
	@$(MAKE) --no-print-directory evaluate-crps
	@$(MAKE) --no-print-directory report
	@echo "== headline scores at lead $(HEADLINE_LEAD) h (global): CRPS, RMSE, spread, SSR, CRPSS against climatology and persistence, outlier fraction (expected 2/(m+1))"
	@$(HENS) scores $(SCORES) --lead $(HEADLINE_LEAD)
	@echo "== the same for the stochastic SFNO (CRPS-trained, noise channels, no initial perturbation)"
	@$(HENS) scores $(CRPS_SCORES) --lead $(HEADLINE_LEAD)
	@echo "== demo done: dataset in $(DATASET), checkpoints in $(CHECKPOINTS), forecast in $(FORECAST), scores in $(SCORES)"
	@echo "== report: $(REPORT)/index.html (open it in a browser; PNGs in $(REPORT)/figures/)"

## hens: the full-size configuration in HENS_RUN — fully trained checkpoints of HENS_SEEDS
## (configs/train-swe-small.yaml, about 20 min each on 2 cores), the 7,424-member ensemble from 3
## initial times (configs/forecast-swe-hens.yaml, hours), its model climate, scores and report.
hens: build
	@$(MAKE) --no-print-directory demo-run RUN_DIR=$(HENS_RUN) TRAIN_CONFIG=configs/train-swe-small.yaml \
	  TRAIN_FLAGS="--seeds $(HENS_SEEDS) $(TRAIN_FLAGS)" FORECAST_CONFIG=configs/forecast-swe-hens.yaml \
	  MCLIMATE_CONFIG=configs/mclimate-swe-hens.yaml EVALUATE_CONFIG=configs/evaluate-swe-hens.yaml HEADLINE_LEAD=12 \
	  CRPS_TRAIN_CONFIG=configs/train-swe-crps-small.yaml CRPS_FORECAST_CONFIG=configs/forecast-swe-crps-hens.yaml \
	  CRPS_EVALUATE_CONFIG=configs/evaluate-swe-crps-hens.yaml

## dataset: the embedded shallow-water dataset; regenerated only when the config or hens changed.
dataset: $(DATASET)/stats.nc
$(DATASET)/stats.nc: $(SWE_CONFIG) $(HENS)
	@echo "== hens generate swe --config $(SWE_CONFIG) --out $(DATASET) --overwrite"
	@$(call timed,generate,$(HENS) generate swe --config $(SWE_CONFIG) --out $(DATASET) --overwrite)

## checkpoints: SFNO checkpoints (one per seed of TRAIN_CONFIG) on the dataset; retrained only
## when the dataset, a config or hens changed. The full schedule: TRAIN_CONFIG=configs/train-swe-small.yaml.
checkpoints: $(CHECKPOINTS)/.done
$(CHECKPOINTS)/.done: $(DATASET)/stats.nc $(MODEL_CONFIG) $(TRAIN_CONFIG) $(HENS)
	@echo "== hens train --dataset $(DATASET) --model $(MODEL_CONFIG) --config $(TRAIN_CONFIG) --out $(CHECKPOINTS) $(TRAIN_FLAGS)"
	@# An interrupted training of the same inputs resumes (seeds done are kept); hens empties the
	@# folder when its inputs changed, so checkpoints of seeds no longer configured never join the ensemble.
	@$(call timed,train,$(HENS) train --dataset $(DATASET) --model $(MODEL_CONFIG) --config $(TRAIN_CONFIG) --out $(CHECKPOINTS) --resume --restart-changed $(TRAIN_FLAGS))
	@touch $@

## checkpoints-crps: the stochastic SFNO (noise channels, trained on the fair CRPS of several
## members per sample) on the same dataset; retrained only when its inputs changed.
checkpoints-crps: $(CRPS_CHECKPOINTS)/.done
$(CRPS_CHECKPOINTS)/.done: $(DATASET)/stats.nc $(CRPS_MODEL_CONFIG) $(CRPS_TRAIN_CONFIG) $(HENS)
	@echo "== hens train --dataset $(DATASET) --model $(CRPS_MODEL_CONFIG) --config $(CRPS_TRAIN_CONFIG) --out $(CRPS_CHECKPOINTS)"
	@$(call timed,train-crps,$(HENS) train --dataset $(DATASET) --model $(CRPS_MODEL_CONFIG) --config $(CRPS_TRAIN_CONFIG) --out $(CRPS_CHECKPOINTS) --resume --restart-changed --quiet)
	@touch $@

## calibrate: the model-error forcing of the deterministic checkpoints, fitted and tuned for
## FORECAST_CONFIG's ensemble on the valid split (never the test split).
calibrate: $(MODEL_ERROR)
$(MODEL_ERROR): $(RUN_DIR)/skill.json $(FORECAST_CONFIG) $(HENS)
	@echo "== hens calibrate --config $(FORECAST_CONFIG) --out $@ $(CALIBRATE_FLAGS)"
	@$(call timed,calibrate,$(HENS) calibrate --config $(FORECAST_CONFIG) --dataset $(DATASET) --skill $(RUN_DIR)/skill.json --checkpoints $(CHECKPOINTS) --out $@ $(CALIBRATE_FLAGS))

## skill: deterministic RMSE of the first checkpoint on the valid split (τ for the bred vectors).
skill: $(RUN_DIR)/skill.json
$(RUN_DIR)/skill.json: $(CHECKPOINTS)/.done
	@echo "== hens skill (48 h of deterministic RMSE; the bred-vector amplitudes use it at the forecast's skill_lead)"
	@$(call timed,skill,$(HENS) skill --checkpoint $(CHECKPOINTS)/seed-1/checkpoint.nc --dataset $(DATASET) --samples 8 --out $@)

## forecast: the bred-vector, multi-checkpoint ensemble of FORECAST_CONFIG (single process; see
## check-forecast for shards, mpirun and resume) on every checkpoint in CHECKPOINTS.
forecast: $(FORECAST)/.done
$(FORECAST)/.done: $(RUN_DIR)/skill.json $(MODEL_ERROR) $(FORECAST_CONFIG) $(HENS)
	@echo "== hens forecast --config $(FORECAST_CONFIG) --out $(FORECAST)"
	@# An interrupted forecast of the same inputs resumes after its last committed batch; hens empties
	@# the folder when its inputs changed (they may pick other initial times), never mixing two runs.
	@$(call timed,forecast,$(HENS) forecast --config $(FORECAST_CONFIG) --dataset $(DATASET) --skill $(RUN_DIR)/skill.json --model-error $(MODEL_ERROR) --checkpoints $(CHECKPOINTS) --out $(FORECAST) --restart-changed $(FORECAST_FLAGS))
	@touch $@

## forecast-crps: the stochastic SFNO's ensemble on the same initial times as forecast.
forecast-crps: $(CRPS_FORECAST)/.done
$(CRPS_FORECAST)/.done: $(CRPS_CHECKPOINTS)/.done $(CRPS_FORECAST_CONFIG) $(HENS)
	@echo "== hens forecast --config $(CRPS_FORECAST_CONFIG) --out $(CRPS_FORECAST)"
	@$(call timed,forecast-crps,$(HENS) forecast --config $(CRPS_FORECAST_CONFIG) --dataset $(DATASET) --checkpoints $(CRPS_CHECKPOINTS) --out $(CRPS_FORECAST) --restart-changed --quiet)
	@touch $@

## mclimate: the model climate (reforecasts from the climate split) for EFI/SOT.
mclimate: $(RUN_DIR)/mclimate.nc
$(RUN_DIR)/mclimate.nc: $(RUN_DIR)/skill.json $(MODEL_ERROR) $(MCLIMATE_CONFIG) $(HENS)
	@echo "== hens mclimate --config $(MCLIMATE_CONFIG) --out $@"
	@$(call timed,mclimate,$(HENS) mclimate --config $(MCLIMATE_CONFIG) --dataset $(DATASET) --skill $(RUN_DIR)/skill.json --model-error $(MODEL_ERROR) --checkpoints $(CHECKPOINTS) --out $@ $(MCLIMATE_FLAGS))

## evaluate: scores of the demo ensemble (CRPS, RMSE, spread/SSR, ranks, reliability, ROC, spectra, EFI/SOT).
evaluate: $(SCORES)/summary.json
$(SCORES)/summary.json: $(FORECAST)/.done $(RUN_DIR)/mclimate.nc $(EVALUATE_CONFIG) $(HENS)
	@echo "== hens evaluate --config $(EVALUATE_CONFIG) --out $(SCORES)"
	@$(call timed,evaluate,$(HENS) evaluate --config $(EVALUATE_CONFIG) --forecast $(FORECAST) --dataset $(DATASET) --mclimate $(RUN_DIR)/mclimate.nc --out $(SCORES) $(EVALUATE_FLAGS))

## evaluate-crps: scores of the stochastic SFNO's ensemble (compared with the bred vectors in the report).
evaluate-crps: $(CRPS_SCORES)/summary.json
$(CRPS_SCORES)/summary.json: $(CRPS_FORECAST)/.done $(CRPS_EVALUATE_CONFIG) $(HENS)
	@echo "== hens evaluate --config $(CRPS_EVALUATE_CONFIG) --out $(CRPS_SCORES)"
	@$(call timed,evaluate-crps,$(HENS) evaluate --config $(CRPS_EVALUATE_CONFIG) --forecast $(CRPS_FORECAST) --dataset $(DATASET) --out $(CRPS_SCORES) --quiet)

## report: the HTML report of the run (plots as inline SVG and PNG), redrawn when the scores change.
report: $(REPORT)/report.json
$(REPORT)/report.json: $(SCORES)/summary.json $(CRPS_SCORES)/summary.json $(CHECKPOINTS)/.done $(HENS)
	@echo "== hens report $(RUN_DIR) --lead $(HEADLINE_LEAD) --compare stochastic-sfno=$(CRPS_SCORES) --out $(REPORT)"
	@$(call timed,report,$(HENS) report $(RUN_DIR) --lead $(HEADLINE_LEAD) --scores $(SCORES) --forecast $(FORECAST) --checkpoints $(CHECKPOINTS) --dataset $(DATASET) --name bred-vectors --compare stochastic-sfno=$(CRPS_SCORES) --out $(REPORT))

## report-check: the report in headless Chromium: fails if the page has errors or a plot is missing
## (scripts/check-report.sh); the screenshot goes to $(RUN_DIR)/report-screenshot.png.
report-check: report
	bash scripts/check-report.sh $(REPORT) $(RUN_DIR)/report-screenshot.png

## era5-sample: the real ERA5 sample in data-samples/ through ingest → train (tiny) → forecast
## (1 breeding cycle, 1 lead: the sample has 4 times) → evaluate, as a smoke test of real data.
era5-sample: $(ERA5_DIR)/report/report.json
$(ERA5_DIR)/dataset/stats.nc: configs/era5-sample.yaml $(HENS)
	@$(call timed,ingest,$(HENS) ingest --quiet --config configs/era5-sample.yaml --out $(ERA5_DIR)/dataset --overwrite)
$(ERA5_DIR)/checkpoints/.done: $(ERA5_DIR)/dataset/stats.nc configs/model-era5-sample.yaml configs/train-era5-sample.yaml
	@$(call timed,train,$(HENS) train --quiet --dataset $(ERA5_DIR)/dataset --model configs/model-era5-sample.yaml --config configs/train-era5-sample.yaml --out $(ERA5_DIR)/checkpoints --overwrite)
	@touch $@
$(ERA5_DIR)/forecast/.done: $(ERA5_DIR)/checkpoints/.done configs/forecast-era5-sample.yaml
	rm -rf $(ERA5_DIR)/forecast
	@$(call timed,forecast,$(HENS) forecast --quiet --config configs/forecast-era5-sample.yaml --dataset $(ERA5_DIR)/dataset --checkpoints $(ERA5_DIR)/checkpoints/seed-1/checkpoint.nc --out $(ERA5_DIR)/forecast)
	@touch $@
$(ERA5_DIR)/scores/summary.json: $(ERA5_DIR)/forecast/.done
	@$(call timed,evaluate,$(HENS) evaluate --quiet --forecast $(ERA5_DIR)/forecast --dataset $(ERA5_DIR)/dataset --out $(ERA5_DIR)/scores --events p90 --tails p95)
	@$(HENS) scores $(ERA5_DIR)/scores
$(ERA5_DIR)/report/report.json: $(ERA5_DIR)/scores/summary.json
	@$(call timed,report,$(HENS) report --quiet $(ERA5_DIR))
	@echo "== ERA5 sample report: $(ERA5_DIR)/report/index.html"

## check-calibration: the calibration experiment (scripts/calibration-experiment.sh, about 30 min
## on 2 cores): bred vectors as configured today, bred vectors with tuned model-error forcing and
## the stochastic SFNO, settings chosen on the valid split, the test split scored once; tables and
## hens compare intervals in CALIBRATION_RUN. Part of check-long.
CALIBRATION_RUN ?= runs/calibration
check-calibration: build
	HENS=$(HENS) RUN=$(CALIBRATION_RUN) bash scripts/calibration-experiment.sh

## check-cron-sleep: holds configs/cron-example.sh's lock for a few seconds (the overlap check).
check-cron-sleep:
	@sleep 3

## check-forecast: sharded (mpirun -n 2, two processes by hand) and SIGKILLed-then-resumed
## forecasts equal a single-process run (scripts/check-forecast-shards.sh).
check-forecast: build
	@$(MAKE) --no-print-directory check-forecast-run
check-forecast-run: dataset
	HENS=$(HENS) DATASET=$(DATASET) bash scripts/check-forecast-shards.sh

## bench: SHT, SWE, ingest (vs cdo remapcon), SFNO, forecast and CRPS JSON, 1 and 2 threads, into
## bench-results/; with the anchors venv (make anchors-venv) also shtns/ducc0/torch-harmonics SHTs,
## torch-harmonics' SFNO and properscoring/scoringrules CRPS in the same run, as ratios.
bench: build skill calibrate
	@mkdir -p bench-results
	$(HENS) bench sht --cases gl360,cc721_l359,gl720 --batches 1,16 --thread-counts 1,2 --json bench-results/sht.json
	if [ -x $(ANCHORS_PY) ]; then $(ANCHORS_PY) bench/anchors/sht_anchor.py --cases gl360,cc721_l359,gl720 --batches 1,16 --threads 1,2 --hens bench-results/sht.json --json bench-results/sht-anchor.json; fi
	$(HENS) bench swe --cases paper,small,ref --thread-counts 1,2 --json bench-results/swe.json
	$(HENS) bench ingest --thread-counts 1,2 --json bench-results/ingest.json
	$(HENS) bench sfno --thread-counts 1,2 --json bench-results/sfno.json $(ANCHOR_FLAG)
	$(HENS) bench forecast --config $(FORECAST_CONFIG) --thread-counts 1,2 --json bench-results/forecast.json
	$(HENS) bench crps --points 100000 --members 50,1000 --dtypes float64,float32 --thread-counts 1,2 --json bench-results/crps.json $(ANCHOR_FLAG)

## anchors-venv: the anchor runners' Python environment in ANCHORS_VENV from bench/anchors/requirements*.txt
## (pip from PyPI; several GB and minutes the first time). shtns is built from source and optional.
anchors-venv: $(ANCHORS_VENV)/.complete
$(ANCHORS_VENV)/.complete: bench/anchors/requirements.txt bench/anchors/requirements-shtns.txt
	python3 -m venv $(ANCHORS_VENV)
	@if $(ANCHORS_PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' $(TORCH_CPU_INDEX)/ 2>/dev/null; then \
	  echo "anchors-venv: torch from the CPU-only index $(TORCH_CPU_INDEX)"; \
	  $(ANCHORS_PY) -m pip install --quiet --index-url $(TORCH_CPU_INDEX) "$$(grep '^torch==' bench/anchors/requirements.txt)"; \
	else echo "anchors-venv: the CPU-only torch index does not answer; torch comes from PyPI"; fi
	$(ANCHORS_PY) -m pip install --quiet -r bench/anchors/requirements.txt
	@# shtns compiles against FFTW (libfftw3-dev, from make deps) and numpy, hence no build isolation.
	$(ANCHORS_PY) -m pip install --quiet --no-build-isolation -r bench/anchors/requirements-shtns.txt \
	  || echo "anchors-venv: shtns could not be built; sht_anchor.py reports it as skipped"
	$(ANCHORS_PY) bench/anchors/check_environment.py
	@touch $@

clean:
	rm -rf .build runs bench-results
