/*
 * res_gspnp: gspnp.conf, read with Asterisk's config API.
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * [general] options, the [phones] MAC -> endpoint map and type=template sections. A bad
 * entry is logged as "gspnp.conf: [section] entry: reason; skipped" and the rest loads.
 */

#include "asterisk.h"

#include <ctype.h>

#include "asterisk/astobj2.h"
#include "asterisk/config.h"
#include "asterisk/http.h"
#include "asterisk/logger.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

struct gspnp_ast_template {
	char name[GSPNP_NAME_SIZE];
	/* The section's entries (codecs, dtmf, vpkN, mpkN, setting), in file order. */
	struct ast_variable *entries;
};

static AO2_GLOBAL_OBJ_STATIC(current_conf);

AO2_STRING_FIELD_HASH_FN(gspnp_ast_mapping, mac);
AO2_STRING_FIELD_CMP_FN(gspnp_ast_mapping, mac);
AO2_STRING_FIELD_SORT_FN(gspnp_ast_mapping, mac);
AO2_STRING_FIELD_HASH_FN(gspnp_ast_template, name);
AO2_STRING_FIELD_CMP_FN(gspnp_ast_template, name);

int gspnp_ast_mac_normalize(const char *text, char *out)
{
	int digits = 0;

	for (; *text; text++) {
		if (isxdigit((unsigned char) *text)) {
			if (digits == 12) {
				return 0;
			}
			out[digits++] = tolower((unsigned char) *text);
		} else if (!strchr(":-.", *text)) {
			return 0;
		}
	}
	out[digits] = '\0';
	return digits == 12;
}

static void template_destroy(void *object)
{
	struct gspnp_ast_template *template = object;

	ast_variables_destroy(template->entries);
}

static void conf_destroy(void *object)
{
	struct gspnp_ast_conf *conf = object;

	ao2_cleanup(conf->mappings);
	ao2_cleanup(conf->templates);
}

struct gspnp_ast_conf *gspnp_ast_conf_current(void)
{
	return ao2_global_obj_ref(current_conf);
}

void gspnp_ast_conf_set_current(struct gspnp_ast_conf *conf)
{
	if (conf) {
		ao2_global_obj_replace_unref(current_conf, conf);
	} else {
		ao2_global_obj_release(current_conf);
	}
}

struct gspnp_ast_template *gspnp_ast_template_find(struct gspnp_ast_conf *conf, const char *name)
{
	return ao2_find(conf->templates, name, OBJ_SEARCH_KEY);
}

/* Splits "a,b,c,d" in place into at most `count` trimmed fields; returns how many. */
static int split_fields(char *text, char **fields, int count)
{
	int found = 0;
	char *field;

	while (found < count && (field = strsep(&text, ","))) {
		fields[found++] = ast_strip(field);
	}
	return found;
}

static int gspnp_error(gspnp_status status, char *error, size_t error_len)
{
	char message[200];

	gspnp_last_error_message(message, sizeof(message), NULL);
	snprintf(error, error_len, "%s", message[0] ? message : gspnp_status_str(status));
	return -1;
}

/* "vpk3 = blf,1,Reception,1002": kind and index from the name, the rest from the value. */
static int apply_key(gspnp_profile *profile, const char *name, const char *value, char *error,
	size_t error_len)
{
	char *copy = ast_strdupa(value);
	char *fields[4] = { "", "1", "", "" };
	uint32_t kind = !strncasecmp(name, "vpk", 3) ? GSPNP_KEY_KIND_VPK : GSPNP_KEY_KIND_MPK;
	unsigned int index, account;
	gspnp_status status;

	if (sscanf(name + 3, "%u", &index) != 1 || split_fields(copy, fields, 4) < 1
		|| sscanf(fields[1], "%u", &account) != 1) {
		snprintf(error, error_len, "expected %s = mode,account,label,value", name);
		return -1;
	}
	status = gspnp_profile_set_key(profile, kind, index, fields[0], strlen(fields[0]), account,
		fields[2], strlen(fields[2]), fields[3], strlen(fields[3]));
	return status ? gspnp_error(status, error, error_len) : 0;
}

