import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { userError } from '../errors.ts';

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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw userError(
      `cannot read mc's configuration ${file}${missing ? ': no such file' : ''}`,
      "give the path of mc's config.json (mc keeps it in ~/.mc/ or $MC_CONFIG_DIR)",
      'MC_CONFIG_UNREADABLE',
    );
  }
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
