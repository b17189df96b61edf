/*
 * res_gspnp: pjsip carries gspnp's SIP (gspnp in feed mode).
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * Why feed mode: chan_pjsip binds UDP 0.0.0.0:5060 without SO_REUSEADDR/SO_REUSEPORT, so
 * no other socket can bind port 5060 at all, not even 224.0.1.75:5060 (measured; see
 * README). So pjsip's own UDP socket joins 224.0.1.75, and a pjsip module placed just
 * after the transport layer takes the ua-profile SUBSCRIBEs (and the answers to the
 * requests gspnp sent, matched by Call-ID) before pjsip's distributor sees them, feeds
 * the raw datagrams to gspnp, and sends what gspnp gives back from the same transport.
 * Everything else goes on to pjsip untouched.
 */

#include "asterisk.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pjsip.h>
#include <pjlib.h>

#include "asterisk/astobj2.h"
#include "asterisk/lock.h"
#include "asterisk/logger.h"
#include "asterisk/res_pjsip.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

#define PNP_GROUP "224.0.1.75"
#define MAX_JOINS 32
/* Call-IDs of requests gspnp sent, to pick out their answers; kept 64*T1 + slack. */
#define CALL_ID_LIFETIME 40
#define MAX_CALL_IDS 65536

struct call_id {
	time_t sent;
	char text[];
};

struct membership {
	pj_sock_t sock;
	struct ip_mreqn request;
};

static struct ao2_container *call_ids;
static struct membership joins[MAX_JOINS];
static int join_count;
/* The UDP transport SUBSCRIBEs arrived on (a reference), where answers leave from. */
static pjsip_transport *reply_transport;
AST_MUTEX_DEFINE_STATIC(transport_lock);
static int registered;

AO2_STRING_FIELD_HASH_FN(call_id, text);
AO2_STRING_FIELD_CMP_FN(call_id, text);

static pj_bool_t on_rx_request(pjsip_rx_data *rdata);
static pj_bool_t on_rx_response(pjsip_rx_data *rdata);

static pjsip_module pnp_module = {
	.name = { "gspnp Plug and Play", 19 },
	.id = -1,
	/* After the message filter (TRANSPORT_LAYER), before the distributor (TSX_LAYER - 6). */
	.priority = PJSIP_MOD_PRIORITY_TRANSPORT_LAYER + 1,
	.on_rx_request = on_rx_request,
	.on_rx_response = on_rx_response,
};

static gspnp_addr to_gspnp_addr(const pj_sockaddr *address)
{
	gspnp_addr out = { { 0 }, 0 };

	if (address->addr.sa_family == pj_AF_INET()) {
		memcpy(out.octets, &address->ipv4.sin_addr, 4);
		out.port = pj_ntohs(address->ipv4.sin_port);
	}
	return out;
}

/* The local address the kernel uses to reach `peer` (the one the phone reached). */
static gspnp_addr local_toward(const pj_sockaddr *peer, const pjsip_transport *transport)
{
	struct sockaddr_in local;
	socklen_t length = sizeof(local);
	gspnp_addr out = to_gspnp_addr(&transport->local_addr);
	int probe;

	if (out.octets[0] || out.octets[1] || out.octets[2] || out.octets[3]) {
		return out;
	}
	probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (const struct sockaddr *) &peer->ipv4, sizeof(peer->ipv4))
		&& !getsockname(probe, (struct sockaddr *) &local, &length)) {
		memcpy(out.octets, &local.sin_addr, 4);
	}
	if (probe >= 0) {
		close(probe);
	}
	return out;
}

static void keep_transport(pjsip_transport *transport)
{
	ast_mutex_lock(&transport_lock);
	if (reply_transport != transport) {
		pjsip_transport_add_ref(transport);
		if (reply_transport) {
			pjsip_transport_dec_ref(reply_transport);
		}
		reply_transport = transport;
	}
	ast_mutex_unlock(&transport_lock);
}

/* Feeds the datagram to gspnp; false when no server runs (pjsip then handles it). */
static pj_bool_t feed(pjsip_rx_data *rdata)
{
	const gspnp_server *server;
	gspnp_addr source = to_gspnp_addr(&rdata->pkt_info.src_addr);
	gspnp_addr local;

	if (rdata->tp_info.transport->key.type != PJSIP_TRANSPORT_UDP || rdata->pkt_info.len <= 0
		|| !source.port) {
		return PJ_FALSE;
	}
	local = local_toward(&rdata->pkt_info.src_addr, rdata->tp_info.transport);
	local.port = pj_sockaddr_get_port(&rdata->tp_info.transport->local_addr);
	server = gspnp_ast_server_acquire();
	if (!server) {
		return PJ_FALSE;
	}
	keep_transport(rdata->tp_info.transport);
	gspnp_server_feed(server, (const uint8_t *) rdata->pkt_info.packet, rdata->pkt_info.len, source,
		local);
	gspnp_ast_server_release();
	return PJ_TRUE;
}

