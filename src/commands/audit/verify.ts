import { BaseCommand } from '../../cli/base-command.ts';
import type { AuditVerification } from '../../core/audit/log.ts';
import { renderAuditVerification } from '../../ui/audit.ts';

export default class AuditVerify extends BaseCommand<AuditVerification> {
  static override summary = 'Check that the audit log has not been edited, reordered or cut.';
  static override description =
    'Walks the hash chain from the first entry to the last. Exits 0 when it holds; otherwise exits 1 and names the first entry where it breaks.';
  static override examples = ['<%= config.bin %> audit verify', '<%= config.bin %> audit verify --json'];

  protected async execute(): Promise<AuditVerification> {
    await this.parse(AuditVerify);
    const { verifyAudit } = await import('../../core/audit/log.ts');
    return await verifyAudit(await this.store());
  }

  protected override exitCodeFor(result: AuditVerification): number {
    return result.ok ? 0 : 1;
  }

  protected override renderHuman(result: AuditVerification): void {
    this.log(renderAuditVerification(result));
  }
}
