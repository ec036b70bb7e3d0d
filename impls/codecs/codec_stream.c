/* codec_stream.c — the streaming codecs (buf_codec_stream_t, buf_codec_convert_t in
 * buf_codec.h): the one-shot conversions, fed chunk by chunk, with no allocation.
 *
 * The idea: cut every chunk where converting the two sides separately gives what
 * converting them together gives, convert the part before the cut with the one-shot
 * writers (codec.c) or, for hex and base64 decode, the stream state machines
 * (codec_hex.c, codec_base64.c), and hold the few bytes after the cut (the carry) for the
 * next chunk.  The cut, by what the input is:
 *   UTF-8 text (every decode, utf8 encode): before an incomplete but so far well-formed
 *     sequence at the end (at most 3 bytes).  Every read before it ends before it: a
 *     sequence never takes a byte that is not a continuation byte, and the cut is at a
 *     lead byte, so the pieces read as the whole does.
 *   utf16le bytes: at an even length, and before a last unit that is a high surrogate
 *     (its partner may be in the next chunk) — at most 3 bytes held.
 *   base64 bytes: at a multiple of 3 — at most 2 bytes held.
 *   latin1, ascii, hex bytes: nowhere; every byte converts alone.
 * The carry is joined to the next chunk in a small stitch buffer (carry + up to 4 - carry
 * bytes of the chunk) and cut again; once the carry is used up the chunk converts in place.
 *
 * Output room: a piece is converted only into room for its worst case, `rate` output
 * bytes per input byte plus PIECE_SLACK (the pending hex digit or base64 sextets that the
 * piece may complete, and rounding); buf_codec_stream_bound promises room for all of an
 * update, so a caller who sizes `out` by it has every byte of the chunk consumed.
 *
 * Strict decode runs the strict scanner over a piece before the piece is converted: an
 * update that finds an offending byte writes nothing of that piece, and the offset is
 * counted from the start of the stream (`taken` = input bytes taken so far).
 */
#include <string.h>

#include "buf_codec.h"
#include "codec_internal.h"
#include "core/core_assert.h"

/* ---- Output rates --------------------------------------------------------------------
 * Most output bytes per input byte, as a fraction num/den: the slope of each one-shot
 * bound (codec.c).  PIECE_SLACK covers what a piece may owe to earlier input (a pending hex
 * digit: 1 byte; three pending base64 sextets: 2 bytes; 3 bytes of carry at 3 per byte: 9)
 * and rounding; a piece of up to 4 bytes then needs at most 3 * 4 + 12 = 24 bytes of room,
 * below BUF_CODEC_STREAM_MIN_OUTPUT, so the minimum always makes progress.
 */
#define PIECE_SLACK ((size_t)12)
#define STITCH_SIZE ((size_t)4) /* carry + chunk bytes cut again as one piece */

typedef struct rate {
    size_t num, den;
} rate_t;

static const rate_t encode_rates[BUF_ENC_COUNT] = {
    [BUF_ENC_UTF8] = {3, 1},    /* a stray byte: EF BF BD */
    [BUF_ENC_UTF16LE] = {3, 2}, /* a BMP unit of 2 bytes: at most 3 */
    [BUF_ENC_LATIN1] = {2, 1},  [BUF_ENC_ASCII] = {1, 1}, [BUF_ENC_HEX] = {2, 1},
    [BUF_ENC_BASE64] = {4, 3},  [BUF_ENC_BASE64URL] = {4, 3},
};
static const rate_t decode_rates[BUF_ENC_COUNT] = {
    [BUF_ENC_UTF8] = {3, 1},    /* a stray byte: EF BF BD */
    [BUF_ENC_UTF16LE] = {2, 1}, /* at most one unit per text byte */
    [BUF_ENC_LATIN1] = {1, 1},  [BUF_ENC_ASCII] = {1, 1}, [BUF_ENC_HEX] = {1, 2},
    [BUF_ENC_BASE64] = {3, 4},  [BUF_ENC_BASE64URL] = {3, 4},
};

static inline bool is_encoding(const buf_codec_stream_t *stream) { return stream->mode == BUF_CODEC_ENCODE; }
static inline bool is_strict(const buf_codec_stream_t *stream) { return stream->mode == BUF_CODEC_DECODE_STRICT; }

static inline rate_t rate_of(const buf_codec_stream_t *stream)
{
    return (is_encoding(stream) ? encode_rates : decode_rates)[stream->encoding];
}

/* Room a piece of `length` input bytes may need: ceil(length * num / den) + PIECE_SLACK.
 * false when that is above SIZE_MAX. */
