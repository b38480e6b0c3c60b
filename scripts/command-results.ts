// The result type of every command, gathered into one module that
// ts-json-schema-generator can read (scripts/schemas.ts writes the schemas).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The symbol a name refers to, through imports. */
export function resolve(checker: ts.TypeChecker, name: ts.EntityName): ts.Symbol | undefined {
  const symbol = checker.getSymbolAtLocation(name);
  return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** "job/list.ts" → "job-list" (the command `job list`). */
const commandId = (file: string) =>
  file
    .replace(/\.ts$/, '')
    .split(path.sep)
    .join('-')
    .replace(/-index$/, '');
/** A name no source type has (a result type may share the command's name, e.g. EncodeResult). */
export const rootName = (id: string) => `CommandOutput_${id.replaceAll('-', '_')}`;

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
export function resultEntry(options: {
  commandDir: string;
  /** Command files, relative to commandDir. */
  files: string[];
  /** Where ErrorDocument, the failure document, is declared. */
  errorDocumentFile: string;
  /** The module to write. */
  entry: string;
}): ResultType[] {
  const { commandDir, files, errorDocumentFile, entry } = options;
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
  const errorType = `import type { ErrorDocument } from ${from(errorDocumentFile)};`;
  const exports = results.map((r) => `export type ${rootName(r.id)} = ${r.text};`);
  writeFileSync(entry, `${[errorType, ...imports].join('\n')}\nexport type { ErrorDocument };\n${exports.join('\n')}\n`);
  return results;
}
