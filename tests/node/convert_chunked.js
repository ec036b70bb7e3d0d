#!/usr/bin/env node
// convert_chunked — Node differential test of streaming `buf convert` (impls/cli/cmd_convert.c
// over impls/streams/convert_stream.c and the codec layer's incremental converters).
//
//   scripts/node-diff convert_chunked [--seed S] [--cases N] [--buf PATH]
//
// Each case takes a random (from, to) pair of {raw, utf8, utf16le, latin1, ascii, hex,
// base64, base64url}, a random or adversarial input (the codecs suite's generators), a
// random chunk size (1 to 9 bytes, so characters, surrogate pairs, base64 quanta and hex
// pairs are split everywhere; sometimes a larger one) and a random backend, runs
// `buf convert --chunk K` on a file, and compares stdout with Node's answer for the whole
// input (DESIGN.md's contract: encode E is Buffer.from(b.toString(E), 'utf8'), decode E is
// Buffer.from(Buffer.from(t).toString('utf8'), E)).  Prints the seed; on a mismatch the
// case with the command that reproduces it; ends with "N passed, N failed".
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { randomInt } = require('crypto');
const gen = require('./lib/codecs_gen.js');

const ROOT = path.resolve(__dirname, '..', '..');
const SIDES = ['raw', ...gen.ENCODINGS];

// ---- Command line ----------------------------------------------------------------------
const args = process.argv.slice(2);
let seed = randomInt(2 ** 32), cases = 300, buf = path.join(ROOT, 'build', 'buf');
for (let i = 0; i < args.length; i++) {
  const value = () => { if (i + 1 >= args.length) die(`${args[i]} needs a value`); return args[++i]; };
  if (args[i] === '--seed') seed = Number(value()) >>> 0;
  else if (args[i] === '--cases') cases = Number(value());
  else if (args[i] === '--buf') buf = path.resolve(value());
  else if (args[i] === '-h' || args[i] === '--help') {
    process.stdout.write('usage: scripts/node-diff convert_chunked [--seed S] [--cases N] [--buf PATH]\n');
    process.exit(0);
  } else die(`unknown argument '${args[i]}'`);
}
function die(message) {
  process.stderr.write(`node-diff convert_chunked: ${message}\n`);
  process.exit(2);
}
if (!fs.existsSync(buf)) die(`${buf} is missing: run make first`);
// Every base backend the registry has (`buf backends`, first word of each line), and a variant.
const BACKENDS = [...spawnSync(buf, ['backends'], { encoding: 'utf8' }).stdout.trim().split('\n')
  .map((line) => line.split(/\s+/)[0]).filter(Boolean), 'mmap:guard'];

// ---- Node's answer for the whole input ---------------------------------------------------
function nodeConvert(from, to, input) {
  const bytes = from === 'raw' ? input : Buffer.from(input.toString('utf8'), from);
  return to === 'raw' ? bytes : Buffer.from(bytes.toString(to), 'utf8');
}

// ---- Cases -------------------------------------------------------------------------------
const rng = gen.makeRng(seed);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'convert_chunked-'));
const inputPath = path.join(work, 'input');
process.stdout.write(`convert_chunked: seed ${seed}, ${cases} cases, ${buf}\n`);
let passed = 0, failed = 0;
for (let n = 0; n < cases; n++) {
  const from = rng.pick(SIDES), to = rng.pick(SIDES);
  const input = from === 'raw' ? gen.bytesInput(rng, to === 'raw' ? 'latin1' : to) : gen.textInput(rng, from);
  const chunk = rng.chance(0.85) ? 1 + rng.int(9) : 1 + rng.int(70000);
  const backend = rng.pick(BACKENDS);
  fs.writeFileSync(inputPath, input);
  const argv = ['convert', '--from', gen.spelling(rng, from), '--to', gen.spelling(rng, to), '--chunk', String(chunk),
    '--backend', backend, inputPath];
  const run = spawnSync(buf, argv, { maxBuffer: 64 << 20 });
  const want = nodeConvert(from, to, input);
  if (run.status === 0 && Buffer.compare(run.stdout, want) === 0) { passed++; continue; }
  failed++;
  if (failed <= 5) {
    const hex = b => (b.length > 128 ? b.subarray(0, 128).toString('hex') + ` ... (${b.length} bytes)` : b.toString('hex'));
    process.stdout.write(`FAIL ${from} -> ${to}, --chunk ${chunk}, --backend ${backend} (seed ${seed}, case ${n})\n` +
      `  input  ${hex(input) || '(empty)'}\n  node   ${hex(want)}\n` +
      `  buf    ${hex(run.stdout)} (exit ${run.status}) ${run.stderr.toString().trim()}\n` +
      `  rerun: scripts/node-diff convert_chunked --seed ${seed} --cases ${n + 1}\n`);
  }
}
fs.rmSync(work, { recursive: true, force: true });
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
