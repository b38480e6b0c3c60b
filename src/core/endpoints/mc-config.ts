import os from 'node:os';
import path from 'node:path';
import { userError } from '../errors.ts';
import { readUserFile } from '../user-file.ts';

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
