import * as z from 'zod';
import { MpegflowError } from '../../errors.ts';
import { checkSchema } from '../../schema/issues.ts';

/**
 * What ffprobe answers (-print_format json -show_format -show_streams and the
 * first frames), checked before it is believed: another ffprobe build, or
 * something else on PATH, must be named as such, not read as a source with
 * no streams. Loose objects: ffprobe adds fields with every release.
 */

const text = z.string().optional();
const count = z.number().optional();
const tags = z.record(z.string(), z.string()).optional();

export const ffprobeStream = z.looseObject({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: text,
  codec_tag_string: text,
  profile: text,
  width: count,
  height: count,
  pix_fmt: text,
  sample_aspect_ratio: text,
  display_aspect_ratio: text,
  field_order: text,
  color_range: text,
  color_space: text,
  color_transfer: text,
  color_primaries: text,
  bits_per_raw_sample: text,
  closed_captions: count,
  avg_frame_rate: text,
  r_frame_rate: text,
  channels: count,
  channel_layout: text,
  sample_rate: text,
  sample_fmt: text,
  duration: text,
  disposition: z.record(z.string(), z.number()).optional(),
  tags,
  side_data_list: z.array(z.looseObject({ side_data_type: text, rotation: count })).optional(),
});
export type FfprobeStream = z.infer<typeof ffprobeStream>;

export const ffprobeFrame = z.looseObject({
  media_type: text,
  stream_index: count,
  interlaced_frame: count,
  top_field_first: count,
  side_data_list: z.array(z.looseObject({ side_data_type: text })).optional(),
});
export type FfprobeFrame = z.infer<typeof ffprobeFrame>;

export const ffprobeOutput = z.looseObject({
  format: z.looseObject({ format_name: text, duration: text, start_time: text, size: text, tags }).optional(),
  streams: z.array(ffprobeStream).optional(),
  frames: z.array(ffprobeFrame).optional(),
});
export type FfprobeOutput = z.infer<typeof ffprobeOutput>;

/** The parsed answer, or an error naming the field ffprobe answered otherwise. */
export function parseFfprobeOutput(value: unknown, tool: string): FfprobeOutput {
  const checked = checkSchema(ffprobeOutput, value);
  if (checked.ok) return checked.value;
  throw new MpegflowError(`${tool} answered in a form MpegFlow does not read: ${checked.problems.slice(0, 3).join('; ')}`, {
    code: 'FFPROBE_UNEXPECTED',
    suggestion: "check that ffprobe is Debian's ffmpeg 5.1 or later (`ffprobe -version`), or set MPEGFLOW_FFPROBE to one",
  });
}
