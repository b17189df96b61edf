/* GNU oSIP as an independent judge of what gspnp sends.
 *
 * A server in feed mode (no socket) is handed SUBSCRIBEs through the C API: the
 * GRP2614 SUBSCRIBE of the vendor guide, captures of a GRP2612W, a Yealink W52P and a
 * snom, and variants (LF line ends, compact header names, several Vias, no branch, a
 * To that already has a tag, a Via without rport from another host), in 200 and in 202
 * mode, with retransmissions, and a deferred NOTIFY outside any dialog after
 * gspnp_server_assign_url() for a phone seen earlier. Every datagram gspnp emits
 * (GSPNP_EVENT_KIND_TRANSMIT) is parsed by oSIP, and its fields must be what gspnp
 * meant, compared with what oSIP read from the SUBSCRIBE: status code or method, Vias
 * (received/rport on the answer), From/To tags (our To tag in the answer is our From
 * tag in the NOTIFY), Call-ID, CSeq, Event ua-profile, Content-Type application/url,
 * Content-Length equal to the body length, body equal to the URL. Every datagram goes
 * to the SUBSCRIBE's source, from the local address it was fed with.
 * Re-provisioning (gspnp_server_resync, issue #12): check-sync, reboot and resync of a
 * phone seen earlier, challenged with 401 MD5/qop=auth, 407 SHA-256/qop=auth and 401
 * MD5 without qop. oSIP parses the first try and the authenticated retry: Request-URI
 * and To at the phone's address, one Via with a new branch per try, the same Call-ID and
 * From tag, CSeq 1 then 2, the Event asked for, no body, and an Authorization (or
 * Proxy-Authorization) whose user, realm, nonce, uri, algorithm, qop, nc, cnonce and
 * opaque are what the challenge asked for.
 * Run under valgrind: zero errors, zero leaks (oSIP's own allocations included). */
#include <ctype.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "common.h"

#define URL "http://192.168.5.1/gspnp/4bd1c0ffee/"
#define URL2 "https://pbx.example.net:8443/gspnp/second/"
#define MAX_SENT 16

static const gspnp_addr local = {{192, 168, 5, 1}, 5060};

/* --- The SUBSCRIBEs ------------------------------------------------------------ */

/* Figure 1 of the Grandstream GRP26xx Plug and Play guide. */
static const char guide[] =
    "SUBSCRIBE sip:MAC%3A000B82F55284@224.0.1.75 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.5.175:5080;branch=z9hG4bK1686351121;rport\r\n"
    "From: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=1990948743\r\n"
    "To: <sip:MAC%3A000B82F55284@224.0.1.75>\r\n"
    "Call-ID: 1848599395-5080-1@BJC.BGI.F.BHF\r\n"
    "CSeq: 20000 SUBSCRIBE\r\n"
    "Contact: <sip:192.168.5.175:5080>\r\n"
    "X-Grandstream-PBX: true\r\n"
    "Max-Forwards: 70\r\n"
    "User-Agent: Grandstream GRP2614 1.0.0.31\r\n"
    "Expires: 0\r\n"
    "Supported: replaces, path\r\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\r\n"
    "Accept: application/url\r\n"
    "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* captures/grandstream-grp2612w-subscribe.txt */
static const char grp2612w[] =
    "SUBSCRIBE sip:MAC%3AC074AD112233@224.0.1.75 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport\r\n"
    "From: <sip:MAC%3AC074AD112233@224.0.1.75>;tag=395400190\r\n"
    "To: <sip:MAC%3AC074AD112233@224.0.1.75>\r\n"
    "Call-ID: 490431573-5080-1@BJC.BGI.IG.DA\r\n"
    "CSeq: 20000 SUBSCRIBE\r\n"
    "Contact: <sip:192.168.1.2:5080>\r\n"
    "Max-Forwards: 70\r\n"
    "User-Agent: Grandstream GRP2612W 1.0.5.67\r\n"
    "Expires: 0\r\n"
    "Supported: replaces, path\r\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2612W\";version=\"1.0.5.67\"\r\n"
    "Accept: application/url\r\n"
    "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* captures/yealink-w52p-subscribe.txt: bare MAC, no rport, source port 5059. */
static const char yealink[] =
    "SUBSCRIBE sip:MAC001565f4f9e1@224.0.1.75 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.1.3.239:5059;branch=z9hG4bK1536537630\r\n"
    "From: <sip:MAC001565f4f9e1@224.0.1.75>;tag=1536537630\r\n"
    "To: <sip:MAC001565f4f9e1@224.0.1.75>\r\n"
    "Call-ID: 1536537630@10.1.3.239\r\n"
    "CSeq: 1 SUBSCRIBE\r\n"
    "Contact: <sip:MAC001565f4f9e1@10.1.3.239:5059>\r\n"
    "Max-Forwards: 70\r\n"
    "User-Agent: Yealink W52P 25.81.0.10\r\n"
    "Expires: 0\r\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"yealink\";model=\"W52P\";version=\"25.81.0.10\"\r\n"
    "Accept: application/url\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* captures/snom-oem-subscribe.txt: old snom, a Via without a branch, MAC%3a, a domain. */
