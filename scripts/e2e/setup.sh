#!/usr/bin/env bash
# scripts/e2e/setup.sh [DIR]: idempotent, offline install of a real VS Code for the e2e suites into DIR
# (default: <project>/.vscode-e2e, gitignored): code-server 4.100.3 (= VS Code 1.100.3 server + web
# workbench), playwright-core, @vscode/vsce and mocha, plus Debian chromium/ripgrep/build deps.
# Needs only the npm registry and Debian apt. About 65-95 s the first time, ~4 s when already installed.
#
# Why not `npm install code-server`: its postinstall runs `npm install --omit=dev` in lib/vscode, where
#   * @vscode/ripgrep's postinstall downloads rg from GitHub (offline: fails) -> we pre-seed Debian's rg;
#   * kerberos tries a GitHub prebuild, then node-gyp (needs libkrb5-dev);
#   * node-pty's postinstall runs `npx node-gyp`, refused when npm's `yes` is false;
#   * argon2 (required at startup) tries a GitHub download, then builds from source.
# So everything is installed with --ignore-scripts and the postinstall steps are replayed by hand.
# code-server is deliberately NOT in the project's package.json: `npm ci` would run that postinstall.
set -euo pipefail

# Run from `npm test`, npm hands its config down as npm_config_* variables, among them the project's
# ignore-scripts=true (.npmrc); the native builds below (argon2, node-pty, ...) need their scripts, and
# the installs that must not run them say --ignore-scripts themselves.
unset npm_config_ignore_scripts NPM_CONFIG_IGNORE_SCRIPTS
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="$(realpath -m "${1:-${VSCODE_E2E_HOME:-$ROOT/.vscode-e2e}}")"
CS_VERSION=4.100.3
CS_NODE=20 # code-server $CS_VERSION's engines.node (verified against its package.json once installed)
LOGS="$DIR/setup-logs"
T0=$(date +%s)

log() { printf '[e2e-setup +%ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { printf '[e2e-setup] ERROR: %s\n' "$*" >&2; exit 1; }
run_logged() { # quiet unless it fails
  local lf="$1"; shift
  if ! "$@" >"$lf" 2>&1; then tail -n 40 "$lf" >&2; return 1; fi
}

# Fast path: same pinned package.json and a completed install.
if [ -f "$DIR/.vscode-e2e-setup-ok" ] && cmp -s "$HERE/package.json" "$DIR/package.json" \
   && [ -x /usr/bin/chromium ] && [ -f "$DIR/node_modules/code-server/out/node/entry.js" ]; then
  log "already installed in $DIR ($(head -n 1 "$DIR/.vscode-e2e-setup-ok"))"
  exit 0
fi

command -v node >/dev/null || die "node not found"
NODE_VER="$(node -p process.versions.node)"
# Two requirements, each stated once: the project's (package.json engines, >= 20: build, tests, CLI) and
# code-server's (CS_NODE, its package.json engines, checked after the install: npm start without desktop
# VS Code and the e2e suites). README "Set up and run" says both.
PROJECT_NODE="$(node -p "require('$HERE/../../package.json').engines.node")"
[ "${NODE_VER%%.*}" -ge "${PROJECT_NODE//[^0-9]/}" ] || die "ModelLens needs Node $PROJECT_NODE (found $NODE_VER)"
[ "${NODE_VER%%.*}" = "$CS_NODE" ] || die "code-server $CS_VERSION (VS Code for npm start and the e2e suites) runs on Node $CS_NODE only, found $NODE_VER. The rest of ModelLens works on Node $PROJECT_NODE; with desktop VS Code (\`code\` on PATH) npm start needs no code-server."

# --- Debian packages -------------------------------------------------------------------------
missing=()
for p in chromium ripgrep libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})"
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$LOGS"
  if ! apt-get install -y "${missing[@]}" >"$LOGS/00-apt.log" 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y "${missing[@]}" >"$LOGS/00-apt.log" 2>&1 || { tail -20 "$LOGS/00-apt.log"; die "apt-get install failed"; }
  fi
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing"
[ -x /usr/bin/rg ] || die "/usr/bin/rg missing"

# --- Node headers: node-gyp would download them from nodejs.org ------------------------------
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then
  hdr_ver="$(sed -n 's/^#define NODE_\(MAJOR\|MINOR\|PATCH\)_VERSION \([0-9]*\).*/\2/p' /usr/include/node/node_version.h | paste -sd.)"
  if [ "$hdr_ver" = "$NODE_VER" ]; then export npm_config_nodedir=/usr; else log "WARNING: /usr/include/node is $hdr_ver, node is $NODE_VER"; fi
