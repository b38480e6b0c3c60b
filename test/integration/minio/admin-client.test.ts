import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MinioAdminClient } from '../../../src/core/minio-admin/client.ts';
import { parsePrometheusText } from '../../../src/core/minio-admin/prometheus.ts';
import { snapshotFromInfo } from '../../../src/core/health/collect.ts';
import { mcFor, startErasureSet, type Deployment } from '../../support/minio.ts';
import type { ResolvedEndpoint } from '../../../src/core/endpoints/model.ts';

describe('MinIO admin client against a real 4-drive erasure set', () => {
  let d: Deployment;
  let endpoint: ResolvedEndpoint;
  before(async () => {
    d = await startErasureSet({ drives: 4, parity: 2 });
    endpoint = { name: 'set4', url: d.url, accessKey: d.accessKey, secretKey: d.secretKey, region: 'us-east-1', caCert: null };
  });
  after(() => d?.stop());

  it('reads server info with the same drive counts as mc', async () => {
    const info = await new MinioAdminClient(endpoint).serverInfo();
    const mc = JSON.parse(mcFor(d)(['admin', 'info', 't', '--json'])) as {
      info: { backend: { onlineDisks: number; standardSCParity: number } };
    };
    const snapshot = snapshotFromInfo(info);
    assert.equal(snapshot.drives.length, 4);
    assert.equal(snapshot.drives.filter((x) => x.state === 'ok').length, mc.info.backend.onlineDisks);
    assert.equal(snapshot.standardParity, mc.info.backend.standardSCParity);
    assert.deepEqual(snapshot.drivesPerSet, [4]);
  });

  it('reads the quorum probes and healing status', async () => {
    const client = new MinioAdminClient(endpoint);
    const write = await client.clusterHealth('write');
    assert.equal(write.healthy, true);
    assert.equal(write.writeQuorum, 3);
    assert.equal((await client.clusterHealth('read')).healthy, true);
    assert.equal(await client.ready(), true);
    const heal = await client.backgroundHealStatus();
    assert.ok(typeof heal === 'object' && heal !== null);
  });

  it('reads cluster metrics with a minted Prometheus JWT, and is refused with a wrong secret', async () => {
    const samples = await new MinioAdminClient(endpoint).metrics();
    assert.ok(
      samples.some((s) => s.name.startsWith('minio_cluster_')),
      samples
        .slice(0, 3)
        .map((s) => s.name)
        .join(),
    );
    await assert.rejects(new MinioAdminClient({ ...endpoint, secretKey: 'wrong-secret-key-value' }).metrics(), /refused|may not|could not/);
  });

  it('parses the exposition format', () => {
    const parsed = parsePrometheusText('# HELP x y\nminio_cluster_drive_online_total{server="a",x="q\\"uote"} 4\nplain 1.5 1700000000\n');
    assert.deepEqual(parsed, [
      { name: 'minio_cluster_drive_online_total', labels: { server: 'a', x: 'q"uote' }, value: 4 },
      { name: 'plain', labels: {}, value: 1.5 },
    ]);
  });
});
