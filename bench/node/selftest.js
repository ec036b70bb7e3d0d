// selftest — `node bench/node/run.js --self-test`: run a tiny grid of every kind of Node row
// into a temporary folder and validate what run.js wrote, so `make test` catches a runner
// that drifts from the Google Benchmark JSON shape, a row that disappears or changes its
// name, or an input that no longer follows the rules of bench/node/README.md.
//
// The expected names and the pinned input bytes are written out here, not taken from
// rows.js / inputs.js, so a change there must be made on purpose in both places (and in the
// C suite, which mirrors them).  Prints one line per failed check and ends with
// "N passed, N failed"; the exit status is 1 when a check failed.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const inputs = require('./inputs.js');

const ENCODINGS = ['utf8', 'utf16le', 'latin1', 'ascii', 'hex', 'base64', 'base64url'];
const TINY_GRID = { codecSizes: [64], allocSizes: [64, 8192], chunks: [65536], fileSize: 1 << 20 };
const REPETITIONS = 3; // odd and > 2, so the median and the mean tell apart
const MIN_TIME = 0.01;

// A row name as DESIGN.md spells Node rows ("node/" + the mirrored C name), with Google
// Benchmark's /real_time suffix on the rows timed on real time.
const NAME_PATTERN = new RegExp('^node/(?:' + [
  `codec/(?:${ENCODINGS.join('|')})/(?:encode|decode)/\\d+`,
  'codec_mltext/utf8/(?:encode|decode)/\\d+',
  'alloc/(?:alloc|allocUnsafe)/\\d+',
  '(?:stream_file|stream_lines)/\\d+/real_time',
].join('|') + ')$');

function expectedNames() {
  const names = [];
  for (const encoding of ENCODINGS)
    for (const direction of ['encode', 'decode']) names.push(`node/codec/${encoding}/${direction}/64`);
  for (const direction of ['encode', 'decode']) names.push(`node/codec_mltext/utf8/${direction}/64`);
  for (const method of ['alloc', 'allocUnsafe']) names.push(`node/alloc/${method}/64`, `node/alloc/${method}/8192`);
  names.push('node/stream_file/65536/real_time', 'node/stream_lines/65536/real_time');
  return names;
}

// The first bytes of every input (bench/node/README.md "Inputs" quotes them for the C side).
const PINNED = {
  ascii: '2b66713972764c61437d69434e422f5c',
  mltext: '3df09f8fadc4a2f09f8fabc7bad7b02b3e7df09f9491444a6ec4b921f09f9097',
  streamFile: '8625bb3c2d3ff98ca816a8dfe70967c7',
  streamLines: '32724b5c6e2f40737878595d62537e7a',
};

// ---- The checks ------------------------------------------------------------------------
function makeChecker() {
  const tally = { passed: 0, failed: 0 };
  const check = (condition, what) => {
    if (condition) tally.passed++;
    else { tally.failed++; process.stdout.write(`FAIL ${what}\n`); }
  };
  return { tally, check };
}

function checkInputs(check, dataDir) {
  check(inputs.asciiBytes(16).toString('hex') === PINNED.ascii, 'ASCII codec input: first 16 bytes as pinned');
  const ascii = inputs.asciiBytes(4096);
  check(ascii.every((byte) => byte >= 0x20 && byte <= 0x7e), 'ASCII codec input: printable bytes only');

  check(inputs.mltextBytes(32).toString('hex') === PINNED.mltext, 'multilingual input: first 32 bytes as pinned');
  const mltext = inputs.mltextBytes(65536);
  check(mltext.length === 65536 && Buffer.from(mltext.toString('utf8'), 'utf8').equals(mltext),
    'multilingual input: exactly the size asked, valid UTF-8');
  const perLength = [0, 0, 0, 0, 0];
  for (const character of mltext.toString('utf8')) perLength[Buffer.byteLength(character)]++;
  check(perLength.slice(1).every((count) => count > 0), `multilingual input: 1-, 2-, 3- and 4-byte characters (${perLength.slice(1)})`);

  const file = fs.readFileSync(path.join(dataDir, inputs.STREAM_FILE));
  check(file.length === TINY_GRID.fileSize && file.subarray(0, 16).toString('hex') === PINNED.streamFile,
    'stream_file.bin: the size asked, first 16 bytes as pinned');
  const text = fs.readFileSync(path.join(dataDir, inputs.STREAM_LINES));
  check(text.length === TINY_GRID.fileSize && text.subarray(0, 16).toString('hex') === PINNED.streamLines,
    'stream_lines.txt: the size asked, first 16 bytes as pinned');
  const lines = text.toString('latin1').split('\n');
  const last = lines.pop();
  const average = text.length / lines.length;
  check(last === '' && average > 55 && average < 66, `stream_lines.txt: ends with a newline, ~60-byte lines (${average.toFixed(1)})`);
  check(new Set(lines.map((line) => line.length)).size > 100, 'stream_lines.txt: lines of mixed lengths');
}

const CONTEXT_FIELDS = { date: 'string', host_name: 'string', executable: 'string', num_cpus: 'number',
  mhz_per_cpu: 'number', cpu_scaling_enabled: 'boolean', caches: 'object', load_avg: 'object',
  library_build_type: 'string', node_version: 'string', gc_between_repetitions: 'string' };

