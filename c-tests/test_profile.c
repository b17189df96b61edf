/* The profile builder and gspnp_render: a GRP2614 with 4 accounts, codecs and 16 keys;
 * hostile values; refusals that change nothing. Under valgrind: no errors, no leaks. */
#include "common.h"

#define SET_ACCOUNT(p, n, field, text) CHECK_OK(gspnp_profile_set_account(p, n, field, STR(text)))

static int contains(const gspnp_rendered *rendered, const char *needle) {
    const uint8_t *data = NULL;
    size_t len = 0, i, n = strlen(needle);
    CHECK_OK(gspnp_rendered_contents(rendered, &data, &len));
    for (i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

static gspnp_rendered *render(const gspnp_profile *profile, const char *model, unsigned format) {
    gspnp_rendered *rendered = NULL;
    CHECK_OK(gspnp_render(profile, model, strlen(model), STR("000B82F55284"), format,
                          STR("https://192.0.2.10:8443/gspnp/0123456789abcdef0123456789abcdef/"), &rendered));
    return rendered;
}

int main(void) {
    gspnp_profile *profile = gspnp_profile_new();
    gspnp_rendered *v1, *v2, *again;
    gspnp_str name;
    const uint8_t *a, *b;
    size_t a_len, b_len;
    unsigned account, key;
    char text[64];

    CHECK(profile != NULL);
    for (account = 1; account <= 4; account++) {
        snprintf(text, sizeof text, "10%02u", account);
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_SIP_SERVER, "pbx.example.com:5060");
        CHECK_OK(gspnp_profile_set_account(profile, (uint8_t)account, GSPNP_ACCOUNT_USER_ID, text, strlen(text)));
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_PASSWORD, "p<&\"'>ss");
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_DISPLAY_NAME, "Alice & Bob <Sales>");
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_CODECS, "G.722, PCMA, PCMU, opus");
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_EXPIRY_SECONDS, "3600");
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_TRANSPORT, "udp");
        SET_ACCOUNT(profile, (uint8_t)account, GSPNP_ACCOUNT_DTMF, "rfc2833");
    }
    for (key = 1; key <= 16; key++) {
        const char *mode = key <= 4 ? "line" : (key % 2 ? "blf" : "speed_dial");
        snprintf(text, sizeof text, "20%02u", key);
        CHECK_OK(gspnp_profile_set_key(profile, GSPNP_KEY_KIND_VPK, (uint8_t)key, mode, strlen(mode),
                                       (uint8_t)(key <= 4 ? key : 1), text, strlen(text), text, strlen(text)));
    }
    CHECK_OK(gspnp_profile_set_global(profile, GSPNP_GLOBAL_NTP_SERVER, STR("pool.ntp.org")));
    CHECK_OK(gspnp_profile_set_raw(profile, STR("P1362"), STR("en")));

    v1 = render(profile, "GRP2614", 1);
    v2 = render(profile, "GRP2614", 2);
    name = gspnp_rendered_file_name(v2);
    CHECK(name.len == 19 && memcmp(name.data, "cfg000b82f55284.xml", 19) == 0);
    CHECK(contains(v1, "<config version=\"1\">") && contains(v1, "<P47>pbx.example.com:5060</P47>"));
    CHECK(contains(v2, "<config version=\"2\">") && contains(v2, "account.4.sip.userid"));
    CHECK(contains(v2, "p&lt;&amp;&quot;&apos;&gt;ss") || contains(v2, "p&lt;&amp;\"'&gt;ss"));
    CHECK(!contains(v2, "<&\"'>"));
    CHECK(contains(v1, "192.0.2.10:8443/gspnp/0123456789abcdef0123456789abcdef"));
    CHECK(gspnp_rendered_warning_count(v1) == 0 && gspnp_rendered_warning(v1, 0).len == 0);

    /* An unknown model renders with conservative limits and says so in a warning. */
    again = NULL;
    {
        gspnp_profile *small = gspnp_profile_new();
        gspnp_str warning;
        char text_of_warning[512] = {0};
        CHECK_OK(gspnp_profile_set_account(small, 1, GSPNP_ACCOUNT_USER_ID, STR("1001")));
        CHECK_OK(gspnp_render(small, STR("GRP9999"), STR("000b82f55284"), 2, NULL, 0, &again));
        CHECK(gspnp_rendered_warning_count(again) == 1);
        warning = gspnp_rendered_warning(again, 0);
        /* A view is not NUL-terminated: copy it before searching it. */
        CHECK(warning.len > 7 && warning.len < sizeof text_of_warning);
        memcpy(text_of_warning, warning.data, warning.len);
        CHECK(strstr(text_of_warning, "GRP9999") != NULL);
        gspnp_rendered_free(again);
        gspnp_profile_free(small);
    }

    /* Deterministic: the phone compares checksums after its reboot. */
    again = render(profile, "GRP2614", 2);
    CHECK_OK(gspnp_rendered_contents(v2, &a, &a_len));
    CHECK_OK(gspnp_rendered_contents(again, &b, &b_len));
    CHECK(a_len == b_len && memcmp(a, b, a_len) == 0);
    gspnp_rendered_free(again);

    /* Refusals change nothing. */
    CHECK(gspnp_profile_set_account(profile, 1, GSPNP_ACCOUNT_NAME, STR("evil\r\nP2: x")) == GSPNP_STATUS_CONTROL_CHARACTER);
    CHECK(gspnp_profile_set_account(profile, 1, GSPNP_ACCOUNT_CODECS, STR("PCMU, G.999")) == GSPNP_STATUS_UNKNOWN_CODEC);
    CHECK(gspnp_profile_set_account(profile, 1, 999, STR("x")) == GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK(gspnp_profile_set_key(profile, GSPNP_KEY_KIND_VPK, 5, STR("teleport"), 1, STR("x"), STR("x")) == GSPNP_STATUS_UNKNOWN_KEY_MODE);
    memset(text, 'a', sizeof text);
    CHECK(gspnp_profile_set_key(profile, GSPNP_KEY_KIND_VPK, 5, STR("blf"), 1, text, sizeof text, STR("1")) == GSPNP_STATUS_VALUE_TOO_LONG);
    again = render(profile, "GRP2614", 2);
    CHECK_OK(gspnp_rendered_contents(again, &b, &b_len));
    CHECK(a_len == b_len && memcmp(a, b, a_len) == 0);
    gspnp_rendered_free(again);

    /* A GRP2612 has 2 accounts: rendering this profile for it is refused, named. */
    again = NULL;
    CHECK(gspnp_render(profile, STR("GRP2612"), STR("000b82f55284"), 2, NULL, 0, &again) == GSPNP_STATUS_LIMIT_EXCEEDED);
    CHECK(again == NULL);
    gspnp_last_error_message(text, sizeof text, NULL);
    CHECK(strstr(text, "GRP2612") != NULL);
    CHECK(gspnp_render(profile, STR("GRP2614"), STR("not-a-mac"), 2, NULL, 0, &again) == GSPNP_STATUS_INVALID_MAC);
    CHECK(gspnp_render(profile, STR("GRP2614"), STR("000b82f55284"), 3, NULL, 0, &again) == GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK(gspnp_render(NULL, STR("GRP2614"), STR("000b82f55284"), 2, NULL, 0, &again) == GSPNP_STATUS_NULL_PARAMETER);

    gspnp_rendered_free(v1);
    gspnp_rendered_free(v2);
    gspnp_rendered_free(NULL);
    gspnp_profile_free(profile);
    gspnp_profile_free(NULL);
    printf("test_profile: ok\n");
    return 0;
}