static const char snom[] =
    "SUBSCRIBE sip:MAC%3a00135E874B49@intern.snom.de SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.10.67:5060;rport\r\n"
    "From: <sip:MAC%3a00135E874B49@intern.snom.de>;tag=658512961\r\n"
    "To: <sip:MAC%3a00135E874B49@intern.snom.de>\r\n"
    "Call-ID: 1930770594@192.168.10.67\r\n"
    "CSeq: 1 SUBSCRIBE\r\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"OEM\";model=\"OEM\";version=\"7.1.19\"\r\n"
    "Expires: 0\r\n"
    "Accept: application/url\r\n"
    "Contact: <sip:192.168.10.67:5060>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* The guide's SUBSCRIBE with bare LF line ends (another MAC). */
static const char guide_lf[] =
    "SUBSCRIBE sip:MAC%3A000B82F55285@224.0.1.75 SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.168.5.176:5080;branch=z9hG4bK1686351122;rport\n"
    "From: <sip:MAC%3A000B82F55285@224.0.1.75>;tag=1990948744\n"
    "To: <sip:MAC%3A000B82F55285@224.0.1.75>\n"
    "Call-ID: 1848599396-5080-1@BJC.BGI.F.BHF\n"
    "CSeq: 20000 SUBSCRIBE\n"
    "Contact: <sip:192.168.5.176:5080>\n"
    "User-Agent: Grandstream GRP2614 1.0.0.31\n"
    "Expires: 0\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\n"
    "Accept: application/url\n"
    "Content-Length: 0\n"
    "\n";

/* Compact header names (v f t i m l o), Event without a space, unquoted parameters. */
static const char compact[] =
    "SUBSCRIBE sip:MAC%3A000B82F55286@224.0.1.75 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.168.5.177:5080;branch=z9hG4bK77;rport\r\n"
    "f: <sip:MAC%3A000B82F55286@224.0.1.75>;tag=77\r\n"
    "t: <sip:MAC%3A000B82F55286@224.0.1.75>\r\n"
    "i: compact-77@192.168.5.177\r\n"
    "CSeq: 7 SUBSCRIBE\r\n"
    "m: <sip:192.168.5.177:5080>\r\n"
    "o:ua-profile;profile-type=device;vendor=Fanvil;model=X3S\r\n"
    "l: 0\r\n"
    "\r\n";

/* Three Vias, two of them in one field: as relayed by a SIP proxy on the LAN. */
static const char many_vias[] =
    "SUBSCRIBE sip:MAC%3A000B82F55287@224.0.1.75 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.5.9:5060;branch=z9hG4bKproxy2;rport, SIP/2.0/UDP 192.168.7.3;branch=z9hG4bKproxy1\r\n"
    "Via: SIP/2.0/UDP 192.168.7.178:5080;branch=z9hG4bK78;received=192.168.7.178\r\n"
    "From: <sip:MAC%3A000B82F55287@224.0.1.75>;tag=78\r\n"
    "To: <sip:MAC%3A000B82F55287@224.0.1.75>\r\n"
    "Call-ID: vias-78@192.168.7.178\r\n"
    "CSeq: 20000 SUBSCRIBE\r\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* A Via without branch or rport whose host is not the datagram's source (NAT). */
static const char natted[] =
    "SUBSCRIBE sip:MAC%3A000B82F55288@224.0.1.75 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.79:5080\r\n"
    "From: \"Lobby phone\" <sip:MAC%3A000B82F55288@224.0.1.75>;tag=79\r\n"
    "To: <sip:MAC%3A000B82F55288@224.0.1.75>\r\n"
    "Call-ID: natted-79\r\n"
    "CSeq: 3 SUBSCRIBE\r\n"
    "Event: ua-profile;vendor=\"Grandstream\";model=\"GRP2612\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* A To that already carries a tag (a refresh inside a dialog): the answer keeps it. */
static const char to_tagged[] =
    "SUBSCRIBE sip:MAC%3A000B82F55289@224.0.1.75 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.5.180:5080;branch=z9hG4bK80;rport\r\n"
    "From: <sip:MAC%3A000B82F55289@224.0.1.75>;tag=80\r\n"
    "To: <sip:MAC%3A000B82F55289@224.0.1.75>;tag=theirs-80\r\n"
    "Call-ID: tagged-80@192.168.5.180\r\n"
    "CSeq: 20001 SUBSCRIBE\r\n"
    "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

struct phone {
    const char *name;
    const char *subscribe;
    const char *mac;
    gspnp_addr source;
};

