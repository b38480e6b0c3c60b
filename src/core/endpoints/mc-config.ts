import os from 'node:os';
import path from 'node:path';
import { usageError, userError } from '../errors.ts';
import { readUserFile } from '../user-file.ts';
import type { EndpointInput } from './repository.ts';
import { normalizeUrl, validateAccessKey, validateName, validateRole, validateSecretKey } from './validate.ts';

/** mc's config.json holds a few aliases; even hundreds are far below this. */
const MC_CONFIG_MAX_BYTES = 4 * 1024 * 1024;

export interface McAlias {
  alias: string;
  url: string;
  accessKey: string;
  secretKey: string;
}

/** mc keeps its aliases in $MC_CONFIG_DIR/config.json, default ~/.mc/config.json. */
export function defaultMcConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.MC_CONFIG_DIR ?? path.join(os.homedir(), '.mc'), 'config.json');
}

export function readMcAliases(file: string): McAlias[] {
  const text = readUserFile(file, {
    what: "mc's configuration",
    maxBytes: MC_CONFIG_MAX_BYTES,
    suggestion: "give the path of mc's config.json (mc keeps it in ~/.mc/ or $MC_CONFIG_DIR)",
    code: 'MC_CONFIG_UNREADABLE',
  }).toString('utf8');
  let config: {
    aliases?: Record<string, { url?: string; accessKey?: string; secretKey?: string }>;
    hosts?: Record<string, { url?: string; accessKey?: string; secretKey?: string }>;
  };
  try {
    config = JSON.parse(text) as typeof config;
  } catch {
    throw userError(`${file} is not valid JSON`, 'check the file with `mc alias list`', 'MC_CONFIG_INVALID');
  }
  const aliases = config.aliases ?? config.hosts;
  if (!aliases || typeof aliases !== 'object')
    throw userError(`${file} has no aliases`, 'add one with `mc alias set` first', 'MC_CONFIG_INVALID');
  return Object.entries(aliases).map(([alias, a]) => ({
    alias,
    url: a.url ?? '',
    accessKey: a.accessKey ?? '',
    secretKey: a.secretKey ?? '',
  }));
}

/** mc's own default aliases carry placeholder keys or point at public hosts: not something to import. */
export function importSkipReason(alias: McAlias): string | undefined {
  if (!alias.accessKey || !alias.secretKey) return 'no credentials';
  if (/YOUR-(ACCESS|SECRET)-KEY/i.test(alias.accessKey + alias.secretKey)) return 'placeholder credentials';
  if (/^https?:\/\/play\.min\.io(:\d+)?\/?$/.test(alias.url)) return 'public demo server';
  return undefined;
}

/** The endpoints an `endpoint import --from-mc` would add, and each alias it leaves out with why. */
export interface McImportPlan {
  endpoints: EndpointInput[];
  skipped: { name: string; reason: string }[];
}

/**
 * Turns mc's aliases (all of them, or those named in `only`) into endpoints
 * with their stored secret keys; a placeholder or public demo alias, or one
 * whose fields do not pass the checks `endpoint add` makes, is skipped with
 * the reason. Naming an alias the file does not have is a usage error.
 */
export function planMcImport(aliases: McAlias[], { file, only, role }: { file: string; only?: string[]; role?: string }): McImportPlan {
  const chosen = aliases.filter((a) => !only || only.includes(a.alias));
  const missing = (only ?? []).filter((name) => !chosen.some((a) => a.alias === name));
  if (missing.length > 0)
    throw usageError(`${file} has no alias ${missing.map((m) => `'${m}'`).join(', ')}`, "list mc's aliases with `mc alias list`");
  const endpoints: EndpointInput[] = [];
  const skipped: McImportPlan['skipped'] = [];
  for (const alias of chosen) {
    const reason = importSkipReason(alias);
    if (reason) {
      skipped.push({ name: alias.alias, reason });
      continue;
    }
    try {
      endpoints.push({
        name: validateName(alias.alias),
        url: normalizeUrl(alias.url),
        accessKey: validateAccessKey(alias.accessKey),
        secret: { kind: 'stored', value: validateSecretKey(alias.secretKey) },
        region: 'us-east-1',
        caCertPath: null,
        role: validateRole(role),
        labels: { 'imported-from': 'mc' },
      });
    } catch (error) {
      skipped.push({ name: alias.alias, reason: (error as Error).message });
    }
  }
  return { endpoints, skipped };
}
