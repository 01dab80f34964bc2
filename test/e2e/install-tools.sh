#!/usr/bin/env bash
# Installs what the real-VS-Code suite needs, outside the project's node_modules (others share it):
# Debian's Chromium and ripgrep, code-server 4.100.3 (= VS Code 1.100.3, the last release that runs on Node 20),
# and checks that vsce and playwright-core (project devDependencies) are present.
# Idempotent: a finished install leaves a stamp and a rerun costs well under a second.
# Every network step is retried, because apt locks and registry hiccups are the usual CI failures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${CLARA_E2E_TOOLS:-$ROOT/.e2e/tools}"
CODE_SERVER_VERSION="4.100.3"
STAMP="$TOOLS/.installed-code-server-$CODE_SERVER_VERSION"
APT_PACKAGES=(chromium ripgrep libkrb5-dev python3 make g++ ca-certificates fonts-dejavu-core)

log() { echo "[e2e-install] $*"; }

# retry N CMD...: runs CMD up to N times with a growing pause; returns the last status.
retry() {
  local tries="$1"; shift
  local n=1
  until "$@"; do
    local rc=$?
    if (( n >= tries )); then log "failed after $n tries: $*"; return "$rc"; fi
    log "try $n failed (exit $rc), retrying in $((n * 5)) s: $*"
    sleep $((n * 5)); n=$((n + 1))
  done
}

missing_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

install_apt() {
  local missing; missing="$(missing_apt)"
  if [[ -z "$missing" ]]; then log "apt packages present"; return 0; fi
  log "apt install: $missing"
  local sudo=""; [[ "$(id -u)" != 0 ]] && sudo="sudo"
  # Another process may hold the dpkg lock; DPkg::Lock::Timeout waits for it, retry covers the rest.
  retry 4 $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq
  # shellcheck disable=SC2086
  retry 4 env DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
    --no-install-recommends $missing
}

# @vscode/ripgrep's postinstall downloads ripgrep from GitHub, which is unreachable here; it skips the download
# when its cache already holds the tarball, so we put Debian's rg there.
seed_ripgrep_cache() {
  local cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  local tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  [[ -s "$tarball" ]] && return 0
  mkdir -p "$cache"
  local stage; stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -C "$stage" -czf "$tarball" rg
  rm -rf "$stage"
  log "seeded ripgrep cache at $tarball"
}

install_code_server() {
  if [[ -f "$STAMP" && -x "$TOOLS/node_modules/.bin/code-server" ]]; then
    log "code-server $CODE_SERVER_VERSION present"; return 0
  fi
  seed_ripgrep_cache
  mkdir -p "$TOOLS"
  [[ -f "$TOOLS/package.json" ]] || echo '{ "name": "clara-e2e-tools", "private": true }' > "$TOOLS/package.json"
  log "npm install code-server@$CODE_SERVER_VERSION into $TOOLS (native modules compile: about a minute)"
  # unsafe_perm: code-server's postinstall runs as root here; yes: node-gyp's npx step must not prompt.
  ( cd "$TOOLS" && retry 3 env npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --dangerously-allow-all-scripts "code-server@$CODE_SERVER_VERSION" )
  "$TOOLS/node_modules/.bin/code-server" --version >/dev/null
  touch "$STAMP"
}

check_project_tools() {
  # vsce (VSIX packaging) and playwright-core (browser driver) are pinned devDependencies of the project.
  local ok=1
  [[ -x "$ROOT/node_modules/.bin/vsce" ]] || { log "missing node_modules/.bin/vsce (devDependency @vscode/vsce)"; ok=0; }
  [[ -d "$ROOT/node_modules/playwright-core" ]] || { log "missing node_modules/playwright-core (devDependency)"; ok=0; }
  if (( ok == 0 )); then
    log "installing the missing devDependencies into $TOOLS (not the shared project node_modules)"
    mkdir -p "$TOOLS"
    ( cd "$TOOLS" && retry 3 npm install --no-audit --no-fund "@vscode/vsce@3.6.0" "playwright-core@1.56.1" )
  fi
}

install_apt
install_code_server
check_project_tools
log "chromium: $(command -v chromium) | code-server: $("$TOOLS/node_modules/.bin/code-server" --version | head -1)"