static bool room_for(rate_t rate, size_t length, size_t *out)
{
    const size_t whole = length / rate.den, part = length % rate.den;
    if (whole > (SIZE_MAX - PIECE_SLACK - rate.num) / rate.num)
        return false;
    *out = whole * rate.num + (part * rate.num + rate.den - 1) / rate.den + PIECE_SLACK;
    return true;
}

/* The longest piece whose room fits in `room` bytes (0 if not even one byte fits). */
static size_t piece_for_room(rate_t rate, size_t room)
{
    if (room <= PIECE_SLACK + rate.num)
        return 0;
    const size_t usable = room - PIECE_SLACK - rate.num; /* rate.num: the ceil's rounding */
    return usable / rate.num * rate.den + usable % rate.num * rate.den / rate.num;
}

/* ---- Where a chunk may be cut -------------------------------------------------------- */
/* Bytes of text[0, length) that hold only whole code points: an incomplete but so far
 * well-formed sequence at the end is held back (codec_utf8_read would call it ill-formed
 * only because the text ends there). */
static size_t utf8_whole_prefix(const uint8_t *text, size_t length)
{
    const size_t window = length < 3 ? length : 3;
    for (size_t back = 1; back <= window; back++) {
        const size_t lead_at = length - back;
        if ((text[lead_at] & 0xC0) == 0x80)
            continue; /* a continuation byte: its lead is further back */
        const codec_utf8_lead_t lead = codec_utf8_leads[text[lead_at]];
        if (lead.length <= back)
            return length; /* ASCII, a byte that never leads, or a complete sequence */
        if (back >= 2 && (text[lead_at + 1] < lead.low || text[lead_at + 1] > lead.high))
            return length; /* already ill-formed: the next chunk cannot change that */
        if (back >= 3 && (text[lead_at + 2] & 0xC0) != 0x80)
            return length;
        return lead_at;
    }
    return length; /* only continuation bytes: strays, whatever follows */
}

static size_t utf16le_whole_prefix(const uint8_t *bytes, size_t length)
{
    size_t whole = length & ~(size_t)1;
    if (whole >= 2) {
        const uint32_t last = (uint32_t)bytes[whole - 2] | ((uint32_t)bytes[whole - 1] << 8);
        if (last >= 0xD800 && last <= 0xDBFF)
            whole -= 2; /* a high surrogate waits for its partner */
    }
    return whole;
}

/* The cut for a piece that may be continued by more input. */
static size_t whole_prefix(const buf_codec_stream_t *stream, const uint8_t *input, size_t length)
{
    if (!is_encoding(stream) || stream->encoding == BUF_ENC_UTF8)
        return utf8_whole_prefix(input, length);
    switch (stream->encoding) {
    case BUF_ENC_UTF16LE: return utf16le_whole_prefix(input, length);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return length - length % 3;
    default: return length; /* latin1, ascii, hex: byte by byte */
    }
}

/* ---- Converting one piece -------------------------------------------------------------
 * A piece is whole (cut as above, or the last bytes at finish); its first byte is at
 * `base` in the stream; dst has room_for(piece) bytes.
 */
static bool strict_scan(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint64_t base,
                        uint64_t *bad)
{
    size_t offset = length;
    switch (stream->encoding) {
    case BUF_ENC_UTF8:
    case BUF_ENC_UTF16LE: offset = codec_utf8_first_invalid(text, length); break;
    case BUF_ENC_LATIN1: offset = codec_latin1_strict_offset(text, length, 0xFF); break;
    case BUF_ENC_ASCII: offset = codec_latin1_strict_offset(text, length, 0x7F); break;
    case BUF_ENC_HEX: return codec_hex_stream_strict(stream, text, length, base, bad);
    default: return codec_base64_stream_strict(stream, text, length, base, bad);
    }
    if (offset >= length)
        return false;
    *bad = base + offset;
    return true;
}

static buf_status_t fail(buf_codec_stream_t *stream, buf_status_t status)
{
    stream->status = status;
    return status;
}

static buf_status_t convert_piece(buf_codec_stream_t *stream, const uint8_t *piece, size_t length, uint64_t base,
                                  uint8_t *dst, size_t *written)
{
    *written = 0;
    if (length == 0)
        return BUF_OK;
    if (is_encoding(stream)) {
        *written = codec_encode_write(stream->encoding, piece, length, dst);
        return BUF_OK;
    }
    uint64_t bad;
    if (is_strict(stream) && strict_scan(stream, piece, length, base, &bad)) {
        stream->bad_offset = bad;
        return fail(stream, BUF_ESTRICT);
    }
    switch (stream->encoding) {
    case BUF_ENC_HEX: *written = codec_hex_stream_decode(stream, piece, length, dst); break;
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: *written = codec_base64_stream_decode(stream, piece, length, dst); break;
    default: *written = codec_decode_write(stream->encoding, piece, length, dst); break;
    }
    return BUF_OK;
}