static pj_bool_t on_rx_request(pjsip_rx_data *rdata)
{
	static const pj_str_t event_name = { "Event", 5 };
	static const pj_str_t event_short = { "o", 1 };
	const pjsip_generic_string_hdr *event;

	if (pjsip_method_cmp(&rdata->msg_info.msg->line.req.method, &pjsip_subscribe_method)) {
		return PJ_FALSE;
	}
	event = pjsip_msg_find_hdr_by_names(rdata->msg_info.msg, &event_name, &event_short, NULL);
	if (!event || event->hvalue.slen < 10 || pj_strnicmp2(&event->hvalue, "ua-profile", 10)) {
		return PJ_FALSE;
	}
	return feed(rdata);
}

static pj_bool_t on_rx_response(pjsip_rx_data *rdata)
{
	struct call_id *known;
	char text[128];

	if (!rdata->msg_info.cid || rdata->msg_info.cid->id.slen >= (pj_ssize_t) sizeof(text)) {
		return PJ_FALSE;
	}
	ast_copy_pj_str(text, &rdata->msg_info.cid->id, sizeof(text));
	known = ao2_find(call_ids, text, OBJ_SEARCH_KEY);
	if (!known) {
		return PJ_FALSE;
	}
	ao2_ref(known, -1);
	return feed(rdata);
}

static int expired(void *object, void *arg, int flags)
{
	const struct call_id *entry = object;

	return entry->sent < *(time_t *) arg ? CMP_MATCH : 0;
}

/* Notes the Call-ID of a request gspnp sends, so its answers come back to gspnp. */
static void remember_call_id(const uint8_t *data, size_t len)
{
	const char *start = memmem(data, len, "\r\nCall-ID:", 10);
	const char *end;
	struct call_id *entry;
	time_t cutoff = time(NULL) - CALL_ID_LIFETIME;
	size_t length;

	if (len < 8 || !memcmp(data, "SIP/2.0 ", 8) || !start) {
		return;
	}
	start += 10;
	end = memmem(start, len - (start - (const char *) data), "\r\n", 2);
	while (start < end && *start == ' ') {
		start++;
	}
	if (!end || end - start >= 128 || end == start) {
		return;
	}
	length = end - start;
	ao2_lock(call_ids);
	if (ao2_container_count(call_ids) >= MAX_CALL_IDS / 2) {
		ao2_callback(call_ids, OBJ_NOLOCK | OBJ_NODATA | OBJ_MULTIPLE | OBJ_UNLINK, expired, &cutoff);
	}
	if (ao2_container_count(call_ids) < MAX_CALL_IDS
		&& (entry = ao2_alloc_options(sizeof(*entry) + length + 1, NULL, AO2_ALLOC_OPT_LOCK_NOLOCK))) {
		entry->sent = time(NULL);
		memcpy(entry->text, start, length);
		entry->text[length] = '\0';
		ao2_find(call_ids, entry->text, OBJ_SEARCH_KEY | OBJ_NOLOCK | OBJ_UNLINK | OBJ_NODATA);
		ao2_link_flags(call_ids, entry, OBJ_NOLOCK);
		ao2_ref(entry, -1);
	}
	ao2_unlock(call_ids);
}

int gspnp_ast_sip_register_thread(void)
{
	static __thread pj_thread_desc descriptor;
	static __thread pj_thread_t *thread;

	if (pj_thread_is_registered()) {
		return 0;
	}
	memset(descriptor, 0, sizeof(descriptor));
	return pj_thread_register("gspnp", descriptor, &thread) == PJ_SUCCESS ? 0 : -1;
}

void gspnp_ast_sip_transmit(const uint8_t *data, size_t len, gspnp_addr destination)
{
	pjsip_transport *transport;
	pjsip_tpselector selector = { .type = PJSIP_TPSELECTOR_TRANSPORT };
	pj_sockaddr address;
	pj_status_t status;

	if (gspnp_ast_sip_register_thread()) {
		return;
	}
	ast_mutex_lock(&transport_lock);
	transport = reply_transport;
	if (transport) {
		pjsip_transport_add_ref(transport);
	}
	ast_mutex_unlock(&transport_lock);
	if (!transport) {
		return;
	}
	remember_call_id(data, len);
	pj_sockaddr_init(pj_AF_INET(), &address, NULL, destination.port);
	memcpy(&address.ipv4.sin_addr, destination.octets, 4);
	selector.u.transport = transport;
	status = pjsip_tpmgr_send_raw(pjsip_endpt_get_tpmgr(ast_sip_get_pjsip_endpoint()),
		PJSIP_TRANSPORT_UDP, &selector, NULL, data, len, &address, sizeof(address.ipv4), NULL, NULL);
	if (status != PJ_SUCCESS && status != PJ_EPENDING) {
		ast_debug(1, "gspnp: sending %zu bytes failed (%d)\n", len, status);
	}
	pjsip_transport_dec_ref(transport);
}

/* Whether interface `name` is in the comma-separated `list` (an empty list takes all). */
static int interface_wanted(const char *list, const char *name)
{
	char *copy = ast_strdupa(list);
	char *item;

	if (ast_strlen_zero(list)) {
		return 1;
	}
	while ((item = strsep(&copy, ","))) {
		if (!strcmp(ast_strip(item), name)) {
			return 1;
		}
	}
	return 0;
}

