import type { ThroughputResult } from '../core/endpoints/throughput.ts';
import { formatBytes } from './format.ts';
import { renderTable } from './table.ts';

/** Throughput each way, and what it means for encodes of typical mezzanine sources. */
export function renderThroughput(t: ThroughputResult, tty = Boolean(process.stdout.isTTY)): string {
  const line = (what: string, d: ThroughputResult['upload']) =>
    `${what.padEnd(22)}${d.mbPerSecond} MB/s (${d.mbitPerSecond} Mbit/s), ${d.seconds} s`;
  return [
    `Throughput, ${formatBytes(t.sizeBytes)} payload, ${t.concurrency} parts of ${formatBytes(t.partSizeBytes)} in flight:`,
    `  ${line('upload (multipart)', t.upload)}`,
    `  ${line('download (ranged GET)', t.download)}`,
    `  ${t.verified ? 'every byte read back matched' : 'THE BYTES READ BACK DIFFER FROM THE PAYLOAD'}; ${t.cleanup.detail}`,
    '',
    'Real-time streams this link can carry at once, at typical mezzanine bitrates:',
    renderTable(
      ['SOURCE', 'BITRATE', 'ENCODES FED (READ)', 'STREAMS WRITTEN', 'BITRATE FROM'],
      t.verdict.map((v) => [
        v.profile,
        `${v.mbitPerSecond.toLocaleString('en-US')} Mbit/s`,
        v.concurrentReads,
        v.concurrentWrites,
        v.source,
      ]),
      tty,
    ),
    'An encode reads its source at least at real time (faster than real time needs proportionally more); outputs are far smaller than mezzanines, except lossless archive copies.',
  ].join('\n');
}
