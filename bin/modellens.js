#!/usr/bin/env node
'use strict';
// The CLI ships bundled (dist/cli.js, built by `npm run build`, which `npm ci` runs through `prepare`).
// In a checkout without a build, run the TypeScript sources through tsx (a dev dependency).
const path = require('node:path');
const fs = require('node:fs');
const bundled = path.join(__dirname, '..', 'dist', 'cli.js');
if (fs.existsSync(bundled) && !process.env.MODELLENS_FROM_SOURCE) {
  require(bundled);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'cli', 'index.ts'));
}
