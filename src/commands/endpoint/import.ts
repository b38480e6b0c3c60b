import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import type { ImportResult } from '../../core/endpoints/repository.ts';
import { renderEndpointImport } from '../../ui/endpoints.ts';

export default class EndpointImport extends BaseCommand<ImportResult> {
  static override summary = "Import endpoints from mc's aliases.";
  static override description =
    "Reads mc's config.json (default: $MC_CONFIG_DIR/config.json, else ~/.mc/config.json) and adds each alias as an endpoint with its stored secret key. mc's placeholder and public demo aliases are skipped; existing endpoints are kept unless --replace.";
  static override examples = [
    '<%= config.bin %> endpoint import --from-mc',
    '<%= config.bin %> endpoint import --from-mc /srv/backup/mc/config.json --alias archive',
  ];
  static override audited = true;

  static override args = { path: Args.string({ description: "path of mc's config.json" }) };
  static override flags = {
    'from-mc': Flags.boolean({ description: "import from mc's configuration", required: true }),
    alias: Flags.string({ description: 'import only this alias (repeatable)', multiple: true }),
    role: Flags.string({ description: 'role to give the imported endpoints', options: ['edge', 'central', 'archive'] }),
    replace: Flags.boolean({ description: 'replace endpoints that already exist' }),
  };

  protected async execute(): Promise<ImportResult> {
    const { args, flags } = await this.parse(EndpointImport);
    const mc = await import('../../core/endpoints/mc-config.ts');
    const file = args.path ?? mc.defaultMcConfigPath();
    const { endpoints, skipped } = mc.planMcImport(mc.readMcAliases(file), { file, only: flags.alias, role: flags.role });
    const { importEndpoints } = await import('../../core/endpoints/repository.ts');
    return await importEndpoints({
      db: await this.store(),
      audit: await this.auditContext(),
      endpoints,
      skipped,
      replace: flags.replace,
      source: file,
    });
  }

  protected override renderHuman(result: ImportResult): void {
    this.log(renderEndpointImport(result));
  }
}
