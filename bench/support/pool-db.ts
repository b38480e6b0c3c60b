import pg from 'pg';

/** Figures of a pool run, read from its PostgreSQL database. */

export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

export async function counts(url: string): Promise<{ done: number; doneAttempts: number; states: Record<string, number> }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const states = Object.fromEntries(
      (await db.query<{ state: string; n: string }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')).rows.map((r) => [
        r.state,
        Number(r.n),
      ]),
    );
    const doneAttempts = Number(
      (await db.query<{ n: string }>("SELECT COUNT(*) AS n FROM job_attempts WHERE outcome = 'done'")).rows[0]!.n,
    );
    return { done: states.done ?? 0, doneAttempts, states };
  } finally {
    await db.end();
  }
}

export const median = (values: number[]) => percentile(values, 50);

/**
 * What each step of a job costs, from the database of a pool run: the stages' "started"/"done" log lines,
 * and around them the attempt's start (the claim) and finish (the publish), medians over the jobs (ms).
 */
export async function jobSteps(url: string): Promise<[step: string, ms: number][]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const attempts = (
      await db.query<{ job_id: string; started_at: string; finished_at: string }>(
        "SELECT job_id, started_at, finished_at FROM job_attempts WHERE outcome = 'done'",
      )
    ).rows;
    const logs = (await db.query<{ job_id: string; ts: string; line: string }>('SELECT job_id, ts, line FROM job_logs ORDER BY id')).rows;
    const steps = new Map<string, number[]>();
    const add = (step: string, ms: number) => steps.set(step, [...(steps.get(step) ?? []), ms]);
    for (const attempt of attempts) {
      const at = new Map<string, number>();
      for (const log of logs.filter((l) => l.job_id === attempt.job_id)) {
        const stage = /^(\w+): (started|done)/.exec(log.line);
        if (stage) at.set(`${stage[1]} ${stage[2]}`, Date.parse(log.ts));
      }
      const [claimed, finished] = [Date.parse(attempt.started_at), Date.parse(attempt.finished_at)];
      add('claim to probe', at.get('probe started')! - claimed);
      for (const stage of ['probe', 'encode', 'quality', 'upload', 'manifest'])
        add(stage, at.get(`${stage} done`)! - at.get(`${stage} started`)!);
      add('plan (between probe and encode)', at.get('encode started')! - at.get('probe done')!);
      add('publish (promotion, transaction)', finished - at.get('manifest done')!);
      add('whole attempt', finished - claimed);
    }
    return [...steps].map(([step, values]) => [step, median(values)]);
  } finally {
    await db.end();
  }
}
