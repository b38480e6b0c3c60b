import type { EncodeResult, RetainedEncodeResult } from '../core/encode/outputs/encode-result.ts';
import type { Preset } from '../core/encode/presets/preset-model.ts';
import { formatLocation } from '../core/notation.ts';
import type { VerifyResult } from '../core/encode/verify/verify.ts';
import { formatBytes, formatSeconds } from './format.ts';
import { count } from '../core/notation.ts';
import { renderFields, renderTable } from './table.ts';

/** `encode`: what was made and where, or that it was already there; and the retention set on it. */
export function renderEncodeResult(result: RetainedEncodeResult, tty = Boolean(process.stdout.isTTY)): string {
  const r = result.retention;
  if (!r) return renderEncoded(result, tty);
  return `${renderEncoded(result, tty)}\nRetention: ${count(r.objects, 'object')} locked${r.retainUntil ? ` (${r.mode} until ${r.retainUntil})` : ''}${r.legalHold ? ', legal hold on' : ''}`;
}

function renderEncoded(result: EncodeResult, tty: boolean): string {
  if (result.status === 'skipped') {
    return [
      `Already encoded: ${result.destination} holds this source (same version) encoded with ${result.preset.name} (same definition).`,
      `Manifest: ${result.manifest}`,
      'Nothing was done. Encode again with --force.',
    ].join('\n');
  }
  const bytes = result.outputs.reduce((sum, o) => sum + o.size, 0);
  const scores = new Map(result.quality?.renditions.map((r) => [r.name, r]));
  const scored = scores.size > 0;
  const lines = [
    `Encoded ${formatLocation(result.source)} with ${result.preset.name} in ${formatSeconds(result.timings.totalMs / 1000)}` +
      (result.attempts > 1 ? ` (${result.attempts} attempts)` : ''),
    renderTable(
      ['RENDITION', 'SIZE', 'FPS', 'VIDEO', 'AUDIO', ...(scored ? ['SSIM', 'PSNR'] : [])],
      result.renditions.map((r) => {
        const score = scores.get(r.name);
        const quality = scored ? [score?.ssim.mean.toFixed(4) ?? null, score ? `${score.psnr.mean.toFixed(2)} dB` : null] : [];
        return [r.name, `${r.width}x${r.height}`, r.frameRate, r.videoBitrate, r.audioBitrate, ...quality];
      }),
      tty,
    ),
    ...(result.quality ? [describeGate(result.quality)] : []),
    `${count(result.outputs.length, 'output')}, ${formatBytes(bytes)} in ${result.destination}`,
    `Manifest: ${result.manifest}`,
  ];
  return lines.join('\n');
}

/** The gate's verdict under the table: what was scored against what, and the thresholds held. */
function describeGate(quality: NonNullable<EncodeResult['quality']>): string {
  const t = quality.thresholds;
  const held = [
    t.minSsim !== null ? `SSIM >= ${t.minSsim}` : null,
    t.minPsnr !== null ? `PSNR >= ${t.minPsnr} dB` : null,
    t.minVmaf !== null ? `VMAF >= ${t.minVmaf}` : null,
  ].filter(Boolean);
  const frames = quality.frameStep > 1 ? `one frame in ${quality.frameStep}` : 'every frame';
  return `Quality: ${held.length > 0 ? `passed (${held.join(', ')})` : 'measured, no threshold set'}; ${frames} scored against the source${quality.vmaf ? `; VMAF ${quality.vmaf}` : ''}`;
}

