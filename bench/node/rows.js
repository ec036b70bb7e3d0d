// rows — the Node rows of the benchmark suite, each the mirror of a C row (DESIGN.md names:
// "node/" + the C name).  A row is { name, family, setup(options) -> measured }, where
// measured = { body(n), check(result, n), bytesPerIteration, itemsPerIteration, counters }
// (see measure.js).  Each body is its own loop literal, so V8's feedback for one kind of
// row is never shared with another kind.
//
//   node/codec/<encoding>/<encode|decode>/<size>   buf.toString(E) / Buffer.from(text, E)
//   node/codec_mltext/utf8/<encode|decode>/<size>  the same on multilingual UTF-8
//   node/alloc/<alloc|allocUnsafe>/<size>           Buffer.alloc / Buffer.allocUnsafe
//   node/stream_file/<chunk>/real_time              fs.createReadStream, chunks discarded
//   node/stream_lines/<chunk>/real_time             readline over fs.createReadStream
// Sizes are bytes.  The stream rows carry Google Benchmark's /real_time suffix, as the C
// rows timed on real time do; the runner moves it into a field.
'use strict';
const fs = require('fs');
const readline = require('readline');
const inputs = require('./inputs.js');

// ---- The grids ---------------------------------------------------------------------------
const ENCODINGS = ['utf8', 'utf16le', 'latin1', 'ascii', 'hex', 'base64', 'base64url'];
const KiB = 1024, MiB = 1024 * KiB;
const GRID = {
  full: {
    codecSizes: [64, 4 * KiB, 64 * KiB, MiB],
    allocSizes: [16, 64, 256, KiB, 4 * KiB, 16 * KiB, 32 * KiB, 64 * KiB, 128 * KiB, 256 * KiB, MiB],
    chunks: [KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB],
    fileSize: 256 * MiB,
  },
  // Quick (make bench-quick, <= 3 minutes with the C rows): 9 repetitions of 0.1 s make
  // every row ~1 s, and a 4 KiB-chunk pass over 64 MiB alone takes ~1.3 s in Node.
  quick: {
    codecSizes: [64 * KiB],
    allocSizes: [64, 4 * KiB, 64 * KiB, MiB],
    chunks: [64 * KiB, MiB],
    fileSize: 64 * MiB,
  },
};

// ---- Codecs ------------------------------------------------------------------------------
// The binary side is `size` bytes (inputs.js); the text side is that input encoded once,
// outside the timed loop.  Both directions count the binary side's bytes.
function codecInput(text, encoding, direction, size) {
  const bytes = text === 'ascii' ? inputs.asciiBytes(size) : inputs.mltextBytes(size);
  const encoded = bytes.toString(encoding);
  const roundTrip = Buffer.from(encoded, encoding);
  if (!roundTrip.equals(bytes))
    throw new Error(`input does not survive ${encoding} encode + decode; the row would measure the wrong work`);
  return direction === 'encode'
    ? { body: encodeLoop(bytes, encoding), check: expectChecksum(encoded.length) }
    : { body: decodeLoop(encoded, encoding), check: expectChecksum(size + bytes[0]) };
}

function encodeLoop(bytes, encoding) {
  return (iterations) => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) sum += bytes.toString(encoding).length;
    return sum;
  };
}

function decodeLoop(text, encoding) {
  return (iterations) => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) {
      const bytes = Buffer.from(text, encoding);
      sum += bytes.length + bytes[0];
    }
    return sum;
  };
}

function expectChecksum(perIteration) {
  return (sum, iterations) => (sum === perIteration * iterations
    ? null : `checksum ${sum}, expected ${perIteration * iterations}`);
}

function codecRows(grid) {
  const rows = [];
  const add = (family, text, encoding, direction) => {
    for (const size of grid.codecSizes) rows.push({
      name: `${family}/${size}`, family,
      setup: () => ({ ...codecInput(text, encoding, direction, size), bytesPerIteration: size }),
    });
  };
  for (const encoding of ENCODINGS)
    for (const direction of ['encode', 'decode']) add(`node/codec/${encoding}/${direction}`, 'ascii', encoding, direction);
  for (const direction of ['encode', 'decode']) add(`node/codec_mltext/utf8/${direction}`, 'mltext', 'utf8', direction);
  return rows;
}

// ---- Allocation --------------------------------------------------------------------------
// One Buffer per iteration, dropped at once: the mirror of alloc_pair (allocate, free).
// Node frees through the GC, so its cost lands inside the loop as collections triggered by
// the allocations themselves; the full GC before each repetition starts every repetition
// from the same empty heap.  allocUnsafe below 4 KiB (poolSize/2) slices Node's 8 KiB pool.
function allocLoop(size) {
  return (iterations) => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) sum += Buffer.alloc(size).length;
    return sum;
  };
}

