import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { usageError } from '../../core/errors.ts';
import type { ImportResult } from '../../core/store/import.ts';
import { renderStoreImport } from '../../ui/pool.ts';

export default class DbImport extends BaseCommand<ImportResult> {
  static override summary = "Move this host's SQLite state into the pool's PostgreSQL database.";
  static override description = `Copies, in one transaction: endpoints (their secret keys stay on this host, in its own 0600 file: the shared database never holds one), jobs with their attempts and logs (a job running here is queued again), the audit chain entry for entry (so \`mpegflow audit verify\` still passes on the pool), replication records, health samples, the license and the clock mark. Safe to run again: only what is new is added. The state file is left as it was.`;
  static override examples = [
    'MPEGFLOW_DATABASE_URL=postgres://mpegflow@db.site/mpegflow <%= config.bin %> db import',
    'MPEGFLOW_DATABASE_URL=postgres://mpegflow@db.site/mpegflow <%= config.bin %> db import --from /var/lib/mpegflow/state.db',
  ];
  static override audited = true;
  static override flags = {
    from: Flags.string({ description: "the SQLite state file to import (default: this host's, under MPEGFLOW_HOME)" }),
    'without-audit': Flags.boolean({ description: "leave this host's audit chain out (when the pool's log already holds another chain)" }),
  };

  protected async execute(): Promise<ImportResult> {
    const { flags } = await this.parse(DbImport);
    const { databaseUrl, openStore } = await import('../../core/store/open.ts');
    if (!databaseUrl())
      throw usageError(
        'MPEGFLOW_DATABASE_URL is not set: there is no pool database to import into',
        'set it to the postgres:// URL of the pool database',
      );
    const { stateFile } = await import('../../core/store/paths.ts');
    const { existsSync } = await import('node:fs');
    const file = flags.from ?? stateFile();
    if (!existsSync(file)) throw usageError(`there is no state file at ${file}`, 'give the SQLite state file to import with --from');
    const from = await openStore({ file });
    try {
      const { importSqliteState } = await import('../../core/store/import.ts');
      return await importSqliteState({
        from,
        to: await this.store(),
        audit: await this.auditContext(),
        withoutAudit: flags['without-audit'],
      });
    } finally {
      await from.close();
    }
  }

  protected override renderHuman(result: ImportResult): void {
    this.log(renderStoreImport(result));
  }
}
