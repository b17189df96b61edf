/*
 * res_gspnp: SIP Plug and Play provisioning of Grandstream phones inside Asterisk.
 *
 * Copyright (C) 2025 the gspnp authors
 *
 * This program is free software: you can redistribute it and/or modify it under the
 * terms of the GNU General Public License as published by the Free Software Foundation,
 * either version 2 of the License, or (at your option) any later version.
 * See the file COPYING in the Asterisk source tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/*
 * The module: loads gspnp.conf, starts a gspnp server in feed mode (pjsip carries its
 * SIP, see sip.c), gives every bound phone its profile, and wires gspnp's callbacks to
 * the phone table, the file store, AMI and ast_log. Unload stops the server first, so
 * no gspnp thread or callback outlives anything it uses.
 */

/*** MODULEINFO
	<depend>pjproject</depend>
	<depend>res_pjsip</depend>
	<support_level>extended</support_level>
 ***/

#include "asterisk.h"

#include "asterisk/lock.h"
#include "asterisk/logger.h"
#include "asterisk/module.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

AST_RWLOCK_DEFINE_STATIC(server_lock);
static gspnp_server *server;
/* The log threshold of the running server (copied from gspnp.conf at start/reload). */
static volatile int log_threshold = GSPNP_LOG_LEVEL_WARN;

const gspnp_server *gspnp_ast_server_acquire(void)
{
	ast_rwlock_rdlock(&server_lock);
	if (!server) {
		ast_rwlock_unlock(&server_lock);
		return NULL;
	}
	return server;
}

void gspnp_ast_server_release(void)
{
	ast_rwlock_unlock(&server_lock);
}

static void on_log(void *userdata, gspnp_log_level level, gspnp_str line)
{
	int length = line.len > 2000 ? 2000 : (int) line.len;

	if ((int) level > log_threshold) {
		return;
	}
	switch (level) {
	case GSPNP_LOG_LEVEL_ERROR:
		ast_log(LOG_ERROR, "gspnp: %.*s\n", length, line.data ? line.data : "");
		break;
	case GSPNP_LOG_LEVEL_WARN:
		ast_log(LOG_WARNING, "gspnp: %.*s\n", length, line.data ? line.data : "");
		break;
	case GSPNP_LOG_LEVEL_INFO:
		ast_log(LOG_NOTICE, "gspnp: %.*s\n", length, line.data ? line.data : "");
		break;
	default:
		ast_debug(1, "gspnp: %.*s\n", length, line.data ? line.data : "");
		break;
	}
}

/* Copies a borrowed gspnp string into a NUL-terminated buffer, truncating. */
static void copy_str(char *out, size_t size, gspnp_str in)
{
	size_t length = in.len < size - 1 ? in.len : size - 1;

	if (length) {
		memcpy(out, in.data, length);
	}
	out[length] = '\0';
}

static void on_device(void *userdata, const gspnp_device *device, bool is_new)
{
	char mac[GSPNP_MAC_SIZE];
	char endpoint[GSPNP_NAME_SIZE] = "";
	char template_name[GSPNP_NAME_SIZE];
	struct gspnp_ast_conf *conf = gspnp_ast_conf_current();
	int listed_now = gspnp_ast_phone_seen(device);

	copy_str(mac, sizeof(mac), device->mac);
	if (conf && !gspnp_ast_binding(conf, mac, endpoint, template_name, NULL)) {
		gspnp_ast_phone_set_state(mac, "unbound");
	}
	if (is_new || listed_now) {
		gspnp_ast_event_discovered(device, endpoint);
		if (!endpoint[0]) {
			ast_log(LOG_NOTICE, "gspnp: phone %s (%.*s) is not bound to an endpoint; left alone "
				"(gspnp bind %s <endpoint>)\n", mac, (int) device->model.len,
				device->model.data ? device->model.data : "", mac);
		}
	}
	ao2_cleanup(conf);
}

static uint32_t on_config(void *userdata, const gspnp_config_file *file)
{
	char mac[GSPNP_MAC_SIZE];

	copy_str(mac, sizeof(mac), file->mac);
	if (gspnp_ast_file_store(file)) {
		ast_log(LOG_WARNING, "gspnp: no memory to keep the file of %s; not notified\n", mac);
		return GSPNP_DECISION_REFUSE;
	}
	gspnp_ast_phone_set_state(mac, "file ready");
	return GSPNP_DECISION_ACCEPT;
}

static void on_notify_result(void *userdata, const gspnp_notify_result *result)
{
	char mac[GSPNP_MAC_SIZE];
	char state[32];

	copy_str(mac, sizeof(mac), result->mac);
	switch (result->outcome) {
	case GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED:
		snprintf(state, sizeof(state), "notified");
		break;
	case GSPNP_NOTIFY_OUTCOME_REJECTED:
		snprintf(state, sizeof(state), "notify rejected %u", result->status_code);
		break;
	default:
		snprintf(state, sizeof(state), "notify timed out");
		break;
	}
	gspnp_ast_phone_set_state(mac, state);
	gspnp_ast_event_notified(result);
}

