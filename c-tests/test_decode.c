/* gspnp_decode: a datagram in, a phone out, without any server. */
#include "common.h"

static const char grp2614[] =
    "SUBSCRIBE sip:MAC%3A000B82F55284@224.0.1.75 SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.168.5.175:5080;branch=z9hG4bK1686351121;rport\n"
    "From: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=1990948743\n"
    "To: <sip:MAC%3A000B82F55284@224.0.1.75>\n"
    "Call-ID: 1848599395-5080-1@BJC.BGI.F.BHF\n"
    "CSeq: 20000 SUBSCRIBE\n"
    "Contact: <sip:192.168.5.175:5080>\n"
    "User-Agent: Grandstream GRP2614 1.0.0.31\n"
    "Expires: 0\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\n"
    "Accept: application/url\n"
    "Content-Length: 0\n\n";

static int equals(gspnp_str view, const char *text) {
    return view.len == strlen(text) && memcmp(view.data, text, view.len) == 0;
}

int main(void) {
    gspnp_addr source = {{192, 168, 5, 175}, 5080};
    gspnp_decoded *decoded = NULL;
    gspnp_device device;
    static const char not_sip[] = "\x01\x02 hello";
    static const char options[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\n\r\n";

    CHECK_OK(gspnp_decode((const uint8_t *)grp2614, sizeof grp2614 - 1, source, &decoded));
    CHECK_OK(gspnp_decoded_device(decoded, &device));
    CHECK(equals(device.mac, "000b82f55284"));
    CHECK(equals(device.vendor, "Grandstream"));
    CHECK(equals(device.model, "GRP2614"));
    CHECK(equals(device.firmware, "1.0.0.31"));
    CHECK(equals(device.profile_type, "device"));
    CHECK(equals(device.user_agent, "Grandstream GRP2614 1.0.0.31"));
    CHECK(device.source.octets[3] == 175 && device.source.port == 5080);
    gspnp_decoded_free(decoded);

    decoded = NULL;
    CHECK(gspnp_decode((const uint8_t *)not_sip, sizeof not_sip - 1, source, &decoded) == GSPNP_STATUS_PARSE_ERROR);
    CHECK(decoded == NULL); /* outputs are written only on success */
    CHECK(gspnp_decode((const uint8_t *)options, sizeof options - 1, source, &decoded) == GSPNP_STATUS_NOT_UA_PROFILE);
    CHECK(gspnp_decode(NULL, 0, source, &decoded) == GSPNP_STATUS_PARSE_ERROR);
    CHECK(gspnp_decode(NULL, 5, source, &decoded) == GSPNP_STATUS_NULL_PARAMETER);
    CHECK(gspnp_decode((const uint8_t *)grp2614, sizeof grp2614 - 1, source, NULL) == GSPNP_STATUS_NULL_PARAMETER);
    printf("test_decode: ok\n");
    return 0;
}
