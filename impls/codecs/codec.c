/* codec.c — the public codec API (buf_codec.h): encoding names, argument checks, the
 * dispatch to the per-encoding converters (codec_*.c).
 *
 * Capacity is checked here, once, so the converters can run without per-byte checks:
 * a destination at least as large as the cheap bound is always enough; a smaller one is
 * measured against the exact length (one extra pass) before anything is written.
 *
 * Overflow is checked here too, once, on the bound: every exact size is at most its
 * direction's bound, so once the bound fits in size_t the converters' size_t counts
 * cannot wrap, and they need no checks of their own.
 */
#include <stdint.h>

#include "buf_codec.h"
#include "codec_internal.h"
#include "core/core_assert.h"

/* ---- Names ------------------------------------------------------------------------------
 * Exactly Node v20's names (Buffer.isEncoding), compared ASCII-case-insensitively.
 */
typedef struct encoding_alias {
    const char *name;
    buf_encoding_t encoding;
} encoding_alias_t;

static const encoding_alias_t encoding_aliases[] = {
    {"utf8", BUF_ENC_UTF8},       {"utf-8", BUF_ENC_UTF8},
    {"utf16le", BUF_ENC_UTF16LE}, {"utf-16le", BUF_ENC_UTF16LE},
    {"ucs2", BUF_ENC_UTF16LE},    {"ucs-2", BUF_ENC_UTF16LE},
    {"latin1", BUF_ENC_LATIN1},   {"binary", BUF_ENC_LATIN1},
    {"ascii", BUF_ENC_ASCII},     {"hex", BUF_ENC_HEX},
    {"base64", BUF_ENC_BASE64},   {"base64url", BUF_ENC_BASE64URL},
};

static const char *const canonical_names[BUF_ENC_COUNT] = {
    "utf8", "utf16le", "latin1", "ascii", "hex", "base64", "base64url",
};

static bool names_equal_ignoring_case(const char *given, const char *lowercase)
{
    for (; *given && *lowercase; given++, lowercase++) {
        const char c = (*given >= 'A' && *given <= 'Z') ? (char)(*given - 'A' + 'a') : *given;
        if (c != *lowercase)
            return false;
    }
    return *given == '\0' && *lowercase == '\0';
}

buf_status_t buf_encoding_parse(const char *name, buf_encoding_t *out)
{
    if (!name)
        return BUF_EUNKNOWN_ENCODING;
    for (size_t i = 0; i < sizeof encoding_aliases / sizeof encoding_aliases[0]; i++) {
        if (names_equal_ignoring_case(name, encoding_aliases[i].name)) {
            if (out)
                *out = encoding_aliases[i].encoding;
            return BUF_OK;
        }
    }
    return BUF_EUNKNOWN_ENCODING;
}

const char *buf_encoding_name(buf_encoding_t encoding)
{
    return (unsigned)encoding < BUF_ENC_COUNT ? canonical_names[encoding] : "unknown";
}

static inline bool encoding_is_valid(buf_encoding_t encoding)
{
    return (unsigned)encoding < BUF_ENC_COUNT;
}

/* ---- Checked size arithmetic -------------------------------------------------------------- */
/* value * factor into *out; false (and *out unchanged) when it is above SIZE_MAX. */
static inline bool size_times(size_t value, size_t factor, size_t *out)
{
    if (value > SIZE_MAX / factor)
        return false;
    *out = value * factor;
    return true;
}

/* ---- Bounds: the output size for any input of `length` bytes ------------------------------
 * false when the bound is above SIZE_MAX; the encoding is valid here.  Forced inline (as
 * convert_into below): with the encoding unknown at compile time they are still a jump
 * table, but without a call and the bound's trip through memory (a call each, twice per
 * call of a base64 decode into a tight destination).
 */
#define CODEC_INLINE static inline __attribute__((always_inline))

CODEC_INLINE bool encode_bound(buf_encoding_t encoding, size_t length, size_t *out)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return size_times(length, 3, out);        /* each stray byte: EF BF BD */
    case BUF_ENC_UTF16LE: return size_times(length / 2, 3, out); /* a BMP unit: at most 3 bytes */
    case BUF_ENC_LATIN1: return size_times(length, 2, out);
    case BUF_ENC_ASCII: *out = length; return true;
    case BUF_ENC_HEX: return size_times(length, 2, out);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return size_times(length / 3 + (length % 3 != 0), 4, out);
    default: BUF_ASSERT(!"encoding checked by the caller"); return false;
    }
}

