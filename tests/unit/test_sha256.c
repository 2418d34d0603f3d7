/*
 * test_sha256.c - pf_sha256 against the FIPS 180-4 example vectors, the
 * padding boundaries (checked against coreutils sha256sum) and incremental
 * updates of awkward sizes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pf_sha256.h"

static void hex_of_parts(const char *data, size_t len, size_t step, char out[65])
{
    pf_sha256_t c;
    unsigned char digest[32];
    pf_sha256_init(&c);
    for (size_t off = 0; off < len; off += step)
        pf_sha256_update(&c, data + off, len - off < step ? len - off : step);
    pf_sha256_final(&c, digest);
    pf_sha256_tohex(digest, out);
}

static void test_empty(void **state)
{
    (void)state;
    char hex[65];
    pf_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* A NULL pointer with no bytes is the empty message too. */
    pf_sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
    (void)state;
    char hex[65];
    pf_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448_bits(void **state)
{
    (void)state;
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(strlen(m), 56);
    char hex[65];
    pf_sha256_hex(m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bits(void **state)
{
    (void)state;
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    char hex[65];
    pf_sha256_hex(m, strlen(m), hex);
    assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    /* Updates of 1, 63, 65, 127 and 4093 bytes, cycling, straddle every
     * block boundary position. */
    static const size_t sizes[] = {1, 63, 65, 127, 4093};
    char chunk[4093];
    memset(chunk, 'a', sizeof chunk);
    pf_sha256_t c;
    pf_sha256_init(&c);
    size_t left = 1000000;
    for (size_t i = 0; left > 0; i++) {
        size_t n = sizes[i % 5] < left ? sizes[i % 5] : left;
        pf_sha256_update(&c, chunk, n);
        left -= n;
    }
    unsigned char digest[32];
    char hex[65];
    pf_sha256_final(&c, digest);
    pf_sha256_tohex(digest, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Messages of 55..120 bytes move the length field across block ends. */
static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {55, "595615dbe4f0f407ae397d08b4c2cb870cb9b0e11937416f950c5160acf9c005"},
        {56, "784f623b787495078e93ff28a25b581df0584055a7e71d8cd90c454716b92f51"},
        {63, "5ca3e1ef5207490eac01a795e5cc94d59582a5118bf9534665c8668d87aa647c"},
        {64, "2fcd5a0d60e4c941381fcc4e00a4bf8be422c3ddfafb93c809e8d1e2bfffae8e"},
        {65, "1b3cd1877ab2f2f19f7be001722554f336cb799df0329de0bb4c118dc6abc06d"},
        {119, "faef67da856d6fd9c8d12f9ed0a4fefd3cf0ce085ab43e2907418d457e3c354b"},
        {120, "c9512b08619c19fbb503c7da6b46ef20301e5f7a7a5f43989182398536f5c5c8"},
    };
    char msg[120];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hex[65];
        pf_sha256_hex(msg, cases[i].len, hex);
        assert_string_equal(hex, cases[i].hex);
        hex_of_parts(msg, cases[i].len, 7, hex);
        assert_string_equal(hex, cases[i].hex);
    }
}

static void test_binary_bytes(void **state)
{
    (void)state;
    char hex[65];
    pf_sha256_hex("\x00\xff\x80", 3, hex);
    assert_string_equal(hex, "f742b965f156c10374bc23aea96e3a8aff8facd6fc079defeaa30219ad86f211");
}

/* Every split of a 200-byte message into two updates gives one digest. */
static void test_every_split(void **state)
{
    (void)state;
    char msg[200], whole[65];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)(i * 7 + 3);
    pf_sha256_hex(msg, sizeof msg, whole);
    for (size_t cut = 0; cut <= sizeof msg; cut++) {
        pf_sha256_t c;
        unsigned char digest[32];
        char hex[65];
        pf_sha256_init(&c);
        pf_sha256_update(&c, msg, cut);
        pf_sha256_update(&c, msg + cut, sizeof msg - cut);
        pf_sha256_final(&c, digest);
        pf_sha256_tohex(digest, hex);
        assert_string_equal(hex, whole);
    }
}

/* final re-initialises, so a context can hash a second message. */
static void test_reuse_after_final(void **state)
{
    (void)state;
    pf_sha256_t c;
    unsigned char digest[32];
    char hex[65];
    pf_sha256_init(&c);
    pf_sha256_update(&c, "xyz", 3);
    pf_sha256_final(&c, digest);
    pf_sha256_update(&c, "abc", 3);
    pf_sha256_final(&c, digest);
    pf_sha256_tohex(digest, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abc),
        cmocka_unit_test(test_448_bits),
        cmocka_unit_test(test_896_bits),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_binary_bytes),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_reuse_after_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
