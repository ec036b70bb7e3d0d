#!/usr/bin/env node
// run — the Node.js rows of the bufbench benchmark suite, written as Google Benchmark JSON.
//
//   node --expose-gc bench/node/run.js --out FILE --data-dir DIR [--filter REGEX]
//        [--repetitions N] [--quick] [--min-time S] [--file-size BYTES]
//   node bench/node/run.js --list [--quick] [--filter REGEX]
//   node bench/node/run.js --self-test
//
// Each row mirrors a C row of the suite (rows.js lists them); measure.js times it (warm-up,
// calibration to >= min time, one entry per repetition, GC between repetitions).  The output
// has the shape of `--benchmark_format=json` of Google Benchmark 1.7.1: a "context" object
// and a "benchmarks" array holding every repetition (run_type "iteration") and, when there
// are several, the mean/median/stddev/cv aggregates.  bench/node/README.md has the details.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { measure, checksum, gcMethod } = require('./measure.js');
const { allRows, GRID } = require('./rows.js');

const USAGE = `usage: node --expose-gc bench/node/run.js --out FILE --data-dir DIR [options]
       node bench/node/run.js --list [--quick] [--filter REGEX]
       node bench/node/run.js --self-test
  --out FILE         Google Benchmark JSON written here ('-': stdout)
  --data-dir DIR     folder of stream_file.bin and stream_lines.txt (made when missing)
  --filter REGEX     JS regex over the full row name (node/...); a leading '-' excludes
  --repetitions N    entries per row (default 1); with N > 1 aggregates are added too
  --quick            the reduced grid (default min time 0.1 s, data files 64 MiB)
  --min-time S       seconds each repetition runs at least (default 0.5; quick 0.1)
  --file-size BYTES  data file size (K/M/G suffixes: KiB/MiB/GiB); a present file of
                     another size is made again (default: use a present file as it is,
                     else 256 MiB; quick 64 MiB)
  --list             print the selected row names and exit
  --self-test        run a tiny grid into a temporary folder and validate its JSON
`;

// ---- Command line ----------------------------------------------------------------------
function fail(message) {
  process.stderr.write(`run.js: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseBytes(text) {
  const match = /^(\d+)([kmg]?)(i?b)?$/i.exec(text);
  if (!match) fail(`--file-size: "${text}" is not a byte count (e.g. 268435456 or 256M)`);
  return Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] || ' ').toLowerCase());
}

function parseArguments(argv) {
  const options = { filter: null, repetitions: 1, quick: false, minTime: null, fileSize: undefined,
    out: null, dataDir: null, list: false, selfTest: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${flag} needs a value`));
    if (flag === '--out') options.out = value();
    else if (flag === '--data-dir') options.dataDir = path.resolve(value());
    else if (flag === '--filter') options.filter = value();
    else if (flag === '--repetitions') options.repetitions = Number(value());
    else if (flag === '--quick') options.quick = true;
    else if (flag === '--min-time') options.minTime = Number(String(value()).replace(/s$/, ''));
    else if (flag === '--file-size') options.fileSize = parseBytes(value());
    else if (flag === '--list') options.list = true;
    else if (flag === '--self-test') options.selfTest = true;
    else if (flag === '-h' || flag === '--help') { process.stdout.write(USAGE); process.exit(0); }
    else fail(`unknown argument ${flag}`);
  }
  if (!Number.isInteger(options.repetitions) || options.repetitions < 1) fail('--repetitions must be a positive integer');
  if (options.minTime === null) options.minTime = options.quick ? 0.1 : 0.5;
  if (!(options.minTime > 0)) fail('--min-time must be a positive number of seconds');
  if (!options.list && !options.selfTest && !options.out) fail('--out FILE is required');
  return options;
}

// Google Benchmark's filter: a regex searched in the name; a leading '-' negates it.
function rowFilter(filter) {
  if (!filter) return () => true;
  const negated = filter.startsWith('-');
  let pattern;
  try { pattern = new RegExp(negated ? filter.slice(1) : filter); } catch (error) { fail(`--filter: ${error.message}`); }
  return (row) => pattern.test(row.name) !== negated;
}

function selectRows(options) {
  const grid = options.grid || (options.quick ? GRID.quick : GRID.full);
  return { grid, rows: allRows(grid).filter(rowFilter(options.filter)) };
}

// ---- Context ---------------------------------------------------------------------------
function readText(file) {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch (error) { return null; }
}

