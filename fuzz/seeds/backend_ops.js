// Seeds for corpus/backend_ops: programs per backend id and variant (the opcodes are
// enum backend_op in fuzz/backend_ops.c, append only; the selector is fuzz/fuzz_backend.h).
//   node fuzz/seeds/backend_ops.js
// Besides a program per kind of request, two kinds of seed aim at what only a plain
// (non-sanitizer) build or the steady-state check can see:
//   - boundaries: for every size with four significant bits b = (8 + m) << e up to
//     8 KiB (every slab size class is one), a block of b + 1 bytes and then one of b
//     bytes, adjacent in a fresh slab: served from a class one byte short, they overlap;
//   - churn: hundreds of blocks turned over per run, so memory that is never reused
//     (a pool chunk or slab not given back) grows bytes_os on the second run.
const { emit } = require('./emit');

const op = { ALLOC: 0, CALLOC: 1, FREE: 2, REWRITE: 3, BAD: 4, REMOTE: 5, CHECK: 6, CHURN: 7 };
const le = (value, width) => Array.from({ length: width }, (_, i) => (value >>> (8 * i)) & 0xff);
// take_size: [kind, operand bytes] so the program says what it allocates
const size = {
  zero: [0], small: n => [1, n - 1], medium: n => [3, ...le(n - 65, 2)],
  pageplus: n => [5, ...le(n - 4097, 2)], large: n => [6, ...le(n - 65537, 4)],
  // (8 + m) << e, plus delta in -1, 0, +1
  near: (m, e, delta = 0) => [7, (e << 3) | m, delta + 1],
};
const align = shift => [shift]; // 0 = default, k = 1 << (k - 1)
const alloc = (s, a, seed, code = op.ALLOC) => [code, ...s, ...align(a), seed];
const churn = (count, depth, s, a, seed) => [op.CHURN, count - 1, depth - 1, ...s, ...align(a), seed];

const boundaries = [];
for (let e = 0; e <= 10; e++)
  for (let m = 0; m < 8; m++) {
    const b = (8 + m) << e;
    if (b > 8192) continue;
    // alignment 1, so that every class serves it (a class whose size is not a multiple
    // of 16 is skipped for the default alignment)
    boundaries.push(...alloc(size.near(m, e, +1), 1, m + e), ...alloc(size.near(m, e), 1, 2 * m + e), op.FREE, 0, op.FREE, 0);
  }

const programs = {
  small: [
    ...alloc(size.small(1), 0, 1), ...alloc(size.small(8), 4, 2), ...alloc(size.small(64), 5, 3),
    ...alloc(size.zero, 0, 4), ...alloc(size.small(24), 1, 5), ...alloc(size.small(33), 13, 6),
    op.REWRITE, 1, 77, op.FREE, 0, op.CHECK, op.REMOTE, 1, ...alloc(size.small(17), 0, 9, op.CALLOC), op.FREE, 2, op.CHECK,
  ],
  medium: [
    ...alloc(size.medium(100), 0, 1), ...alloc(size.medium(4096), 13, 2), ...alloc(size.pageplus(8193), 6, 3),
    ...alloc(size.near(0, 10), 0, 4), ...alloc(size.near(7, 0, -1), 0, 5), op.FREE, 1, op.REMOTE, 0,
    ...alloc(size.medium(2000), 9, 6, op.CALLOC), op.REWRITE, 0, 5, op.CHECK,
  ],
  large: [
    ...alloc(size.large(100000), 0, 1), ...alloc(size.large(262144), 13, 2), ...alloc(size.pageplus(65536), 0, 3),
    op.FREE, 0, ...alloc(size.large(70000), 0, 4, op.CALLOC), op.CHECK, op.REMOTE, 0,
  ],
  bad: [op.BAD, 0, 0, op.BAD, 3, 5, op.BAD, 0x80, op.BAD, 0x85, ...alloc(size.small(10), 0, 1), op.BAD, 1, 0, op.FREE, 0],
  mixed: [].concat(...Array.from({ length: 40 }, (_, i) =>
    i % 3 === 2 ? [op.FREE, i] : alloc(i % 2 ? size.small(1 + (i * 7) % 64) : size.medium(65 + i * 97), i % 8, i))),
  boundaries,
  churn: [
    ...alloc(size.small(40), 0, 1), // a long-lived block pins its chunk / slab
    ...churn(256, 3, size.medium(4000), 0, 2), // two slices per 8 KiB pool chunk
    ...churn(256, 8, size.medium(1000), 4, 3), ...churn(128, 1, size.near(0, 10, 1), 0, 4),
    ...churn(64, 8, size.large(70000), 0, 5), op.REMOTE, 0,
  ],
};

const selectors = [];
for (const id of [0, 1, 2, 3]) {
  selectors.push([id]);                      // plain
  selectors.push([id | 0x10]);               // :guard where the backend accepts it
  selectors.push([id | 0x20, 4, 7, 0]);      // fail(7, 0.25)
}
for (const selector of selectors)
  for (const [name, program] of Object.entries(programs))
    if (!['large', 'churn'].includes(name) || (selector[0] & 0x20) === 0 || (selector[0] & 0x0f) === 2)
      emit('backend_ops', [...selector, ...program]);
emit('backend_ops', [0x23, 16, 1, 0, ...programs.small]); // fail(1, 1.0): every alloc fails
