import { BaseCommand } from '../../cli/base-command.ts';
import type { Entitlements } from '../../core/license/entitlements.ts';
import { describeState, licenseView, renderLicense, renewalAdvice, type LicenseView } from '../../ui/license.ts';
import { renderFields } from '../../ui/table.ts';

export interface LicenseShowResult {
  mode: Entitlements['mode'];
  problem: string | null;
  /** The system clock is behind a time MpegFlow has already seen. */
  clockWarning: string | null;
  capabilities: string[];
  limits: Entitlements['limits'];
  license: LicenseView | null;
}

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
    if (result.license) {
      this.log(`Licensed to ${result.license.customer}: ${describeState(result.license)}.`);
      this.log(renderLicense(result.license));
      const advice = renewalAdvice(result.license);
      if (advice) this.log(advice);
      return;
    }
    this.log(`Community mode${result.problem ? `: ${result.problem}` : ' (no license installed)'}.`);
    this.log(
      renderFields([
        ['Capabilities', result.capabilities.join(', ')],
        ['Concurrent encodes', result.limits.concurrentEncodes],
        ['Endpoints', result.limits.endpoints],
        ['Max resolution', `${result.limits.maxResolution}p`],
      ]),
    );
    this.log('Install a license with `mpegflow license install FILE`.');
  }
}