// The caches as Google Benchmark lists them (sysfs of cpu0; num_sharing = CPUs sharing it).
function cpuCaches() {
  const base = '/sys/devices/system/cpu/cpu0/cache';
  let entries = [];
  try { entries = fs.readdirSync(base).filter((name) => /^index\d+$/.test(name)).sort(); } catch (error) { return []; }
  return entries.map((index) => {
    const field = (name) => readText(path.join(base, index, name)) || '';
    const size = /^(\d+)([KMG]?)$/.exec(field('size'));
    const sharing = field('shared_cpu_list').split(',').filter(Boolean).reduce((count, range) => {
      const [first, last] = range.split('-').map(Number);
      return count + (last === undefined ? 1 : last - first + 1);
    }, 0);
    return {
      type: field('type'), level: Number(field('level')),
      size: size ? Number(size[1]) * 1024 ** ' KMG'.indexOf(size[2] || ' ') : 0,
      num_sharing: sharing,
    };
  });
}

function localDate() {
  const now = new Date();
  const offset = -now.getTimezoneOffset();
  const pad = (value) => String(Math.floor(Math.abs(value))).padStart(2, '0');
  const local = new Date(now.getTime() + offset * 60000).toISOString().slice(0, 19);
  return `${local}${offset >= 0 ? '+' : '-'}${pad(offset / 60)}:${pad(offset % 60)}`;
}

function context(options, dataFiles) {
  const cpus = os.cpus();
  const governor = readText('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor');
  return {
    date: localDate(),
    host_name: os.hostname(),
    executable: `${process.execPath} ${path.relative(process.cwd(), __filename) || __filename}`,
    num_cpus: cpus.length,
    mhz_per_cpu: cpus.length ? cpus[0].speed : 0,
    cpu_scaling_enabled: governor !== null && governor !== 'performance',
    caches: cpuCaches(),
    load_avg: os.loadavg(),
    library_build_type: 'release',
    node_version: process.version,
    v8_version: process.versions.v8,
    node_flags: process.execArgv,
    gc_between_repetitions: gcMethod,
    rates_from: 'real_time',
    cpu_time_scope: 'process',
    quick: options.quick,
    min_time: options.minTime,
    warmup_time: warmupSeconds(options),
    repetitions: options.repetitions,
    data_files: dataFiles,
  };
}

// ---- Entries -----------------------------------------------------------------------------
// Rates come from real time: Node has no per-thread CPU clock, and the process's CPU time
// counts V8's GC threads too, so real time is the figure closest to a C row's thread time.
function entry(row, ids, measured, repetitions, index, run) {
  const { iterations } = run, seconds = run.realNs / 1e9;
  const result = {
    name: row.name, family_index: ids.family, per_family_instance_index: ids.instance,
    run_name: row.name, run_type: 'iteration', repetitions, repetition_index: index, threads: 1,
    iterations, real_time: run.realNs / iterations, cpu_time: run.cpuNs / iterations, time_unit: 'ns',
  };
  if (measured.bytesPerIteration) result.bytes_per_second = (measured.bytesPerIteration * iterations) / seconds;
  if (measured.itemsPerIteration) result.items_per_second = (measured.itemsPerIteration * iterations) / seconds;
  Object.assign(result, measured.counters || {});
  result.label = `node ${process.version}`;
  return result;
}

function errorEntry(row, ids, repetitions, message) {
  return {
    name: row.name, family_index: ids.family, per_family_instance_index: ids.instance,
    run_name: row.name, run_type: 'iteration', repetitions, repetition_index: 0, threads: 1,
    error_occurred: true, error_message: message,
    iterations: 0, real_time: 0, cpu_time: 0, time_unit: 'ns', label: `node ${process.version}`,
  };
}

// Google Benchmark's aggregates over the repetitions, its fields in its order: the sample
// standard deviation (n - 1), cv = stddev / mean (aggregate_unit "percentage").
const RATES = ['bytes_per_second', 'items_per_second'];
const NOT_COUNTERS = new Set(['family_index', 'per_family_instance_index', 'repetitions',
  'repetition_index', 'threads', 'iterations', 'real_time', 'cpu_time', ...RATES]);

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b), middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const stddev = (values) => {
  const average = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1));
};
const cv = (values) => (mean(values) === 0 ? 0 : stddev(values) / mean(values));
const STATISTICS = [['mean', 'time', mean], ['median', 'time', median], ['stddev', 'time', stddev],
  ['cv', 'percentage', cv]];

