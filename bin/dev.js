#!/usr/bin/env node
// Runs the commands from src/ (Node strips the types) instead of dist/.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