/* ---- The single-direction stream ------------------------------------------------------- */
buf_status_t buf_codec_stream_init(buf_codec_stream_t *stream, buf_encoding_t encoding, buf_codec_mode_t mode)
{
    if (!stream || (unsigned)encoding >= BUF_ENC_COUNT || (unsigned)mode > BUF_CODEC_DECODE_STRICT)
        return BUF_EINVAL;
    memset(stream, 0, sizeof *stream);
    stream->encoding = (uint8_t)encoding;
    stream->mode = (uint8_t)mode;
    stream->bad_offset = UINT64_MAX;
    return BUF_OK;
}

static buf_status_t check_usable(const buf_codec_stream_t *stream)
{
    if (!stream || stream->encoding >= BUF_ENC_COUNT || stream->mode > BUF_CODEC_DECODE_STRICT)
        return BUF_EINVAL;
    if (stream->status != BUF_OK)
        return (buf_status_t)stream->status;
    return stream->finished ? BUF_EINVAL : BUF_OK;
}

buf_status_t buf_codec_stream_bound(const buf_codec_stream_t *stream, size_t length, size_t *out)
{
    if (!stream || !out || stream->encoding >= BUF_ENC_COUNT || stream->mode > BUF_CODEC_DECODE_STRICT)
        return BUF_EINVAL;
    size_t room;
    /* the carry converts with the chunk; one more slack for the pieces' separate checks */
    if (length > SIZE_MAX - stream->carry_length || !room_for(rate_of(stream), length + stream->carry_length, &room) ||
        room > SIZE_MAX - PIECE_SLACK)
        return BUF_EOVERFLOW;
    *out = room + PIECE_SLACK;
    return BUF_OK;
}

/* Joins the carry to the chunk and converts whole pieces until the carry is used up, the
 * chunk is (it is all carried then), or there is no room.  Advances *pos and *put. */
static buf_status_t convert_carry(buf_codec_stream_t *stream, const uint8_t *in, size_t length, size_t *pos,
                                  uint8_t *out, size_t out_cap, size_t *put)
{
    const rate_t rate = rate_of(stream);
    while (stream->carry_length && *pos < length) {
        const size_t held = stream->carry_length;
        const size_t take = length - *pos < STITCH_SIZE - held ? length - *pos : STITCH_SIZE - held;
        uint8_t stitch[STITCH_SIZE];
        memcpy(stitch, stream->carry, held);
        memcpy(stitch + held, in + *pos, take);
        const size_t cut = whole_prefix(stream, stitch, held + take);
        if (cut == 0) { /* still incomplete: the chunk ended inside the character */
            BUF_ASSERT(held + take < STITCH_SIZE && *pos + take == length);
            memcpy(stream->carry + held, in + *pos, take);
            stream->carry_length = (uint8_t)(held + take);
            stream->taken += take;
            *pos += take;
            return BUF_OK;
        }
        size_t room, written;
        if (!room_for(rate, cut, &room) || room > out_cap - *put)
            return BUF_OK; /* the caller comes back with more room */
        const buf_status_t status = convert_piece(stream, stitch, cut, stream->taken - held, out + *put, &written);
        *put += written;
        if (status != BUF_OK)
            return status;
        if (cut < held) {
            memmove(stream->carry, stream->carry + cut, held - cut);
            stream->carry_length = (uint8_t)(held - cut);
        } else {
            stream->carry_length = 0;
            stream->taken += cut - held;
            *pos += cut - held;
        }
    }
    return BUF_OK;
}

/* Converts the chunk in place, in pieces that fit the room; the tail after the last cut
 * becomes the carry. */
