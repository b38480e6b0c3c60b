import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { LicenseView } from '../../core/license/view.ts';
import { renderInstalled } from '../../ui/license.ts';
import { readLicenseInput, readTrustedKeys } from '../../cli/license-input.ts';

export default class LicenseInstall extends BaseCommand<LicenseView> {
  static override summary = 'Install a license (verified first; the current one stays until the new one is valid).';
  static override description =
    "Verification is offline: the signature against the public keys shipped with MpegFlow (or a private issuer's key given with --trusted-key, which is then recorded and audited), the audience, and the dates against this host's clock and the newest time MpegFlow has seen.";
  static override examples = [
    '<%= config.bin %> license install studio-nord.license',
    'cat studio-nord.license | <%= config.bin %> license install -',
    '<%= config.bin %> license install site.license --trusted-key /etc/mpegflow/issuer.jwks.json',
  ];
  static override audited = true;
  static override args = { file: Args.string({ description: 'license file, or - for standard input', required: true }) };
  static override flags = {
    'trusted-key': Flags.string({ description: 'also trust this public key (JWK/JWKS file) of a private issuer', multiple: true }),
  };

  protected async execute(): Promise<LicenseView> {
    const { args, flags } = await this.parse(LicenseInstall);
    const token = await readLicenseInput(args.file);
    const trust = readTrustedKeys(flags['trusted-key']);
    const { installLicense } = await import('../../core/license/store.ts');
    const { COMMUNITY } = await import('../../core/license/model.ts');
    const { licenseView } = await import('../../core/license/view.ts');
    const { license, clock } = await installLicense({ db: await this.store(), audit: await this.auditContext(), token, trust });
    if (clock.rolledBack) {
      const { describeRollback } = await import('../../core/license/clock.ts');
      this.note(describeRollback(clock));
    }
    return licenseView(license, { ...COMMUNITY.limits, ...license.claims.limits });
  }

  protected override renderHuman(view: LicenseView): void {
    this.log(renderInstalled(view));
  }
}
