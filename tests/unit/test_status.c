/* test_status.c — the status list (buf_status.h): every code has its name and message,
 * the values are the contract's (0, -1, ... -17, no gaps), unknown values are named so. */
#include <criterion/criterion.h>
#include <string.h>

#include "buf_status.h"

Test(status, every_code_has_its_own_name_and_a_message)
{
    cr_expect_eq(BUF_STATUS_COUNT, 18);
    for (int i = 0; i < BUF_STATUS_COUNT; i++) {
        const int code = -i;
        const char *name = buf_status_name(code);
        cr_expect_eq(strncmp(name, "BUF_", 4), 0, "%d: %s", code, name);
        cr_expect_str_neq(name, "BUF_UNKNOWN_STATUS", "%d has no entry", code);
        cr_expect_str_neq(buf_status_message(code), "unknown status code", "%d", code);
        for (int j = 0; j < i; j++)
            cr_expect_str_neq(name, buf_status_name(-j), "%d and %d share a name", code, -j);
    }
}

Test(status, names_are_the_enumerators_spelled_out)
{
    /* the values are the contract: logs and the Node harness print them */
    cr_expect_eq(BUF_OK, 0);
    cr_expect_eq(BUF_ENOMEM, -1);
    cr_expect_eq(BUF_EINVAL, -3);
    cr_expect_eq(BUF_ESTRICT, -11);
    cr_expect_eq(BUF_EINVALID_ARG_TYPE, -15);
    cr_expect_eq(BUF_EOF, -16);
    cr_expect_eq(BUF_EPIPE, -17);
    cr_expect_str_eq(buf_status_name(BUF_OK), "BUF_OK");
    cr_expect_str_eq(buf_status_name(BUF_EOVERFLOW), "BUF_EOVERFLOW");
    cr_expect_str_eq(buf_status_name(BUF_EBUFFER_OUT_OF_BOUNDS), "BUF_EBUFFER_OUT_OF_BOUNDS");
    cr_expect_str_eq(buf_status_name(BUF_EINVALID_ARG_TYPE), "BUF_EINVALID_ARG_TYPE");
    cr_expect_str_eq(buf_status_message(BUF_OK), "success");
    cr_expect_str_eq(buf_status_message(BUF_EUNKNOWN_ENCODING), "ERR_UNKNOWN_ENCODING: unknown encoding");
}

Test(status, values_outside_the_list)
{
    const int outside[] = {1, -BUF_STATUS_COUNT, -100, 2147483647, -2147483647 - 1};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        cr_expect_str_eq(buf_status_name(outside[i]), "BUF_UNKNOWN_STATUS", "%d", outside[i]);
        cr_expect_str_eq(buf_status_message(outside[i]), "unknown status code", "%d", outside[i]);
    }
}