static buf_status_t convert_direct(buf_codec_stream_t *stream, const uint8_t *in, size_t length, size_t *pos,
                                   uint8_t *out, size_t out_cap, size_t *put)
{
    const rate_t rate = rate_of(stream);
    while (!stream->carry_length && *pos < length) {
        const size_t rest = length - *pos;
        size_t room, piece = rest;
        if (!room_for(rate, rest, &room) || room > out_cap - *put)
            piece = piece_for_room(rate, out_cap - *put);
        if (piece > rest)
            piece = rest;
        const size_t cut = piece ? whole_prefix(stream, in + *pos, piece) : 0;
        if (piece < rest && cut == 0)
            return BUF_OK; /* no room for a whole character: the caller comes back */
        size_t written;
        const buf_status_t status = convert_piece(stream, in + *pos, cut, stream->taken, out + *put, &written);
        *put += written;
        if (status != BUF_OK)
            return status;
        stream->taken += cut;
        *pos += cut;
        if (piece == rest) { /* the chunk's tail waits for the next chunk */
            const size_t tail = rest - cut;
            BUF_ASSERT(tail < STITCH_SIZE);
            memcpy(stream->carry, in + *pos, tail);
            stream->carry_length = (uint8_t)tail;
            stream->taken += tail;
            *pos += tail;
        }
    }
    return BUF_OK;
}

buf_status_t buf_codec_stream_update(buf_codec_stream_t *stream, const uint8_t *in, size_t length, uint8_t *out,
                                     size_t out_cap, size_t *consumed, size_t *written)
{
    if (consumed)
        *consumed = 0;
    if (written)
        *written = 0;
    buf_status_t status = check_usable(stream);
    if (status != BUF_OK)
        return status;
    if ((!in && length) || (!out && out_cap))
        return BUF_EINVAL;
    size_t pos = 0, put = 0;
    if (stream->stopped && !is_strict(stream)) {
        /* past hex's bad pair or base64's '=': Node reads no further */
        stream->taken += length;
        stream->carry_length = 0;
        pos = length;
    }
    status = convert_carry(stream, in, length, &pos, out, out_cap, &put);
    if (status == BUF_OK)
        status = convert_direct(stream, in, length, &pos, out, out_cap, &put);
    BUF_ASSERT(put <= out_cap && pos <= length);
    if (consumed)
        *consumed = pos;
    if (written)
        *written = put;
    if (status == BUF_OK && length > 0 && pos == 0 && put == 0)
        return BUF_ENOSPC;
    return status;
}

buf_status_t buf_codec_stream_finish(buf_codec_stream_t *stream, uint8_t *out, size_t out_cap, size_t *written)
{
    if (written)
        *written = 0;
    buf_status_t status = check_usable(stream);
    if (status != BUF_OK)
        return status;
    size_t room;
    if (!out && out_cap)
        return BUF_EINVAL;
    if (buf_codec_stream_bound(stream, 0, &room) != BUF_OK || out_cap < room)
        return BUF_ENOSPC;
    /* the carry is the stream's last bytes: whole now, since nothing follows */
    size_t put = 0;
    status = convert_piece(stream, stream->carry, stream->carry_length, stream->taken - stream->carry_length, out,
                           &put);
    stream->carry_length = 0;
    uint64_t bad;
    if (status == BUF_OK && is_strict(stream)) {
        const bool found = stream->encoding == BUF_ENC_HEX ? codec_hex_stream_strict_end(stream, &bad)
                           : (stream->encoding == BUF_ENC_BASE64 || stream->encoding == BUF_ENC_BASE64URL)
                               ? codec_base64_stream_strict_end(stream, &bad)
                               : false;
        if (found) {
            stream->bad_offset = bad;
            status = fail(stream, BUF_ESTRICT);
        }
    }
    if (status != BUF_OK)
        return status; /* *written stays 0: a strict failure writes nothing of the end */
    /* a last group of 2 or 3 characters gives 1 or 2 bytes, also when '=' ended it */
    if (!is_encoding(stream) && (stream->encoding == BUF_ENC_BASE64 || stream->encoding == BUF_ENC_BASE64URL))
        put += codec_base64_stream_decode_end(stream, out + put);
    stream->finished = 1;
    BUF_ASSERT(put <= out_cap);
    if (written)
        *written = put;
    return BUF_OK;
}

buf_status_t buf_codec_stream_bad_offset(const buf_codec_stream_t *stream, uint64_t *out)
{
    if (!stream || !out || stream->status != BUF_ESTRICT)
        return BUF_EINVAL;
    *out = stream->bad_offset;
    return BUF_OK;
}

/* ---- A -> B: a decoder and an encoder around a fixed middle buffer ---------------------
 * The middle is drained into `out` before it is refilled, so decoded bytes wait there only
 * while `out` is full.  Nothing is allocated: BUF_CODEC_CONVERT_MIDDLE bytes ride in the
 * struct (above the decoder's progress minimum, so every refill makes progress).
 */
_Static_assert(BUF_CODEC_CONVERT_MIDDLE >= 4 * BUF_CODEC_STREAM_MIN_OUTPUT, "the middle must let the decoder progress");