static void on_transmit(void *userdata, const uint8_t *data, size_t len, gspnp_addr destination,
	gspnp_addr source)
{
	gspnp_ast_sip_transmit(data, len, destination);
}

static void on_resync_result(void *userdata, const gspnp_resync_result *result)
{
	gspnp_ast_resync_result(result);
}

static void on_events_dropped(void *userdata, gspnp_event_kind kind, uint64_t count)
{
	/* Only log lines are ever dropped; phones, files and results never are. */
	ast_log(LOG_WARNING, "gspnp: %llu %s dropped: Asterisk's logger fell behind a storm of phones\n",
		(unsigned long long) count, kind == GSPNP_EVENT_KIND_LOG ? "log lines" : "events");
}

/* Logs a failed gspnp call with the library's own message. */
static void log_gspnp_error(const char *what, gspnp_status status)
{
	char message[256];

	gspnp_last_error_message(message, sizeof(message), NULL);
	ast_log(LOG_ERROR, "gspnp: %s: %s (%s)\n", what, gspnp_status_str(status), message);
}

static gspnp_server_config *server_config(struct gspnp_ast_conf *conf)
{
	gspnp_server_config *config = gspnp_server_config_new();
	gspnp_status status;

	if (!config) {
		return NULL;
	}
	status = gspnp_server_config_set_feed_mode(config, true);
	if (!status) {
		status = gspnp_server_config_set_url_template(config, conf->url_template,
			strlen(conf->url_template));
	}
	if (!status) {
		status = gspnp_server_config_set_rate_limit(config, conf->rate_burst, conf->rate_per_second);
	}
	if (!status) {
		/* Notice lines are made even at log_level = warning, so a reload can turn them on;
		 * debug lines only when asked for at load. */
		status = gspnp_server_config_set_log_level(config,
			conf->log_level > GSPNP_LOG_LEVEL_INFO ? conf->log_level : GSPNP_LOG_LEVEL_INFO);
	}
	if (status) {
		log_gspnp_error("gspnp.conf: [general] url/rate limit/log level", status);
		gspnp_server_config_free(config);
		return NULL;
	}
	return config;
}

static int server_start(struct gspnp_ast_conf *conf)
{
	gspnp_callbacks callbacks = {
		.on_device = on_device,
		.on_config = on_config,
		.on_notify_result = on_notify_result,
		.on_log = on_log,
		.on_transmit = on_transmit,
		.on_events_dropped = on_events_dropped,
		.on_resync_result = on_resync_result,
	};
	gspnp_server_config *config = server_config(conf);
	gspnp_server *started = NULL;
	gspnp_status status;

	if (!config) {
		return -1;
	}
	log_threshold = conf->log_level;
	status = gspnp_server_start(config, &callbacks, &started);
	gspnp_server_config_free(config);
	if (status) {
		log_gspnp_error("starting the server", status);
		return -1;
	}
	ast_rwlock_wrlock(&server_lock);
	server = started;
	ast_rwlock_unlock(&server_lock);
	return 0;
}

/* Stops and frees the server: waits for calls holding it, then for its threads. */
static void server_stop(void)
{
	gspnp_server *stopping;

	ast_rwlock_wrlock(&server_lock);
	stopping = server;
	server = NULL;
	ast_rwlock_unlock(&server_lock);
	gspnp_server_free(stopping);
}

static void apply_binding(const char *mac, void *arg)
{
	char error[256];

	if (gspnp_ast_apply(arg, mac, error, sizeof(error))) {
		ast_log(LOG_WARNING, "gspnp: phone %s: %s\n", mac, error);
	}
}

/* Gives every bound phone its profile (run-time bindings, [phones], the default). */
static void apply_all(struct gspnp_ast_conf *conf, struct gspnp_ast_conf *previous)
{
	struct ao2_iterator iterator;
	struct gspnp_ast_mapping *mapping;
	const gspnp_server *running;
	gspnp_profile *profile = NULL;
	struct gspnp_ast_credentials credentials = { "", "" };
	char error[256];

	if (previous) {
		/* Phones [phones] no longer names lose their assignment (apply unassigns). */
		iterator = ao2_iterator_init(previous->mappings, 0);
		for (; (mapping = ao2_iterator_next(&iterator)); ao2_ref(mapping, -1)) {
			apply_binding(mapping->mac, conf);
		}
		ao2_iterator_destroy(&iterator);
	}
	iterator = ao2_iterator_init(conf->mappings, 0);
	for (; (mapping = ao2_iterator_next(&iterator)); ao2_ref(mapping, -1)) {
		apply_binding(mapping->mac, conf);
	}
	ao2_iterator_destroy(&iterator);
	gspnp_ast_bindings_each(apply_binding, conf);

	if (conf->default_endpoint[0]) {
		profile = gspnp_ast_profile_build(conf, conf->default_endpoint, conf->default_template,
			&credentials, error, sizeof(error));
		if (!profile) {
			ast_log(LOG_WARNING, "gspnp.conf: [general] default_endpoint = %s: %s\n",
				conf->default_endpoint, error);
		}
	}
	/* Files rendered from the default profile carry its credentials. */
	gspnp_ast_credentials_assigned(GSPNP_DEFAULT_CREDENTIALS, profile ? &credentials : NULL);
	explicit_bzero(&credentials, sizeof(credentials));
	running = gspnp_ast_server_acquire();
	if (running) {
		gspnp_server_set_default_profile(running, "Grandstream", strlen("Grandstream"), NULL, 0,
			profile, conf->format);
		gspnp_ast_server_release();
	}
	gspnp_profile_free(profile);
}

