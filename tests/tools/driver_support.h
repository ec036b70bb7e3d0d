/* driver_support.h — what the one-file test drivers (the tests/tools/ drivers) share.
 *
 * Each driver is a single .c file linked with the library (the Makefile turns
 * tests/tools/NAME.c into build/tests/NAME), so what they share lives here as static
 * inline functions rather than in a second object file.  Like the drivers, it sees
 * impls/include/ only.
 */
#ifndef DRIVER_SUPPORT_H
#define DRIVER_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ==== Hex arguments ====================================================================== */

/* The value of one hex digit of either case, or -1. */
static inline int driver_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses hex into a fresh malloc block the caller frees (at least 1 byte, so an empty
 * result is still a block); NULL on an odd number of digits, a non-hex character or no
 * memory. */
static inline uint8_t *driver_parse_hex(const char *hex, size_t *length)
{
    const size_t digits = strlen(hex);
    if (digits % 2)
        return NULL;
    uint8_t *bytes = malloc(digits / 2 + 1);
    if (!bytes)
        return NULL;
    for (size_t i = 0; i < digits / 2; i++) {
        const int high = driver_hex_value(hex[2 * i]), low = driver_hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            free(bytes);
            return NULL;
        }
        bytes[i] = (uint8_t)(high * 16 + low);
    }
    *length = digits / 2;
    return bytes;
}

#endif
