/*
 * res_gspnp: a phone's profile from the pjsip endpoint it is bound to.
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * Account 1 of the phone is the endpoint: user ID = endpoint name, auth ID and password
 * from its first inbound auth, SIP server from its transport (or [general] sip_server),
 * display name from its caller ID. Templates add codecs, keys and raw settings.
 */

#include "asterisk.h"

#include <arpa/inet.h>

#include <pjsip.h>
#include <pjlib.h>

#include "asterisk/astobj2.h"
#include "asterisk/res_pjsip.h"
#include "asterisk/sorcery.h"
#include "asterisk/strings.h"

#include "res_gspnp.h"

/* The endpoint's first inbound auth with a plain password, or NULL with the reason. */
static struct ast_sip_auth *endpoint_auth(const struct ast_sip_endpoint *endpoint, char *error,
	size_t error_len)
{
	struct ast_sip_auth *auth;
	const char *name;

	if (!AST_VECTOR_SIZE(&endpoint->inbound_auths)) {
		snprintf(error, error_len, "endpoint %s has no auth (set auth= in pjsip.conf)",
			ast_sorcery_object_get_id(endpoint));
		return NULL;
	}
	name = AST_VECTOR_GET(&endpoint->inbound_auths, 0);
	auth = ast_sorcery_retrieve_by_id(ast_sip_get_sorcery(), "auth", name);
	if (!auth) {
		snprintf(error, error_len, "endpoint %s names auth %s, which does not exist",
			ast_sorcery_object_get_id(endpoint), name);
		return NULL;
	}
	if (ast_strlen_zero(auth->auth_user) || ast_strlen_zero(auth->auth_pass)) {
		snprintf(error, error_len, "auth %s of endpoint %s has no username or no plain password "
			"(a phone needs the password itself)", name, ast_sorcery_object_get_id(endpoint));
		ao2_ref(auth, -1);
		return NULL;
	}
	return auth;
}

static struct ast_sip_endpoint *find_endpoint(const char *name, char *error, size_t error_len)
{
	struct ast_sip_endpoint *endpoint = NULL;

	if (!ast_strlen_zero(name)) {
		endpoint = ast_sorcery_retrieve_by_id(ast_sip_get_sorcery(), "endpoint", name);
	}
	if (!endpoint) {
		snprintf(error, error_len, "no pjsip endpoint named '%s'", name);
	}
	return endpoint;
}

int gspnp_ast_endpoint_check(const char *name, char *error, size_t error_len)
{
	struct ast_sip_endpoint *endpoint = find_endpoint(name, error, error_len);
	struct ast_sip_auth *auth;

	if (!endpoint) {
		return -1;
	}
	auth = endpoint_auth(endpoint, error, error_len);
	ao2_ref(endpoint, -1);
	ao2_cleanup(auth);
	return auth ? 0 : -1;
}

/* host[:port] of the SIP server phones of `endpoint` register to. */
static void sip_server(struct gspnp_ast_conf *conf, const struct ast_sip_endpoint *endpoint,
	char *out, size_t out_len)
{
	struct ast_sip_transport *transport = NULL;
	char host[PJ_INET6_ADDRSTRLEN + 10];

	if (conf->sip_server[0]) {
		ast_copy_string(out, conf->sip_server, out_len);
		return;
	}
	if (!ast_strlen_zero(endpoint->transport)) {
		transport = ast_sorcery_retrieve_by_id(ast_sip_get_sorcery(), "transport", endpoint->transport);
	}
	if (transport && !ast_strlen_zero(transport->external_signaling_address)) {
		if (transport->external_signaling_port) {
			snprintf(out, out_len, "%s:%u", transport->external_signaling_address,
				transport->external_signaling_port);
		} else {
			ast_copy_string(out, transport->external_signaling_address, out_len);
		}
	} else if (transport && pj_sockaddr_has_addr(&transport->host)) {
		pj_sockaddr_print(&transport->host, host, sizeof(host), 1 | 2);
		ast_copy_string(out, host, out_len);
	} else {
		gspnp_ast_sip_local_address(out, out_len);
	}
	ao2_cleanup(transport);
}

static int set_account(gspnp_profile *profile, uint32_t field, const char *value, char *error,
	size_t error_len)
{
	gspnp_status status = gspnp_profile_set_account(profile, 1, field, value, strlen(value));

	if (status) {
		gspnp_last_error_message(error, error_len, NULL);
		return -1;
	}
	return 0;
}

static int apply_template(struct gspnp_ast_conf *conf, const char *name, gspnp_profile *profile,
	char *error, size_t error_len)
{
	struct gspnp_ast_template *template;
	int result;

	if (ast_strlen_zero(name)) {
		return 0;
	}
	template = gspnp_ast_template_find(conf, name);
	if (!template) {
		snprintf(error, error_len, "no template [%s] in %s", name, GSPNP_CONF_FILE);
		return -1;
	}
	result = gspnp_ast_template_apply(template, profile, error, error_len);
	ao2_ref(template, -1);
	return result;
}

