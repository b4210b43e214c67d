// The layout's rules (ARCHITECTURE.md section 1, README "Layout"), checked on the source so that they stay true:
// no import cycle in src/ (type-only imports included), arrows one way between the rooms, tests/ and bench/ apart
// (what they share is src/devkit/), the CID pattern and Node's internals each written in one file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { REPO } from '../src/devkit/paths.ts';

function sources(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'fixtures' && !name.startsWith('.')) out.push(...sources(path));
    } else if (/\.(ts|mts|mjs|js)$/.test(name)) out.push(path);
  }
  return out.sort();
}

/** Repository-relative paths of the project files `file` imports (static, dynamic, `export from`, type-only). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const out: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith('.')) continue;
    let target = resolve(dirname(file), fileName);
    if (!existsSync(target) && existsSync(`${target}.ts`)) target = `${target}.ts`;
    out.push(relative(REPO, target));
  }
  return out;
}

const SRC = sources(join(REPO, 'src'));
const GRAPH = new Map(SRC.map((file) => [relative(REPO, file), importsOf(file)]));

test('src/ has no import cycle, type-only imports included', () => {
  assert.ok(GRAPH.size > 50, `${GRAPH.size} files found`);
  // Tarjan's strongly connected components: every component of more than one file (or a self-import) is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of GRAPH.get(v) ?? []) {
      if (!GRAPH.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || GRAPH.get(v)!.includes(v)) cycles.push(component.sort());
    }
  };
  for (const file of GRAPH.keys()) if (!index.has(file)) visit(file);
  assert.equal(cycles, [], `import cycles:\n${cycles.map((c) => c.join(' <-> ')).join('\n')}`);
});

/** [room, rooms it must not import]: a room is a folder (or file) of src/. */
const FORBIDDEN: Array<[string, string[]]> = [
  ['src/tensor/', ['src/']],
  ['src/telemetry/', ['src/']],
  ['src/devkit/', ['src/']],
  ['src/mmap/', ['src/store/', 'src/http/', 'src/graphql/', 'src/server', 'src/cli']],
  ['src/store/', ['src/http/', 'src/graphql/', 'src/server', 'src/cli']],
  ['src/http/', ['src/graphql/', 'src/server', 'src/cli']],
  ['src/graphql/', ['src/server', 'src/cli']],
];

test('arrows point one way: tensor, telemetry and devkit import nothing else of src/; lower rooms not the upper', () => {
  const wrong: string[] = [];
  for (const [file, imports] of GRAPH) {
    for (const [room, banned] of FORBIDDEN) {
      if (!file.startsWith(room)) continue;
      for (const target of imports) {
        if (target.startsWith(room)) continue;
        if (banned.some((b) => target.startsWith(b))) wrong.push(`${file} imports ${target}`);
      }
    }
  }
  assert.equal(wrong, []);
});

test('tests/ and bench/ do not import each other (what they share is in src/devkit/)', () => {
  const wrong: string[] = [];
  for (const [side, other] of [['tests', 'bench/'], ['bench', 'tests/']] as const) {
    for (const file of sources(join(REPO, side))) {
      for (const target of importsOf(file)) if (target.startsWith(other)) wrong.push(`${relative(REPO, file)} imports ${target}`);
    }
  }
  assert.equal(wrong, []);
});

/** The files of src/ whose text matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return SRC.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((file) => relative(REPO, file));
}

test('the base32 CID pattern is written once in src/ (src/store/cid.ts)', () => {
  assert.equal(filesMatching(/\[a-z2-7\]|abcdefghijklmnopqrstuvwxyz234567/), ['src/store/cid.ts']);
});

test('Node internals are used in one file (src/server/lane/node-internals.ts)', () => {
  assert.equal(filesMatching(/\b_handle\b|_httpMessage|listeners\('connection'\)/), ['src/server/lane/node-internals.ts']);
});

test('one 500 body in src/ (src/http/refusal.ts)', () => {
  assert.equal(filesMatching(/internal error \(logged/), ['src/http/refusal.ts']);
});

test.run();
