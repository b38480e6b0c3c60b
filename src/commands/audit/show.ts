import { BaseCommand } from '../../cli/base-command.ts';
import { idArg } from '../../cli/flags.ts';
import { userError } from '../../core/errors.ts';
import type { AuditEntry } from '../../core/audit/log.ts';
import { renderAuditEntry } from '../../ui/audit.ts';

export default class AuditShow extends BaseCommand<AuditEntry> {
  static override summary = 'Show one audit entry in full.';
  static override examples = ['<%= config.bin %> audit show 42'];
  static override args = { id: idArg('audit entry', 'audit list', 'entry id (from `audit list`)') };

  protected async execute(): Promise<AuditEntry> {
    const { args } = await this.parse(AuditShow);
    const { getAudit } = await import('../../core/audit/log.ts');
    const entry = await getAudit(await this.store(), args.id);
    if (!entry) throw userError(`there is no audit entry ${args.id}`, 'list entries with `mpegflow audit list`', 'AUDIT_NOT_FOUND');
    return entry;
  }

  protected override renderHuman(entry: AuditEntry): void {
    this.log(renderAuditEntry(entry));
  }
}
