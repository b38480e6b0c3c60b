import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { usageError } from '../../core/errors.ts';
import type { EndpointInput, ImportResult } from '../../core/endpoints/repository.ts';
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
    const validate = await import('../../core/endpoints/validate.ts');
    const file = args.path ?? mc.defaultMcConfigPath();
    const aliases = mc.readMcAliases(file).filter((a) => !flags.alias || flags.alias.includes(a.alias));
    const missing = (flags.alias ?? []).filter((name) => !aliases.some((a) => a.alias === name));
    if (missing.length > 0)
      throw usageError(`${file} has no alias ${missing.map((m) => `'${m}'`).join(', ')}`, "list mc's aliases with `mc alias list`");

    const endpoints: EndpointInput[] = [];
    const skipped: { name: string; reason: string }[] = [];
    for (const alias of aliases) {
      const reason = mc.importSkipReason(alias);
      if (reason) {
        skipped.push({ name: alias.alias, reason });
        continue;
      }
      try {
        endpoints.push({
          name: validate.validateName(alias.alias),
          url: validate.normalizeUrl(alias.url),
          accessKey: validate.validateAccessKey(alias.accessKey),
          secret: { kind: 'stored', value: validate.validateSecretKey(alias.secretKey) },
          region: 'us-east-1',
          caCertPath: null,
          role: validate.validateRole(flags.role),
          labels: { 'imported-from': 'mc' },
        });
      } catch (error) {
        skipped.push({ name: alias.alias, reason: (error as Error).message });
      }
    }
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