static const struct phone phones[] = {
    {"guide GRP2614", guide, "000b82f55284", {{192, 168, 5, 175}, 5080}},
    {"GRP2612W capture", grp2612w, "c074ad112233", {{192, 168, 1, 2}, 5080}},
    {"Yealink capture", yealink, "001565f4f9e1", {{10, 1, 3, 239}, 5059}},
    {"snom capture", snom, "00135e874b49", {{192, 168, 10, 67}, 5060}},
    {"LF line ends", guide_lf, "000b82f55285", {{192, 168, 5, 176}, 5080}},
    {"compact headers", compact, "000b82f55286", {{192, 168, 5, 177}, 5080}},
    {"three Vias", many_vias, "000b82f55287", {{192, 168, 5, 9}, 5060}},
    {"NAT, no branch, no rport", natted, "000b82f55288", {{203, 0, 113, 79}, 40123}},
    {"To with a tag", to_tagged, "000b82f55289", {{192, 168, 5, 180}, 5080}},
};

/* --- What gspnp sends, as the host receives it ---------------------------------- */

struct datagram {
    char *data; /* NUL-terminated copy */
    size_t len;
    gspnp_addr destination;
    gspnp_addr source;
};

struct sent {
    struct datagram items[MAX_SENT];
    int count;
    int acknowledged;
    int other_results;
    int resyncs_accepted;
    int resyncs_failed;
};

static void sent_clear(struct sent *sent) {
    int i;
    for (i = 0; i < sent->count; i++) free(sent->items[i].data);
    memset(sent, 0, sizeof *sent);
}

/* Takes events until `want` datagrams were sent, then until `quiet_ms` pass without an
 * event; records datagrams and NOTIFY results. */
static void collect(gspnp_server *server, struct sent *sent, int want, uint32_t quiet_ms) {
    for (;;) {
        gspnp_event *event = NULL;
        int status = gspnp_server_next_event(server, sent->count < want ? 10000 : quiet_ms, &event);
        if (status == GSPNP_STATUS_TIMEOUT) {
            if (sent->count < want) {
                fprintf(stderr, "timed out waiting for datagram %d of %d\n", sent->count + 1, want);
                exit(1);
            }
            return;
        }
        CHECK_OK(status);
        switch (gspnp_event_get_kind(event)) {
        case GSPNP_EVENT_KIND_TRANSMIT: {
            struct datagram *item = &sent->items[sent->count];
            const uint8_t *data = NULL;
            CHECK(sent->count < MAX_SENT);
            CHECK_OK(gspnp_event_transmit(event, &data, &item->len, &item->destination, &item->source));
            item->data = malloc(item->len + 1);
            CHECK(item->data != NULL);
            memcpy(item->data, data, item->len);
            item->data[item->len] = '\0';
            sent->count++;
            break;
        }
        case GSPNP_EVENT_KIND_NOTIFY_RESULT: {
            gspnp_notify_result result;
            CHECK_OK(gspnp_event_notify_result(event, &result));
            if (result.outcome == GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED && result.status_code == 200)
                sent->acknowledged++;
            else
                sent->other_results++;
            break;
        }
        case GSPNP_EVENT_KIND_RESYNC_RESULT: {
            gspnp_resync_result result;
            CHECK_OK(gspnp_event_resync_result(event, &result));
            if (result.outcome == GSPNP_RESYNC_OUTCOME_ACCEPTED && result.status_code == 200)
                sent->resyncs_accepted++;
            else
                sent->resyncs_failed++;
            break;
        }
        default:
            break;
        }
        gspnp_event_free(event);
    }
}

static void feed(gspnp_server *server, const char *text, gspnp_addr source) {
    CHECK_OK(gspnp_server_feed(server, (const uint8_t *)text, strlen(text), source, local));
}

/* --- The judge ----------------------------------------------------------------- */

static osip_message_t *judge(const char *text, size_t len, const char *what) {
    osip_message_t *message = NULL;
    CHECK(osip_message_init(&message) == 0);
    if (osip_message_parse(message, text, len) != 0) {
        fprintf(stderr, "oSIP refuses %s:\n%.*s\n", what, (int)len, text);
        exit(1);
    }
    return message;
}