CODEC_INLINE bool decode_bound(buf_encoding_t encoding, size_t length, size_t *out)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return size_times(length, 3, out);    /* each stray byte: EF BF BD */
    case BUF_ENC_UTF16LE: return size_times(length, 2, out); /* at most one unit per text byte */
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: *out = length; return true;
    case BUF_ENC_HEX: *out = length / 2; return true;
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: *out = length / 4 * 3 + length % 4 * 3 / 4; return true;
    default: BUF_ASSERT(!"encoding checked by the caller"); return false;
    }
}

/* ---- Bounds that look at the input (no more than a glance) -------------------------------
 * Called before paying a whole pass for the exact length, when the destination is below the
 * plain bound.  base64 text ends in its '=' padding, and the decoder stops at the first '='
 * (an ASCII byte, so no multi-byte sequence runs into it): the text before the trailing '='
 * decodes to exactly what the whole text does, so its bound holds.  That bound is the
 * decoded size of well-formed text, so a destination sized for it (Buffer.from's case)
 * skips the length pass; the plain bound is 1 or 2 bytes above it.
 */
static inline size_t encode_bound_for_input(buf_encoding_t encoding, const uint8_t *bytes, size_t length, size_t bound)
{
    (void)encoding, (void)bytes, (void)length;
    return bound;
}

CODEC_INLINE size_t decode_bound_for_input(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t bound)
{
    if (encoding != BUF_ENC_BASE64 && encoding != BUF_ENC_BASE64URL)
        return bound;
    (void)bound;
    /* Two '=' at most: well-formed padding has no more, and stripping fewer than all of a
     * longer run only leaves the bound higher (it grows with the length), never below the
     * decoded size.  The loop over every trailing '=' cost a 64-byte row 9 instructions
     * (242 -> 233 a call, callgrind, avx2). */
    size_t data = length;
    if (data > 0 && text[data - 1] == '=') {
        data--;
        if (data > 0 && text[data - 1] == '=')
            data--;
    }
    return data / 4 * 3 + data % 4 * 3 / 4; /* decode_bound's base64 case: no larger than `bound` */
}

/* ---- Exact sizes (only called once the bound fits, so no count can wrap) ------------------ */
static size_t encode_exact_length(buf_encoding_t encoding, const uint8_t *bytes, size_t length)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitized_length(bytes, length);
    case BUF_ENC_UTF16LE: return codec_utf16le_encode_length(bytes, length);
    case BUF_ENC_LATIN1: return codec_latin1_encode_length(bytes, length);
    case BUF_ENC_ASCII: return length;
    case BUF_ENC_HEX: return 2 * length;
    case BUF_ENC_BASE64: return codec_base64_encode_length(length, false);
    case BUF_ENC_BASE64URL: return codec_base64_encode_length(length, true);
    default: BUF_ASSERT(!"encoding checked by the caller"); return 0;
    }
}

static size_t decode_exact_length(buf_encoding_t encoding, const uint8_t *text, size_t length)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitized_length(text, length);
    case BUF_ENC_UTF16LE: return 2 * codec_text_unit_count(text, length);
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: return codec_text_unit_count(text, length);
    case BUF_ENC_HEX: return codec_hex_decode_length(text, length);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_decode_length(text, length);
    default: BUF_ASSERT(!"encoding checked by the caller"); return 0;
    }
}

/* Node's Buffer.byteLength; never above decode_bound. */
static size_t node_byte_length(buf_encoding_t encoding, const uint8_t *text, size_t length)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitized_length(text, length);
    case BUF_ENC_UTF16LE: return 2 * codec_text_unit_count(text, length);
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: return codec_text_unit_count(text, length);
    case BUF_ENC_HEX: return codec_text_unit_count(text, length) / 2; /* length >>> 1 */
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_byte_length(text, length);
    default: BUF_ASSERT(!"encoding checked by the caller"); return 0;
    }
}