function allocUnsafeLoop(size) {
  return (iterations) => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) sum += Buffer.allocUnsafe(size).length;
    return sum;
  };
}

function allocRows(grid) {
  const rows = [];
  for (const [method, loop] of [['alloc', allocLoop], ['allocUnsafe', allocUnsafeLoop]]) {
    const family = `node/alloc/${method}`;
    for (const size of grid.allocSizes) rows.push({
      name: `${family}/${size}`, family,
      setup: () => ({ body: loop(size), check: expectChecksum(size), itemsPerIteration: 1 }),
    });
  }
  return rows;
}

// ---- Streams -----------------------------------------------------------------------------
// One iteration reads the whole data file once.  The stream is read in flowing mode
// ('data' events, the cheapest consumer Node has) and resolves on 'close', so the file is
// closed inside the timed region, as the C readable closes its fd.
function readFileOnce(file, chunk) {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const stream = fs.createReadStream(file, { highWaterMark: chunk });
    stream.on('data', (data) => { bytes += data.length; });
    stream.on('error', reject);
    stream.on('close', () => resolve(bytes));
  });
}

function streamFileLoop(file, chunk) {
  return async (iterations) => {
    let bytes = 0;
    for (let i = 0; i < iterations; i++) bytes += await readFileOnce(file, chunk);
    return bytes;
  };
}

// readline with crlfDelay: Infinity ('\r\n' is always one line break), counting lines and
// their characters (bytes, for an ASCII file), checked against counts made once outside
// the timed region.
function readLinesOnce(file, chunk) {
  return new Promise((resolve, reject) => {
    let lines = 0, characters = 0;
    const input = fs.createReadStream(file, { highWaterMark: chunk });
    input.on('error', reject);
    const reader = readline.createInterface({ input, crlfDelay: Infinity });
    reader.on('line', (line) => { lines++; characters += line.length; });
    reader.on('close', () => resolve({ lines, characters }));
  });
}

function streamLinesLoop(file, chunk) {
  return async (iterations) => {
    let lines = 0, characters = 0;
    for (let i = 0; i < iterations; i++) {
      const pass = await readLinesOnce(file, chunk);
      lines += pass.lines;
      characters += pass.characters;
    }
    return { checksum: lines + characters, lines, characters };
  };
}

// Every pass must see every line, and (for an ASCII file, where characters are bytes)
// every byte that is not a line ending.
function expectLines(count) {
  return (result, iterations) => {
    if (result.lines !== count.lines * iterations)
      return `${result.lines} lines, expected ${count.lines * iterations}`;
    if (count.characters !== null && result.characters !== count.characters * iterations)
      return `${result.characters} characters, expected ${count.characters * iterations}`;
    return null;
  };
}

// The line count of a data file, made once per file (every chunk size reads the same file).
const lineCounts = new Map();
function countLinesOnce(file) {
  const { mtimeMs } = fs.statSync(file.path);
  const key = `${file.path}:${file.size}:${mtimeMs}`;
  if (!lineCounts.has(key)) lineCounts.set(key, inputs.countLines(file.path));
  return lineCounts.get(key);
}

function dataFile(options, name) {
  if (!options.dataDir) throw new Error('the stream rows need --data-dir DIR');
  return inputs.ensureDataFile(options.dataDir, name, options.grid.fileSize, options.fileSize);
}

function streamRows(grid) {
  const rows = [];
  for (const chunk of grid.chunks) rows.push({
    name: `node/stream_file/${chunk}/real_time`, family: 'node/stream_file',
    setup: (options) => {
      const file = dataFile(options, inputs.STREAM_FILE);
      return {
        body: streamFileLoop(file.path, chunk), check: expectChecksum(file.size),
        bytesPerIteration: file.size, file,
      };
    },
  });
  for (const chunk of grid.chunks) rows.push({
    name: `node/stream_lines/${chunk}/real_time`, family: 'node/stream_lines',
    setup: (options) => {
      const file = dataFile(options, inputs.STREAM_LINES);
      const count = countLinesOnce(file);
      return {
        body: streamLinesLoop(file.path, chunk), check: expectLines(count),
        bytesPerIteration: file.size, itemsPerIteration: count.lines,
        counters: { lines_per_pass: count.lines }, file,
      };
    },
  });
  return rows;
}

function allRows(grid) {
  return [...codecRows(grid), ...allocRows(grid), ...streamRows(grid)];
}

module.exports = { allRows, GRID, ENCODINGS };
