import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { MpegflowError } from '../../core/errors.ts';
import type { DbMigrateResult } from '../../core/store/status.ts';
import { renderMigrated } from '../../ui/pool.ts';

export default class DbMigrate extends BaseCommand<DbMigrateResult> {
  static override summary = "Bring the state's schema up to this mpegflow's version.";
  static override description = `A pool's shared PostgreSQL schema is created on first use but upgraded only by this command, run once per upgrade, from a host with the new mpegflow. Each migration says whether older versions may keep using the schema: after additive ones, hosts still on the old version go on beside the new one (upgrade them one by one); after a breaking one they refuse the database, writing nothing. So this command refuses a breaking migration while workers of a version it would stop are alive (\`db status\` lists each host's version and whether it can run): stop or upgrade them first, or pass --force. Migrations run in one transaction under a lock: safe to run from two hosts at once. SQLite state files are migrated by any command.`;
  static override examples = ['MPEGFLOW_DATABASE_URL=postgres://mpegflow@db.site/mpegflow <%= config.bin %> db migrate'];
  static override audited = true;
  static override flags = {
    force: Flags.boolean({
      description: 'apply a breaking migration even while workers of an older version are alive (they stop at their next write)',
    }),
  };

  protected async execute(): Promise<DbMigrateResult> {
    const { flags } = await this.parse(DbMigrate);
    const db = await this.store({ migrate: 'never' });
    const { storeStatus, hostsStoppedByMigrating } = await import('../../core/store/status.ts');
    const stopped = hostsStoppedByMigrating(await storeStatus(db));
    if (stopped.length > 0 && !flags.force) {
      throw new MpegflowError(
        `a breaking migration would stop live workers: ${stopped.map((h) => `${h.host} (mpegflow ${h.version}, lacks ${h.lacks})`).join('; ')}`,
        {
          code: 'STATE_IN_USE',
          suggestion: 'upgrade or stop the workers on those hosts first, or run again with --force; nothing was changed',
        },
      );
    }
    const { migrate } = await import('../../core/store/open.ts');
    const applied = await migrate(db);
    return { applied, ...(await storeStatus(db)) };
  }

  protected override renderHuman(result: DbMigrateResult): void {
    this.log(renderMigrated(result));
  }
}
