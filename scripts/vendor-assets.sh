#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (run by a developer, not at
# run time; the result is committed so the site never loads anything from another host).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@2.0.11" >/dev/null
tar xzf htmx.org-2.0.11.tgz
install -m 644 package/dist/htmx.min.js "$here/src/openita/static/openita/vendor/htmx.min.js"
install -m 644 package/LICENSE "$here/src/openita/static/openita/vendor/htmx.LICENSE"
sha256sum "$here/src/openita/static/openita/vendor/htmx.min.js"
