// streams.js — the stream layer against Node v20: scripts/node-diff streams [--seed S] [--cases N]
//   [--driver PATH] (default build/tests/line_driver) [--convert-cases N] [--buf PATH]
//
// Each case is a random file (tests/node/lib/streams_gen.js) read by the C line reader
// (tests/tools/line_driver: every line hex-encoded) at a random chunk size, through fd reads
// or random short pieces, on a random backend, and by Node's readline over
// fs.createReadStream with a random highWaterMark (crlfDelay: Infinity; latin1 so lines
// are bytes).  The lines must be the same bytes in the same order.  Prints the seed (rerun
// a failure with --seed S) and ends "N passed, N failed"; exit 1 on any mismatch.
//
// Case kinds are a table (kinds below): a new kind is one more entry with its own
// generate/check/describe functions.  Then the chunked `buf convert` suite
// (convert_chunked.js: random pairs, inputs, chunk sizes and backends against Node's one-shot
// answer) runs with the same seed and --convert-cases cases; both counts add up.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { execFileSync, spawnSync } = require('child_process');
const { rng, randomText } = require('./lib/streams_gen');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('usage: scripts/node-diff streams [--seed S] [--cases N] [--driver PATH] [--convert-cases N] [--buf PATH]');
  process.exit(0);
}
const seed = Number(option('--seed', String(Math.floor(Math.random() * 2 ** 31))));
const cases = Number(option('--cases', '300'));
const root = path.resolve(__dirname, '..', '..');
const driver = option('--driver', path.join(root, 'build', 'tests', 'line_driver'));
const buf = path.resolve(option('--buf', path.join(path.dirname(driver), '..', 'buf')));
const convertCases = Number(option('--convert-cases', '300'));
// Every base backend the registry has (`buf backends`, first word of each line), and a variant.
const backends = [...execFileSync(buf, ['backends']).toString().trim().split('\n').map((line) => line.split(/\s+/)[0]),
                  'mmap:guard'];
const chunkSizes = [1, 2, 3, 7, 64, 4096, 65536];

console.log(`streams: seed ${seed}, ${cases} cases, driver ${driver}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bufbench-streams-'));

// ---- Node's side ---------------------------------------------------------------------------
async function nodeLines(file, highWaterMark) {
  const input = fs.createReadStream(file, { highWaterMark, encoding: 'latin1' });
  const reader = readline.createInterface({ input, crlfDelay: Infinity });
  const lines = [];
  for await (const line of reader) lines.push(Buffer.from(line, 'latin1').toString('hex'));
  return lines;
}

// ---- Case kinds ------------------------------------------------------------------------------
const kinds = [
  {
    name: 'lines',
    // Large inputs take the large chunk sizes: 1-byte reads of 300 KB cost Node minutes.
    generate: (random) => {
      const large = random() < 0.1;
      const sizes = large ? [4096, 65536] : chunkSizes;
      return {
      text: randomText(random, large ? 300000 : 3000),
      chunk: random.pick(sizes),
      nodeChunk: random.pick(sizes),
      pieces: random() < 0.5 ? random.int(1, 2 ** 31) : 0,
      backend: random.pick(backends),
      };
    },
    async check(c, file) {
      fs.writeFileSync(file, c.text);
      const driverArgs = ['--backend', c.backend, '--chunk', String(c.chunk), file];
      if (c.pieces) driverArgs.unshift('--pieces', String(c.pieces));
      const output = execFileSync(driver, driverArgs, { maxBuffer: 1 << 28 }).toString('latin1');
      const got = output.split('\n');
      got.pop(); // after the last \n
      const end = got.pop();
      const want = await nodeLines(file, c.nodeChunk);
      if (end !== 'end BUF_EOF') return `driver ended with '${end}'`;
      if (got.length !== want.length) return `${got.length} lines, Node has ${want.length}`;
      for (let i = 0; i < want.length; i++)
        if (got[i] !== want[i]) return `line ${i}: C ${got[i].slice(0, 80)} vs Node ${want[i].slice(0, 80)}`;
      return null;
    },
    describe: (c) => `${c.text.length} bytes, chunk ${c.chunk}${c.pieces ? ` pieces ${c.pieces}` : ''}, ` +
      `backend ${c.backend}, Node highWaterMark ${c.nodeChunk}; input (hex, first 200 bytes) ` +
      c.text.subarray(0, 200).toString('hex'),
  },
];

(async () => {
  const random = rng(seed);
  let passed = 0, failed = 0;
  for (let i = 0; i < cases; i++) {
    const kind = kinds[i % kinds.length];
    const c = kind.generate(random);
    const file = path.join(work, `case-${i}`);
    let problem;
    try {
      problem = await kind.check(c, file);
    } catch (error) {
      problem = `error: ${error.message}`;
    }
    if (problem) {
      failed++;
      if (failed <= 5) console.log(`FAIL ${kind.name} case ${i} (seed ${seed}): ${problem}\n  ${kind.describe(c)}`);
    } else {
      passed++;
    }
    fs.rmSync(file, { force: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`lines: ${passed} passed, ${failed} failed`);
  if (convertCases > 0) {
    const run = spawnSync(process.execPath, [path.join(__dirname, 'convert_chunked.js'), '--seed', String(seed),
                                             '--cases', String(convertCases), '--buf', buf], { encoding: 'utf8' });
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    const counts = /(\d+) passed, (\d+) failed\s*$/.exec(run.stdout);
    if (counts) {
      passed += Number(counts[1]);
      failed += Number(counts[2]);
    }
    // A child that failed without counting its failure (a crash, a usage error) is one.
    if (run.status !== 0 && !(counts && Number(counts[2]) > 0)) failed += 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