/* ---- Writers (only called with a destination of at least the exact size) ----------------
 * Also the streaming codecs' converters (codec_stream.c) for a piece of whole characters.
 * One indexed call into the level's table (codec_internal.h: encode_write, decode_write).
 * Kept out of line: inlined, the table load (whose first call chooses the level) and the
 * indirect call made buf_encode/buf_decode save three registers on every path. */
/* The first conversion of the process chooses the level, then writes: out of line, so the
 * writers below reach the table by a tail call and save no registers (4 saved otherwise). */
static __attribute__((noinline)) size_t first_write(bool decode, buf_encoding_t encoding, const uint8_t *input,
                                                    size_t length, uint8_t *dst)
{
    const codec_kernels_t *kernels = codec_kernels_select();
    return (decode ? kernels->decode_write : kernels->encode_write)[encoding](input, length, dst);
}

__attribute__((noinline)) size_t codec_encode_write(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                                                    uint8_t *dst)
{
    BUF_ASSERT((unsigned)encoding < BUF_ENC_COUNT);
    const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
    if (!kernels)
        return first_write(false, encoding, bytes, length, dst);
    return kernels->encode_write[encoding](bytes, length, dst);
}

__attribute__((noinline)) size_t codec_decode_write(buf_encoding_t encoding, const uint8_t *text, size_t length,
                                                    uint8_t *dst)
{
    BUF_ASSERT((unsigned)encoding < BUF_ENC_COUNT);
    const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
    if (!kernels)
        return first_write(true, encoding, text, length, dst);
    return kernels->decode_write[encoding](text, length, dst);
}

static size_t strict_offset(buf_encoding_t encoding, const uint8_t *text, size_t length)
{
    switch (encoding) {
    case BUF_ENC_UTF8:
    case BUF_ENC_UTF16LE: return codec_utf8_first_invalid(text, length);
    case BUF_ENC_LATIN1: return codec_latin1_strict_offset(text, length, 0xFF);
    case BUF_ENC_ASCII: return codec_latin1_strict_offset(text, length, 0x7F);
    case BUF_ENC_HEX: return codec_hex_strict_offset(text, length);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_strict_offset(text, length);
    default: BUF_ASSERT(!"encoding checked by the caller"); return 0;
    }
}

/* ---- One direction, one set of checks ----------------------------------------------------
 * Encode and decode differ only in their three functions; every public entry point below
 * goes through the same argument checks and the same bound-first order.
 */
typedef struct direction {
    bool (*bound)(buf_encoding_t encoding, size_t length, size_t *out);
    size_t (*bound_for_input)(buf_encoding_t encoding, const uint8_t *input, size_t length, size_t bound);
    size_t (*exact_length)(buf_encoding_t encoding, const uint8_t *input, size_t length);
    size_t (*write)(buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *dst);
} direction_t;

static const direction_t encoding_direction = {encode_bound, encode_bound_for_input, encode_exact_length,
                                               codec_encode_write};
static const direction_t decoding_direction = {decode_bound, decode_bound_for_input, decode_exact_length,
                                               codec_decode_write};

/* Empty input or output may be NULL; the converters get a real (unused) address instead,
 * so no pointer arithmetic ever starts from NULL. */
static const uint8_t empty_input[1];

static inline bool input_is_valid(buf_encoding_t encoding, const uint8_t *input, size_t length)
{
    return encoding_is_valid(encoding) && (input || !length);
}

static buf_status_t direction_bound(const direction_t *direction, buf_encoding_t encoding, size_t length,
                                    size_t *out)
{
    if (!encoding_is_valid(encoding) || !out)
        return BUF_EINVAL;
    return direction->bound(encoding, length, out) ? BUF_OK : BUF_EOVERFLOW;
}

/* An exact size (`measure`: the direction's exact length, or Node's byteLength), checked
 * against the direction's bound first: the bound holds it, so it cannot wrap. */
static buf_status_t measure_checked(const direction_t *direction,
                                    size_t (*measure)(buf_encoding_t, const uint8_t *, size_t),
                                    buf_encoding_t encoding, const uint8_t *input, size_t length, size_t *out)
{
    if (!input_is_valid(encoding, input, length) || !out)
        return BUF_EINVAL;
    size_t bound;
    if (!direction->bound(encoding, length, &bound))
        return BUF_EOVERFLOW;
    const size_t exact = measure(encoding, input ? input : empty_input, length);
    BUF_ASSERT(exact <= bound);
    *out = exact;
    return BUF_OK;
}

