import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../support/cli.ts';

const rules = path.join(repoRoot, 'packaging', 'prometheus', 'mpegflow-alerts.yml');
const dashboard = path.join(repoRoot, 'packaging', 'grafana', 'mpegflow-dashboard.json');
const havePromtool = spawnSync('promtool', ['--version']).status === 0;

/** The metric names MpegFlow writes: every gauge of the textfile renderers in src/. */
function writtenMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(path.join(repoRoot, 'src'), { recursive: true }).map(String)) {
    if (!file.endsWith('textfile.ts')) continue;
    for (const match of readFileSync(path.join(repoRoot, 'src', file), 'utf8').matchAll(/gauge\(\s*'(mpegflow_\w+)'/g))
      names.add(match[1]!);
  }
  return names;
}

const namesIn = (text: string) => new Set([...text.matchAll(/\bmpegflow_[a-z_]+\b/g)].map((m) => m[0]));

describe('what an SRE watches: alert rules and the Grafana dashboard', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpegflow-monitoring-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('the rules and the dashboard name only metrics MpegFlow writes, and the renderers write every one they use', () => {
    const written = writtenMetrics();
    assert.ok(written.has('mpegflow_jobs') && written.has('mpegflow_license_days_left') && written.has('mpegflow_health_status'));
    const board = JSON.parse(readFileSync(dashboard, 'utf8')) as { uid: string; panels: { id: number; targets: { expr: string }[] }[] };
    const exprs = board.panels.flatMap((p) => p.targets.map((t) => t.expr));
    for (const [what, used] of [
      ['alert rules', namesIn(readFileSync(rules, 'utf8'))],
      ['dashboard', namesIn(exprs.join('\n'))],
    ] as const) {
      assert.ok(used.size > 5, what);
      for (const name of used) assert.ok(written.has(name), `${what}: ${name} is not a metric MpegFlow writes`);
    }
    assert.equal(new Set(board.panels.map((p) => p.id)).size, board.panels.length, 'panel ids are unique');
  });

  it('promtool accepts the rules', { skip: !havePromtool && 'promtool (Debian: prometheus) is not installed' }, () => {
    const check = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: 9 rules found/);
  });

  it(
    'workers gone fires when jobs wait and no worker beats, and not while one does',
    { skip: !havePromtool && 'promtool (Debian: prometheus) is not installed' },
    () => {
      const annotations = {
        summary: 'Jobs are queued and no MpegFlow worker is alive',
        description: '3 jobs wait and no worker has beaten recently (`mpegflow worker list`).',
      };
      const test = (workerUp: string, expected: object[]) => ({
        interval: '1m',
        input_series: [
          { series: 'mpegflow_jobs{state="queued"}', values: '3x20' },
          { series: 'mpegflow_worker_up{worker="w1",host="enc1"}', values: workerUp },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'MpegflowWorkersGone', exp_alerts: expected }],
      });
      const file = path.join(tmp, 'workers-gone.test.yml');
      // JSON is YAML
      writeFileSync(
        file,
        JSON.stringify({
          rule_files: [rules],
          evaluation_interval: '1m',
          tests: [test('0x20', [{ exp_labels: { severity: 'critical' }, exp_annotations: annotations }]), test('1x20', [])],
        }),
      );
      const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
    },
  );
});
