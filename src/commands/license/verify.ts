import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { isMpegflowError, userError } from '../../core/errors.ts';
import type { HealthStatus } from '../../core/health/quorum.ts';
import { describeState, renderLicense, type LicenseView } from '../../ui/license.ts';
import { readLicenseInput, readTrustedKeys } from '../../cli/license-input.ts';

export interface LicenseVerifyResult {
  status: HealthStatus;
  source: string;
  summary: string;
  license: LicenseView | null;
  error: { code: string; message: string; suggestion?: string } | null;
  clock: { rolledBack: boolean; systemTime: string; newestTimeSeen: string };
}

const EXIT: Record<HealthStatus, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export default class LicenseVerify extends BaseCommand<LicenseVerifyResult> {
  static override summary = 'Check a license file or the installed license, with monitoring exit codes.';
  static override description = `Exit codes: 0 valid; 1 valid but expiring within 30 days, or expired and in its grace period, or the system clock is behind a time MpegFlow has already seen; 2 invalid or expired; 3 cannot tell (no license installed, unreadable file).

Turning the clock back does not revive an expired license: expiry is judged against the newest time MpegFlow has seen.`;
  static override examples = ['<%= config.bin %> license verify', '<%= config.bin %> license verify new.license --json'];
  static override monitoring = true;
  static override args = {
    file: Args.string({ description: 'license file to check (default: the installed license), or - for standard input' }),
  };
  static override flags = {
    'trusted-key': Flags.string({ description: 'also trust this public key (JWK/JWKS file) for this check', multiple: true }),
  };

  protected async execute(): Promise<LicenseVerifyResult> {
    const { args, flags } = await this.parse(LicenseVerify);
    const db = await this.store();
    const { checkToken, installedToken } = await import('../../core/license/store.ts');
    const { trustedTime } = await import('../../core/license/clock.ts');
    const { COMMUNITY } = await import('../../core/license/model.ts');
    const { licenseView } = await import('../../ui/license.ts');
    let token: string;
    if (args.file) token = await readLicenseInput(args.file);
    else {
      const installed = installedToken(db);
      if (!installed)
        throw userError(
          'no license is installed (MpegFlow runs in community mode)',
          'install one with `mpegflow license install FILE`, or check a file with `mpegflow license verify FILE`',
          'NO_LICENSE',
        );
      token = installed.token;
    }
    const source = args.file ?? 'installed license';
    try {
      const { license, clock } = await checkToken({ db }, token, readTrustedKeys(flags['trusted-key']));
      const view = licenseView(license, { ...COMMUNITY.limits, ...license.claims.limits });
      const status: HealthStatus = license.state !== 'valid' || clock.rolledBack ? 'WARNING' : 'OK';
      const clockNote = clock.rolledBack
        ? `; the system clock (${clock.systemNow.toISOString()}) is behind a time already seen (${clock.highWater.toISOString()})`
        : '';
      return {
        status,
        source,
        summary: `${view.customer}: ${describeState(view)}${clockNote}`,
        license: view,
        error: null,
        clock: { rolledBack: clock.rolledBack, systemTime: clock.systemNow.toISOString(), newestTimeSeen: clock.highWater.toISOString() },
      };
    } catch (error) {
      if (!isMpegflowError(error) || error.exitCode !== 2) throw error;
      const clock = trustedTime(db, new Date());
      return {
        status: 'CRITICAL',
        source,
        summary: error.message,
        license: null,
        error: { code: error.code, message: error.message, ...(error.suggestion ? { suggestion: error.suggestion } : {}) },
        clock: { rolledBack: clock.rolledBack, systemTime: clock.systemNow.toISOString(), newestTimeSeen: clock.highWater.toISOString() },
      };
    }
  }

  protected override exitCodeFor(result: LicenseVerifyResult): number {
    return EXIT[result.status];
  }

  protected override renderHuman(result: LicenseVerifyResult): void {
    this.log(`LICENSE ${result.status}: ${result.summary}`);
    if (result.error?.suggestion) this.log(`  Try: ${result.error.suggestion}`);
    if (result.license) this.log(renderLicense(result.license));
  }
}
