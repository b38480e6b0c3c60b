import { STATUS_EXIT_CODE } from '../health/quorum.ts';
import { gauge, type Row } from '../textfile.ts';
import type { LicenseVerifyResult } from './view.ts';

/** What `license verify --textfile` writes: the verdict, and for a license that verifies, when it runs out. */
export function renderLicenseTextfile(result: LicenseVerifyResult): string {
  const license = result.license;
  const of = (value: number): Row[] => [[{ source: result.source }, value]];
  return (
    [
      gauge('mpegflow_license_status', 'License check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', of(STATUS_EXIT_CODE[result.status])),
      gauge(
        'mpegflow_license_clock_behind',
        '1 when the system clock is behind a time MpegFlow has already seen.',
        of(result.clock.rolledBack ? 1 : 0),
      ),
      ...(license
        ? [
            gauge(
              'mpegflow_license_expiry_timestamp_seconds',
              'When the license expires (Unix time).',
              of(Date.parse(license.expiresAt) / 1000),
            ),
            gauge('mpegflow_license_days_left', 'Whole days until the license expires (0 once expired).', of(license.daysLeft)),
          ]
        : []),
    ].join('\n') + '\n'
  );
}
