import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { Preset } from '../../core/encode/presets/preset-model.ts';
import { renderPreset } from '../../ui/encode.ts';

export default class PresetShow extends BaseCommand<Preset> {
  static override summary = 'Show one preset: its settings, where it comes from, and its hash.';
  static override description =
    'The hash (sha256 of the canonical JSON definition) is what manifests and jobs record, so a changed preset is never mistaken for the one an output was made with.';
  static override examples = ['<%= config.bin %> preset show hls-h264', '<%= config.bin %> preset show --file ./my-ladder.json --json'];

  static override args = {
    name: Args.string({ description: 'preset name' }),
  };

  static override flags = {
    file: Flags.string({ description: 'validate and show a preset file instead of a named preset' }),
  };

  protected async execute(): Promise<Preset> {
    const { args, flags } = await this.parse(PresetShow);
    const { resolvePreset } = await import('../../core/encode/presets/presets.ts');
    if (!args.name && !flags.file) {
      const { usageError } = await import('../../core/errors.ts');
      throw usageError('name a preset or give --file FILE', 'list the presets with `mpegflow preset list`');
    }
    return resolvePreset({ name: args.name, file: flags.file });
  }

  protected override renderHuman(preset: Preset): void {
    this.log(renderPreset(preset));
  }
}