/* One template entry applied to account 1 (codecs, dtmf) or the whole phone. */
static int apply_entry(gspnp_profile *profile, const struct ast_variable *entry, char *error,
	size_t error_len)
{
	gspnp_status status;
	char *setting, *setting_value;

	if (!strcasecmp(entry->name, "type")) {
		return 0;
	}
	if (!strcasecmp(entry->name, "codecs") || !strcasecmp(entry->name, "dtmf")) {
		uint32_t field = !strcasecmp(entry->name, "codecs") ? GSPNP_ACCOUNT_CODECS : GSPNP_ACCOUNT_DTMF;

		status = gspnp_profile_set_account(profile, 1, field, entry->value, strlen(entry->value));
		return status ? gspnp_error(status, error, error_len) : 0;
	}
	if (!strncasecmp(entry->name, "vpk", 3) || !strncasecmp(entry->name, "mpk", 3)) {
		return apply_key(profile, entry->name, entry->value, error, error_len);
	}
	if (!strcasecmp(entry->name, "setting")) {
		setting_value = ast_strdupa(entry->value);
		setting = strsep(&setting_value, "=");
		if (!setting_value) {
			snprintf(error, error_len, "expected setting = NAME=VALUE");
			return -1;
		}
		setting = ast_strip(setting);
		status = gspnp_profile_set_raw(profile, setting, strlen(setting), setting_value,
			strlen(setting_value));
		return status ? gspnp_error(status, error, error_len) : 0;
	}
	snprintf(error, error_len, "unknown option (codecs, dtmf, vpkN, mpkN, setting)");
	return -1;
}

int gspnp_ast_template_apply(const struct gspnp_ast_template *template, gspnp_profile *profile,
	char *error, size_t error_len)
{
	const struct ast_variable *entry;
	char reason[200];

	for (entry = template->entries; entry; entry = entry->next) {
		if (apply_entry(profile, entry, reason, sizeof(reason))) {
			snprintf(error, error_len, "template [%s] %s: %s", template->name, entry->name, reason);
			return -1;
		}
	}
	return 0;
}

/* A template section, checked entry by entry on a scratch profile; bad entries are
 * logged and left out. */
static void load_template(struct gspnp_ast_conf *conf, struct ast_config *cfg, const char *name)
{
	struct gspnp_ast_template *template;
	struct ast_variable *entry;
	struct ast_variable **tail;
	gspnp_profile *scratch = gspnp_profile_new();
	char error[200];

	template = ao2_alloc_options(sizeof(*template), template_destroy, AO2_ALLOC_OPT_LOCK_NOLOCK);
	if (!template || !scratch) {
		ao2_cleanup(template);
		gspnp_profile_free(scratch);
		return;
	}
	ast_copy_string(template->name, name, sizeof(template->name));
	tail = &template->entries;
	for (entry = ast_variable_browse(cfg, name); entry; entry = entry->next) {
		if (apply_entry(scratch, entry, error, sizeof(error))) {
			ast_log(LOG_WARNING, "%s: [%s] %s = %s: %s; skipped\n", GSPNP_CONF_FILE, name,
				entry->name, entry->value, error);
			continue;
		}
		*tail = ast_variable_new(entry->name, entry->value, entry->file);
		if (*tail) {
			tail = &(*tail)->next;
		}
	}
	gspnp_profile_free(scratch);
	ao2_link(conf->templates, template);
	ao2_ref(template, -1);
}

/* One [phones] line: "<mac> = <endpoint>[,<template>]". */
static void load_mapping(struct gspnp_ast_conf *conf, const struct ast_variable *entry)
{
	struct gspnp_ast_mapping *mapping;
	char *value = ast_strdupa(entry->value);
	char *fields[2] = { "", "" };
	char mac[GSPNP_MAC_SIZE];
	char error[200];
	struct gspnp_ast_template *template;

	if (!gspnp_ast_mac_normalize(entry->name, mac)) {
		ast_log(LOG_WARNING, "%s: [phones] %s: not a MAC address (12 hex digits); skipped\n",
			GSPNP_CONF_FILE, entry->name);
		return;
	}
	split_fields(value, fields, 2);
	if (gspnp_ast_endpoint_check(fields[0], error, sizeof(error))) {
		ast_log(LOG_WARNING, "%s: [phones] %s = %s: %s; skipped\n", GSPNP_CONF_FILE, entry->name,
			entry->value, error);
		return;
	}
	if (fields[1][0] && !(template = gspnp_ast_template_find(conf, fields[1]))) {
		ast_log(LOG_WARNING, "%s: [phones] %s = %s: no template [%s]; skipped\n", GSPNP_CONF_FILE,
			entry->name, entry->value, fields[1]);
		return;
	} else if (fields[1][0]) {
		ao2_ref(template, -1);
	}
	if ((mapping = ao2_find(conf->mappings, mac, OBJ_SEARCH_KEY))) {
		ast_log(LOG_WARNING, "%s: [phones] %s: listed twice; the first (%s) is kept\n",
			GSPNP_CONF_FILE, entry->name, mapping->endpoint);
		ao2_ref(mapping, -1);
		return;
	}
	mapping = ao2_alloc_options(sizeof(*mapping), NULL, AO2_ALLOC_OPT_LOCK_NOLOCK);
	if (!mapping) {
		return;
	}
	ast_copy_string(mapping->mac, mac, sizeof(mapping->mac));
	ast_copy_string(mapping->endpoint, fields[0], sizeof(mapping->endpoint));
	ast_copy_string(mapping->template_name, fields[1], sizeof(mapping->template_name));
	ao2_link(conf->mappings, mapping);
	ao2_ref(mapping, -1);
}