/* Every check, in order (convert_into below takes the common case first).  Forced inline:
 * each caller passes its direction as a constant, so its copy calls that direction's
 * bound and writer directly, no call through the direction's pointers (a 64-byte base64
 * decode: 557 instructions through the pointers, 498 without; callgrind, avx2 level). */
CODEC_INLINE buf_status_t convert_checked(const direction_t *direction, buf_encoding_t encoding,
                                          const uint8_t *input, size_t length, uint8_t *dst, size_t dst_capacity,
                                          size_t *written)
{
    if (written)
        *written = 0;
    if (!input_is_valid(encoding, input, length) || (!dst && dst_capacity))
        return BUF_EINVAL;
    uint8_t no_output[1];
    if (!input)
        input = empty_input;
    if (!dst)
        dst = no_output;
    size_t bound;
    if (!direction->bound(encoding, length, &bound))
        return BUF_EOVERFLOW;
    if (dst_capacity < bound && dst_capacity < direction->bound_for_input(encoding, input, length, bound) &&
        dst_capacity < direction->exact_length(encoding, input, length))
        return BUF_ENOSPC;
    const size_t out = direction->write(encoding, input, length, dst);
    BUF_ASSERT(out <= dst_capacity);
    if (written)
        *written = out;
    return BUF_OK;
}

static __attribute__((noinline)) buf_status_t encode_checked(buf_encoding_t encoding, const uint8_t *bytes,
                                                             size_t length, uint8_t *dst, size_t dst_capacity,
                                                             size_t *written)
{
    return convert_checked(&encoding_direction, encoding, bytes, length, dst, dst_capacity, written);
}

static __attribute__((noinline)) buf_status_t decode_checked(buf_encoding_t encoding, const uint8_t *text,
                                                             size_t length, uint8_t *dst, size_t dst_capacity,
                                                             size_t *written)
{
    return convert_checked(&decoding_direction, encoding, text, length, dst, dst_capacity, written);
}

/* The common call first: valid arguments and a destination of at least the bound (or,
 * base64 text, the bound of what precedes its padding) go straight to the writer, which
 * is where convert_checked would send them too.  Everything else (NULL or empty
 * arguments, a destination below the bounds) goes to `checked`, out of line (utf8 never
 * comes here: buf_encode/buf_decode send it to utf8_convert below): the path of one call
 * and one store then saves one register instead of five (a 64-byte ascii decode: 170 ->
 * 146 instructions, callgrind, avx2). */
CODEC_INLINE buf_status_t convert_into(const direction_t *direction,
                                       buf_status_t (*checked)(buf_encoding_t, const uint8_t *, size_t, uint8_t *,
                                                               size_t, size_t *),
                                       buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *dst,
                                       size_t dst_capacity, size_t *written)
{
    size_t bound;
    if (input && dst && encoding_is_valid(encoding) && direction->bound(encoding, length, &bound) &&
        (dst_capacity >= bound || dst_capacity >= direction->bound_for_input(encoding, input, length, bound))) {
        const size_t out = direction->write(encoding, input, length, dst);
        BUF_ASSERT(out <= dst_capacity);
        if (written)
            *written = out;
        return BUF_OK;
    }
    return checked(encoding, input, length, dst, dst_capacity, written);
}

/* ---- utf8 either way: the one-pass case --------------------------------------------------
 * Well-formed text converts to itself, so a destination of at least its length (Buffer.from's
 * case, and any bound-sized one) takes one check-and-copy pass before any bound or length
 * arithmetic: on 64 bytes the checks around the copy were most of the call.  Ill-formed
 * text (or a smaller destination) takes the general path, which writes U+FFFD.  The
 * length limit keeps BUF_EOVERFLOW exactly where the general path reports it.
 *
 * The arguments are checked once, at the entry (utf8_entry below), for both the short
 * ASCII copy and the kernel; utf8_copy_whole is reached by a tail call with the checks
 * passed.  What the general path needs after the kernel returns is kept in one struct on
 * the stack (five stores), not in six saved registers (a push, a move and a pop each),
 * and no register moves on the way in: a 64-byte multilingual encode 163 -> 147
 * instructions a call (callgrind, avx2), a 64-byte ASCII one 63 -> 64. */
