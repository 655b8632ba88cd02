#!/usr/bin/env bash
# A daily hens run for cron (see README "Cron and batch"): runs `make TARGET…` (default: demo)
# in the repository with JSON log lines, appends them to runs/cron.log, and never overlaps
# itself — a second run while one is going exits at once with code 75 (EX_TEMPFAIL) and says
# which run holds the lock. Targets depend on their inputs, so a run with nothing new is a no-op,
# and an interrupted run resumes where it stopped (forecast batches are committed one by one).
#
#   crontab:  15 6 * * *  /path/to/hens/configs/cron-example.sh demo
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs
LOCK=${HENS_CRON_LOCK:-runs/.cron.lock}
LOG=${HENS_CRON_LOG:-runs/cron.log}
exec 9>>"$LOCK"
if ! flock -n 9; then
  echo "hens cron: another run holds $LOCK ($(cat "$LOCK.owner" 2>/dev/null || echo "owner unknown")); not starting a second one" >&2
  exit 75
fi
echo "pid $$ since $(date -u +%Y-%m-%dT%H:%M:%SZ): make ${*:-demo}" > "$LOCK.owner"
trap 'rm -f "$LOCK.owner"' EXIT
{
  echo "{\"time\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"level\":\"info\",\"message\":\"cron: make ${*:-demo}\"}"
  HENS_LOG_FORMAT=json make --no-print-directory "${@:-demo}"
} >>"$LOG" 2>&1
