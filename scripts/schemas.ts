#!/usr/bin/env node
// Writes the JSON Schemas scripts can rely on into schemas/ (`npm run schemas`):
//   schemas/<command-id>.json  what `mpegflow <command> --json` prints on success
//                              (e.g. schemas/job-list.json for `job list`),
//   schemas/error.json         what any command prints with --json when it fails,
//   schemas/<input>.json       what MpegFlow reads: preset files, encode manifests, license claims.
// Output schemas come from each command's result type, the `Result` of its
// `execute(): Promise<Result>` (ts-json-schema-generator reads TypeScript), so
// the type stays the one definition; input schemas come from their zod
// definitions (z.toJSONSchema). test/unit/cli/schemas.test.ts fails when a
// committed schema differs from what this script writes.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BaseType,
  createFormatter,
  createParser,
  createProgram,
  DefinitionType,
  SchemaGenerator,
  DEFAULT_CONFIG,
  type CompletedConfig,
  type Definition,
  type SubNodeParser,
  type SubTypeFormatter,
} from 'ts-json-schema-generator';
import ts from 'typescript';
import * as z from 'zod';
import { resolve, resultEntry, rootName } from './command-results.ts';
import { presetDefinition } from '../src/core/encode/presets/preset-model.ts';
import { licensePayload } from '../src/core/license/claims.ts';
import { manifest } from '../src/core/encode/outputs/manifest.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const schemaDir = path.join(root, 'schemas');
const commandDir = path.join(root, 'src', 'commands');

/** What MpegFlow reads, by schema name. */
const INPUTS: Record<string, { title: string; schema: z.ZodType }> = {
  preset: { title: 'MpegFlow preset file', schema: presetDefinition },
  manifest: { title: 'manifest.json, written last by an encode', schema: manifest },
  'license-claims': { title: 'The claims of an MpegFlow license', schema: licensePayload },
};

/** A type written `z.infer<typeof schema>`: its JSON Schema comes from the zod schema, not from zod's types. */
class ZodSchemaType extends BaseType {
  readonly schema: z.ZodType;
  readonly id: string;
  constructor(schema: z.ZodType, id: string) {
    super();
    this.schema = schema;
    this.id = id;
  }
  getId(): string {
    return `zod-${this.id}`;
  }
}

/** Where `type T = z.infer<typeof schema>` takes its schema from: the module and the export. */
function zodSource(checker: ts.TypeChecker, declaration: ts.Declaration | undefined): { file: string; name: string } | undefined {
  if (!declaration || !ts.isTypeAliasDeclaration(declaration) || !ts.isTypeReferenceNode(declaration.type)) return undefined;
  const [arg] = declaration.type.typeArguments ?? [];
  if (declaration.type.typeName.getText() !== 'z.infer' || !arg || !ts.isTypeQueryNode(arg)) return undefined;
  const schema = resolve(checker, arg.exprName);
  const schemaDeclaration = schema?.declarations?.[0];
  return schemaDeclaration && { file: schemaDeclaration.getSourceFile().fileName, name: schema.name };
}

/** The modules of src/ that define types with zod, loaded so their schemas can be read. */
async function zodModules(): Promise<Map<string, Record<string, unknown>>> {
  const src = path.join(root, 'src');
  const files = readdirSync(src, { recursive: true })
    .map((f) => path.join(src, String(f)))
    .filter((f) => f.endsWith('.ts') && /from 'zod'/.test(readFileSync(f, 'utf8')));
  return new Map(await Promise.all(files.map(async (f) => [f, (await import(f)) as Record<string, unknown>] as const)));
}

function generator(entry: string, modules: Map<string, Record<string, unknown>>): SchemaGenerator {
  const config: CompletedConfig = {
    ...DEFAULT_CONFIG,
    path: entry,
    tsconfig: path.join(root, 'tsconfig.check.json'),
    type: '*',
    expose: 'export',
    topRef: false,
    jsDoc: 'extended',
    additionalProperties: false,
    // the project's typecheck covers src/, and every name in the entry resolved above
    skipTypeCheck: true,
  };
  const program = createProgram(config);
  const checker = program.getTypeChecker();
  const zodTypeOf = (node: ts.Node): { name: string; schema: z.ZodType } | undefined => {
    if (!ts.isTypeReferenceNode(node)) return undefined;
    const symbol = resolve(checker, node.typeName);
    const source = zodSource(checker, symbol?.declarations?.[0]);
    if (!symbol || !source) return undefined;
    const schema = modules.get(source.file)?.[source.name];
    if (!(schema instanceof z.ZodType))
      throw new Error(`${source.file}: export the schema ${source.name} (the type ${symbol.name} is inferred from it)`);
    return { name: symbol.name, schema };
  };
  const zodParser: SubNodeParser = {
    supportsNode: (node) => zodTypeOf(node) !== undefined,
    createType: (node) => {
      const { name, schema } = zodTypeOf(node)!;
      return new DefinitionType(name, new ZodSchemaType(schema, name));
    },
  };
  const zodFormatter: SubTypeFormatter = {
    supportsType: (type) => type instanceof ZodSchemaType,
    getDefinition: (type) => {
      const { $schema: _, ...definition } = z.toJSONSchema((type as ZodSchemaType).schema, { target: 'draft-7', io: 'output' });
      return definition as Definition;
    },
    getChildren: () => [],
  };
  return new SchemaGenerator(
    program,
    createParser(program, config, (chain) => chain.addNodeParser(zodParser)),
    createFormatter(config, (chain) => chain.addTypeFormatter(zodFormatter)),
    config,
  );
}

/** Every success document may carry `warnings` (BaseCommand.note): added to its root object, the rest as generated. */
function withWarnings(schema: Definition): Definition {
  const ref = schema.$ref?.replace('#/definitions/', '');
  const root = (ref ? schema.definitions?.[ref] : schema) as Definition;
  root.properties ??= {};
  root.properties.warnings ??= {
    type: 'array',
    items: { type: 'string' },
    description: 'What the run warned of, in the words it wrote to stderr; absent when it warned of nothing.',
  };
  return schema;
}

/** Every schema, by file name, as `npm run schemas` writes them. */
export async function buildSchemas(): Promise<Map<string, string>> {
  const files = readdirSync(commandDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const entryDir = path.join(root, 'node_modules', '.cache', 'mpegflow-schemas');
  mkdirSync(entryDir, { recursive: true });
  const entry = path.join(entryDir, 'results.ts');
  const results = resultEntry({ commandDir, files, errorDocumentFile: path.join(root, 'src', 'cli', 'render-error.ts'), entry });
  const types = generator(entry, await zodModules());
  const out = new Map<string, string>();
  const write = (name: string, schema: object) => out.set(`${name}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  for (const { id } of results)
    write(
      id,
      withWarnings({ $id: `${id}.json`, title: `mpegflow ${id.replaceAll('-', ' ')} --json`, ...types.createSchema(rootName(id)) }),
    );
  write('error', { $id: 'error.json', title: 'mpegflow <any command> --json, on failure', ...types.createSchema('ErrorDocument') });
  for (const [name, { title, schema }] of Object.entries(INPUTS))
    write(name, { $id: `${name}.json`, title, ...z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) });
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const schemas = await buildSchemas();
  rmSync(schemaDir, { recursive: true, force: true });
  mkdirSync(schemaDir, { recursive: true });
  for (const [name, text] of schemas) writeFileSync(path.join(schemaDir, name), text);
  console.log(`wrote ${schemas.size} schemas to ${path.relative(process.cwd(), schemaDir) || '.'}`);
}