fi

# --- top-level packages, scripts off -----------------------------------------------------------
mkdir -p "$DIR" "$LOGS"
if [ -f "$DIR/package.json" ] && ! grep -q '"name": "modellens-vscode-e2e"' "$DIR/package.json"; then
  die "$DIR/package.json exists and is not ours; pick an empty DIR"
fi
cp "$HERE/package.json" "$DIR/package.json"
cp "$HERE/package-lock.json" "$DIR/package-lock.json"
cd "$DIR"
log "npm install --ignore-scripts (code-server@$CS_VERSION playwright-core @vscode/vsce mocha)"
run_logged "$LOGS/01-npm-install.log" npm install --ignore-scripts --no-audit --no-fund || die "npm install failed (see $LOGS/01-npm-install.log)"
CS="$DIR/node_modules/code-server"
VS="$CS/lib/vscode"
[ "$(node -p "require('$CS/package.json').version")" = "$CS_VERSION" ] || die "unexpected code-server version"
[ "$(node -p "require('$CS/package.json').engines.node")" = "$CS_NODE" ] || die "code-server $CS_VERSION's engines.node is not $CS_NODE: update CS_NODE in setup.sh and the README"

if ! node -e "require('$DIR/node_modules/argon2')" >/dev/null 2>&1; then
  log "building argon2 from source"
  run_logged "$LOGS/02-argon2.log" npm rebuild argon2 --foreground-scripts || true
  node -e "require('$DIR/node_modules/argon2')" || die "argon2 did not build (see $LOGS/02-argon2.log)"
fi

check_vscode() {
  (cd "$VS" && node -e '
    for (const m of ["@vscode/spdlog", "node-pty", "native-watchdog", "kerberos", "@parcel/watcher", "@vscode/deviceid", "@vscode/ripgrep"]) require(m);
    require("child_process").execFileSync(require("@vscode/ripgrep").rgPath, ["--version"]);
  ') >/dev/null 2>&1
}
if ! check_vscode; then
  log "lib/vscode: npm install --omit=dev --ignore-scripts"
  (cd "$VS" && run_logged "$LOGS/03-vscode-install.log" npm install --omit=dev --ignore-scripts --no-audit --no-fund) || die "lib/vscode npm install failed"
  # @vscode/ripgrep's postinstall skips its GitHub download when bin/ exists.
  mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
  cp -f /usr/bin/rg "$VS/node_modules/@vscode/ripgrep/bin/rg"
  log "lib/vscode: npm rebuild (native modules; ~1 min on 2 cores)"
  (cd "$VS" && run_logged "$LOGS/04-vscode-rebuild.log" env JOBS=max npm_config_yes=true npm rebuild --foreground-scripts) \
    || log "WARNING: npm rebuild reported an error; checking modules anyway"
  check_vscode || die "lib/vscode native modules not loadable (see $LOGS/04-vscode-rebuild.log)"
fi

# The symlinks code-server's postinstall.sh would create.
ln -sfn node_modules "$VS/node_modules.asar"
(cd "$VS/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$VS/bin/helpers" && ln -sfn browser-linux.sh browser.sh)

if [ ! -f "$VS/extensions/node_modules/typescript/package.json" ]; then
  log "lib/vscode/extensions: npm install --omit=dev"
  (cd "$VS/extensions" && run_logged "$LOGS/05-extensions-install.log" npm install --omit=dev --no-audit --no-fund) || die "extensions npm install failed"
fi

# --- verify ----------------------------------------------------------------------------------
cfg="$DIR/code-server-config.yaml"
[ -f "$cfg" ] || printf 'bind-addr: 127.0.0.1:18080\nauth: none\ncert: false\n' >"$cfg"
xdg="$(mktemp -d)"
ver="$(XDG_DATA_HOME="$xdg" XDG_CONFIG_HOME="$xdg" node "$CS/out/node/entry.js" --config "$cfg" --version 2>&1 | tail -n 1)"
rm -rf "$xdg"
case "$ver" in "$CS_VERSION "*) ;; *) die "code-server --version printed: $ver" ;; esac
node -e "require('playwright-core'); require('mocha'); require('@vscode/vsce/package.json')" || die "playwright-core / mocha / vsce not loadable"
printf 'code-server %s | node %s | %s\n' "$ver" "$NODE_VER" "$(/usr/bin/chromium --version 2>/dev/null | head -n 1)" >"$DIR/.vscode-e2e-setup-ok"
log "OK: $(head -n 1 "$DIR/.vscode-e2e-setup-ok"); $(du -sh "$DIR/node_modules" | cut -f1) in $DIR/node_modules"
