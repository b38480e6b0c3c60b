import type * as z from 'zod';

/**
 * Turns zod's issues into lines a person can act on: "where: what is wrong
 * (got what)". Schemas carry the "what is wrong" as their error messages;
 * this adds the place and the offending value, so every file we read
 * (preset files, manifests, stored routes) reports mistakes the same way.
 */

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : typeof value === 'object'
          ? 'an object'
          : String(value);

/** ['renditions', 1, 'height'] → "renditions[1].height". */
function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function lines(issue: z.core.$ZodIssue): string[] {
  const where = issuePath(issue.path);
  const at = (key: string) => (where ? `${where}.${key}` : key);
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at(key)}: ${issue.message}`);
  if (issue.code === 'invalid_type' && issue.input === undefined) return [`${where}: missing`];
  if (issue.code === 'custom') return [`${where}: ${issue.message}`];
  // a discriminated union names the discriminator's path, but its input is the whole object
  const discriminator = (issue as { discriminator?: string }).discriminator;
  if (discriminator !== undefined)
    return [`${where}: ${issue.message} (got ${describe((issue.input as Record<string, unknown>)[discriminator])})`];
  return [`${where ? `${where}: ` : ''}${issue.message} (got ${describe(issue.input)})`];
}

/** Checks a value against a schema: the parsed value, or every problem once, in the order zod found them. */
export function checkSchema<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; problems: string[] } {
  const result = schema.safeParse(value, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: [...new Set(result.error.issues.flatMap(lines))] };
}
