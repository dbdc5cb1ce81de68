// The cache-safety figures: over-grants (must be 0) and the over-deny rate (a figure to drive
// down) of cached IAM answers, judged by an IAM engine that is not ours, on the property test's
// generator (tests/js/helpers/cache-property.mjs) with a fixed seed. `node bench/cache-safety.mjs
// [documents]`; bench/run.mjs runs it as its 'cache safety' section.
import { runCacheProperty } from '../tests/js/helpers/cache-property.mjs';

const documents = Number(process.argv[2] ?? 200);
const started = performance.now();
const counts = await runCacheProperty({ seed: 20250101, documents, examples: 0 });
const seconds = (performance.now() - started) / 1000;
const rate = (over, allowed) => (allowed ? `${((100 * over) / allowed).toFixed(2)}%` : 'n/a');
console.log(`| shape | triples | over-grants | over-denies | over-deny rate (of freshly allowed) |`);
console.log('|---|---:|---:|---:|---:|');
for (const [shape, c] of Object.entries(counts.byShape)) {
  console.log(`| ${shape} | ${c.triples} | ${c.overGrants} | ${c.overDenies} | ${rate(c.overDenies, c.freshAllowed)} |`);
}
console.log(`| all | ${counts.triples} | ${counts.overGrants} | ${counts.overDenies} | ${rate(counts.overDenies, counts.freshAllowed)} |`);
console.log('');
console.log(`${counts.documents} documents, seed ${counts.seed}, ${seconds.toFixed(1)} s (answers built and proved in wasm, judged by @cloud-copilot/iam-simulate)`);
