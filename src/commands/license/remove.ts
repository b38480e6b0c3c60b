import { BaseCommand } from '../../cli/base-command.ts';
import { renderLicenseRemoved } from '../../ui/license.ts';

export default class LicenseRemove extends BaseCommand<{ removed: boolean }> {
  static override summary = 'Remove the installed license (MpegFlow returns to community mode).';
  static override examples = ['<%= config.bin %> license remove'];
  static override audited = true;

  protected async execute(): Promise<{ removed: boolean }> {
    await this.parse(LicenseRemove);
    const { removeLicense } = await import('../../core/license/store.ts');
    return await removeLicense({ db: await this.store(), audit: await this.auditContext() });
  }

  protected override renderHuman(): void {
    this.log(renderLicenseRemoved());
  }
}