static int same(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int same_nocase(const char *a, const char *b) {
    return a != NULL && b != NULL && osip_strcasecmp(a, b) == 0;
}

/* A parameter's value ("" when it has none), NULL when absent. */
static const char *param(osip_list_t *params, const char *name) {
    osip_generic_param_t *found = NULL;
    if (osip_generic_param_get_byname(params, (char *)name, &found) != 0 || found == NULL) return NULL;
    return found->gvalue != NULL ? found->gvalue : "";
}

static const char *header(osip_message_t *message, const char *name) {
    osip_header_t *found = NULL;
    if (osip_message_header_get_byname(message, name, 0, &found) < 0 || found == NULL) return NULL;
    return found->hvalue;
}

static osip_via_t *via(osip_message_t *message, int index) {
    return (osip_via_t *)osip_list_get(&message->vias, index);
}

/* Call-IDs compare as oSIP prints them. */
static int same_call_id(osip_message_t *a, osip_message_t *b) {
    char *left = NULL, *right = NULL;
    int equal;
    CHECK(a->call_id != NULL && b->call_id != NULL);
    CHECK(osip_call_id_to_str(a->call_id, &left) == 0);
    CHECK(osip_call_id_to_str(b->call_id, &right) == 0);
    equal = strcmp(left, right) == 0;
    osip_free(left);
    osip_free(right);
    return equal;
}

static int same_uri(osip_uri_t *a, osip_uri_t *b) {
    char *left = NULL, *right = NULL;
    int equal;
    CHECK(a != NULL && b != NULL);
    CHECK(osip_uri_to_str(a, &left) == 0);
    CHECK(osip_uri_to_str(b, &right) == 0);
    equal = strcmp(left, right) == 0;
    osip_free(left);
    osip_free(right);
    return equal;
}

static void address_text(gspnp_addr address, char *ip, size_t ip_size, char *port, size_t port_size) {
    snprintf(ip, ip_size, "%u.%u.%u.%u", address.octets[0], address.octets[1], address.octets[2], address.octets[3]);
    snprintf(port, port_size, "%u", address.port);
}

static int same_addr(gspnp_addr a, gspnp_addr b) {
    return memcmp(a.octets, b.octets, 4) == 0 && a.port == b.port;
}

#define JUDGE(cond, what, item)                                                                   \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: %s: %s: %s\n%s\n", __FILE__, __LINE__, phone->name, what, #cond, \
                    (item)->data);                                                                \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

/* Checks the answer to `subscribe`; returns our To tag (free it). */
static char *check_answer(const struct phone *phone, osip_message_t *subscribe, const struct datagram *item,
                          int code) {
    osip_message_t *answer = judge(item->data, item->len, "the answer");
    char ip[16], port[8];
    const char *theirs = param(&subscribe->to->gen_params, "tag");
    const char *ours = NULL;
    char *tag;
    int i;
    address_text(phone->source, ip, sizeof ip, port, sizeof port);
    JUDGE(same_addr(item->destination, phone->source) && same_addr(item->source, local), "addresses", item);
    JUDGE(MSG_IS_RESPONSE(answer) && answer->status_code == code, "status", item);
    JUDGE(same(answer->sip_version, "SIP/2.0"), "version", item);
    /* Every Via copied in order; the top one with received and rport (RFC 3581). */
    JUDGE(osip_list_size(&answer->vias) == osip_list_size(&subscribe->vias), "Via count", item);
    for (i = 0; i < osip_list_size(&subscribe->vias); i++) {
        osip_via_t *sent_via = via(answer, i), *their_via = via(subscribe, i);
        JUDGE(same(sent_via->host, their_via->host), "Via host", item);
        JUDGE(sent_via->port == their_via->port || same(sent_via->port, their_via->port), "Via port", item);
        JUDGE(same_nocase(sent_via->protocol, their_via->protocol), "Via transport", item);
        if (param(&their_via->via_params, "branch") != NULL)
            JUDGE(same(param(&sent_via->via_params, "branch"), param(&their_via->via_params, "branch")), "branch",
                  item);
        if (i > 0) continue;
        if (param(&their_via->via_params, "rport") != NULL) {
            JUDGE(same(param(&sent_via->via_params, "rport"), port), "rport", item);
            JUDGE(same(param(&sent_via->via_params, "received"), ip), "received", item);
        } else if (!same(their_via->host, ip)) {
            JUDGE(same(param(&sent_via->via_params, "received"), ip), "received", item);
        }
    }
    /* From copied; To copied with our tag (or theirs, kept). */
    JUDGE(answer->from != NULL && same_uri(answer->from->url, subscribe->from->url), "From URI", item);
    JUDGE(same(param(&answer->from->gen_params, "tag"), param(&subscribe->from->gen_params, "tag")), "From tag",
          item);
    JUDGE(answer->to != NULL && same_uri(answer->to->url, subscribe->to->url), "To URI", item);
    ours = param(&answer->to->gen_params, "tag");
    JUDGE(ours != NULL && strlen(ours) >= 8, "our To tag", item);
    if (theirs != NULL) JUDGE(same(ours, theirs), "the To tag the SUBSCRIBE had", item);
    JUDGE(same_call_id(answer, subscribe), "Call-ID", item);
    JUDGE(answer->cseq != NULL && same(answer->cseq->number, subscribe->cseq->number), "CSeq number", item);
    JUDGE(same(answer->cseq->method, "SUBSCRIBE"), "CSeq method", item);
    JUDGE(answer->content_length != NULL && same(answer->content_length->value, "0"), "Content-Length", item);
    JUDGE(osip_list_size(&answer->bodies) == 0, "no body", item);
    JUDGE(same(header(answer, "Expires"), "0"), "Expires", item);
    JUDGE(osip_list_size(&answer->contacts) == 1, "Contact", item);
    tag = malloc(strlen(ours) + 1);
    CHECK(tag != NULL);
    strcpy(tag, ours);
    osip_message_free(answer);
    return tag;
}

/* Checks a NOTIFY carrying `url`: inside the SUBSCRIBE's dialog when `our_tag` is
 * given, else outside any dialog. */