typedef struct utf8_call {
    const uint8_t *text;
    size_t length;
    uint8_t *dst;
    size_t dst_capacity;
    size_t *written;
} utf8_call_t;

/* The text was not all well-formed (the kernel stopped at `valid`): the scalar reader goes
 * on from there, and if it meets an ill-formed subpart, the general path measures and
 * writes U+FFFD. */
static __attribute__((noinline)) buf_status_t utf8_copy_rest(const utf8_call_t *call, size_t valid)
{
    if (codec_utf8_copy_rest_if_well_formed(call->text, valid, call->length, call->dst)) {
        if (call->written)
            *call->written = call->length;
        return BUF_OK;
    }
    return encode_checked(BUF_ENC_UTF8, call->text, call->length, call->dst, call->dst_capacity, call->written);
}

/* The public functions' arguments as they are (the encoding is utf8), so no register moves
 * on the way in. */
__attribute__((noinline)) buf_status_t codec_utf8_copy_whole(buf_encoding_t utf8, const uint8_t *text, size_t length,
                                                             uint8_t *dst, size_t dst_capacity, size_t *written)
{
    (void)utf8;
    utf8_call_t call = {text, length, dst, dst_capacity, written};
    /* The struct's contents unknown to the compiler from here: it reads length and written
     * back from it after the kernel, instead of keeping them in two saved registers too
     * (a push, a move and a pop each: 147 -> 142 instructions a call, a 64-byte
     * multilingual encode, callgrind, avx2). */
    __asm__("" : "+m"(call));
    const size_t valid = codec_kernels()->utf8_valid_prefix(text, length, dst);
    if (valid != call.length)
        return utf8_copy_rest(&call, valid);
    if (call.written)
        *call.written = call.length;
    return BUF_OK;
}

/* utf8 either way, the shortest case: ASCII text of 16..64 bytes (a 64-byte row, a short
 * string) is loaded as four overlapping 16-byte blocks (two up to 32 bytes), checked by two
 * tests of their high bits (the first block's alone first) and stored back from the same
 * registers, before utf8_copy_whole and its frame (a 64-byte ASCII encode: 96 -> 59
 * instructions a call, callgrind, avx2).  ASCII is well-formed UTF-8 and converts to
 * itself; anything else takes utf8_copy_whole.  SSE2 is in every x86-64 CPU, so this needs
 * no SIMD level; elsewhere utf8_copy_whole does it all.  The arguments are checked by the
 * caller (utf8_entry). */
#if defined(__SSE2__)
#include <emmintrin.h>
static inline bool short_ascii_copy(const uint8_t *text, size_t length, uint8_t *dst)
{
    if (length - 16 > 48)
        return false;
    const __m128i first = _mm_loadu_si128((const __m128i *)(const void *)text);
    if (_mm_movemask_epi8(first)) /* multilingual text leaves here, ~10 instructions in */
        return false;
    const size_t middle = length > 32 ? 16 : 0, last = length > 32 ? length - 32 : 0;
    const __m128i second = _mm_loadu_si128((const __m128i *)(const void *)(text + middle));
    const __m128i third = _mm_loadu_si128((const __m128i *)(const void *)(text + last));
    const __m128i fourth = _mm_loadu_si128((const __m128i *)(const void *)(text + length - 16));
    if (_mm_movemask_epi8(_mm_or_si128(second, _mm_or_si128(third, fourth))))
        return false;
    _mm_storeu_si128((__m128i *)(void *)dst, first);
    _mm_storeu_si128((__m128i *)(void *)(dst + middle), second);
    _mm_storeu_si128((__m128i *)(void *)(dst + last), third);
    _mm_storeu_si128((__m128i *)(void *)(dst + length - 16), fourth);
    return true;
}
#else
static inline bool short_ascii_copy(const uint8_t *text, size_t length, uint8_t *dst)
{
    (void)text, (void)length, (void)dst;
    return false;
}
#endif

