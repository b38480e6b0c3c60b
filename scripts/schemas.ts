#!/usr/bin/env node
// Writes the JSON Schemas scripts can rely on into schemas/ (`npm run schemas`):
//   schemas/<command-id>.json  what `mpegflow <command> --json` prints on success
//                              (e.g. schemas/job-list.json for `job list`),
//   schemas/error.json         what any command prints with --json when it fails,
//   schemas/<input>.json       the files MpegFlow reads (presets...).
// Output schemas come from each command's result type, the `T` of
// `BaseCommand<T>` (ts-json-schema-generator reads the TypeScript types), so
// the type stays the one definition; input schemas come from their zod
// definitions (z.toJSONSchema). test/unit/cli/schemas.test.ts fails when a
// committed schema differs from what this script writes.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BaseType,
  createFormatter,
  createParser,
  createProgram,
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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const schemaDir = path.join(root, 'schemas');
const commandDir = path.join(root, 'src', 'commands');

/** The files MpegFlow reads, by schema name, and the type their zod schema gives. */
const INPUTS: Record<string, { schema: z.ZodType; type: string }> = {
  preset: { schema: presetDefinition, type: 'PresetDefinition' },
};

/** A type defined by a zod schema: output schemas point at its input schema file instead of reading zod's types. */
class InputRef extends BaseType {
  readonly file: string;
  constructor(file: string) {
    super();
    this.file = file;
  }
  getId(): string {
    return `input-${this.file}`;
  }
}

function generator(entry: string): SchemaGenerator {
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
  const inputs = new Map(Object.entries(INPUTS).map(([name, input]) => [input.type, `${name}.json`]));
  const inputOf = (node: ts.Node) => {
    if (!ts.isTypeReferenceNode(node)) return undefined;
    let symbol = checker.getSymbolAtLocation(node.typeName);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol && inputs.get(symbol.name);
  };
  const refParser: SubNodeParser = {
    supportsNode: (node) => inputOf(node) !== undefined,
    createType: (node) => new InputRef(inputOf(node)!),
  };
  const refFormatter: SubTypeFormatter = {
    supportsType: (type) => type instanceof InputRef,
    getDefinition: (type): Definition => ({ $ref: (type as InputRef).file }),
    getChildren: () => [],
  };
  return new SchemaGenerator(
    program,
    createParser(program, config, (chain) => chain.addNodeParser(refParser)),
    createFormatter(config, (chain) => chain.addTypeFormatter(refFormatter)),
    config,
  );
}

/** "job/list.ts" → "job-list" (the command `job list`). */
const commandId = (file: string) => file.replace(/\.ts$/, '').split(path.sep).join('-');
const rootName = (id: string) => `${id.replace(/(^|-)(\w)/g, (_, _sep: string, c: string) => c.toUpperCase())}Result`;

interface ResultType {
  id: string;
  /** The type argument of BaseCommand<…>, with every named type replaced by an import alias. */
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
    let arg: ts.TypeNode | undefined;
    source.forEachChild((node) => {
      if (!ts.isClassDeclaration(node)) return;
      for (const clause of node.heritageClauses ?? []) {
        for (const base of clause.types) if (base.expression.getText(source) === 'BaseCommand') arg = base.typeArguments?.[0];
      }
    });
    if (!arg) throw new Error(`${file}: no class extends BaseCommand<Result>`);
    const replacements: { start: number; end: number; alias: string }[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isTypeReferenceNode(node)) {
        let symbol = checker.getSymbolAtLocation(node.typeName)!;
        if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
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
export function buildSchemas(): Map<string, string> {
  const files = readdirSync(commandDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const entryDir = path.join(root, 'node_modules', '.cache', 'mpegflow-schemas');
  mkdirSync(entryDir, { recursive: true });
  const entry = path.join(entryDir, 'results.ts');
  const results = resultEntry(files, entry);
  const types = generator(entry);
  const out = new Map<string, string>();
  const write = (name: string, schema: object) => out.set(`${name}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  for (const { id } of results)
    write(id, { $id: `${id}.json`, title: `mpegflow ${id.replaceAll('-', ' ')} --json`, ...types.createSchema(rootName(id)) });
  write('error', { $id: 'error.json', title: 'mpegflow <any command> --json, on failure', ...types.createSchema('ErrorDocument') });
  for (const [name, { schema }] of Object.entries(INPUTS))
    write(name, { $id: `${name}.json`, ...z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) });
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const schemas = buildSchemas();
  rmSync(schemaDir, { recursive: true, force: true });
  mkdirSync(schemaDir, { recursive: true });
  for (const [name, text] of schemas) writeFileSync(path.join(schemaDir, name), text);
  console.log(`wrote ${schemas.size} schemas to ${path.relative(process.cwd(), schemaDir) || '.'}`);
}