static void check_notify(const struct phone *phone, osip_message_t *subscribe, const struct datagram *item,
                         const char *our_tag, const char *url) {
    osip_message_t *notify = judge(item->data, item->len, "the NOTIFY");
    osip_via_t *top;
    osip_body_t *body = NULL;
    char ip[16], port[8], length[16];
    const char *branch;
    address_text(phone->source, ip, sizeof ip, port, sizeof port);
    snprintf(length, sizeof length, "%u", (unsigned)strlen(url));
    JUDGE(same_addr(item->destination, phone->source) && same_addr(item->source, local), "addresses", item);
    JUDGE(MSG_IS_NOTIFY(notify) && same(notify->sip_version, "SIP/2.0"), "method", item);
    /* To the datagram's source, never to a host named in the SUBSCRIBE. */
    JUDGE(notify->req_uri != NULL && same(notify->req_uri->host, ip) && same(notify->req_uri->port, port),
          "Request-URI", item);
    JUDGE(osip_list_size(&notify->vias) == 1, "one Via", item);
    top = via(notify, 0);
    branch = param(&top->via_params, "branch");
    JUDGE(same(top->host, "192.168.5.1") && same(top->port, "5060") && same_nocase(top->protocol, "UDP"), "Via",
          item);
    JUDGE(branch != NULL && strncmp(branch, "z9hG4bK", 7) == 0 && strlen(branch) > 7, "branch", item);
    JUDGE(param(&top->via_params, "rport") != NULL, "rport", item);
    JUDGE(notify->from != NULL && notify->to != NULL, "From and To", item);
    if (our_tag != NULL) {
        /* From: the SUBSCRIBE's To URI with our tag; To: the SUBSCRIBE's From. */
        JUDGE(same_uri(notify->from->url, subscribe->to->url), "From URI", item);
        JUDGE(same(param(&notify->from->gen_params, "tag"), our_tag), "our tag", item);
        JUDGE(same_uri(notify->to->url, subscribe->from->url), "To URI", item);
        JUDGE(same(param(&notify->to->gen_params, "tag"), param(&subscribe->from->gen_params, "tag")), "To tag",
              item);
        JUDGE(same_call_id(notify, subscribe), "Call-ID", item);
    } else {
        /* A new dialog: our own Call-ID and tag, To the phone's address. */
        const char *tag = param(&notify->from->gen_params, "tag");
        JUDGE(tag != NULL && strlen(tag) >= 8, "a From tag", item);
        JUDGE(param(&notify->to->gen_params, "tag") == NULL, "no To tag", item);
        JUDGE(same(notify->to->url->host, ip) && same(notify->to->url->port, port), "To URI", item);
        JUDGE(notify->call_id != NULL && !same_call_id(notify, subscribe), "a new Call-ID", item);
    }
    JUDGE(notify->cseq != NULL && same(notify->cseq->method, "NOTIFY") && same(notify->cseq->number, "1"), "CSeq",
          item);
    JUDGE(same(header(notify, "Event"), "ua-profile"), "Event", item);
    JUDGE(same(header(notify, "Subscription-State"), "terminated;reason=timeout"), "Subscription-State", item);
    JUDGE(same(header(notify, "Max-Forwards"), "70"), "Max-Forwards", item);
    JUDGE(osip_list_size(&notify->contacts) == 1, "Contact", item);
    JUDGE(notify->content_type != NULL && same(notify->content_type->type, "application") &&
              same(notify->content_type->subtype, "url"),
          "Content-Type", item);
    JUDGE(notify->content_length != NULL && same(notify->content_length->value, length), "Content-Length", item);
    JUDGE(osip_message_get_body(notify, 0, &body) >= 0 && body != NULL, "a body", item);
    JUDGE(body->length == strlen(url) && memcmp(body->body, url, body->length) == 0, "the URL", item);
    osip_message_free(notify);
}

/* The phone's answer to a NOTIFY: `status_line`, its Via, From, To, Call-ID and CSeq
 * copied, then `extra` (whole header lines, may be ""). */
static void answer_notify(gspnp_server *server, const struct phone *phone, const struct datagram *notify,
                          const char *status_line, const char *extra) {
    static const char *names[] = {"Via:", "From:", "To:", "Call-ID:", "CSeq:"};
    char answer[4096];
    const char *line = notify->data;
    CHECK(strlen(status_line) + strlen(extra) + 64 < sizeof answer);
    snprintf(answer, sizeof answer, "%s\r\n", status_line);
    while (line != NULL && *line != '\0') {
        const char *end = strstr(line, "\r\n");
        size_t i, len = end != NULL ? (size_t)(end - line) : strlen(line);
        for (i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strncmp(line, names[i], strlen(names[i])) == 0) {
                CHECK(strlen(answer) + len + strlen(extra) + 32 < sizeof answer);
                strncat(answer, line, len);
                strcat(answer, "\r\n");
            }
        }
        line = end != NULL ? end + 2 : NULL;
    }
    strcat(answer, extra);
    strcat(answer, "Content-Length: 0\r\n\r\n");
    /* oSIP reads it too: what we built from gspnp's NOTIFY is itself good SIP. */
    osip_message_free(judge(answer, strlen(answer), "the phone's answer"));
    feed(server, answer, phone->source);
}

