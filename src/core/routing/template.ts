import { userError } from '../errors.ts';
import { keyProblem } from '../encode/outputs/locations.ts';

export const PLACEHOLDERS = ['customer', 'class', 'stem', 'date', 'preset'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string | null>;

/** A destination template split into its literal endpoint and bucket and its (templated) prefix. */
export interface ParsedTemplate {
  alias: string;
  bucket: string;
  prefix: string;
  placeholders: Placeholder[];
}

const TOKEN = /\{([^{}]*)\}/g;
/** Values put into a key: one plain path segment each. */
const SAFE_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function badTemplate(template: string, why: string, suggestion?: string): Error {
  return userError(
    `refusing the destination template '${template}': ${why}`,
    suggestion ?? `write ALIAS/BUCKET/PREFIX/ with placeholders only in the prefix: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
    'TEMPLATE_INVALID',
  );
}

/** Checks a template once, when a rule is added: endpoint and bucket literal, known placeholders, no path tricks. */
export function parseTemplate(template: string): ParsedTemplate {
  const text = template.trim();
  if (text.startsWith('/') || text.startsWith('.'))
    throw badTemplate(template, 'routes write to endpoints, not local folders', 'write ALIAS/BUCKET/PREFIX/');
  const [alias = '', bucket = '', ...rest] = text.split('/');
  const prefix = rest.join('/').replace(/\/+$/, '');
  if (!alias || !bucket || !prefix)
    throw badTemplate(template, 'it needs an endpoint, a bucket and a folder', 'e.g. archive/masters/{customer}/{stem}/');
  if (/[{}]/.test(alias) || /[{}]/.test(bucket))
    throw badTemplate(
      template,
      'placeholders may only appear after the bucket (the endpoint and bucket are checked when the rule is added)',
    );
  const placeholders: Placeholder[] = [];
  for (const [, name] of prefix.matchAll(TOKEN)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name!)) throw badTemplate(template, `{${name}} is not a placeholder`);
    placeholders.push(name as Placeholder);
  }
  if (/[{}]/.test(prefix.replace(TOKEN, 'x'))) throw badTemplate(template, 'it has an unbalanced { or }');
  const problem = keyProblem(prefix.replace(TOKEN, 'x'));
  if (problem) throw badTemplate(template, problem, 'use folder names without "." or ".." segments or empty segments ("//")');
  return { alias, bucket, prefix, placeholders: [...new Set(placeholders)] };
}

/** A value for a placeholder must be one plain path segment: it can never climb out of the template's folder. */
export function checkValue(name: string, value: string): string {
  if (!SAFE_VALUE.test(value) || value.length > 128 || value === '..' || value.includes('..')) {
    throw userError(
      `refusing the ${name} '${value}': it must be one plain name (letters, digits, . _ -, not starting with . or -, no "..")`,
      `fix the ${name} on the command line, or in the source object's metadata or tags`,
      'ROUTE_VALUE_INVALID',
    );
  }
  return value;
}

/** The exact destination for one source and preset; every placeholder used must have a value. */
export function expandTemplate(template: string, values: TemplateValues): string {
  const parsed = parseTemplate(template);
  const prefix = parsed.prefix.replace(TOKEN, (_all, name: Placeholder) => {
    const value = values[name];
    if (value === null || value === '') {
      throw userError(
        `the destination template '${template}' needs {${name}}, and this source has none`,
        name === 'customer' || name === 'class'
          ? `give it with --${name}, or set the source object's metadata x-amz-meta-mpegflow-${name} or its tag mpegflow-${name}`
          : undefined,
        'ROUTE_VALUE_MISSING',
      );
    }
    return checkValue(name, value);
  });
  return `${parsed.alias}/${parsed.bucket}/${prefix}/`;
}

/** `clip.mov` → `clip`; the stem of a key's last segment. */
export function stemOf(keyOrPath: string): string {
  const base = keyOrPath.slice(keyOrPath.replace(/\\/g, '/').lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** {date}: the UTC day of the submission, YYYY-MM-DD. */
export function dateValue(now: Date): string {
  return now.toISOString().slice(0, 10);
}
