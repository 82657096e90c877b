// Module hooks for register.mjs: the sources import each other as `.js` (NodeNext) while the files are `.ts`, and
// TypeScript strips the types file by file (no type check: tsc does that separately). What it makes is kept in the
// temporary folder by the file's content, so that a test starting the CLI or the sidecar again and again (the kill -9
// test starts a dozen) transpiles each file once, and loads TypeScript only when something changed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pid } from 'node:process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = join(tmpdir(), 'immich-people-ts-loader-v1');
let typescript;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
    }
    throw error;
  }
}

async function transpile(fileName, text) {
  typescript ??= (await import('typescript')).default;
  const ts = typescript;
  return ts.transpileModule(text, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  }).outputText;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const text = await readFile(fileName, 'utf8');
  const cached = join(CACHE, `${createHash('sha256').update(fileName).update('\0').update(text).digest('hex')}.js`);
  let source;
  try {
    source = await readFile(cached, 'utf8');
  } catch {
    source = await transpile(fileName, text);
    // written beside, then renamed: a process reading it at the same time sees all of it or nothing
    const partial = `${cached}.${pid}.tmp`;
    await mkdir(CACHE, { recursive: true });
    await writeFile(partial, source);
    await rename(partial, cached);
  }
  return { format: 'module', source, shortCircuit: true };
}