/* The phone's 200 to a NOTIFY. */
static void acknowledge(gspnp_server *server, const struct phone *phone, const struct datagram *notify) {
    answer_notify(server, phone, notify, "SIP/2.0 200 OK", "");
}

/* A phone boots: assigned a URL, it sends its SUBSCRIBE, gets the answer and the NOTIFY,
 * retransmits the SUBSCRIBE (same answer again, no second NOTIFY), acknowledges. */
static void provision(gspnp_server *server, const struct phone *phone, int code) {
    osip_message_t *subscribe = judge(phone->subscribe, strlen(phone->subscribe), phone->name);
    struct sent sent, again;
    char *our_tag;
    memset(&sent, 0, sizeof sent);
    memset(&again, 0, sizeof again);
    CHECK_OK(gspnp_server_assign_url(server, phone->mac, 12, STR(URL)));
    feed(server, phone->subscribe, phone->source);
    collect(server, &sent, 2, 300);
    JUDGE(sent.count == 2, "an answer and a NOTIFY, nothing else", &sent.items[0]);
    our_tag = check_answer(phone, subscribe, &sent.items[0], code);
    check_notify(phone, subscribe, &sent.items[1], our_tag, URL);

    feed(server, phone->subscribe, phone->source);
    collect(server, &again, 1, 300);
    JUDGE(again.count == 1 && again.items[0].len == sent.items[0].len &&
              memcmp(again.items[0].data, sent.items[0].data, sent.items[0].len) == 0,
          "a retransmission gets the identical answer and no NOTIFY", &again.items[0]);

    acknowledge(server, phone, &sent.items[1]);
    collect(server, &again, 1, 300);
    JUDGE(again.count == 1 && again.acknowledged == 1 && again.other_results == 0, "acknowledged", &sent.items[1]);
    printf("  %-26s %d answer, in-dialog NOTIFY, retransmission: oSIP agrees\n", phone->name, code);
    free(our_tag);
    sent_clear(&sent);
    sent_clear(&again);
    osip_message_free(subscribe);
}

/* The host assigns another URL to a phone provisioned earlier: a NOTIFY outside any
 * dialog goes to the phone's last address. */
static void deferred(gspnp_server *server, const struct phone *phone) {
    osip_message_t *subscribe = judge(phone->subscribe, strlen(phone->subscribe), phone->name);
    struct sent sent;
    memset(&sent, 0, sizeof sent);
    CHECK_OK(gspnp_server_assign_url(server, phone->mac, 12, STR(URL2)));
    collect(server, &sent, 1, 300);
    JUDGE(sent.count == 1, "one NOTIFY", &sent.items[0]);
    check_notify(phone, subscribe, &sent.items[0], NULL, URL2);
    acknowledge(server, phone, &sent.items[0]);
    collect(server, &sent, 1, 300);
    JUDGE(sent.acknowledged == 1, "acknowledged", &sent.items[0]);
    printf("  %-26s deferred NOTIFY outside any dialog: oSIP agrees\n", phone->name);
    sent_clear(&sent);
    osip_message_free(subscribe);
}

/* --- Re-provisioning ------------------------------------------------------------ */

#define RESYNC_USER "1001"
#define RESYNC_PASSWORD "osip-resync-secret"

struct resync_case {
    const char *name;
    uint32_t kind;
    const char *event;
    int code;                  /* 401 or 407 */
    const char *challenge;     /* the WWW-/Proxy-Authenticate value */
    const char *realm;         /* quoted, as oSIP keeps it */
    const char *nonce;         /* quoted */
    const char *algorithm;     /* as sent back, NULL when absent */
    const char *opaque;        /* quoted, NULL when absent */
    int qop;                   /* qop=auth offered */
    size_t response_hex;       /* 32 (MD5) or 64 (SHA-256) */
};

static const struct resync_case resync_cases[] = {
    {"check-sync, 401 MD5 qop=auth", GSPNP_RESYNC_CHECK_SYNC, "check-sync", 401,
     "Digest realm=\"Grandstream GRP2614\", nonce=\"5f1e0c\", opaque=\"0p4que\", algorithm=MD5, qop=\"auth\"",
     "\"Grandstream GRP2614\"", "\"5f1e0c\"", "MD5", "\"0p4que\"", 1, 32},
    {"reboot, 407 SHA-256 qop=auth", GSPNP_RESYNC_REBOOT, "check-sync;reboot=true", 407,
     "Digest realm=\"pbx.example\", nonce=\"a9b8c7\", algorithm=SHA-256, qop=\"auth,auth-int\"",
     "\"pbx.example\"", "\"a9b8c7\"", "SHA-256", NULL, 1, 64},
    {"resync, 401 MD5 no qop", GSPNP_RESYNC_RESYNC, "resync", 401, "Digest realm=\"grp\", nonce=\"0011\"",
     "\"grp\"", "\"0011\"", NULL, NULL, 0, 32},
};