gspnp_profile *gspnp_ast_profile_build(struct gspnp_ast_conf *conf, const char *name,
	const char *template_name, struct gspnp_ast_credentials *credentials, char *error,
	size_t error_len)
{
	struct ast_sip_endpoint *endpoint = find_endpoint(name, error, error_len);
	struct ast_sip_auth *auth = endpoint ? endpoint_auth(endpoint, error, error_len) : NULL;
	gspnp_profile *profile = auth ? gspnp_profile_new() : NULL;
	char server[160] = "";
	const char *display;

	if (!profile) {
		goto done;
	}
	sip_server(conf, endpoint, server, sizeof(server));
	display = endpoint->id.self.name.valid && endpoint->id.self.name.str ? endpoint->id.self.name.str : "";
	if (!server[0]) {
		snprintf(error, error_len, "the address of endpoint %s's transport is not known yet "
			"(set sip_server in %s)", name, GSPNP_CONF_FILE);
		goto failed;
	}
	if (set_account(profile, GSPNP_ACCOUNT_SIP_SERVER, server, error, error_len)
		|| set_account(profile, GSPNP_ACCOUNT_USER_ID, name, error, error_len)
		|| set_account(profile, GSPNP_ACCOUNT_AUTH_ID, auth->auth_user, error, error_len)
		|| set_account(profile, GSPNP_ACCOUNT_PASSWORD, auth->auth_pass, error, error_len)
		|| set_account(profile, GSPNP_ACCOUNT_NAME, name, error, error_len)
		|| set_account(profile, GSPNP_ACCOUNT_DISPLAY_NAME, display, error, error_len)
		|| apply_template(conf, conf->default_template, profile, error, error_len)
		|| (strcmp(template_name, conf->default_template)
			&& apply_template(conf, template_name, profile, error, error_len))) {
		goto failed;
	}
	if (credentials) {
		ast_copy_string(credentials->user, auth->auth_user, sizeof(credentials->user));
		ast_copy_string(credentials->password, auth->auth_pass, sizeof(credentials->password));
	}
	goto done;

failed:
	gspnp_profile_free(profile);
	profile = NULL;
done:
	ao2_cleanup(auth);
	ao2_cleanup(endpoint);
	return profile;
}

/* `host:port` of a SIP URI whose host is an IPv4 literal, into `out`; 0 or -1. */
static int uri_address(const char *text, char *out, size_t out_len)
{
	pj_pool_t *pool = pjsip_endpt_create_pool(ast_sip_get_pjsip_endpoint(), "gspnp-contact", 512, 512);
	char buffer[512];
	char host[PJ_INET_ADDRSTRLEN];
	struct in_addr ipv4;
	pjsip_uri *uri;
	pjsip_sip_uri *sip;
	int result = -1;

	if (!pool) {
		return -1;
	}
	/* pjsip_parse_uri may write into the text it parses. */
	ast_copy_string(buffer, text, sizeof(buffer));
	uri = pjsip_parse_uri(pool, buffer, strlen(buffer), 0);
	if (uri && (PJSIP_URI_SCHEME_IS_SIP(uri) || PJSIP_URI_SCHEME_IS_SIPS(uri))) {
		sip = pjsip_uri_get_uri(uri);
		if ((size_t) sip->host.slen < sizeof(host)) {
			ast_copy_pj_str(host, &sip->host, sizeof(host));
			if (inet_pton(AF_INET, host, &ipv4) == 1) {
				snprintf(out, out_len, "%s:%d", host, sip->port ? sip->port : 5060);
				result = 0;
			}
		}
	}
	pjsip_endpt_release_pool(ast_sip_get_pjsip_endpoint(), pool);
	return result;
}

int gspnp_ast_endpoint_contact(const char *name, char *out, size_t out_len)
{
	char error[128];
	struct ast_sip_endpoint *endpoint;
	struct ast_sip_contact *contact = NULL;
	int result = -1;

	out[0] = '\0';
	if (gspnp_ast_sip_register_thread() || !(endpoint = find_endpoint(name, error, sizeof(error)))) {
		return -1;
	}
	if (!ast_strlen_zero(endpoint->aors)) {
		contact = ast_sip_location_retrieve_contact_from_aor_list(endpoint->aors);
	}
	if (contact) {
		result = uri_address(contact->uri, out, out_len);
	}
	if (result) {
		out[0] = '\0';
	}
	ao2_cleanup(contact);
	ao2_ref(endpoint, -1);
	return result;
}
