import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { userError } from '../../core/errors.ts';
import type { TrustedTime } from '../../core/license/clock.ts';
import { STATUS_EXIT_CODE } from '../../core/health/quorum.ts';
import type { LicenseVerifyResult } from '../../core/license/view.ts';
import { describeState, renderLicenseVerify } from '../../ui/license.ts';
import { readLicenseInput, readTrustedKeys } from '../../cli/license-input.ts';

export default class LicenseVerify extends BaseCommand<LicenseVerifyResult> {
  static override summary = 'Check a license file or the installed license, with monitoring exit codes.';
  static override description = `Exit codes: 0 valid; 1 valid but expiring within 30 days, or expired and in its grace period, or the system clock is behind a time MpegFlow has already seen; 2 invalid or expired; 3 cannot tell (no license installed, unreadable file).

Turning the clock back does not revive an expired license: expiry is judged against the newest time MpegFlow has seen.`;
  static override examples = [
    '<%= config.bin %> license verify',
    '<%= config.bin %> license verify new.license --json',
    '<%= config.bin %> license verify --textfile /var/lib/mpegflow-metrics/license.prom',
  ];
  static override monitoring = 'LICENSE';
  static override args = {
    file: Args.string({ description: 'license file to check (default: the installed license), or - for standard input' }),
  };
  static override flags = {
    'trusted-key': Flags.string({ description: 'also trust this public key (JWK/JWKS file) for this check', multiple: true }),
    textfile: Flags.string({
      description: 'also write the verdict and the days left to this node_exporter textfile-collector file (atomically)',
    }),
  };

  protected async execute(): Promise<LicenseVerifyResult> {
    const { args, flags } = await this.parse(LicenseVerify);
    const result = await this.verify(args.file, flags['trusted-key']);
    if (flags.textfile) {
      const [{ renderLicenseTextfile }, { writeTextfileAtomically }] = await Promise.all([
        import('../../core/license/textfile.ts'),
        import('../../core/textfile.ts'),
      ]);
      writeTextfileAtomically(flags.textfile, renderLicenseTextfile(result));
    }
    return result;
  }

  private async verify(file: string | undefined, trustedKeys: string[] | undefined): Promise<LicenseVerifyResult> {
    const db = await this.store();
    const { checkToken, installedToken } = await import('../../core/license/store.ts');
    const { describeRollback, trustedTime } = await import('../../core/license/clock.ts');
    const { COMMUNITY, isInvalidLicense } = await import('../../core/license/model.ts');
    const { licenseView } = await import('../../core/license/view.ts');
    const trust = readTrustedKeys(trustedKeys);
    const installed = file ? undefined : await installedToken(db);
    if (!file && !installed)
      throw userError(
        'no license is installed (MpegFlow runs in community mode)',
        'install one with `mpegflow license install FILE`, or check a file with `mpegflow license verify FILE`',
        'NO_LICENSE',
      );
    const source = file ?? 'installed license';
    const clockOf = (clock: TrustedTime) => ({
      rolledBack: clock.rolledBack,
      systemTime: clock.systemNow.toISOString(),
      newestTimeSeen: clock.highWater.toISOString(),
    });
    try {
      const token = installed ? installed.token : await readLicenseInput(file!);
      const { license, clock } = await checkToken({ db }, token, trust);
      const view = licenseView(license, { ...COMMUNITY.limits, ...license.claims.limits });
      return {
        status: license.state !== 'valid' || clock.rolledBack ? 'WARNING' : 'OK',
        source,
        summary: `${view.customer}: ${describeState(view)}${clock.rolledBack ? `; ${describeRollback(clock)}` : ''}`,
        license: view,
        error: null,
        clock: clockOf(clock),
      };
    } catch (error) {
      if (!isInvalidLicense(error)) throw error;
      const clock = await trustedTime(db, new Date());
      return {
        status: 'CRITICAL',
        source,
        summary: `${error.message}${clock.rolledBack ? `; ${describeRollback(clock)}` : ''}`,
        license: null,
        error: { code: error.code, message: error.message, ...(error.suggestion ? { suggestion: error.suggestion } : {}) },
        clock: clockOf(clock),
      };
    }
  }

  protected override exitCodeFor(result: LicenseVerifyResult): number {
    return STATUS_EXIT_CODE[result.status];
  }

  protected override renderHuman(result: LicenseVerifyResult): void {
    this.log(renderLicenseVerify(result));
  }
}
