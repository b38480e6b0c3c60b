#!/usr/bin/env node
import module from 'node:module';

module.enableCompileCache?.();
const { execute } = await import('../dist/mpegflow.js');
await execute({ dir: import.meta.url });
