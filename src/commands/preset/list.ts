import { BaseCommand } from '../../cli/base-command.ts';
import type { PresetCatalog } from '../../core/encode/presets/presets.ts';
import { renderPresetTable } from '../../ui/encode.ts';

export default class PresetList extends BaseCommand<PresetCatalog> {
  static override summary = 'List the encoding presets: built-in and your own.';
  static override description =
    'Built-in presets ship in the presets/ folder of MpegFlow. Add your own as NAME.json in $MPEGFLOW_HOME/presets/ (a preset of the same name replaces the built-in), or pass a file to `encode --preset-file`. Files that fail validation are listed with the reason and ignored.';
  static override examples = ['<%= config.bin %> preset list', '<%= config.bin %> preset list --json'];

  protected async execute(): Promise<PresetCatalog> {
    await this.parse(PresetList);
    const { listPresets } = await import('../../core/encode/presets/presets.ts');
    return listPresets();
  }

  protected override renderHuman(result: PresetCatalog): void {
    this.log(renderPresetTable(result.presets, result.invalid));
  }
}
