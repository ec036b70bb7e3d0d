// inputs — the deterministic inputs of the Node rows: codec texts and the stream data files.
//
// Every input comes from one 32-bit LCG (Numerical Recipes: s = s * 1664525 + 1013904223
// mod 2^32, using the high 16 bits of each step) so the C suite can generate byte-identical
// inputs from the rules in bench/node/README.md ("Inputs") without sharing code with us.
// Each input has its own fixed seed, so a row's input never depends on which other rows ran.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

// ---- The generator -------------------------------------------------------------------
const SEED_ASCII = 1;       // codec/<encoding>/... binary side (every encoding)
const SEED_MLTEXT = 2;      // codec_mltext/utf8/... binary side
const SEED_STREAM_FILE = 3; // DIR/stream_file.bin
const SEED_STREAM_LINES = 4; // DIR/stream_lines.txt

const PRINTABLE_FIRST = 0x20; // ' ' .. '~': the 95 printable ASCII bytes
const PRINTABLE_COUNT = 95;

function lcg(seed) {
  let state = seed >>> 0;
  return {
    next32() { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state; },
    next16() { return this.next32() >>> 16; },
  };
}

// ---- Codec inputs ----------------------------------------------------------------------
// ASCII: `size` printable bytes, 0x20 + (r >> 16) % 95 per LCG step.  Used as the binary
// side of every encoding: it is valid UTF-8 and ASCII, and read as UTF-16LE its code units
// lie in 0x2020..0x7E7E, so no lone surrogate makes the JS and the C text sides differ.
function asciiBytes(size) {
  const random = lcg(SEED_ASCII);
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = PRINTABLE_FIRST + (random.next16() % PRINTABLE_COUNT);
  return bytes;
}

// Multilingual UTF-8: characters drawn by class = (r1 >> 16) % 8 and v = r2 >> 16:
//   0-3 (1/2) one byte    U+0020 + v % 95      (printable ASCII)
//   4-5 (1/4) two bytes   U+00A0 + v % 1888    (U+00A0..U+07FF: Latin-1, Greek, Cyrillic, ...)
//   6   (1/8) three bytes U+4E00 + v % 20992   (CJK unified ideographs U+4E00..U+9FFF)
//   7   (1/8) four bytes  U+1F300 + v % 768    (U+1F300..U+1F5FF pictographs, a surrogate pair)
// 1.875 bytes per character on average.  Characters are appended while they fit; when the
// next one does not, the 1-3 bytes left are filled with spaces, so the input is exactly
// `size` bytes of valid UTF-8.
const MLTEXT_CLASSES = [
  [1, 0x0020, 95], [1, 0x0020, 95], [1, 0x0020, 95], [1, 0x0020, 95],
  [2, 0x00a0, 1888], [2, 0x00a0, 1888],
  [3, 0x4e00, 20992],
  [4, 0x1f300, 768],
];

function mltextBytes(size) {
  const random = lcg(SEED_MLTEXT);
  const bytes = Buffer.alloc(size, 0x20);
  let used = 0;
  for (;;) {
    const [length, first, count] = MLTEXT_CLASSES[random.next16() % 8];
    const codePoint = first + (random.next16() % count);
    if (used + length > size) break;
    used += bytes.write(String.fromCodePoint(codePoint), used, 'utf8');
  }
  return bytes;
}

// ---- Stream data files -----------------------------------------------------------------
// DIR/stream_file.bin: `size` bytes, the LCG's successive 32-bit outputs stored little-endian
// (the last word cut short when size is not a multiple of 4).
// DIR/stream_lines.txt: lines of L printable ASCII bytes (as asciiBytes) and a '\n', with
// L = (r1 >> 16) % 60 + (r2 >> 16) % 61 (0..119, mean 59.5: ~60.5 bytes a line with the
// newline, short and empty lines included); the file is cut at exactly `size` bytes, the
// last line shortened so that the file still ends with '\n'.
const STREAM_FILE = 'stream_file.bin';
const STREAM_LINES = 'stream_lines.txt';
const WRITE_BLOCK = 1 << 20; // generated and written 1 MiB at a time

function fillStreamFile(fd, size) {
  if (os.endianness() !== 'LE') throw new Error('stream_file.bin generation assumes a little-endian host');
  const random = lcg(SEED_STREAM_FILE);
  const words = new Uint32Array(WRITE_BLOCK / 4);
  const block = Buffer.from(words.buffer);
  for (let written = 0; written < size;) {
    for (let i = 0; i < words.length; i++) words[i] = random.next32();
    const length = Math.min(WRITE_BLOCK, size - written);
    written += fs.writeSync(fd, block, 0, length);
  }
}

function fillStreamLines(fd, size) {
  const random = lcg(SEED_STREAM_LINES);
  const block = Buffer.allocUnsafe(WRITE_BLOCK);
  let filled = 0, written = 0, lineLeft = -1;
  const flush = () => { fs.writeSync(fd, block, 0, filled); written += filled; filled = 0; };
  for (let position = 0; position < size; position++) {
    if (lineLeft < 0) {
      lineLeft = (random.next16() % 60) + (random.next16() % 61);
      lineLeft = Math.min(lineLeft, size - position - 1); // the last line still ends in '\n'
    }
    block[filled++] = lineLeft === 0 ? 0x0a : PRINTABLE_FIRST + (random.next16() % PRINTABLE_COUNT);
    lineLeft--;
    if (filled === WRITE_BLOCK) flush();
  }
  flush();
  return written;
}

const DATA_FILES = {
  [STREAM_FILE]: fillStreamFile,
  [STREAM_LINES]: fillStreamLines,
};

// The path of DIR/name, created first when missing.  A file that is present is used as it
// is (the C suite made it by the same rule) unless `requiredSize` is given and differs;
// then it is made again.  Written to a temporary name and renamed, so a reader never sees
// half a file.  Returns { path, size, created }.
function ensureDataFile(dir, name, defaultSize, requiredSize) {
  const file = path.join(dir, name);
  let present = null;
  try { present = fs.statSync(file).size; } catch (error) { if (error.code !== 'ENOENT') throw error; }
  if (present !== null && (requiredSize === undefined || present === requiredSize))
    return { path: file, size: present, created: false };
  const size = requiredSize === undefined ? defaultSize : requiredSize;
  fs.mkdirSync(dir, { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w');
  try { DATA_FILES[name](fd, size); } finally { fs.closeSync(fd); }
  fs.renameSync(temporary, file);
  return { path: file, size, created: true };
}

// readline's idea of a file: '\n', '\r\n' and a lone '\r' each end a line, and a last
// line without an ending still counts.  Returns { lines, characters }: characters are the
// bytes that are not line endings when the file is ASCII (a line's length in UTF-16 units
// is then its length in bytes), null otherwise.  Read once, outside every timed region, to
// check that the timed passes saw every line and every byte.
function countLines(file) {
  const bytes = fs.readFileSync(file);
  let lines = 0, endingBytes = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) { lines++; endingBytes++; }
  if (bytes.indexOf(0x0d) !== -1) {
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x0d) continue;
      endingBytes++;
      if (bytes[i + 1] !== 0x0a) lines++;
    }
  }
  const last = bytes[bytes.length - 1];
  if (bytes.length > 0 && last !== 0x0a && last !== 0x0d) lines++;
  let ascii = true;
  for (let i = 0; i < bytes.length && ascii; i++) ascii = bytes[i] < 0x80;
  return { lines, characters: ascii ? bytes.length - endingBytes : null };
}

module.exports = {
  asciiBytes, mltextBytes, ensureDataFile, countLines, lcg,
  STREAM_FILE, STREAM_LINES,
};
