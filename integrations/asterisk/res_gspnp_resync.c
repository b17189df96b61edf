/*
 * res_gspnp: re-provisioning a phone (gspnp resync).
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * `gspnp resync <mac> [reboot]` rebuilds the phone's file from its endpoint as it is
 * now, then has gspnp send a check-sync NOTIFY outside any dialog. A GRP challenges it
 * (P4428=0, the default gspnp keeps) and checks the answer against the SIP account it
 * holds: the one of the file it last fetched. So the answer uses those credentials (kept
 * here when the phone fetches a file), not the endpoint's new password, which the phone
 * only learns by fetching the new file. The NOTIFY goes to the contact the endpoint
 * registered, else to where gspnp last heard the phone.
 */

#include "asterisk.h"

#include "asterisk/astobj2.h"
#include "asterisk/logger.h"
#include "asterisk/manager.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

/* What one phone was given and what it holds. */
struct phone_credentials {
	char mac[GSPNP_MAC_SIZE];
	/* Of the profile assigned now (the next file it fetches). */
	struct gspnp_ast_credentials assigned;
	/* Of the file it last fetched; empty user: not known. */
	struct gspnp_ast_credentials held;
};

/* MAC -> struct phone_credentials. HTTP threads may still reach it during unload. */
static AO2_GLOBAL_OBJ_STATIC(credentials_holder);

AO2_STRING_FIELD_HASH_FN(phone_credentials, mac);
AO2_STRING_FIELD_CMP_FN(phone_credentials, mac);

static void phone_credentials_wipe(void *object)
{
	explicit_bzero(object, sizeof(struct phone_credentials));
}

int gspnp_ast_credentials_init(void)
{
	struct ao2_container *store = ao2_container_alloc_hash(AO2_ALLOC_OPT_LOCK_MUTEX, 0, 257,
		phone_credentials_hash_fn, NULL, phone_credentials_cmp_fn);

	if (!store) {
		return -1;
	}
	ao2_global_obj_replace_unref(credentials_holder, store);
	ao2_ref(store, -1);
	return 0;
}

void gspnp_ast_credentials_destroy(void)
{
	ao2_global_obj_release(credentials_holder);
}

/* The entry of `mac` (a new reference, store locked by the caller), created if asked. */
static struct phone_credentials *entry_of(struct ao2_container *store, const char *mac, int create)
{
	struct phone_credentials *entry = ao2_find(store, mac, OBJ_SEARCH_KEY | OBJ_NOLOCK);

	if (!entry && create) {
		entry = ao2_alloc_options(sizeof(*entry), phone_credentials_wipe, AO2_ALLOC_OPT_LOCK_NOLOCK);
		if (entry) {
			ast_copy_string(entry->mac, mac, sizeof(entry->mac));
			ao2_link_flags(store, entry, OBJ_NOLOCK);
		}
	}
	return entry;
}

/* Sets the held (`held` set) or assigned credentials of `mac` to `in`; NULL wipes them. */
static void update(const char *mac, const struct gspnp_ast_credentials *in, int held)
{
	struct ao2_container *store = ao2_global_obj_ref(credentials_holder);
	struct phone_credentials *entry;

	if (!store) {
		return;
	}
	ao2_lock(store);
	if ((entry = entry_of(store, mac, in != NULL))) {
		struct gspnp_ast_credentials *slot = held ? &entry->held : &entry->assigned;

		if (in) {
			*slot = *in;
		} else {
			explicit_bzero(slot, sizeof(*slot));
		}
		ao2_ref(entry, -1);
	}
	ao2_unlock(store);
	ao2_ref(store, -1);
}

void gspnp_ast_credentials_assigned(const char *mac, const struct gspnp_ast_credentials *credentials)
{
	update(mac, credentials, 0);
}

void gspnp_ast_credentials_fetched(const char *mac, const struct gspnp_ast_credentials *credentials)
{
	if (credentials->user[0]) {
		update(mac, credentials, 1);
	}
}

/* Copies the held (`held` set) or assigned credentials of `mac`; -1 when unknown. */
static int lookup(const char *mac, int held, struct gspnp_ast_credentials *out)
{
	struct ao2_container *store = ao2_global_obj_ref(credentials_holder);
	struct phone_credentials *entry;

	memset(out, 0, sizeof(*out));
	if (!store) {
		return -1;
	}
	ao2_lock(store);
	if ((entry = entry_of(store, mac, 0))) {
		*out = held ? entry->held : entry->assigned;
		ao2_ref(entry, -1);
	}
	ao2_unlock(store);
	ao2_ref(store, -1);
	return out->user[0] ? 0 : -1;
}

int gspnp_ast_credentials_of_assigned(const char *mac, struct gspnp_ast_credentials *out)
{
	return lookup(mac, 0, out) && lookup(GSPNP_DEFAULT_CREDENTIALS, 0, out) ? -1 : 0;
}

