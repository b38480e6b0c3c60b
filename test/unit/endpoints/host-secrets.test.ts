import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { hostSecret, hostSecretNames, hostSecretsFile, setHostSecret } from '../../../src/core/endpoints/host-secrets.ts';
import { tempHome } from '../../support/cli.ts';

const { home, cleanup } = tempHome('mpegflow-secrets-');
after(cleanup);

describe("a pool host's endpoint secrets", () => {
  it('live in a 0600 file beside the host-local state, replaced whole on each change', () => {
    const env = { MPEGFLOW_HOME: path.join(home, 'state') };
    assert.equal(hostSecret('central', env), undefined, 'no file yet: no secrets');
    const file = setHostSecret('central', 'secret-key-1', env);
    assert.equal(file, hostSecretsFile(env));
    assert.equal(file, path.join(home, 'state', 'endpoint-secrets.json'));
    setHostSecret('edge1', 'secret-key-2', env);
    assert.equal(hostSecret('central', env), 'secret-key-1');
    assert.deepEqual([...hostSecretNames(env)].sort(), ['central', 'edge1']);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    setHostSecret('central', undefined, env);
    assert.deepEqual([...hostSecretNames(env)], ['edge1']);
    assert.deepEqual(readdirSync(path.dirname(file)), ['endpoint-secrets.json'], 'no temporary file left');
  });

  it('a damaged file is refused with what to do, not read as empty', () => {
    const env = { MPEGFLOW_HOME: path.join(home, 'damaged') };
    setHostSecret('central', 'secret-key-1', env);
    writeFileSync(hostSecretsFile(env), '[1, 2');
    assert.throws(() => hostSecret('central', env), { code: 'HOST_SECRETS_DAMAGED' });
    assert.throws(() => setHostSecret('edge1', 'x'.repeat(8), env), { code: 'HOST_SECRETS_DAMAGED' });
  });
});
