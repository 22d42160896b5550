#!/usr/bin/env bash
# Fails on a high or critical advisory in the production dependencies, and on any error of the
# audit itself, except one: a registry that refuses the advisories request (405) is reported
# loudly as a skip, since there is then nothing to judge.
set -uo pipefail
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if npm audit --omit=dev --audit-level=high --json >"$report" 2>/dev/null; then
  echo "npm audit: no high or critical finding"
  exit 0
fi
read_report='const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));'
if node -e "$read_report process.exit(r.statusCode === 405 && r.vulnerabilities === undefined ? 0 : 1)" "$report" 2>/dev/null; then
  echo "npm audit: SKIPPED, the registry refused the advisories request (405)"
  exit 0
fi
node -e "$read_report console.error('npm audit failed:', r.metadata ? JSON.stringify(r.metadata.vulnerabilities) : (r.message ?? JSON.stringify(r)))" "$report" ||
  echo "npm audit failed and wrote no readable report" >&2
exit 1
