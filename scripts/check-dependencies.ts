/**
 * Declared-dependency guard (also run as a test): every package the code
 * imports must be named in package.json, so a clean `npm ci` gives the code what
 * it uses rather than what a transitive dependency happens to hoist.
 *
 * The rule depends on how a file reaches its packages at run time:
 * - electron/ (except the preload) and bin/ run from source under Node (the CLI
 *   through tsx) or, for electron/main, from a bundle that externalizes
 *   dependencies: a value import there needs `dependencies`. `electron` itself
 *   is the exception: the Electron runtime provides it, and electron-builder
 *   wants it in devDependencies.
 * - renderer/ and electron/preload/ are bundled by electron-vite, and tests,
 *   benches, scripts, build hooks and root config files never ship: either
 *   `dependencies` or `devDependencies` will do.
 * - A type-only import (`import type`, `export type`, `import('x').T`,
 *   `/// <reference types>`) is erased before run time: it may be declared in
 *   either list, or through its `@types/` package.
 *
 * Specifiers are read from the syntax tree, so a string or comment that merely
 * mentions an import is ignored. Relative and absolute paths, `#` subpath
 * imports, URL-like specifiers, Node built-ins and the path aliases of the
 * tsconfigs and electron.vite.config.ts are not packages.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCANNED_DIRS = ['electron', 'renderer', 'scripts', 'bench', 'test', 'bin', 'build'];
const SKIPPED_DIRS = new Set(['node_modules', 'out', 'dist', 'coverage', '.tmp', 'test-results', 'results']);
const SOURCE_RE = /\.(ts|tsx|mts|cts|js|mjs|cjs|vue)$/;
/** Paths whose value imports must be in `dependencies` (checked in order; first match wins). */
const RUNTIME_SCOPES: { prefix: string; runtime: boolean }[] = [
  { prefix: 'electron/preload/', runtime: false },
  { prefix: 'electron/', runtime: true },
  { prefix: 'bin/', runtime: true },
];
/** Provided by the runtime the code runs in, declared as a devDependency. */
const PROVIDED_BY_RUNTIME = new Set(['electron']);
/** vitest calls whose first argument names a module that must resolve. */
const VI_MODULE_CALLS = new Set(['mock', 'doMock', 'unmock', 'doUnmock', 'importActual', 'importMock']);

export interface DependencyProblem { file: string; specifier: string; pkg: string; rule: string }
export interface ModuleReference { specifier: string; typeOnly: boolean }

interface Manifest { name?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (SOURCE_RE.test(name)) yield p;
  }
}

function sourceFiles(root: string): string[] {
  const files = readdirSync(root).filter((n) => SOURCE_RE.test(n) && statSync(join(root, n)).isFile()).map((n) => join(root, n));
  for (const dir of SCANNED_DIRS) if (existsSync(join(root, dir))) files.push(...walk(join(root, dir)));
  return files;
}

/** The `<script>` blocks of a single-file component (the template cannot import). */
function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.vue')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function scriptKind(file: string): ts.ScriptKind {
  return /\.(js|mjs|cjs)$/.test(file) ? ts.ScriptKind.JS : /\.tsx$/.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