static int prefix_is_usable(const char *prefix)
{
	const char *c;

	if (!*prefix || strlen(prefix) > 40) {
		return 0;
	}
	for (c = prefix; *c; c++) {
		if (!isalnum((unsigned char) *c) && *c != '-' && *c != '_') {
			return 0;
		}
	}
	return 1;
}

static gspnp_log_level parse_log_level(const char *value)
{
	if (!strcasecmp(value, "error")) {
		return GSPNP_LOG_LEVEL_ERROR;
	} else if (!strcasecmp(value, "warning")) {
		return GSPNP_LOG_LEVEL_WARN;
	} else if (!strcasecmp(value, "notice")) {
		return GSPNP_LOG_LEVEL_INFO;
	} else if (!strcasecmp(value, "debug")) {
		return GSPNP_LOG_LEVEL_DEBUG;
	}
	return 0;
}

/* The port of Asterisk's HTTP server (http.conf bindport, default 8088). */
static unsigned int http_port(void)
{
	struct ast_flags flags = { 0 };
	struct ast_config *cfg = ast_config_load2("http.conf", "res_gspnp", flags);
	const char *value;
	unsigned int port = 8088;

	if (!cfg || cfg == CONFIG_STATUS_FILEINVALID) {
		ast_log(LOG_WARNING, "gspnp: no usable http.conf: Asterisk's HTTP server must be "
			"enabled for phones to fetch their files\n");
		return port;
	}
	if ((value = ast_variable_retrieve(cfg, "general", "enabled")) && !ast_true(value)) {
		ast_log(LOG_WARNING, "gspnp: http.conf has enabled=no: phones cannot fetch their files\n");
	}
	if ((value = ast_variable_retrieve(cfg, "general", "bindport"))) {
		sscanf(value, "%u", &port);
	}
	ast_config_destroy(cfg);
	return port;
}

static void load_general(struct gspnp_ast_conf *conf, struct ast_config *cfg)
{
	struct ast_variable *entry;
	char http_base[64] = "";
	const char *url = NULL;

	for (entry = ast_variable_browse(cfg, "general"); entry; entry = entry->next) {
		if (!strcasecmp(entry->name, "http_prefix")) {
			if (prefix_is_usable(entry->value)) {
				ast_copy_string(conf->http_prefix, entry->value, sizeof(conf->http_prefix));
			} else {
				ast_log(LOG_WARNING, "%s: [general] http_prefix = %s: unusable (letters, digits, "
					"- and _ only, one path segment); '%s' is used\n", GSPNP_CONF_FILE,
					entry->value, conf->http_prefix);
			}
		} else if (!strcasecmp(entry->name, "url")) {
			url = entry->value;
		} else if (!strcasecmp(entry->name, "sip_server")) {
			ast_copy_string(conf->sip_server, entry->value, sizeof(conf->sip_server));
		} else if (!strcasecmp(entry->name, "default_endpoint")) {
			char error[200];

			if (entry->value[0] && gspnp_ast_endpoint_check(entry->value, error, sizeof(error))) {
				ast_log(LOG_WARNING, "%s: [general] default_endpoint = %s: %s; unknown phones are "
					"left alone\n", GSPNP_CONF_FILE, entry->value, error);
			} else {
				ast_copy_string(conf->default_endpoint, entry->value, sizeof(conf->default_endpoint));
			}
		} else if (!strcasecmp(entry->name, "template")) {
			ast_copy_string(conf->default_template, entry->value, sizeof(conf->default_template));
		} else if (!strcasecmp(entry->name, "interfaces")) {
			ast_copy_string(conf->interfaces, entry->value, sizeof(conf->interfaces));
		} else if (!strcasecmp(entry->name, "log_level")) {
			gspnp_log_level level = parse_log_level(entry->value);

			if (level) {
				conf->log_level = level;
			} else {
				ast_log(LOG_WARNING, "%s: [general] log_level = %s: use error, warning, notice or "
					"debug\n", GSPNP_CONF_FILE, entry->value);
			}
		} else if (!strcasecmp(entry->name, "format")) {
			if (sscanf(entry->value, "%u", &conf->format) != 1 || conf->format < 1 || conf->format > 2) {
				ast_log(LOG_WARNING, "%s: [general] format = %s: 1 or 2; 1 is used\n",
					GSPNP_CONF_FILE, entry->value);
				conf->format = 1;
			}
		} else if (!strcasecmp(entry->name, "rate_limit_burst")) {
			sscanf(entry->value, "%u", &conf->rate_burst);
		} else if (!strcasecmp(entry->name, "rate_limit_per_second")) {
			sscanf(entry->value, "%lf", &conf->rate_per_second);
		} else {
			ast_log(LOG_WARNING, "%s: [general] %s: unknown option; ignored\n", GSPNP_CONF_FILE,
				entry->name);
		}
	}
	if (url) {
		ast_copy_string(conf->url_template, url, sizeof(conf->url_template));
	} else {
		ast_http_prefix(http_base, sizeof(http_base));
		snprintf(conf->url_template, sizeof(conf->url_template), "http://{ip}:%u%s/%s/{token}/",
			http_port(), http_base, conf->http_prefix);
	}
}

