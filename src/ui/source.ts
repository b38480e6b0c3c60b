import type { Decision } from '../core/encode/planning/treatments.ts';
import type { SourceReport } from '../core/encode/source/describe-source.ts';
import { renderFields, renderTable } from './table.ts';

/** "scan: interlaced TFF (idet) -> progressive: bwdif, one frame per frame". */
export const describeDecision = (decision: Decision): string => `${decision.subject}: ${decision.from} -> ${decision.to}`;

const rate = (r: { num: number; den: number }) => (r.num / r.den).toFixed(3).replace(/\.?0+$/, '');

export function renderSourceReport(report: SourceReport): string {
  const d = report.description;
  const v = d.video;
  const c = v.colour;
  const scan = v.scan.order === 'progressive' ? 'progressive' : `interlaced, ${v.scan.order === 'tff' ? 'top' : 'bottom'} field first`;
  const idet = v.scan.idet
    ? ` (idet: ${v.scan.idet.tff} TFF, ${v.scan.idet.bff} BFF, ${v.scan.idet.progressive} progressive, ${v.scan.idet.undetermined} undetermined)`
    : '';
  const hdr = c.dynamicRange === 'sdr' ? 'SDR' : c.dynamicRange === 'hdr10' ? 'HDR10 (PQ)' : 'HLG';
  const mastering = c.masteringDisplay
    ? `R ${c.masteringDisplay.red} G ${c.masteringDisplay.green} B ${c.masteringDisplay.blue} WP ${c.masteringDisplay.whitePoint}, ${c.masteringDisplay.minLuminance}-${c.masteringDisplay.maxLuminance} cd/m²`
    : null;
  const sections = [
    renderFields([
      ['Source', report.source],
      ['Container', `${d.formatName}, ${d.containerDurationSeconds.toFixed(2)} s`],
      ['Duration', `${d.durationSeconds.toFixed(2)} s (the picture's)`],
      ['Video', `stream ${v.index}: ${v.codec}${v.profile ? ` ${v.profile}` : ''} ${v.width}x${v.height}`],
      ['Scan', `${scan}, by ${v.scan.from}${idet}`],
      ['Pixel aspect', `${v.sampleAspectRatio.num}:${v.sampleAspectRatio.den}`],
      ['Rotation', v.rotation ? `${v.rotation}°` : 'none'],
      [
        'Frame rate',
        `${rate(v.frameRate)} fps${v.variableFrameRate ? ` (variable; nominal ${v.nominalFrameRate ? rate(v.nominalFrameRate) : '?'})` : ' (constant)'}`,
      ],
      ['Pixels', `${v.pixelFormat ?? '?'}: ${v.bitDepth ?? '?'}-bit ${v.chroma ?? ''}`.trim()],
      [
        'Colour',
        `${hdr}; primaries ${c.primaries ?? 'unset'}, transfer ${c.transfer ?? 'unset'}, matrix ${c.matrix ?? 'unset'}, range ${c.range ?? 'unset'}`,
      ],
      ['Mastering', mastering],
      ['Light level', c.contentLightLevel ? `MaxCLL ${c.contentLightLevel.maxCll}, MaxFALL ${c.contentLightLevel.maxFall} cd/m²` : null],
      ['Captions', v.closedCaptions ? 'CEA-608/708 in the picture' : 'none'],
      ['Timecode', d.timecode],
    ]),
  ];
  if (d.audioTracks.length > 0) {
    const loudness = new Map((report.loudness ?? []).map((l) => [l.index, l]));
    sections.push(
      renderTable(
        ['AUDIO', 'CODEC', 'LAYOUT', 'RATE', 'FORMAT', 'LANGUAGE', ...(report.loudness ? ['LOUDNESS', 'TRUE PEAK', 'LRA'] : [])],
        d.audioTracks.map((a) => {
          const l = loudness.get(a.index);
          return [
            `${a.index}${a.default ? ' (default)' : ''}`,
            a.codec,
            a.layout ?? `${a.channels} ch (no layout)`,
            a.sampleRate,
            `${a.sampleFormat ?? '?'}${a.bitDepth ? ` ${a.bitDepth}-bit` : ''}`,
            a.language ?? '-',
            ...(l ? [`${l.integratedLufs.toFixed(1)} LUFS`, `${l.truePeakDbtp.toFixed(1)} dBTP`, `${l.rangeLu.toFixed(1)} LU`] : []),
          ];
        }),
      ),
    );
  } else sections.push('Audio: none');
  if (d.subtitles.length > 0) {
    sections.push(
      renderTable(
        ['SUBTITLE', 'CODEC', 'KIND', 'LANGUAGE', 'DURATION'],
        d.subtitles.map((s) => [
          `${s.index}${s.default ? ' (default)' : ''}${s.forced ? ' (forced)' : ''}`,
          s.codec,
          s.kind,
          s.language ?? '-',
          s.durationSeconds === null ? '-' : `${s.durationSeconds.toFixed(2)} s`,
        ]),
      ),
    );
  }
  if (d.otherStreams.length > 0)
    sections.push(`Other streams: ${d.otherStreams.map((s) => `${s.index} ${s.type} (${s.codec})`).join(', ')}`);
  if (report.preset) {
    const lines = report.preset.decisions.map((decision) => `  ${describeDecision(decision)}`);
    sections.push(
      [`With ${report.preset.name}:`, ...(lines.length > 0 ? lines : ['  nothing to treat: the source is encoded as it is'])].join('\n'),
    );
  }
  const warnings = [...d.warnings, ...(report.preset?.warnings ?? [])];
  if (warnings.length > 0) sections.push(warnings.map((w) => `warning: ${w}`).join('\n'));
  return sections.join('\n\n');
}