/* The utf8 entry of buf_encode and buf_decode: the checks, the short ASCII copy, else (a
 * tail call) the level's utf8_copy_whole, or with arguments the one-pass case cannot take, the checked
 * path.  utf8's checked path is the same both ways (the same bound, exact length and
 * writer, and no look at the input before the length), so both directions share this
 * entry and its fallbacks call encode_checked.  A function of its own, so neither the
 * public functions (whose writer call needs saved registers) nor utf8_copy_whole put
 * their prologue on the short path: a leaf that saves nothing.  It takes the public functions' arguments as they are (the encoding is
 * utf8), so the dispatch and the tail calls move no register.  Out of line and not cloned:
 * gcc's clone without the constant `utf8' argument made the dispatch in
 * buf_encode/buf_decode move every register down one place and back. */
#if defined(__clang__)
#define CODEC_ENTRY __attribute__((noinline))
#else
#define CODEC_ENTRY __attribute__((noinline, noclone))
#endif

static CODEC_ENTRY buf_status_t utf8_entry(buf_encoding_t utf8, const uint8_t *text, size_t length, uint8_t *dst,
                                           size_t dst_capacity, size_t *written)
{
    if (text && dst && dst_capacity >= length) {
        if (short_ascii_copy(text, length, dst)) {
            if (written)
                *written = length;
            return BUF_OK;
        }
        /* the level's one-pass conversion (codec_internal.h: utf8_copy_whole); before the
         * first conversion of the process, codec_utf8_copy_whole, which chooses the level */
        const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
        if (length <= SIZE_MAX / 3) /* not needed by the short copy: 64 bytes at most */
            return (kernels ? kernels->utf8_copy_whole : codec_utf8_copy_whole)(utf8, text, length, dst,
                                                                                 dst_capacity, written);
    }
    return encode_checked(utf8, text, length, dst, dst_capacity, written);
}

/* ---- hex, base64 and base64url: the bound check and the level's writer ------------------
 * One entry per direction for the three binary-to-text encodings: the pointer checks, the
 * one capacity test their bound needs (no switch over every encoding, no call through
 * codec_encode_write / codec_decode_write), the writer of the level in use by one indexed
 * call, the count stored.  What fails here (NULL or tight arguments, the first conversion
 * of the process, which chooses the level) goes to the checked path, which decides every
 * case as before.  Around the writer, 64-byte rows (callgrind, avx2): base64 decode 63 ->
 * 57 instructions (buf_decode and codec_decode_write before, buf_decode and this entry
 * now), hex decode 37 -> 35, base64 encode 52 -> 41. */
CODEC_ENTRY buf_status_t codec_binary_text_decode_entry(buf_encoding_t encoding, const uint8_t *text, size_t length,
                                                       uint8_t *dst, size_t dst_capacity, size_t *written)
{
    const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
    /* hex: length / 2; base64: the bound of the text before its '=' padding (no larger
     * than the plain bound, and exactly the decoded size of well-formed text) */
    if (text && dst && kernels &&
        dst_capacity >= (encoding == BUF_ENC_HEX ? length / 2 : decode_bound_for_input(encoding, text, length, 0))) {
        const size_t out = kernels->decode_write[encoding](text, length, dst);
        BUF_ASSERT(out <= dst_capacity);
        if (written)
            *written = out;
        return BUF_OK;
    }
    return decode_checked(encoding, text, length, dst, dst_capacity, written);
}

CODEC_ENTRY buf_status_t codec_binary_text_encode_entry(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                                                       uint8_t *dst, size_t dst_capacity, size_t *written)
{
    const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
    /* hex: 2 characters a byte; base64: 4 a started group of 3 (base64url's unpadded text
     * is shorter: a destination between the two takes the checked path's exact length).
     * Both fit in size_t below SIZE_MAX / 2 bytes; longer input (where the bound may
     * overflow) takes the checked path, which says so. */
    if (bytes && dst && kernels && length <= SIZE_MAX / 2 &&
        dst_capacity >= (encoding == BUF_ENC_HEX ? 2 * length : (length + 2) / 3 * 4)) {
        const size_t out = kernels->encode_write[encoding](bytes, length, dst);
        BUF_ASSERT(out <= dst_capacity);
        if (written)
            *written = out;
        return BUF_OK;
    }
    return encode_checked(encoding, bytes, length, dst, dst_capacity, written);
}

