// Imported first by bin/run.js and bin/dev.js: on a Node.js older than 22 the
// native SQLite addon (built for the provisioned Node 24) crashes the process
// with a segmentation fault, so say which Node is needed before anything loads.
// Plain, old JavaScript on purpose: it must run on any Node.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= REQUIRED_MAJOR)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const envScript = path.join(root, 'scripts', 'env.sh');
  const how = existsSync(envScript)
    ? `source ${envScript} (it puts the Node.js 24 that scripts/setup.sh installs first on PATH), or install Node.js ${REQUIRED_MAJOR} or newer`
    : `install Node.js ${REQUIRED_MAJOR} or newer (https://nodejs.org) and run mpegflow with it`;
  process.stderr.write(
    `Error: mpegflow needs Node.js ${REQUIRED_MAJOR} or newer; this is Node.js ${process.version} (${process.execPath})\n  Try: ${how}\n`,
  );
  process.exit(1);
}
