/**
 * routing/ is pure: it imports only zod, luxon, libphonenumber-js and its own files, and never
 * reads the clock (the instant is an input). This scans every file of the folder.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../routing');
const ALLOWED_PACKAGES = [/^zod$/, /^luxon$/, /^libphonenumber-js(\/[a-z0-9/.-]+)?$/];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(ROOT);
const sources = files.filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f));

/** Every module specifier in a source: static imports/exports, dynamic import(), require(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

t.test('routing/ holds only TypeScript sources and its README', async (t) => {
  const others = files.filter((f) => !f.endsWith('.ts') && relative(ROOT, f) !== 'README.md');
  t.same(others.map((f) => relative(ROOT, f)), []);
  t.ok(sources.length > 10, `${sources.length} sources scanned`);
});

for (const file of sources) {
  const name = relative(ROOT, file);
  const source = readFileSync(file, 'utf8');

  t.test(`${name} imports only zod, luxon, libphonenumber-js and routing/ files`, async (t) => {
    t.equal(/\bimport\s*\(/.test(source) && !/\bimport\s*\(\s*['"]/.test(source), false, 'no computed dynamic import');
    t.notMatch(source, /\brequire\s*\(/, 'no require()');
    for (const spec of specifiers(source)) {
      if (spec.startsWith('.')) {
        t.ok(spec.endsWith('.js'), `${spec} ends in .js (NodeNext)`);
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        t.ok(target.startsWith(ROOT + '/'), `${spec} stays inside routing/`);
        t.ok(existsSync(target), `${spec} exists`);
      } else {
        t.ok(ALLOWED_PACKAGES.some((re) => re.test(spec)), `${spec} is an allowed package`);
      }
    }
  });

  t.test(`${name} never reads the clock or other ambient state`, async (t) => {
    t.notMatch(source, /Date\.now\s*\(/, 'no Date.now()');
    t.notMatch(source, /new\s+Date\s*\(\s*\)/, 'no new Date() without an argument');
    t.notMatch(source, /\bperformance\.now\s*\(/, 'no performance.now()');
    t.notMatch(source, /Math\.random\s*\(/, 'no Math.random()');
    t.notMatch(source, /\bprocess\./, 'no process');
  });
}

t.test('the scan catches what it must refuse', async (t) => {
  const bad = [
    "import { PrismaClient } from '@prisma/client';",
    "import fs from 'node:fs';",
    "export * from 'fastify';",
    "const twilio = await import('twilio');",
    "import type { Redis } from 'ioredis';",
  ];
  for (const line of bad) {
    const [spec] = specifiers(line);
    t.ok(spec !== undefined && !ALLOWED_PACKAGES.some((re) => re.test(spec)), `refused: ${line}`);
  }
  t.same(specifiers("import { parse } from 'libphonenumber-js/max';"), ['libphonenumber-js/max']);
  t.match('const t = Date.now();', /Date\.now\s*\(/);
  t.match('const t = new Date( );', /new\s+Date\s*\(\s*\)/);
  t.notMatch('const t = new Date(at);', /new\s+Date\s*\(\s*\)/);
});