buf_status_t buf_codec_convert_init(buf_codec_convert_t *convert, buf_encoding_t from, buf_encoding_t to, bool strict)
{
    if (!convert)
        return BUF_EINVAL;
    buf_status_t status = buf_codec_stream_init(&convert->decoder, from, strict ? BUF_CODEC_DECODE_STRICT : BUF_CODEC_DECODE);
    if (status == BUF_OK)
        status = buf_codec_stream_init(&convert->encoder, to, BUF_CODEC_ENCODE);
    convert->middle_start = convert->middle_length = 0;
    return status;
}

buf_status_t buf_codec_convert_bound(const buf_codec_convert_t *convert, size_t length, size_t *out)
{
    if (!convert || !out)
        return BUF_EINVAL;
    size_t middle;
    buf_status_t status = buf_codec_stream_bound(&convert->decoder, length, &middle);
    if (status != BUF_OK)
        return status;
    if (middle > SIZE_MAX - convert->middle_length)
        return BUF_EOVERFLOW;
    return buf_codec_stream_bound(&convert->encoder, middle + convert->middle_length, out);
}

/* Encodes what waits in the middle into out; *put advances. */
static buf_status_t drain_middle(buf_codec_convert_t *convert, uint8_t *out, size_t out_cap, size_t *put)
{
    if (!convert->middle_length)
        return BUF_OK;
    size_t used, written;
    const buf_status_t status =
        buf_codec_stream_update(&convert->encoder, convert->middle + convert->middle_start, convert->middle_length,
                                out + *put, out_cap - *put, &used, &written);
    *put += written;
    convert->middle_start += (uint32_t)used;
    convert->middle_length -= (uint32_t)used;
    return status == BUF_ENOSPC ? BUF_OK : status; /* no room now: the caller comes back */
}

buf_status_t buf_codec_convert_update(buf_codec_convert_t *convert, const uint8_t *in, size_t length, uint8_t *out,
                                      size_t out_cap, size_t *consumed, size_t *written)
{
    if (consumed)
        *consumed = 0;
    if (written)
        *written = 0;
    if (!convert || (!in && length) || (!out && out_cap))
        return BUF_EINVAL;
    const uint32_t middle_before = convert->middle_length;
    size_t pos = 0, put = 0;
    buf_status_t status;
    for (;;) {
        status = drain_middle(convert, out, out_cap, &put);
        if (status != BUF_OK || convert->middle_length || pos == length)
            break;
        size_t used, decoded;
        status = buf_codec_stream_update(&convert->decoder, in + pos, length - pos, convert->middle,
                                         sizeof convert->middle, &used, &decoded);
        pos += used;
        convert->middle_start = 0;
        convert->middle_length = (uint32_t)decoded;
        if (status != BUF_OK)
            break;
    }
    if (consumed)
        *consumed = pos;
    if (written)
        *written = put;
    if (status == BUF_OK && length > 0 && pos == 0 && put == 0 && convert->middle_length == middle_before)
        return BUF_ENOSPC;
    return status;
}

buf_status_t buf_codec_convert_finish(buf_codec_convert_t *convert, uint8_t *out, size_t out_cap, size_t *written)
{
    if (written)
        *written = 0;
    if (!convert || (!out && out_cap))
        return BUF_EINVAL;
    size_t room, put = 0, decoded;
    buf_status_t status = buf_codec_convert_bound(convert, 0, &room);
    if (status != BUF_OK)
        return status;
    if (out_cap < room)
        return BUF_ENOSPC;
    status = drain_middle(convert, out, out_cap, &put);
    BUF_ASSERT(status != BUF_OK || convert->middle_length == 0);
    if (status == BUF_OK)
        status = buf_codec_stream_finish(&convert->decoder, convert->middle, sizeof convert->middle, &decoded);
    if (status == BUF_OK) {
        convert->middle_start = 0;
        convert->middle_length = (uint32_t)decoded;
        status = drain_middle(convert, out, out_cap, &put);
        BUF_ASSERT(status != BUF_OK || convert->middle_length == 0);
    }
    size_t tail = 0;
    if (status == BUF_OK)
        status = buf_codec_stream_finish(&convert->encoder, out + put, out_cap - put, &tail);
    put += tail;
    if (written)
        *written = put;
    return status;
}

buf_status_t buf_codec_convert_bad_offset(const buf_codec_convert_t *convert, uint64_t *out)
{
    if (!convert)
        return BUF_EINVAL;
    return buf_codec_stream_bad_offset(&convert->decoder, out);
}
