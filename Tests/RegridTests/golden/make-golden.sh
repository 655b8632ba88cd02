#!/usr/bin/env bash
# Regenerates the CDO reference files of RegridTests (see README.md beside this script).
# Needs cdo (Debian: `apt-get install cdo`, or `make deps-test`). Writes only into this folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Grids. eq3: 3° global lon-lat with both poles (61×120, the source); eq6: 6° with poles (31×60);
# F16: CDO's built-in regular Gaussian grid, 32×64 (rows north → south, longitudes from 0).
printf 'gridtype = lonlat\nxsize = 120\nysize = 61\nxfirst = 0\nxinc = 3\nyfirst = 90\nyinc = -3\n' > eq3.grid
printf 'gridtype = lonlat\nxsize = 60\nysize = 31\nxfirst = 0\nxinc = 6\nyfirst = 90\nyinc = -6\n' > eq6.grid

# The field: smooth large scale + a sharp bump (e-folding ≈ 8° around 40°N 60°E). The cos(lat)
# factor makes it single-valued at the poles; the bump uses the chord distance, so exp never
# underflows (CDO's expr turns an underflowing exp into a missing value).
lat='rad(clat(c))'; lon='rad(clon(c))'
cosd="(sin($lat)*sin(rad(40))+cos($lat)*cos(rad(40))*cos($lon-rad(60)))"
field="2+cos(2*$lat)*cos($lat)*cos($lon)+3*exp(-(1-$cosd)/0.01)"
# The masked variant: missing on a 'continent' (10°N–40°N, 100°E–160°E) and at (0°, 0°).
hole="(clat(c)>10&&clat(c)<40&&clon(c)>100&&clon(c)<160)||(clat(c)==0&&clon(c)==0)"

cdo -s -f nc -b F64 expr,"f=$field" -setname,c -const,0,eq3.grid eq3.nc
cdo -s -f nc -b F64 expr,"f=$field" -setname,c -const,0,F16 f16.nc
cdo -s -f nc -b F64 expr,"f=($hole)?missval(c):$field" -setname,c -const,0,eq3.grid eq3miss.nc

# One value per line, north-first rows, longitudes from 0; missing values as nan.
values() { cdo -s outputf,%.10g,1 "$1" | awk '{ print ($1 < -1e30 ? "nan" : $1) }'; }

# A sample of the source values (every 61st, full precision) so the tests can check that their
# analytic field is the one CDO computed.
cdo -s outputf,%.17g,1 eq3.nc | awk '(NR - 1) % 61 == 0' > "$here/source-eq3-sample.txt"
cdo -s outputf,%.17g,1 f16.nc | awk '(NR - 1) % 61 == 0' > "$here/source-f16-sample.txt"

for target in eq6 F16; do
  grid=$target; [ "$target" = eq6 ] && grid=eq6.grid
  name=$(echo "$target" | tr 'A-Z' 'a-z')
  cdo -s remapbil,"$grid" eq3.nc out.nc && values out.nc > "$here/eq3-to-$name-remapbil.txt"
  cdo -s remapcon,"$grid" eq3.nc out.nc && values out.nc > "$here/eq3-to-$name-remapcon.txt"
done
cdo -s remapcon,eq6.grid eq3miss.nc out.nc && values out.nc > "$here/eq3miss-to-eq6-remapcon.txt"
cdo -s remapbil,eq6.grid f16.nc out.nc && values out.nc > "$here/f16-to-eq6-remapbil.txt"
cdo -s remapcon,eq6.grid f16.nc out.nc && values out.nc > "$here/f16-to-eq6-remapcon.txt"

cdo --version 2>&1 | head -1 > "$here/cdo-version.txt"
echo "golden files written to $here"
