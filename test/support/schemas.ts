import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

/**
 * The committed JSON Schemas (schemas/, written by `npm run schemas`) in one
 * validator, so tests check real `--json` documents against what the README
 * promises scripts.
 */
const schemaDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas');
let ajv: Ajv | undefined;

function validator(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true });
    for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.json'))) {
      ajv.addSchema(JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8')) as object);
    }
  }
  return ajv;
}

/** The schema a document printed by `mpegflow ARGS --json` must match: the command's, or error.json. */
export function schemaFor(args: string[], document: unknown): string | undefined {
  const isError = typeof document === 'object' && document !== null && Object.keys(document).join() === 'error';
  if (isError) return 'error.json';
  const firstFlag = args.findIndex((a) => a.startsWith('-'));
  const words = firstFlag === -1 ? args : args.slice(0, firstFlag);
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const id = `${words.slice(0, n).join('-')}.json`;
    if (validator().getSchema(id)) return id;
  }
  return undefined;
}

/** Throws, naming every mismatch, when `document` does not match the schema `id` (e.g. "job-list.json"). */
export function assertMatchesSchema(id: string, document: unknown): void {
  const validate = validator().getSchema(id);
  if (!validate) throw new Error(`no schema schemas/${id}: run npm run schemas`);
  if (!validate(document)) {
    const problems = validate.errors!.map((e) => `  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`the --json output does not match schemas/${id}:\n${problems.join('\n')}\n${JSON.stringify(document, null, 2)}`);
  }
}