static void join_on(pj_sock_t sock, const char *interfaces)
{
	struct ifaddrs *all, *each;
	struct membership *join;

	if (getifaddrs(&all)) {
		return;
	}
	for (each = all; each && join_count < MAX_JOINS; each = each->ifa_next) {
		if (!each->ifa_addr || each->ifa_addr->sa_family != AF_INET || (each->ifa_flags & IFF_LOOPBACK)
			|| !(each->ifa_flags & IFF_MULTICAST) || !(each->ifa_flags & IFF_UP)
			|| !interface_wanted(interfaces, each->ifa_name)) {
			continue;
		}
		join = &joins[join_count];
		memset(&join->request, 0, sizeof(join->request));
		inet_pton(AF_INET, PNP_GROUP, &join->request.imr_multiaddr);
		join->request.imr_ifindex = if_nametoindex(each->ifa_name);
		join->sock = sock;
		if (setsockopt(sock, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join->request, sizeof(join->request))) {
			ast_log(LOG_WARNING, "gspnp: joining %s on %s: %s\n", PNP_GROUP, each->ifa_name,
				strerror(errno));
			continue;
		}
		ast_verb(3, "gspnp: pjsip's UDP socket joined %s on %s\n", PNP_GROUP, each->ifa_name);
		join_count++;
	}
	freeifaddrs(all);
}

/* Joins the PnP group on every UDP transport bound to port 5060 on all addresses. */
static int join_group(struct gspnp_ast_conf *conf)
{
	struct ao2_container *states = ast_sip_get_transport_states();
	struct ao2_iterator iterator;
	struct ast_sip_transport_state *state;
	int usable = 0;

	if (!states) {
		return 0;
	}
	iterator = ao2_iterator_init(states, 0);
	for (; (state = ao2_iterator_next(&iterator)); ao2_ref(state, -1)) {
		if (state->type != AST_TRANSPORT_UDP || !state->transport
			|| pj_sockaddr_get_port(&state->host) != 5060) {
			continue;
		}
		if (pj_sockaddr_has_addr(&state->host)) {
			ast_log(LOG_WARNING, "gspnp: pjsip transport %s is bound to one address: it cannot "
				"receive the PnP multicast; bind it to 0.0.0.0:5060\n", state->id);
			continue;
		}
		join_on(pjsip_udp_transport_get_socket(state->transport), conf->interfaces);
		/* Where gspnp's own requests leave from until a SUBSCRIBE names a transport. */
		if (!usable) {
			keep_transport(state->transport);
		}
		usable++;
	}
	ao2_iterator_destroy(&iterator);
	ao2_ref(states, -1);
	if (!usable) {
		ast_log(LOG_WARNING, "gspnp: no pjsip UDP transport on 0.0.0.0:5060: phones' multicast "
			"SUBSCRIBEs will not be heard\n");
	}
	return usable;
}

void gspnp_ast_sip_local_address(char *out, size_t out_len)
{
	struct ifaddrs *all, *each;
	char address[INET_ADDRSTRLEN];
	int found = 0;

	out[0] = '\0';
	if (getifaddrs(&all)) {
		return;
	}
	for (each = all; each; each = each->ifa_next) {
		if (each->ifa_addr && each->ifa_addr->sa_family == AF_INET && !(each->ifa_flags & IFF_LOOPBACK)
			&& (each->ifa_flags & IFF_UP)) {
			inet_ntop(AF_INET, &((struct sockaddr_in *) each->ifa_addr)->sin_addr, address,
				sizeof(address));
			found++;
		}
	}
	freeifaddrs(all);
	/* Only an unambiguous address: with several, [general] sip_server says which. */
	if (found == 1) {
		ast_copy_string(out, address, out_len);
	}
}

int gspnp_ast_sip_start(struct gspnp_ast_conf *conf)
{
	call_ids = ao2_container_alloc_hash(AO2_ALLOC_OPT_LOCK_MUTEX, 0, 1021, call_id_hash_fn, NULL,
		call_id_cmp_fn);
	if (!call_ids || ast_sip_register_service(&pnp_module)) {
		ast_log(LOG_ERROR, "gspnp: cannot register the pjsip module\n");
		return -1;
	}
	registered = 1;
	join_group(conf);
	return 0;
}

void gspnp_ast_sip_stop(void)
{
	int i;

	for (i = 0; i < join_count; i++) {
		setsockopt(joins[i].sock, IPPROTO_IP, IP_DROP_MEMBERSHIP, &joins[i].request,
			sizeof(joins[i].request));
	}
	join_count = 0;
	if (registered) {
		ast_sip_unregister_service(&pnp_module);
		registered = 0;
	}
	ast_mutex_lock(&transport_lock);
	if (reply_transport) {
		pjsip_transport_dec_ref(reply_transport);
		reply_transport = NULL;
	}
	ast_mutex_unlock(&transport_lock);
	ao2_cleanup(call_ids);
	call_ids = NULL;
}