function checkContext(check, context) {
  check(context && typeof context === 'object', 'JSON: a "context" object');
  for (const [field, type] of Object.entries(CONTEXT_FIELDS))
    check(typeof (context || {})[field] === type, `context.${field} is a ${type}`);
}

function checkIteration(check, entry) {
  const where = entry.name;
  check(NAME_PATTERN.test(entry.name), `${where}: name follows node/<C row name>`);
  check(entry.run_name === entry.name, `${where}: run_name equals name`);
  check(!entry.error_occurred, `${where}: no error (${entry.error_message})`);
  check(entry.repetitions === REPETITIONS && entry.threads === 1, `${where}: repetitions ${REPETITIONS}, threads 1`);
  check(Number.isInteger(entry.iterations) && entry.iterations >= 1, `${where}: iterations >= 1`);
  check(entry.real_time > 0 && entry.cpu_time >= 0 && entry.time_unit === 'ns', `${where}: real_time, cpu_time in ns`);
  // Every repetition lasts min time (real_time is per iteration; 0.1% for rounding).
  check(entry.real_time * entry.iterations >= 0.999 * MIN_TIME * 1e9, `${where}: the repetition ran >= min time`);
  check(/^node v\d+\./.test(entry.label), `${where}: label "node vX"`);
  const wantsBytes = !/^node\/alloc\//.test(entry.name);
  const wantsItems = /^node\/(alloc|stream_lines)\//.test(entry.name);
  check(wantsBytes === (entry.bytes_per_second > 0), `${where}: bytes_per_second ${wantsBytes ? 'present' : 'absent'}`);
  check(wantsItems === (entry.items_per_second > 0), `${where}: items_per_second ${wantsItems ? 'present' : 'absent'}`);
}

function checkAggregates(check, name, repetitions, aggregates) {
  const byName = Object.fromEntries(aggregates.map((entry) => [entry.aggregate_name, entry]));
  check(['mean', 'median', 'stddev', 'cv'].every((statistic) => byName[statistic]), `${name}: mean, median, stddev, cv aggregates`);
  if (!byName.mean) return;
  const times = repetitions.map((entry) => entry.real_time);
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
  const median = [...times].sort((a, b) => a - b)[times.length >> 1];
  const stddev = Math.sqrt(times.reduce((sum, time) => sum + (time - mean) ** 2, 0) / (times.length - 1));
  const near = (value, reference) => Math.abs(value - reference) <= 1e-9 * Math.abs(reference);
  check(near(byName.mean.real_time, mean) && byName.mean.name === `${name}_mean`,
    `${name}: the mean aggregate is the mean of the repetitions`);
  check(near(byName.median.real_time, median), `${name}: the median aggregate is the middle repetition`);
  check(near(byName.stddev.real_time, stddev) && near(byName.cv.real_time, stddev / mean),
    `${name}: stddev (n - 1) and cv = stddev / mean`);
}

function checkBenchmarks(check, benchmarks) {
  check(Array.isArray(benchmarks), 'JSON: a "benchmarks" array');
  if (!Array.isArray(benchmarks)) return;
  const expected = expectedNames();
  const seen = new Map();
  for (const entry of benchmarks) {
    if (!seen.has(entry.run_name)) seen.set(entry.run_name, { repetitions: [], aggregates: [] });
    seen.get(entry.run_name)[entry.run_type === 'aggregate' ? 'aggregates' : 'repetitions'].push(entry);
  }
  check(expected.every((name) => seen.has(name)), `every row present (missing: ${expected.filter((name) => !seen.has(name))})`);
  check([...seen.keys()].every((name) => expected.includes(name)), `no unexpected row (${[...seen.keys()].filter((name) => !expected.includes(name))})`);
  for (const [name, { repetitions, aggregates }] of seen) {
    check(repetitions.map((entry) => entry.repetition_index).join() === [...Array(REPETITIONS).keys()].join(),
      `${name}: one entry per repetition, repetition_index 0..${REPETITIONS - 1}`);
    for (const entry of repetitions) checkIteration(check, entry);
    checkAggregates(check, name, repetitions, aggregates);
  }
}

// ---- The self-test -----------------------------------------------------------------------
async function selfTest({ runRows, writeJson }) {
  const { tally, check } = makeChecker();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bufbench-node-selftest-'));
  try {
    const out = path.join(folder, 'results.json');
    const options = { grid: TINY_GRID, filter: null, repetitions: REPETITIONS, quick: true,
      minTime: MIN_TIME, fileSize: TINY_GRID.fileSize, dataDir: path.join(folder, 'data') };
    const progress = { lines: [], write(line) { this.lines.push(line); } };
    writeJson(out, await runRows(options, progress));
    check(progress.lines.length === expectedNames().length, 'progress: one line per row');

    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    checkContext(check, result.context);
    checkBenchmarks(check, result.benchmarks);
    checkInputs(check, options.dataDir);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  process.stdout.write(`${tally.passed} passed, ${tally.failed} failed\n`);
  return tally.failed === 0 ? 0 : 1;
}

module.exports = { selfTest };