static struct gspnp_ast_conf *conf_alloc(void)
{
	struct gspnp_ast_conf *conf = ao2_alloc_options(sizeof(*conf), conf_destroy, AO2_ALLOC_OPT_LOCK_NOLOCK);

	if (!conf) {
		return NULL;
	}
	ast_copy_string(conf->http_prefix, "gspnp", sizeof(conf->http_prefix));
	conf->log_level = GSPNP_LOG_LEVEL_WARN;
	conf->format = 1;
	conf->rate_burst = 40;
	conf->rate_per_second = 10.0;
	conf->mappings = ao2_container_alloc_hash(AO2_ALLOC_OPT_LOCK_NOLOCK, 0, 127,
		gspnp_ast_mapping_hash_fn, gspnp_ast_mapping_sort_fn, gspnp_ast_mapping_cmp_fn);
	conf->templates = ao2_container_alloc_hash(AO2_ALLOC_OPT_LOCK_NOLOCK, 0, 17,
		gspnp_ast_template_hash_fn, NULL, gspnp_ast_template_cmp_fn);
	if (!conf->mappings || !conf->templates) {
		ao2_ref(conf, -1);
		return NULL;
	}
	return conf;
}

struct gspnp_ast_conf *gspnp_ast_conf_load(int reload)
{
	struct ast_flags flags = { reload ? CONFIG_FLAG_FILEUNCHANGED : 0 };
	struct ast_config *cfg = ast_config_load(GSPNP_CONF_FILE, flags);
	struct gspnp_ast_conf *conf;
	struct gspnp_ast_template *template;
	struct ast_variable *entry;
	const char *section = NULL;
	const char *type;

	if (cfg == CONFIG_STATUS_FILEUNCHANGED) {
		return gspnp_ast_conf_current();
	}
	if (!cfg || cfg == CONFIG_STATUS_FILEINVALID) {
		ast_log(LOG_ERROR, "%s: missing or unreadable; res_gspnp not %s\n", GSPNP_CONF_FILE,
			reload ? "reloaded" : "loaded");
		return NULL;
	}
	conf = conf_alloc();
	if (!conf) {
		ast_config_destroy(cfg);
		return NULL;
	}
	load_general(conf, cfg);
	/* Templates first: [phones] lines name them. */
	while ((section = ast_category_browse(cfg, section))) {
		type = ast_variable_retrieve(cfg, section, "type");
		if (type && !strcasecmp(type, "template")) {
			load_template(conf, cfg, section);
		} else if (strcasecmp(section, "general") && strcasecmp(section, "phones")) {
			ast_log(LOG_WARNING, "%s: [%s]: not general, phones or a type=template section; "
				"ignored\n", GSPNP_CONF_FILE, section);
		}
	}
	if (conf->default_template[0]) {
		if (!(template = gspnp_ast_template_find(conf, conf->default_template))) {
			ast_log(LOG_WARNING, "%s: [general] template = %s: no such template; none is used\n",
				GSPNP_CONF_FILE, conf->default_template);
			conf->default_template[0] = '\0';
		}
		ao2_cleanup(template);
	}
	for (entry = ast_variable_browse(cfg, "phones"); entry; entry = entry->next) {
		load_mapping(conf, entry);
	}
	ast_config_destroy(cfg);
	return conf;
}