/* base64 and base64url either way, and hex decode: the level's entry by one indexed jump
 * (a tail call: buf_encode and buf_decode keep no frame), codec.c's own entries above
 * unless the level has a short path of its own (codec_internal.h: encode_entry,
 * decode_entry).  Before the first conversion of the process no level is chosen yet: the
 * checked path chooses it.  hex encode goes to codec.c's entry directly (no level has one
 * of its own): through the table its 64-byte rows had cost 4 instructions more a call. */
CODEC_INLINE buf_status_t binary_text_entry(buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *dst,
                                            size_t dst_capacity, size_t *written, bool decode)
{
    const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
    if (!kernels)
        return decode ? decode_checked(encoding, input, length, dst, dst_capacity, written)
                      : encode_checked(encoding, input, length, dst, dst_capacity, written);
    return (decode ? kernels->decode_entry : kernels->encode_entry)[encoding](encoding, input, length, dst,
                                                                             dst_capacity, written);
}

/* ---- encode: bytes -> UTF-8 text ----------------------------------------------------- */
buf_status_t buf_encode_bound(buf_encoding_t encoding, size_t length, size_t *out)
{
    return direction_bound(&encoding_direction, encoding, length, out);
}

buf_status_t buf_encode_length(buf_encoding_t encoding, const uint8_t *bytes, size_t length, size_t *out)
{
    return measure_checked(&encoding_direction, encode_exact_length, encoding, bytes, length, out);
}

buf_status_t buf_encode(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written)
{
    if (encoding == BUF_ENC_UTF8)
        return utf8_entry(encoding, bytes, length, dst, dst_capacity, written);
    if (encoding == BUF_ENC_HEX) /* no level has an entry of its own for hex: no hop through the table */
        return codec_binary_text_encode_entry(encoding, bytes, length, dst, dst_capacity, written);
    if (encoding == BUF_ENC_BASE64 || encoding == BUF_ENC_BASE64URL)
        return binary_text_entry(encoding, bytes, length, dst, dst_capacity, written, false);
    return convert_into(&encoding_direction, encode_checked, encoding, bytes, length, dst, dst_capacity, written);
}

/* ---- decode: UTF-8 text -> bytes ----------------------------------------------------- */
buf_status_t buf_decode_bound(buf_encoding_t encoding, size_t length, size_t *out)
{
    return direction_bound(&decoding_direction, encoding, length, out);
}

buf_status_t buf_decode_length(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out)
{
    return measure_checked(&decoding_direction, decode_exact_length, encoding, text, length, out);
}

buf_status_t buf_byte_length(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out)
{
    return measure_checked(&decoding_direction, node_byte_length, encoding, text, length, out);
}

buf_status_t buf_decode(buf_encoding_t encoding, const uint8_t *text, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written)
{
    if (encoding == BUF_ENC_UTF8)
        return utf8_entry(encoding, text, length, dst, dst_capacity, written);
    if (encoding == BUF_ENC_HEX || encoding == BUF_ENC_BASE64 || encoding == BUF_ENC_BASE64URL)
        return binary_text_entry(encoding, text, length, dst, dst_capacity, written, true);
    return convert_into(&decoding_direction, decode_checked, encoding, text, length, dst, dst_capacity, written);
}

/* ---- strict decode ------------------------------------------------------------------ */
buf_status_t buf_decode_strict_offset(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out)
{
    if (!input_is_valid(encoding, text, length) || !out)
        return BUF_EINVAL;
    *out = strict_offset(encoding, text ? text : empty_input, length);
    return BUF_OK;
}

buf_status_t buf_decode_strict(buf_encoding_t encoding, const uint8_t *text, size_t length,
                               uint8_t *dst, size_t dst_capacity, size_t *written,
                               size_t *bad_offset)
{
    if (written)
        *written = 0;
    if (!input_is_valid(encoding, text, length) || (!dst && dst_capacity))
        return BUF_EINVAL;
    const size_t bad = strict_offset(encoding, text ? text : empty_input, length);
    if (bad_offset)
        *bad_offset = bad;
    if (bad < length)
        return BUF_ESTRICT;
    return buf_decode(encoding, text, length, dst, dst_capacity, written);
}
