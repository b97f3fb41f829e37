// Starts and stops code-server (VS Code 1.100.3 server + web workbench) on loopback and drives it with
// playwright-core + Debian's chromium. Used by the integration runner, the UI suite and `npm start`.
// Adapted from the shared vscode-e2e recipe; the project does not load anything from ../shared.
//
// Environment knobs (all optional):
//   VSCODE_E2E_HOME     where scripts/e2e/setup.sh installed code-server (default <project>/.vscode-e2e)
//   VSCODE_E2E_PORT     first loopback port to try (default 18180; the next free one is used)
//   CHROMIUM_PATH       browser binary (default /usr/bin/chromium)
//   VSCODE_E2E_TIMEOUT  per-step timeout in ms (default 90000)
//   VSCODE_E2E_KEEP=1   keep the temporary user-data dir (logs under user-data/logs/*/) for debugging
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOST = '127.0.0.1'; // loopback only
export const TIMEOUT = Number(process.env.VSCODE_E2E_TIMEOUT || 90000);
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function e2eHome() {
  const home = path.resolve(process.env.VSCODE_E2E_HOME || path.join(ROOT, '.vscode-e2e'));
  if (!fs.existsSync(path.join(home, 'node_modules', 'code-server', 'out', 'node', 'entry.js'))) {
    throw new Error(`code-server is not installed in ${home}: run \`bash scripts/e2e/setup.sh\` (or npm run test:e2e, which does)`);
  }
  return home;
}

export function loadPlaywright() {
  // The project's own devDependency first (same pinned version), else the e2e install's.
  for (const base of [ROOT, e2eHome()]) {
    try {
      return createRequire(path.join(base, 'package.json'))('playwright-core');
    } catch { /* try the next */ }
  }
  throw new Error('playwright-core not found');
}

const t0 = Date.now();
export function log(...args) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(2)}s]`, ...args);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

async function freePort(first) {
  for (let p = first; p < first + 200; p++) if (await portIsFree(p)) return p;
  throw new Error(`no free loopback port in ${first}..${first + 199}`);
}

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'editor.codeLens': true,
  'workbench.editor.enablePreview': false,
  // VS Code for the web saves after a delay by default: a test's edit (a pretty-printed sample, an
  // applied hint) would reach the disk a second later, and the next test would read the edited file.
  'files.autoSave': 'off',
};

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

/**
 * Starts code-server in its own process group with throwaway dirs (everything it would write to $HOME
 * or /tmp is redirected into one temporary dir, removed by stop()).
 * opts.installVsix: a .vsix to install first; opts.settings: extra user settings; opts.env: extra env
 * (reaches the Node extension host); opts.keep: keep the temp dir; opts.quiet: no log line.
 */
export async function startCodeServer(opts = {}) {
  const home = e2eHome();
  const port = await freePort(Number(process.env.VSCODE_E2E_PORT || 18180));
  const authority = `${HOST}:${port}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-e2e-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const configFile = path.join(tmp, 'config.yaml');
  const runtimeDir = path.join(tmp, 'run'); // short: unix socket paths are limited to ~107 chars
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.settings || {}) }, null, 2));
  // Own config file: otherwise code-server writes ~/.config/code-server/config.yaml with a password.
  fs.writeFileSync(configFile, `bind-addr: ${authority}\nauth: none\ncert: false\n`);

  const entry = path.join(home, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const env = {
    ...process.env,
    EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY ?? '{}', // no marketplace offline
    VSCODE_E2E_HOME: home, // the extension host inherits it: the test runner finds mocha there
    XDG_DATA_HOME: path.join(tmp, 'xdg', 'data'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg', 'config'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg', 'cache'),
    XDG_RUNTIME_DIR: runtimeDir,
    ...(opts.env || {}),
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.PASSWORD;

  if (opts.installVsix) {
    const r = await run(process.execPath, [entry, ...common, '--install-extension', opts.installVsix, '--force'], { env });
    if (r.code !== 0 || !/successfully installed/i.test(r.out)) throw new Error(`--install-extension failed:\n${r.out}`);
    if (!opts.quiet) log('installed', path.basename(opts.installVsix));
  }

  const args = [
    entry, ...common,
    '--bind-addr', authority,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const logFile = path.join(tmp, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const tStart = Date.now();
  // detached = own process group: stop() signals the server AND the extension hosts it forks.
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const killGroup = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killGroup);

  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}):\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      if ((await fetch(`http://${authority}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`code-server not healthy after ${TIMEOUT} ms:\n${fs.readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const healthyMs = Date.now() - tStart;
  if (!opts.quiet) log(`code-server pid ${child.pid} healthy on http://${authority} after ${healthyMs} ms`);

  const remoteUri = (absPath) => `vscode-remote://${authority}${encodeURI(path.resolve(absPath))}`;
  const workbenchUrl = (folder, payload = []) => {
    let url = `http://${authority}/?folder=${encodeURIComponent(path.resolve(folder))}`;
    if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return url;
  };
  const stop = async () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* group empty */ }
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      try { process.kill(-child.pid, 0); } catch { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group empty */ }
    process.off('exit', killGroup);
    if (!process.env.VSCODE_E2E_KEEP && !opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { home, child, port, authority, tmp, userDataDir, extensionsDir, logFile, healthyMs, remoteUri, workbenchUrl, stop };
}

/** Debian chromium, headless, fresh profile; our own signal handlers do the cleanup. */
export async function launchBrowser() {
  const { chromium } = loadPlaywright();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-e2e-chromium-'));
  fs.mkdirSync(path.join(tmp, 'tmp'), { recursive: true });
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'), TMPDIR: path.join(tmp, 'tmp') },
    headless: true,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] || (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { context, page, close };
}

/**
 * A workspace of sample models: copies of the shared models when ../shared is beside the project
 * (never referenced in place: tests edit and corrupt files). Missing files are skipped; callers check.
 */
export function makeSampleWorkspace(dir, picks) {
  const shared = path.resolve(ROOT, '..', 'shared', 'models');
  fs.mkdirSync(dir, { recursive: true });
  const copied = [];
  for (const rel of picks) {
    const src = path.join(shared, rel);
    if (!fs.existsSync(src)) continue;
    // `kind/file` lands as `file`; deeper paths keep their folders (llm/gpt2/config.json -> gpt2/config.json).
    const dst = path.join(dir, ...rel.split('/').slice(1));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(src, dst);
    fs.chmodSync(dst, 0o644); // shared files are read-only; the copies must be editable
    copied.push(dst);
  }
  return copied;
}

/** Runs fn with cleanup on SIGINT/SIGTERM; returns its resolved value. */
export function onSignals(cleanup) {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => { await cleanup(); process.exit(130); });
  }
}