function aggregates(entries) {
  const first = entries[0];
  const counters = Object.keys(first).filter((key) => typeof first[key] === 'number' && !NOT_COUNTERS.has(key));
  return STATISTICS.map(([name, unit, statistic]) => {
    const over = (field) => statistic(entries.map((e) => e[field]));
    const result = {
      name: `${first.run_name}_${name}`, family_index: first.family_index,
      per_family_instance_index: first.per_family_instance_index, run_name: first.run_name,
      run_type: 'aggregate', repetitions: entries.length, threads: 1, aggregate_name: name,
      aggregate_unit: unit, iterations: entries.length,
      real_time: over('real_time'), cpu_time: over('cpu_time'), time_unit: 'ns',
    };
    for (const field of [...RATES, ...counters]) if (field in first) result[field] = over(field);
    result.label = first.label;
    return result;
  });
}

// ---- Progress ----------------------------------------------------------------------------
function humanRate(value, unit) {
  const prefixes = ['', 'k', 'M', 'G', 'T'];
  let scaled = value, prefix = 0;
  while (scaled >= 1000 && prefix < prefixes.length - 1) { scaled /= 1000; prefix++; }
  return `${scaled.toPrecision(4)} ${prefixes[prefix]}${unit}`;
}

function progressLine(position, total, row, entries) {
  const middle = [...entries].sort((a, b) => a.real_time - b.real_time)[entries.length >> 1];
  const rate = middle.bytes_per_second !== undefined ? humanRate(middle.bytes_per_second, 'B/s')
    : middle.items_per_second !== undefined ? humanRate(middle.items_per_second, 'items/s') : '';
  return `[${position}/${total}] ${row.name}  ${middle.real_time.toPrecision(4)} ns/iter  ${rate}` +
    `  (${entries.length} rep${entries.length > 1 ? 's' : ''} x ${middle.iterations} iter)\n`;
}

// ---- Running -----------------------------------------------------------------------------
// A quarter of min time, at least 20 ms: V8 needs a few milliseconds of a hot loop before
// its optimizing tier takes over, and a repetition of unoptimized code would be timed too.
const MIN_WARMUP_SECONDS = 0.02;
function warmupSeconds(options) {
  return Math.max(MIN_WARMUP_SECONDS, options.minTime / 4);
}

function familyIds(rows) {
  const families = new Map();
  return rows.map((row) => {
    if (!families.has(row.family)) families.set(row.family, { index: families.size, instances: 0 });
    const family = families.get(row.family);
    return { family: family.index, instance: family.instances++ };
  });
}

async function runRows(options, progress = process.stderr) {
  const { grid, rows } = selectRows(options);
  const ids = familyIds(rows);
  const benchmarks = [];
  const dataFiles = {};
  const settings = { minTime: options.minTime, warmup: warmupSeconds(options), repetitions: options.repetitions };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    let entries;
    try {
      const measured = row.setup({ dataDir: options.dataDir, fileSize: options.fileSize, grid });
      if (measured.file) dataFiles[path.basename(measured.file.path)] = { path: measured.file.path, size: measured.file.size };
      const runs = await measure(measured, settings);
      entries = runs.map((run, index) => entry(row, ids[i], measured, options.repetitions, index, run));
      progress.write(progressLine(i + 1, rows.length, row, entries));
      if (entries.length > 1) entries.push(...aggregates(entries));
    } catch (error) {
      entries = [errorEntry(row, ids[i], options.repetitions, error.message)];
      progress.write(`[${i + 1}/${rows.length}] ${row.name}  ERROR: ${error.message}\n`);
    }
    benchmarks.push(...entries);
  }
  const result = { context: context(options, dataFiles), benchmarks };
  result.context.checksum = checksum();
  return result;
}

function writeJson(out, result) {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (out === '-') process.stdout.write(text);
  else fs.writeFileSync(out, text);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.selfTest) {
    const { selfTest } = require('./selftest.js');
    process.exit(await selfTest({ runRows, writeJson, GRID }));
  }
  if (options.list) {
    for (const row of selectRows(options).rows) process.stdout.write(`${row.name}\n`);
    return;
  }
  if (gcMethod === 'unavailable')
    process.stderr.write('run.js: no GC between repetitions (run node with --expose-gc)\n');
  writeJson(options.out, await runRows(options));
}

if (require.main === module) {
  main().catch((error) => { process.stderr.write(`run.js: ${error.stack || error}\n`); process.exit(1); });
}

module.exports = { runRows, writeJson };
