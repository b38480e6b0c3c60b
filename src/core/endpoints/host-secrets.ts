import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MpegflowError } from '../errors.ts';
import { stateHome } from '../store/paths.ts';

/**
 * Endpoint secrets of a pool host. The shared database never holds a secret:
 * each host keeps its own in this 0600 file beside its (host-local) state.
 */
export function hostSecretsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateHome(env), 'endpoint-secrets.json');
}

function readAll(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new MpegflowError(`cannot read this host's endpoint secrets (${file}): ${(error as Error).message}`, {
      code: 'HOST_SECRETS_UNREADABLE',
      suggestion: `check the permissions of ${file}`,
    });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string'));
  } catch {
    // reported below
  }
  throw new MpegflowError(`this host's endpoint secrets file ${file} is damaged`, {
    code: 'HOST_SECRETS_DAMAGED',
    suggestion: 'move it aside and give each endpoint its secret again with `mpegflow endpoint add NAME --replace … --secret-key-stdin`',
  });
}

export function hostSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return readAll(hostSecretsFile(env))[name];
}

export function hostSecretNames(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return new Set(Object.keys(readAll(hostSecretsFile(env))));
}

/** Writes (or with `undefined`, removes) one secret; the file is replaced atomically and stays 0600. */
export function setHostSecret(name: string, secret: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const file = hostSecretsFile(env);
  const all = readAll(file);
  if (secret === undefined) delete all[name];
  else all[name] = secret;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}