/* The phone list after a reload: every phone gspnp knows is listed (read back from it). */
static void refresh_phones(void)
{
	const gspnp_server *running = gspnp_ast_server_acquire();
	int added;

	if (!running) {
		return;
	}
	added = gspnp_ast_phones_refresh(running);
	gspnp_ast_server_release();
	if (added < 0) {
		ast_log(LOG_WARNING, "gspnp: the phone list could not be read back from gspnp\n");
	} else if (added) {
		ast_log(LOG_NOTICE, "gspnp: %d phones known to gspnp listed again\n", added);
	}
}

/* Undoes load_module, whatever part of it ran: the server stops before anything it
 * uses goes away. */
static int unload_module(void)
{
	server_stop();
	gspnp_ast_ami_unregister();
	gspnp_ast_cli_unregister();
	gspnp_ast_sip_stop();
	gspnp_ast_http_stop();
	gspnp_ast_http_free();
	gspnp_ast_phones_destroy();
	gspnp_ast_credentials_destroy();
	gspnp_ast_conf_set_current(NULL);
	return 0;
}

static int load_module(void)
{
	struct gspnp_ast_conf *conf;

	if (gspnp_abi_version() != GSPNP_ABI_VERSION) {
		ast_log(LOG_ERROR, "gspnp: libgspnp %s has ABI %u, res_gspnp was built for %d\n",
			gspnp_version(), gspnp_abi_version(), GSPNP_ABI_VERSION);
		return AST_MODULE_LOAD_DECLINE;
	}
	conf = gspnp_ast_conf_load(0);
	if (!conf) {
		return AST_MODULE_LOAD_DECLINE;
	}
	gspnp_ast_conf_set_current(conf);
	if (gspnp_ast_phones_init() || gspnp_ast_credentials_init() || server_start(conf)) {
		goto failed;
	}
	apply_all(conf, NULL);
	if (gspnp_ast_http_start(conf->http_prefix) || gspnp_ast_sip_start(conf)
		|| gspnp_ast_cli_register() || gspnp_ast_ami_register()) {
		goto failed;
	}
	ast_log(LOG_NOTICE, "gspnp: Plug and Play with libgspnp %s: files under /%s/, %d phones in [phones]\n",
		gspnp_version(), conf->http_prefix, ao2_container_count(conf->mappings));
	ao2_ref(conf, -1);
	return AST_MODULE_LOAD_SUCCESS;

failed:
	ao2_ref(conf, -1);
	unload_module();
	return AST_MODULE_LOAD_DECLINE;
}

static int reload_module(void)
{
	struct gspnp_ast_conf *previous = gspnp_ast_conf_current();
	struct gspnp_ast_conf *conf = gspnp_ast_conf_load(1);

	if (!conf) {
		ao2_cleanup(previous);
		return -1;
	}
	if (conf == previous) {
		/* gspnp.conf is unchanged, pjsip.conf may not be: passwords are read again. */
		apply_all(conf, NULL);
		refresh_phones();
		ao2_ref(conf, -1);
		ao2_ref(previous, -1);
		return 0;
	}
	gspnp_ast_conf_set_current(conf);
	log_threshold = conf->log_level;
	if (!previous || strcmp(previous->http_prefix, conf->http_prefix)) {
		gspnp_ast_http_stop();
		gspnp_ast_http_start(conf->http_prefix);
	}
	if (previous && strcmp(previous->url_template, conf->url_template)) {
		ast_log(LOG_WARNING, "gspnp: the provisioning URL changed; it applies after "
			"'module unload res_gspnp.so' and 'module load res_gspnp.so'\n");
	}
	apply_all(conf, previous);
	refresh_phones();
	ast_log(LOG_NOTICE, "gspnp: gspnp.conf reloaded: %d phones in [phones]\n",
		ao2_container_count(conf->mappings));
	ao2_ref(conf, -1);
	ao2_cleanup(previous);
	return 0;
}

AST_MODULE_INFO(ASTERISK_GPL_KEY, AST_MODFLAG_LOAD_ORDER, "gspnp SIP Plug and Play provisioning",
	.support_level = AST_MODULE_SUPPORT_EXTENDED,
	.load = load_module,
	.unload = unload_module,
	.reload = reload_module,
	.load_pri = AST_MODPRI_APP_DEPEND,
	.requires = "res_pjsip",
);
