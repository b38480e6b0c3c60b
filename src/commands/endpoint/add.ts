import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { userError } from '../../core/errors.ts';
import type { Endpoint } from '../../core/endpoints/model.ts';
import type { SecretInput } from '../../core/endpoints/repository.ts';
import { hostSecretsFile } from '../../core/endpoints/host-secrets.ts';
import { renderEndpointSaved } from '../../ui/endpoints.ts';

export default class EndpointAdd extends BaseCommand<Endpoint> {
  static override summary = 'Add a MinIO endpoint.';
  static override description = `The secret key is read from standard input (--secret-key-stdin), from an environment variable at each use (--secret-key-env), or asked for on a terminal. It is never accepted as a plain command-line argument: that would land in shell history and in \`ps\`.

The NAME becomes the ALIAS in ALIAS/BUCKET/KEY paths, as with mc.`;
  static override examples = [
    'printf %s "$SECRET" | <%= config.bin %> endpoint add edge1 --url https://edge1.example:9000 --access-key encoder --secret-key-stdin --role edge',
    '<%= config.bin %> endpoint add central --url https://minio.central:9000 --access-key encoder --secret-key-env CENTRAL_SECRET --ca-cert /etc/pki/site-ca.pem --role central --label site=paris',
  ];
  static override audited = true;

  static override args = {
    name: Args.string({ description: 'endpoint name (the ALIAS in ALIAS/BUCKET/KEY)', required: true }),
  };

  static override flags = {
    url: Flags.string({ description: 'endpoint URL, http(s)://HOST:PORT', required: true }),
    'access-key': Flags.string({ description: 'access key (user name)', required: true }),
    'secret-key-stdin': Flags.boolean({ description: 'read the secret key from standard input', exclusive: ['secret-key-env'] }),
    'secret-key-env': Flags.string({
      description: 'read the secret key from this environment variable at each use (not stored)',
      exclusive: ['secret-key-stdin'],
    }),
    'secret-key': Flags.string({ hidden: true, description: 'refused: a secret on the command line leaks' }),
    region: Flags.string({ description: 'S3 region', default: 'us-east-1' }),
    'ca-cert': Flags.string({ description: 'PEM file of a private CA to trust for this endpoint' }),
    role: Flags.string({ description: 'what the endpoint is for', options: ['edge', 'central', 'archive'] }),
    label: Flags.string({ description: 'KEY=VALUE label (repeatable)', multiple: true, default: [] }),
    replace: Flags.boolean({ description: 'replace an existing endpoint of the same name' }),
  };

  protected async execute(): Promise<Endpoint> {
    const { args, flags } = await this.parse(EndpointAdd);
    if (flags['secret-key'] !== undefined) {
      throw userError(
        'refusing a secret key given on the command line: it would be kept in shell history and shown by `ps`',
        `pipe it in: printf %s "$SECRET" | mpegflow endpoint add ${args.name} ... --secret-key-stdin, or reference a variable with --secret-key-env VAR`,
        'SECRET_ON_COMMAND_LINE',
      );
    }
    const validate = await import('../../core/endpoints/validate.ts');
    const name = validate.validateName(args.name);
    const url = validate.normalizeUrl(flags.url);
    const accessKey = validate.validateAccessKey(flags['access-key']);
    const caCertPath = flags['ca-cert'] ? validate.readCaCert(flags['ca-cert']).path : null;
    if (caCertPath && url.startsWith('http:')) {
      throw userError('--ca-cert was given for a plain http:// endpoint', 'use https:// in --url, or drop --ca-cert');
    }
    const role = validate.validateRole(flags.role);
    const labels = validate.parseLabels(flags.label);
    const secret = await this.readSecret(flags, (key) => {
      const note = validate.shortSecretNote(validate.validateSecretKey(key));
      if (note) this.note(note);
      return key;
    });

    const { addEndpoint } = await import('../../core/endpoints/repository.ts');
    const db = await this.store();
    const { listEndpoints } = await import('../../core/endpoints/repository.ts');
    const existing = await listEndpoints(db);
    if (!existing.some((e) => e.name === name)) {
      const { loadEntitlements, requireWithinLimit } = await import('../../core/license/entitlements.ts');
      requireWithinLimit(await loadEntitlements({ db }), 'endpoints', existing.length + 1);
    }
    return await addEndpoint({
      db,
      audit: await this.auditContext(),
      endpoint: { name, url, accessKey, secret, region: flags.region, caCertPath, role, labels },
      replace: flags.replace,
    });
  }

  private async readSecret(
    flags: { 'secret-key-stdin': boolean; 'secret-key-env'?: string },
    validateSecretKey: (s: string) => string,
  ): Promise<SecretInput> {
    if (flags['secret-key-env']) {
      const variable = flags['secret-key-env'];
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
        throw userError(
          `'${variable}' is not an environment variable name`,
          'give the variable name without $, e.g. --secret-key-env EDGE1_SECRET',
        );
      if (process.env[variable]) validateSecretKey(process.env[variable]);
      else this.note(`$${variable} is not set in this environment; it must be set wherever mpegflow uses this endpoint`);
      return { kind: 'env', variable };
    }
    const { readStdin, promptHidden } = await import('../../ui/secret-input.ts');
    if (flags['secret-key-stdin']) {
      if (process.stdin.isTTY) this.logToStderr('Reading the secret key from standard input (end with Ctrl-D)...');
      return { kind: 'stored', value: validateSecretKey(await readStdin()) };
    }
    if (process.stdin.isTTY && process.stderr.isTTY) {
      return { kind: 'stored', value: validateSecretKey(await promptHidden('Secret key: ')) };
    }
    throw userError('no secret key given', 'pass --secret-key-stdin (and pipe the key in) or --secret-key-env VAR', 'SECRET_MISSING');
  }

  protected override renderHuman(endpoint: Endpoint): void {
    this.log(renderEndpointSaved(endpoint, hostSecretsFile()));
  }
}
