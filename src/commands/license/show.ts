import { BaseCommand } from '../../cli/base-command.ts';
import { licenseView, type LicenseShowResult } from '../../core/license/view.ts';
import { renderLicenseShow } from '../../ui/license.ts';

export default class LicenseShow extends BaseCommand<LicenseShowResult> {
  static override summary = 'What is licensed, for whom, until when (never the token itself).';
  static override examples = ['<%= config.bin %> license show', '<%= config.bin %> license show --json'];

  protected async execute(): Promise<LicenseShowResult> {
    await this.parse(LicenseShow);
    const { loadEntitlements } = await import('../../core/license/entitlements.ts');
    const e = await loadEntitlements({ db: await this.store() });
    return {
      mode: e.mode,
      problem: e.problem,
      clockWarning: e.clockWarning,
      capabilities: e.capabilities,
      limits: e.limits,
      license: e.license ? licenseView(e.license, e.limits) : null,
    };
  }

  protected override renderHuman(result: LicenseShowResult): void {
    if (result.clockWarning) this.note(result.clockWarning);
    this.log(renderLicenseShow(result));
  }
}
