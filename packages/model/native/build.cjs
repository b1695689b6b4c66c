#!/usr/bin/env node
// Builds the optional native kernels (node-gyp, C++17) when the package is installed: `npm ci` runs
// it as @digitfuse/model's install script, `npx nx run model:build-native` runs it by hand.
// A machine without a C++ compiler or Node's headers still installs: the build failure is reported in
// a few lines and training uses the wasm kernels alone. DIGITFUSE_NATIVE=0 skips the build.
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS install script: it runs before any build tool */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const say = (line) => process.stdout.write(`digitfuse native kernels: ${line}\n`);

if (process.env.DIGITFUSE_NATIVE === '0') {
  say('skipped (DIGITFUSE_NATIVE=0); training will use the wasm kernels only');
  process.exit(0);
}

/** node-gyp: the one npm passes to install scripts, else the one bundled with npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((c) => fs.existsSync(c));
}

/** Node's headers without a download: npm's `nodedir` setting, else the ones installed beside node. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.dirname(path.dirname(process.execPath));
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined;
}

const gyp = findNodeGyp();
if (gyp == null) {
  say('not built: node-gyp was not found (it comes with npm); training will use the wasm kernels only');
  process.exit(0);
}
const nodedir = findNodeDir();
const args = [gyp, 'rebuild', '--release'];
if (nodedir != null) args.push(`--nodedir=${nodedir}`);
const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
const addon = path.join(here, 'build', 'Release', 'digitfuse_native.node');
if (result.status === 0 && fs.existsSync(addon)) {
  say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s (${path.relative(process.cwd(), addon) || addon})`);
  process.exit(0);
}
const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`
  .split('\n')
  .filter((l) => /error|not found|No such/i.test(l) && !/^npm warn/i.test(l))
  .slice(0, 6);
say(`not built (node-gyp exit ${result.status ?? result.error?.message}); training will use the wasm kernels only.`);
for (const line of output) say(`  ${line.trim()}`);
say('  (needs a C++17 compiler and Node headers; retry with: npx nx run model:build-native)');
process.exit(0);
