// Preloaded into a measured command (NODE_OPTIONS=--import, which refuses --trace-gc itself):
// V8 then prints a line per collection on stdout, from which the bench reads the heap left
// after each full collection. JavaScript, not TypeScript: a .ts preload loads Node's type
// stripper into the measured process, about 15 MB of its peak.
import v8 from 'node:v8';

v8.setFlagsFromString('--trace-gc');