/** `verify`: the verdict, what was re-read, fixity and retention, and each problem. */
export function renderVerifyResult(result: VerifyResult, tty = Boolean(process.stdout.isTTY)): string {
  const lines = [
    `${result.ok ? 'OK' : 'FAILED'}: ${result.destination} (${result.preset.name} of ${formatLocation(result.source)}, encoded ${result.createdAt})`,
    `${count(result.outputs, 'output')}, ${formatBytes(result.bytesChecked)} re-read and checked against ${result.manifest}`,
  ];
  if (result.fixity) {
    lines.push(
      `Fixity: ${result.fixity.frames} frame checksums of ${result.fixity.media} compared with ${result.fixity.sidecar}` +
        (result.fixity.mismatches ? `, ${result.fixity.mismatches} differ` : ''),
    );
  }
  if (result.retention) lines.push(describeRetention(result.retention));
  if (result.quality) {
    lines.push(
      `Quality: scored again against the source; the scores ${result.quality.agrees ? 'agree with' : 'differ from'} those recorded`,
    );
    lines.push(
      renderTable(
        ['RENDITION', 'SSIM', 'RECORDED', 'PSNR', 'RECORDED'],
        result.quality.measured.renditions.map((r) => {
          const d = result.quality!.differences.find((x) => x.name === r.name)!;
          return [
            r.name,
            r.ssim.mean.toFixed(4),
            (r.ssim.mean - d.ssim).toFixed(4),
            `${r.psnr.mean.toFixed(2)} dB`,
            `${(r.psnr.mean - d.psnr).toFixed(2)} dB`,
          ];
        }),
        tty,
      ),
    );
  }
  if (!result.ok) {
    lines.push(
      renderTable(
        ['OBJECT', 'PROBLEM', 'DETAIL'],
        result.problems.map((p) => [p.location, p.problem, p.message]),
        tty,
      ),
    );
  }
  return lines.join('\n');
}

/** One line per distinct Object Lock setting: `Retention: 12 of 12 objects compliance until 2033-…, legal hold on`. */
function describeRetention(retention: NonNullable<VerifyResult['retention']>): string {
  if (!retention.objectLock) return 'Retention: none (the bucket has no Object Lock)';
  const groups = new Map<string, number>();
  for (const o of retention.objects) {
    const text =
      [o.mode && o.retainUntil ? `${o.mode} until ${o.retainUntil}` : null, o.legalHold ? 'legal hold on' : null]
        .filter(Boolean)
        .join(', ') || 'not retained';
    groups.set(text, (groups.get(text) ?? 0) + 1);
  }
  const total = retention.objects.length;
  return [...groups].map(([text, n]) => `Retention: ${n} of ${count(total, 'object')} ${text}`).join('\n');
}

function presetSummary(preset: Preset): string {
  const d = preset.definition;
  switch (d.kind) {
    case 'hls':
      return `HLS ${d.renditions.map((r) => r.name).join('/')}, ${d.segmentSeconds} s segments`;
    case 'mp4':
      return `${d.output}, H.264 CRF ${d.video.crf}, up to ${d.video.maxHeight}p`;
    case 'archive':
      return `${d.output} FFV1 + FLAC, ${d.fixity.output}`;
    case 'package':
      return `HLS (${d.format}), streams copied, ${d.segmentSeconds} s segments`;
    case 'thumbnails':
      return `${d.poster.output}, ${d.sprite.output} (${d.sprite.columns}x${d.sprite.rows}), ${d.sprite.index}`;
  }
}

/** `preset list`, with the preset files that were ignored and why. */
export function renderPresetTable(
  presets: Preset[],
  invalid: { file: string; problem: string }[],
  tty = Boolean(process.stdout.isTTY),
): string {
  const table = renderTable(
    ['NAME', 'KIND', 'ORIGIN', 'OUTPUTS', 'DESCRIPTION'],
    presets.map((p) => [p.name, p.definition.kind, p.origin, presetSummary(p), p.definition.description]),
    tty,
  );
  if (invalid.length === 0) return table;
  return `${table}\n\nIgnored invalid preset files:\n${invalid.map((i) => `  ${i.file}: ${i.problem.split('\n').join(' ')}`).join('\n')}`;
}

export function renderPreset(preset: Preset): string {
  return [
    renderFields([
      ['Name', preset.name],
      ['Kind', preset.definition.kind],
      ['Origin', preset.origin],
      ['File', preset.file],
      ['Hash', preset.hash],
      ['Outputs', presetSummary(preset)],
      ['Description', preset.definition.description],
    ]),
    '',
    JSON.stringify(preset.definition, null, 2),
  ].join('\n');
}
