import { BaseCommand } from '../../cli/base-command.ts';
import type { StoreStatus } from '../../core/store/status.ts';
import { renderStoreStatus } from '../../ui/pool.ts';

export default class DbStatus extends BaseCommand<StoreStatus> {
  static override summary = 'Show where the state lives: backend, schema version, hosts seen, queue counts.';
  static override description = `SQLite (this host's state file) unless MPEGFLOW_DATABASE_URL names the PostgreSQL database an encoder pool shares. Exits 1 when the schema needs \`mpegflow db migrate\` or is newer than this mpegflow. Changes nothing.`;
  static override examples = [
    '<%= config.bin %> db status',
    'MPEGFLOW_DATABASE_URL=postgres://mpegflow@db.site/mpegflow <%= config.bin %> db status --json',
  ];

  protected async execute(): Promise<StoreStatus> {
    await this.parse(DbStatus);
    const { storeStatus } = await import('../../core/store/status.ts');
    return storeStatus(await this.store({ migrate: 'never' }));
  }

  protected override exitCodeFor(status: StoreStatus): number {
    return status.upToDate ? 0 : 1;
  }

  protected override renderHuman(status: StoreStatus): void {
    this.log(renderStoreStatus(status));
  }
}
