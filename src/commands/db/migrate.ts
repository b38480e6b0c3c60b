import { BaseCommand } from '../../cli/base-command.ts';
import type { DbMigrateResult } from '../../core/store/status.ts';
import { renderMigrated } from '../../ui/pool.ts';

export default class DbMigrate extends BaseCommand<DbMigrateResult> {
  static override summary = "Bring the state's schema up to this mpegflow's version.";
  static override description = `A pool's shared PostgreSQL schema is created on first use but upgraded only by this command, run once per upgrade (then upgrade mpegflow on every host); hosts still on the old version refuse to write to a newer schema. Migrations run in one transaction under a lock: safe to run from two hosts at once. SQLite state files are migrated by any command.`;
  static override examples = ['MPEGFLOW_DATABASE_URL=postgres://mpegflow@db.site/mpegflow <%= config.bin %> db migrate'];
  static override audited = true;

  protected async execute(): Promise<DbMigrateResult> {
    await this.parse(DbMigrate);
    const db = await this.store({ migrate: 'never' });
    const { migrate } = await import('../../core/store/open.ts');
    const applied = await migrate(db);
    const { storeStatus } = await import('../../core/store/status.ts');
    return { applied, ...(await storeStatus(db)) };
  }

  protected override renderHuman(result: DbMigrateResult): void {
    this.log(renderMigrated(result));
  }
}
