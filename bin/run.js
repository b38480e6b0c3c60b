#!/usr/bin/env node
import './node-check.js';
import module from 'node:module';

module.enableCompileCache?.();
const { execute } = await import('../dist/mpegflow.js');
await execute({ dir: import.meta.url });