/* `text` is a quoted string of `len` hex digits. */
static int quoted_hex(const char *text, size_t len) {
    size_t i;
    if (text == NULL || strlen(text) != len + 2 || text[0] != '"' || text[len + 1] != '"') return 0;
    for (i = 1; i <= len; i++)
        if (!isxdigit((unsigned char)text[i])) return 0;
    return 1;
}

/* The quoted form of `text`, in a static buffer. */
static const char *quoted(const char *text) {
    static char buffer[256];
    snprintf(buffer, sizeof buffer, "\"%s\"", text);
    return buffer;
}

/* Checks try `cseq` of a re-provisioning NOTIFY to `phone`; with `first` (the
 * earlier try) the same call, a new branch. */
static void check_resync_notify(const struct phone *phone, const struct resync_case *c, const struct datagram *item,
                                osip_message_t *notify, osip_message_t *first, const char *cseq) {
    char ip[16], port[8], uri[64];
    osip_via_t *top;
    const char *branch, *tag;
    char *text = NULL;
    address_text(phone->source, ip, sizeof ip, port, sizeof port);
    snprintf(uri, sizeof uri, "sip:%s@%s:%s", RESYNC_USER, ip, port);
    JUDGE(same_addr(item->destination, phone->source) && same_addr(item->source, local), "addresses", item);
    JUDGE(MSG_IS_NOTIFY(notify) && same(notify->sip_version, "SIP/2.0"), "method", item);
    JUDGE(notify->req_uri != NULL && osip_uri_to_str(notify->req_uri, &text) == 0 && same(text, uri),
          "Request-URI: the account at the phone's address", item);
    osip_free(text);
    JUDGE(osip_list_size(&notify->vias) == 1, "one Via", item);
    top = via(notify, 0);
    branch = param(&top->via_params, "branch");
    JUDGE(same(top->host, "192.168.5.1") && same(top->port, "5060") && same_nocase(top->protocol, "UDP"), "Via",
          item);
    JUDGE(branch != NULL && strncmp(branch, "z9hG4bK", 7) == 0 && strlen(branch) > 7, "branch", item);
    JUDGE(notify->from != NULL && notify->to != NULL, "From and To", item);
    tag = param(&notify->from->gen_params, "tag");
    JUDGE(tag != NULL && strlen(tag) >= 8, "a From tag", item);
    JUDGE(param(&notify->to->gen_params, "tag") == NULL, "outside any dialog: no To tag", item);
    JUDGE(same(notify->to->url->host, ip) && same(notify->to->url->port, port), "To URI", item);
    JUDGE(notify->cseq != NULL && same(notify->cseq->method, "NOTIFY") && same(notify->cseq->number, cseq), "CSeq",
          item);
    JUDGE(same(header(notify, "Event"), c->event), "Event", item);
    JUDGE(same(header(notify, "Max-Forwards"), "70"), "Max-Forwards", item);
    JUDGE(osip_list_size(&notify->contacts) == 1, "Contact", item);
    JUDGE(notify->content_length != NULL && same(notify->content_length->value, "0"), "Content-Length 0", item);
    JUDGE(osip_list_size(&notify->bodies) == 0 && notify->content_type == NULL, "no body", item);
    if (first == NULL) {
        JUDGE(osip_list_size(&notify->authorizations) == 0 && osip_list_size(&notify->proxy_authorizations) == 0,
              "no credentials before the challenge", item);
        return;
    }
    JUDGE(same_call_id(notify, first), "the retry keeps the Call-ID", item);
    JUDGE(same(tag, param(&first->from->gen_params, "tag")), "the retry keeps the From tag", item);
    JUDGE(!same(branch, param(&via(first, 0)->via_params, "branch")), "the retry has a new branch", item);
}

