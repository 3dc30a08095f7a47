/**
 * Issue 8, part 5: loading a model (or any file) never evaluates code. No source file of a
 * package or app may reach a code-evaluating API: eval, the Function constructor, node:vm, or
 * an import/require whose specifier is computed (which could load a path named by a file).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from './paths';

const FORBIDDEN: [RegExp, string][] = [
  [/(?<![.\w$])eval\s*\(/, 'eval'],
  [/\bnew\s+Function\s*\(/, 'the Function constructor'],
  [/['"](?:node:)?vm['"]/, 'node:vm'],
  [/\bimport\s*\(\s*(?!['"])/, 'an import() of a computed specifier'],
  [/\brequire\s*\(\s*(?!['"])/, 'a require() of a computed specifier'],
];

/** .ts files under `dir`, skipping dependencies and build output. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

it('no package or app source evaluates code or loads a computed module path', () => {
  const root = repoRoot();
  const roots = ['packages', 'apps'].flatMap((top) => readdirSync(join(root, top)).map((name) => join(root, top, name, 'src')));
  const files = roots.filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory()).flatMap(sources);
  expect(files.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // Comments may name these APIs, and a class may define an eval() method (Module.eval).
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*(?:(?:override|public|async)\s+)*eval\s*\([^)]*\)\s*[:{]/, '');
        for (const [pattern, what] of FORBIDDEN) if (pattern.test(code)) hits.push(`${relative(root, file)}:${i + 1}: ${what}`);
      });
  }
  expect(hits).toEqual([]);
});
