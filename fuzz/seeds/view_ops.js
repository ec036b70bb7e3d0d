// Seeds for corpus/view_ops: short programs over every view kind, resizable buffers
// that shrink and grow under live views, DataView widths in both byte orders, Buffer
// reads/writes of every width, fill/copy/set/write(string) (the opcodes are enum view_op
// in fuzz/view_ops.c, append only; encodings index its encoding_names[16]).
//   node fuzz/seeds/view_ops.js
const { emit } = require('./emit');

const op = { NEW_AB: 0, RESIZE: 1, SLICE: 2, TYPED: 3, DATAVIEW: 4, BUFFER_FROM: 5, SUBARRAY: 6, RELEASE: 7,
  GET: 8, SET: 9, DV_GET: 10, DV_SET: 11, READ: 12, WRITE: 13, FILL: 14, COPY: 15, SET_FROM: 16, WRITE_STR: 17,
  READ_ONLY: 18, CONCAT: 19, OWNING: 20, MORE: 21 };
const idx = n => (n === undefined ? 255 : n + 8); // take_index: 255 = omitted, byte - 8 otherwise
const u32 = v => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const u64 = v => [...u32(v), 0, 0, 0, 0];
const newBuffer = (slot, resizable, length, extra) => [op.NEW_AB, slot, resizable ? 1 : 0, length, extra];
const typed = (b, kind, offset, length) => [op.TYPED, b, kind, idx(offset), idx(length)];
const dataview = (b, offset, length) => [op.DATAVIEW, b, idx(offset), idx(length)];
const get = (view, index) => [op.GET, view, idx(index), 0];
const set = (view, index, value) => [op.SET, view, idx(index), 1, ...u32(value)];
const setSpecial = (view, index, special) => [op.SET, view, idx(index), 0, special];

const programs = [];
for (let kind = 0; kind < 11; kind++) {
  // a fixed buffer, a view of this kind, set/get in range, one past the end, negative
  programs.push([...newBuffer(0, false, 32, 0), ...typed(0, kind, 8, undefined),
    ...set(0, 0, 0x12345678), ...get(0, 0), ...set(0, 3, 0xffffffff), ...get(0, 100), ...set(0, -1, 1),
    ...setSpecial(0, 1, kind), ...get(0, 1)]);
  // a resizable buffer with a length-tracking view, shrink under it, grow again
  programs.push([...newBuffer(1, true, 16, 48), ...typed(1, kind, 0, undefined), ...set(0, 1, 7),
    op.RESIZE, 1, idx(3), ...get(0, 0), op.RESIZE, 1, idx(40), ...get(0, 1), ...set(0, 4, 9), op.RESIZE, 1, idx(99)]);
}
// DataView: every width, both byte orders, at the edges
for (let kind = 0; kind < 11; kind++)
  for (const little of [0, 1])
    programs.push([...newBuffer(0, kind % 2 === 1, 24, 8), ...dataview(0, 4, undefined),
      op.DV_SET, 0, kind, idx(0), little, 1, ...u32(0xdeadbeef), op.DV_GET, 0, kind, idx(0), little, 0,
      op.DV_SET, 0, kind, idx(17), little, 0, 3, op.DV_GET, 0, kind, idx(20), little, 0, op.DV_GET, 0, kind, idx(-1), little, 0]);
// Buffer read/write of every width (flags: bit0 signed, bit1 LE, bits 2-4 width)
for (let width = 0; width < 8; width++)
  for (const flags of [0, 1, 2, 3, 0xe0])
    programs.push([...newBuffer(0, false, 16, 0), op.BUFFER_FROM, 0, idx(2), idx(undefined),
      op.WRITE, 0, flags | (width << 2), idx(1), ...u64(0x123456), op.READ, 0, flags | (width << 2), idx(1), ...u64(0),
      op.WRITE, 0, flags | (width << 2), idx(14 - width), ...u64(0xffffffff), op.READ, 0, flags | (width << 2), idx(undefined), ...u64(0)]);
