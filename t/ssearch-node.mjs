// t/ssearch-node.mjs COMPONENT_DIR DB.fasta QUERY.fasta [key=value...]:
// the ssearch component run under Node as a browser's worker runs it,
// its report on standard output (t/62*-ssearch.bats compares it with
// ct-ssearch's).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [dir, dbPath, queryPath, ...options] = process.argv.slice(2);
const { run } = await import(join(dir, 'ssearch.mjs'));
let calls = 0;
try {
  const report = await run({
    task: {
      service: 'ssearch',
      database: basename(dbPath),
      query: readFileSync(queryPath, 'utf8'),
      options,
    },
    files: {
      component: { 'ssearch.wasm': new Uint8Array(readFileSync(join(dir, 'ssearch.wasm'))) },
      database: { [basename(dbPath)]: new Uint8Array(readFileSync(dbPath)) },
    },
    progress: () => { calls++; },
  });
  process.stdout.write(report);
  if (process.env.SSEARCH_PROGRESS) process.stderr.write(`progress calls: ${calls}\n`);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
