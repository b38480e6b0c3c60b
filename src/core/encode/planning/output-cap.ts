import { MpegflowError } from '../../errors.ts';
import type { PresetDefinition } from '../presets/preset-model.ts';
import type { ProbeResult } from '../source/probe.ts';

/**
 * Applies the licensed highest output resolution (lines on the short side)
 * to a preset before planning: ladder rungs above it are dropped (the lowest
 * rung is kept, made no taller than the cap), single outputs are scaled down
 * to it. A lossless archive and a package keep the source's picture by
 * definition, so a source above the cap is refused rather than quietly
 * downscaled.
 */
export function capOutputLines(definition: PresetDefinition, probe: ProbeResult, maxLines: number | undefined): PresetDefinition {
  if (!maxLines) return definition;
  switch (definition.kind) {
    case 'hls': {
      const kept = definition.renditions.filter((r) => r.height <= maxLines);
      const lowest = definition.renditions[definition.renditions.length - 1]!;
      return { ...definition, renditions: kept.length > 0 ? kept : [{ ...lowest, height: maxLines }] };
    }
    case 'mp4':
      return { ...definition, video: { ...definition.video, maxHeight: Math.min(definition.video.maxHeight, maxLines) } };
    case 'thumbnails':
      return { ...definition, poster: { ...definition.poster, maxHeight: Math.min(definition.poster.maxHeight, maxLines) } };
    case 'archive':
    case 'package': {
      const lines = Math.min(probe.video.width, probe.video.height);
      if (lines > maxLines) {
        throw new MpegflowError(
          `${definition.kind === 'archive' ? 'archiving' : 'packaging'} a ${probe.video.width}x${probe.video.height} source needs a maxResolution of at least ${lines} lines; the license allows ${maxLines}`,
          {
            code: 'LICENSE_LIMIT',
            suggestion:
              "a higher 'maxResolution' entitlement is needed: a license with it comes from your MpegFlow vendor (`mpegflow license show`)",
          },
        );
      }
      return definition;
    }
  }
}
