#!/usr/bin/env node
import './node-check.js';
import module from 'node:module';

// the reader went away (`| head`): stop quietly, as other command-line tools do, not with a stack or a hang
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
module.enableCompileCache?.();
const { execute } = await import('../dist/mpegflow.js');
await execute({ dir: import.meta.url });
