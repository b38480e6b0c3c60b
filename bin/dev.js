#!/usr/bin/env node
// Runs the commands straight from src/ (through tsx), ignoring dist/ and the committed manifest.
import './node-check.js';
import { readFileSync } from 'node:fs';
import { execute } from '@oclif/core';

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif.commands = './src/commands';
await execute({
  development: true,
  dir: import.meta.url,
  loadOptions: { root: new URL('..', import.meta.url).pathname, pjson, ignoreManifest: true },
});