/* The endpoint `mac` is bound to, into `endpoint`; -1 with the reason when unbound. */
static int bound_endpoint(const char *mac, char *endpoint, char *error, size_t error_len)
{
	struct gspnp_ast_conf *conf = gspnp_ast_conf_current();
	char template_name[GSPNP_NAME_SIZE];
	int bound = conf && gspnp_ast_binding(conf, mac, endpoint, template_name, NULL);

	ao2_cleanup(conf);
	if (!bound) {
		snprintf(error, error_len, "phone %s is not bound to an endpoint (gspnp bind %s <endpoint>)",
			mac, mac);
		return -1;
	}
	return 0;
}

/* The listed phone's state into `out` ("" when it is not listed). */
static void before_state(const char *mac, char *out, size_t out_len)
{
	struct gspnp_ast_phone phone;

	ast_copy_string(out, gspnp_ast_phone_get(mac, &phone) ? "" : phone.state, out_len);
}

int gspnp_ast_cmd_resync(const char *text, int reboot, char *error, size_t error_len)
{
	char mac[GSPNP_MAC_SIZE];
	char endpoint[GSPNP_NAME_SIZE];
	char contact[64];
	char previous[sizeof(((struct gspnp_ast_phone *) 0)->state)];
	struct gspnp_ast_credentials credentials;
	const gspnp_server *server;
	gspnp_status status;

	if (gspnp_ast_parse_mac(text, mac, error, error_len) || bound_endpoint(mac, endpoint, error, error_len)
		/* The file is rebuilt from the endpoint as it is now (a changed password). */
		|| gspnp_ast_apply_current(mac, error, error_len)) {
		return -1;
	}
	if (lookup(mac, 1, &credentials) && lookup(mac, 0, &credentials)) {
		snprintf(error, error_len, "no credentials to answer phone %s's challenge with", mac);
		return -1;
	}
	gspnp_ast_endpoint_contact(endpoint, contact, sizeof(contact));
	server = gspnp_ast_server_acquire();
	if (!server) {
		explicit_bzero(&credentials, sizeof(credentials));
		snprintf(error, error_len, "res_gspnp is not running");
		return -1;
	}
	/* Before the NOTIFY leaves: the phone's answer and fetch may come before the call returns. */
	before_state(mac, previous, sizeof(previous));
	gspnp_ast_phone_set_state(mac, reboot ? "reboot sent" : "resync sent");
	status = gspnp_server_resync(server, mac, strlen(mac), reboot ? GSPNP_RESYNC_REBOOT : GSPNP_RESYNC_CHECK_SYNC,
		1, credentials.user, strlen(credentials.user), credentials.password, strlen(credentials.password),
		contact, strlen(contact));
	gspnp_ast_server_release();
	explicit_bzero(&credentials, sizeof(credentials));
	if (status && previous[0]) {
		gspnp_ast_phone_set_state(mac, previous);
	}
	if (status == GSPNP_STATUS_NOT_FOUND) {
		snprintf(error, error_len, "gspnp has not heard phone %s since res_gspnp was loaded; it is "
			"re-provisioned with the new file at its next boot", mac);
		return -1;
	}
	if (status) {
		gspnp_ast_library_error("resync", status, error, error_len);
		return -1;
	}
	return 0;
}

void gspnp_ast_resync_result(const gspnp_resync_result *result)
{
	static const char *const outcomes[] = {
		[GSPNP_RESYNC_OUTCOME_ACCEPTED] = "accepted",
		[GSPNP_RESYNC_OUTCOME_REJECTED] = "rejected",
		[GSPNP_RESYNC_OUTCOME_AUTH_REFUSED] = "credentials refused",
		[GSPNP_RESYNC_OUTCOME_NO_CREDENTIALS] = "no credentials",
		[GSPNP_RESYNC_OUTCOME_TIMED_OUT] = "timed out",
	};
	const char *outcome = result->outcome < ARRAY_LEN(outcomes) && outcomes[result->outcome]
		? outcomes[result->outcome] : "unknown";
	const char *kind = result->kind == GSPNP_RESYNC_REBOOT ? "reboot" : "resync";
	char mac[GSPNP_MAC_SIZE];
	char state[32];

	ast_copy_string(mac, result->mac.data ? result->mac.data : "",
		result->mac.len < sizeof(mac) ? result->mac.len + 1 : sizeof(mac));
	snprintf(state, sizeof(state), "%s %s", kind, outcome);
	gspnp_ast_phone_set_state(mac, state);
	manager_event(EVENT_FLAG_SYSTEM, "GspnpResyncResult",
		"MAC: %s\r\nKind: %s\r\nOutcome: %s\r\nStatusCode: %u\r\nAddress: %u.%u.%u.%u:%u\r\n", mac, kind,
		outcome, result->status_code, result->destination.octets[0], result->destination.octets[1],
		result->destination.octets[2], result->destination.octets[3], result->destination.port);
}