/* Checks the retry's Authorization (401) or Proxy-Authorization (407). */
static void check_credentials(const struct phone *phone, const struct resync_case *c, const struct datagram *item,
                              osip_message_t *retry) {
    osip_authorization_t *auth = NULL;
    char *text = NULL;
    if (c->code == 401) {
        JUDGE(osip_list_size(&retry->proxy_authorizations) == 0, "no Proxy-Authorization", item);
        JUDGE(osip_message_get_authorization(retry, 0, &auth) >= 0 && auth != NULL, "Authorization", item);
    } else {
        JUDGE(osip_list_size(&retry->authorizations) == 0, "no Authorization", item);
        JUDGE(osip_message_get_proxy_authorization(retry, 0, &auth) >= 0 && auth != NULL, "Proxy-Authorization",
              item);
    }
    JUDGE(same_nocase(auth->auth_type, "Digest"), "Digest", item);
    JUDGE(same(auth->username, quoted(RESYNC_USER)), "username", item);
    JUDGE(same(auth->realm, c->realm), "realm from the challenge", item);
    JUDGE(same(auth->nonce, c->nonce), "nonce echoed", item);
    JUDGE(osip_uri_to_str(retry->req_uri, &text) == 0 && same(auth->uri, quoted(text)), "uri = Request-URI", item);
    osip_free(text);
    JUDGE(quoted_hex(auth->response, c->response_hex), "response", item);
    if (c->algorithm != NULL)
        JUDGE(same_nocase(auth->algorithm, c->algorithm), "algorithm", item);
    else
        JUDGE(auth->algorithm == NULL || same_nocase(auth->algorithm, "MD5"), "algorithm MD5", item);
    if (c->opaque != NULL)
        JUDGE(same(auth->opaque, c->opaque), "opaque echoed", item);
    else
        JUDGE(auth->opaque == NULL, "no opaque", item);
    if (c->qop) {
        JUDGE(same(auth->message_qop, "auth"), "qop=auth", item);
        JUDGE(same(auth->nonce_count, "00000001"), "nc", item);
        JUDGE(auth->cnonce != NULL && strlen(auth->cnonce) > 2, "cnonce", item);
    } else {
        JUDGE(auth->message_qop == NULL && auth->nonce_count == NULL && auth->cnonce == NULL, "no qop, nc, cnonce",
              item);
    }
    JUDGE(strstr(item->data, RESYNC_PASSWORD) == NULL, "the password is not on the wire", item);
}

/* Re-provisions `phone` (seen earlier): the first try, the phone's challenge, the
 * authenticated retry, the phone's 200, the host hears Accepted. */
static void resync(gspnp_server *server, const struct phone *phone, const struct resync_case *c) {
    struct sent first, retry;
    osip_message_t *first_notify, *retry_notify;
    char extra[512];
    memset(&first, 0, sizeof first);
    memset(&retry, 0, sizeof retry);
    CHECK_OK(gspnp_server_resync(server, phone->mac, 12, c->kind, 0, STR(RESYNC_USER), STR(RESYNC_PASSWORD), NULL, 0));
    collect(server, &first, 1, 300);
    JUDGE(first.count == 1, "one NOTIFY", &first.items[0]);
    first_notify = judge(first.items[0].data, first.items[0].len, "the re-provisioning NOTIFY");
    check_resync_notify(phone, c, &first.items[0], first_notify, NULL, "1");

    snprintf(extra, sizeof extra, "%s: %s\r\n", c->code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate",
             c->challenge);
    answer_notify(server, phone, &first.items[0],
                  c->code == 401 ? "SIP/2.0 401 Unauthorized" : "SIP/2.0 407 Proxy Authentication Required", extra);
    collect(server, &retry, 1, 300);
    JUDGE(retry.count == 1 && retry.resyncs_failed == 0, "one authenticated retry", &retry.items[0]);
    retry_notify = judge(retry.items[0].data, retry.items[0].len, "the authenticated retry");
    check_resync_notify(phone, c, &retry.items[0], retry_notify, first_notify, "2");
    check_credentials(phone, c, &retry.items[0], retry_notify);

    acknowledge(server, phone, &retry.items[0]);
    sent_clear(&first);
    collect(server, &first, 0, 300);
    JUDGE(first.count == 0 && first.resyncs_accepted == 1 && first.resyncs_failed == 0, "the host hears Accepted 200",
          &retry.items[0]);
    printf("  %-26s %s: oSIP agrees\n", phone->name, c->name);
    osip_message_free(first_notify);
    osip_message_free(retry_notify);
    sent_clear(&retry);
}

static gspnp_server *start(uint16_t code) {
    gspnp_server_config *config = gspnp_server_config_new();
    gspnp_server *server = NULL;
    CHECK(config != NULL);
    CHECK_OK(gspnp_server_config_set_feed_mode(config, true));
    CHECK_OK(gspnp_server_config_set_answer_code(config, code));
    /* No NOTIFY retransmission while the test (slow under valgrind) looks. */
    CHECK_OK(gspnp_server_config_set_timers(config, 60000, 60000, 600000));
    CHECK_OK(gspnp_server_start(config, NULL, &server));
    gspnp_server_config_free(config);
    return server;
}

int main(void) {
    gspnp_server *server;
    size_t i;
    CHECK(parser_init() == 0);

    server = start(200);
    for (i = 0; i < sizeof phones / sizeof phones[0]; i++) provision(server, &phones[i], 200);
    deferred(server, &phones[0]);
    deferred(server, &phones[3]);
    for (i = 0; i < sizeof resync_cases / sizeof resync_cases[0]; i++) resync(server, &phones[0], &resync_cases[i]);
    CHECK_OK(gspnp_server_stop(server));
    gspnp_server_free(server);

    server = start(202);
    provision(server, &phones[0], 202);
    provision(server, &phones[7], 202);
    CHECK_OK(gspnp_server_stop(server));
    gspnp_server_free(server);

    printf("test_osip: ok\n");
    return 0;
}
