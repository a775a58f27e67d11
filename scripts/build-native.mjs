#!/usr/bin/env node
/**
 * Builds the optional native BLAS/LAPACK addon (native/sntk_native.c → native/build/Release/sntk_native.node).
 *
 * Run by the `install` lifecycle of package.json (`node scripts/build-native.mjs`). It never fails
 * the install: when the CBLAS/LAPACKE headers are missing it prints one line and exits 0; when the
 * compile fails it prints one line naming the log file and exits 0. sntk then uses the pure
 * TypeScript backend.
 *
 * Environment:
 *   SNTK_SKIP_NATIVE=1        do not build (one line, exit 0)
 *   SNTK_BLAS_INCLUDE=dir     extra directory to look for cblas.h / lapacke.h in
 *   SNTK_BLAS_LIBS="-l..."    link flags (default "-llapacke -lopenblas")
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const logFile = join(nativeDir, 'build', 'build-native.log');
const FALLBACK = 'using the TypeScript backend';

function note(line) {
  process.stdout.write(`sntk: ${line}\n`);
}

function main() {
  if (process.env.SNTK_SKIP_NATIVE === '1') {
    note(`native BLAS backend skipped (SNTK_SKIP_NATIVE=1); ${FALLBACK}`);
    return;
  }
  if (!existsSync(join(nativeDir, 'binding.gyp'))) return; // not shipped (e.g. a trimmed package)

  // Where the headers may live: Debian multiarch, plain /usr/include, distro subfolders.
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  const candidates = [
    process.env.SNTK_BLAS_INCLUDE,
    '/usr/include',
    `/usr/include/${arch}-linux-gnu`,
    '/usr/include/openblas',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
  ].filter((d) => typeof d === 'string' && d.length > 0);
  const cblasDir = candidates.find((d) => existsSync(join(d, 'cblas.h')));
  const lapackeDir = candidates.find((d) => existsSync(join(d, 'lapacke.h')));
  if (!cblasDir || !lapackeDir) {
    note(`native BLAS backend skipped (libopenblas-dev/liblapacke-dev not installed); ${FALLBACK}`);
    return;
  }

  // node-gyp: the one npm runs lifecycle scripts with, else npm's bundled copy next to this node.
  const gypCandidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter((p) => typeof p === 'string' && p.length > 0);
  const gyp = gypCandidates.find((p) => existsSync(p));
  if (!gyp) {
    note(`native BLAS backend skipped (node-gyp not found); ${FALLBACK}`);
    return;
  }

  // binding.gyp reads SNTK_BLAS_INCLUDE_DIRS and SNTK_BLAS_LIBS from the environment.
  const env = { ...process.env, SNTK_BLAS_INCLUDE_DIRS: [...new Set([cblasDir, lapackeDir])].join(' ') };
  const args = [gyp, 'rebuild'];
  // Build against the headers of the running node when they are installed beside it (no download).
  const prefix = resolve(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }

  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: nativeDir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const log = `${process.execPath} ${args.join(' ')}\n\n${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ? String(r.error) : ''}\n`;
  const built = join(nativeDir, 'build', 'Release', 'sntk_native.node');
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, log);
  } catch {
    /* logging is best effort */
  }
  // A missing library only shows at load time (shared objects may have undefined symbols): try it.
  const loads =
    r.status === 0 &&
    existsSync(built) &&
    spawnSync(process.execPath, ['-e', `require(${JSON.stringify(built)}).config()`], { encoding: 'utf8' }).status === 0;
  if (!loads) {
    try {
      rmSync(built, { force: true }); // never leave a half-built addon behind
    } catch {
      /* ignore */
    }
    note(`native BLAS backend build failed (log: ${logFile}); ${FALLBACK}`);
    return;
  }
  note(`native BLAS backend built in ${seconds} s (native/build/Release/sntk_native.node)`);
}

try {
  main();
} catch (e) {
  note(`native BLAS backend build failed (${e instanceof Error ? e.message : String(e)}); ${FALLBACK}`);
}
process.exitCode = 0;