// fill, copy (overlapping), set(source), write(string), slice, subarray
programs.push([...newBuffer(0, false, 64, 0), op.BUFFER_FROM, 0, idx(0), idx(undefined), op.SUBARRAY, 0, idx(4), idx(20), 1,
  op.FILL, 0, 0x41, 0, idx(2), idx(10), op.COPY, 0, 0, idx(3), idx(0), idx(16), op.COPY, 1, 0, idx(0), idx(-4), idx(undefined),
  op.FILL, 1, 0x07, 1, idx(undefined), idx(undefined), op.FILL, 0, 1, 0, idx(70), idx(undefined)]);
programs.push([...newBuffer(0, true, 32, 32), ...typed(0, 5, 0, undefined), ...typed(0, 1, 1, 7), ...set(0, 0, 0x01020304),
  op.SET_FROM, 1, 0, idx(0), op.SET_FROM, 0, 1, idx(1), op.SET_FROM, 0, 0, idx(0), op.RESIZE, 0, idx(2), op.SET_FROM, 1, 0, idx(0)]);
for (let enc = 0; enc < 16; enc++)
  programs.push([...newBuffer(0, false, 24, 0), op.BUFFER_FROM, 0, idx(0), idx(undefined),
    op.WRITE_STR, 0, enc, idx(2), idx(undefined), 11, ...Buffer.from('QUJD\u00e9\u20ac 4142'),
    op.WRITE_STR, 0, enc, idx(20), idx(3), 4, ...Buffer.from('\u{1F600}')]);
programs.push([...newBuffer(0, false, 40, 0), op.SLICE, 0, 1, idx(-10), idx(undefined), op.SLICE, 0, 2, idx(5), idx(-30),
  ...typed(1, 3, 2, 3), op.RELEASE, 0, op.SLICE, 1, 3, idx(50), idx(-1)]);

// read-only operations (toString, indexOf, includes, compare, equals) and concat
for (let which = 0; which < 16; which++)
  programs.push([...newBuffer(0, which % 2 === 1, 20, 20), op.BUFFER_FROM, 0, idx(0), idx(undefined), op.BUFFER_FROM, 0, idx(4), idx(8),
    op.FILL, 0, 0x61, 0, idx(undefined), idx(undefined), op.READ_ONLY, 0, 1, which % 8, which, idx(1), idx(-2), 2, 0x61, 0x61,
    op.READ_ONLY, 0, 1, which, which, idx(-100), idx(undefined), 0, op.CONCAT, 2, 0, 1, idx(which * 5)]);
programs.push([...newBuffer(0, true, 30, 10), op.BUFFER_FROM, 0, idx(20), idx(undefined), op.RESIZE, 0, idx(5),
  op.SUBARRAY, 0, idx(0), idx(4), 1, op.READ_ONLY, 0, 0, 0, 0, idx(undefined), idx(undefined), 0, op.CONCAT, 0, 0, idx(undefined)]);

// Buffer.alloc / allocUnsafe / from(bytes) / from(string) / new T(n), then pattern fills,
// set(array) and the DataView getters
for (let how = 0; how < 5; how++)
  programs.push([op.OWNING, how, idx(24), how, 5, 6, ...Buffer.from('QUJD\u00e9!'), ...dataview(0, 2, 4),
    op.MORE, 0, how, how, idx(1), idx(20), 3, 1, 2, 3, op.MORE, 1, 1, 0, idx(undefined), idx(undefined), 0,
    op.RESIZE, 0, idx(1), op.MORE, 1, 0, 0, idx(0), idx(0), 0]);

// Buffer.from(string, encoding) under every name of the encoding table
for (let enc = 0; enc < 16; enc++)
  programs.push([op.OWNING, 3, idx(0), enc, 0, 9, ...Buffer.from('QUJD\u00e9 41'), op.READ_ONLY, 0, 0, 0, enc, idx(undefined), idx(undefined), 0]);

const selectors = [[0], [1], [2], [3], [0x12], [0x20, 2, 9, 0]];
programs.forEach((program, n) => emit('view_ops', [...selectors[n % selectors.length], ...program]));