function allTypeOnly(elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean {
  return elements.length > 0 && elements.every((e) => e.isTypeOnly);
}

/** Every module specifier a source file references, and whether it survives to run time. */
export function moduleReferences(file: string, text: string): ModuleReference[] {
  const sf = ts.createSourceFile(file, scriptOf(file, text), ts.ScriptTarget.Latest, false, scriptKind(file));
  const out: ModuleReference[] = sf.typeReferenceDirectives.map((d) => ({ specifier: d.fileName, typeOnly: true }));
  const add = (node: ts.Node | undefined, typeOnly: boolean) => {
    if (node && ts.isStringLiteralLike(node)) out.push({ specifier: node.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      add(node.moduleSpecifier, !!clause && (clause.isTypeOnly
        || (!clause.name && !!bindings && ts.isNamedImports(bindings) && allTypeOnly(bindings.elements))));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      add(node.moduleSpecifier, node.isTypeOnly || (!!clause && ts.isNamedExports(clause) && allTypeOnly(clause.elements)));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isRequireResolve = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)
        && callee.expression.text === 'require' && callee.name.text === 'resolve';
      const isViModule = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)
        && callee.expression.text === 'vi' && VI_MODULE_CALLS.has(callee.name.text);
      if (callee.kind === ts.SyntaxKind.ImportKeyword || isRequire || isRequireResolve || isViModule) add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Path aliases: `compilerOptions.paths` of the root tsconfigs and the `alias` keys of electron.vite.config.ts. */
function aliasesOf(root: string): string[] {
  const aliases: string[] = [];
  for (const name of readdirSync(root).filter((n) => /^tsconfig.*\.json$/.test(n))) {
    const config = ts.parseConfigFileTextToJson(name, readFileSync(join(root, name), 'utf8')).config as
      { compilerOptions?: { paths?: Record<string, unknown> } } | undefined;
    for (const key of Object.keys(config?.compilerOptions?.paths ?? {})) aliases.push(key.replace(/\/?\*$/, ''));
  }
  const vite = join(root, 'electron.vite.config.ts');
  if (existsSync(vite)) {
    for (const block of readFileSync(vite, 'utf8').matchAll(/\balias\s*:\s*\{([^}]*)\}/g)) {
      for (const key of block[1]!.matchAll(/(?:^|[,{\s])(?:'([^']+)'|"([^"]+)"|([\w$@-]+))\s*:/g)) aliases.push((key[1] ?? key[2] ?? key[3])!);
    }
  }
  return aliases.filter((a) => a.length > 0);
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`), or null when it is not a package. */
export function packageOf(specifier: string, aliases: readonly string[] = []): string | null {
  if (/^[./#]/.test(specifier) || /^[a-z][a-z0-9+.-]*:/i.test(specifier) || isBuiltin(specifier)) return null;
  if (aliases.some((a) => specifier === a || specifier.startsWith(`${a}/`))) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? (parts.length >= 2 ? `${parts[0]}/${parts[1]}` : null) : parts[0]!;
}

function typesPackage(pkg: string): string {
  return `@types/${pkg.startsWith('@') ? pkg.slice(1).replace('/', '__') : pkg}`;
}

export function findUndeclaredImports(root = ROOT): DependencyProblem[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  const runtimeDeps = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  const devDeps = new Set(Object.keys(manifest.devDependencies ?? {}));
  if (manifest.name) runtimeDeps.add(manifest.name);
  const aliases = aliasesOf(root);
  const found: DependencyProblem[] = [];
  for (const path of sourceFiles(root)) {
    const file = relative(root, path).split('\\').join('/');
    const runtime = RUNTIME_SCOPES.find((s) => file.startsWith(s.prefix))?.runtime ?? false;
    for (const { specifier, typeOnly } of moduleReferences(file, readFileSync(path, 'utf8'))) {
      const pkg = packageOf(specifier, aliases);
      if (!pkg) continue;
      const declared = runtimeDeps.has(pkg) || devDeps.has(pkg) || (typeOnly && devDeps.has(typesPackage(pkg)));
      if (!declared) {
        found.push({ file, specifier, pkg, rule: 'not declared in package.json' });
      } else if (runtime && !typeOnly && !runtimeDeps.has(pkg) && !PROVIDED_BY_RUNTIME.has(pkg)) {
        found.push({ file, specifier, pkg, rule: 'runs from source at run time: needs to be in dependencies, not devDependencies' });
      }
    }
  }
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = findUndeclaredImports();
  for (const x of v) console.error(`${x.file}: imports '${x.specifier}' (package '${x.pkg}' ${x.rule})`);
  if (v.length) process.exit(1);
  console.log('declared dependencies: ok');
}
