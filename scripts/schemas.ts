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
import { presetDefinition } from '../src/core/encode/preset-model.ts';
import { licensePayload } from '../src/core/license/claims.ts';
import { manifest } from '../src/core/encode/manifest.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const schemaDir = path.join(root, 'schemas');
const commandDir = path.join(root, 'src', 'commands');

/** The files MpegFlow reads, by schema name. */
const INPUTS: Record<string, z.ZodType> = {
  preset: presetDefinition,
  'license-claims': licensePayload,
  manifest,
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

/** The symbol a name refers to, through imports. */
function resolve(checker: ts.TypeChecker, name: ts.EntityName): ts.Symbol | undefined {
  const symbol = checker.getSymbolAtLocation(name);
  return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
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

/** "job/list.ts" → "job-list" (the command `job list`). */
const commandId = (file: string) => file.replace(/\.ts$/, '').split(path.sep).join('-');
/** A name no source type has (a result type may share the command's name, e.g. EncodeResult). */
const rootName = (id: string) => `CommandOutput_${id.replaceAll('-', '_')}`;

interface ResultType {
  id: string;
  /** The result type of execute(), with every named type replaced by an import alias. */
  text: string;
}

/**
 * Finds each command's result type and the declarations of the names it
 * uses, and writes one module that re-exports them under the command's name
 * (the generator reads named, exported types of one entry file).
 */
function resultEntry(files: string[], entry: string): ResultType[] {
  const from = (file: string) => JSON.stringify(path.relative(path.dirname(entry), file));
  const program = ts.createProgram(
    files.map((f) => path.join(commandDir, f)),
    {
      ...ts.getDefaultCompilerOptions(),
      allowImportingTsExtensions: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2024,
    },
  );
  const checker = program.getTypeChecker();
  const imports: string[] = [];
  const results = files.map((file): ResultType => {
    const source = program.getSourceFile(path.join(commandDir, file))!;
    // what is printed is what execute() returns (it may be wider than the T of BaseCommand<T>)
    let arg: ts.TypeNode | undefined;
    const visitClass = (node: ts.Node) => {
      if (ts.isMethodDeclaration(node) && node.name.getText(source) === 'execute') {
        const returned = node.type;
        if (returned && ts.isTypeReferenceNode(returned) && returned.typeName.getText(source) === 'Promise')
          arg = returned.typeArguments?.[0];
      } else if (ts.isClassDeclaration(node)) node.forEachChild(visitClass);
    };
    source.forEachChild(visitClass);
    if (!arg) throw new Error(`${file}: execute() must declare its result type, as Promise<Result>`);
    const replacements: { start: number; end: number; alias: string }[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isTypeReferenceNode(node)) {
        const symbol = resolve(checker, node.typeName)!;
        const declaration = symbol.declarations![0]!;
        const alias = `T${imports.length}`;
        imports.push(`import type { ${symbol.name} as ${alias} } from ${from(declaration.getSourceFile().fileName)};`);
        replacements.push({ start: node.typeName.getStart(source), end: node.typeName.getEnd(), alias });
      }
      node.forEachChild(visit);
    };
    visit(arg);
    let text = source.text.slice(arg.getStart(source), arg.getEnd());
    for (const r of replacements.reverse()) {
      text = text.slice(0, r.start - arg.getStart(source)) + r.alias + text.slice(r.end - arg.getStart(source));
    }
    return { id: commandId(file), text };
  });
  const errorType = `import type { ErrorDocument } from ${from(path.join(root, 'src', 'cli', 'render-error.ts'))};`;
  const exports = results.map((r) => `export type ${rootName(r.id)} = ${r.text};`);
  writeFileSync(entry, `${[errorType, ...imports].join('\n')}\nexport type { ErrorDocument };\n${exports.join('\n')}\n`);
  return results;
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
  const results = resultEntry(files, entry);
  const types = generator(entry, await zodModules());
  const out = new Map<string, string>();
  const write = (name: string, schema: object) => out.set(`${name}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  for (const { id } of results)
    write(id, { $id: `${id}.json`, title: `mpegflow ${id.replaceAll('-', ' ')} --json`, ...types.createSchema(rootName(id)) });
  write('error', { $id: 'error.json', title: 'mpegflow <any command> --json, on failure', ...types.createSchema('ErrorDocument') });
  for (const [name, schema] of Object.entries(INPUTS))
    write(name, { $id: `${name}.json`, ...z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) });
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const schemas = await buildSchemas();
  rmSync(schemaDir, { recursive: true, force: true });
  mkdirSync(schemaDir, { recursive: true });
  for (const [name, text] of schemas) writeFileSync(path.join(schemaDir, name), text);
  console.log(`wrote ${schemas.size} schemas to ${path.relative(process.cwd(), schemaDir) || '.'}`);
}
