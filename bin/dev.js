#!/usr/bin/env node
// Runs the commands straight from src/ (through tsx), ignoring dist/ and the committed manifest.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url, loadOptions: { root: import.meta.dirname, ignoreManifest: true } });
