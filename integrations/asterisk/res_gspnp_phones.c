/*
 * res_gspnp: the device manager's table, run-time bindings and URL tokens.
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * Phones are listed as their SUBSCRIBEs arrive (on_device) and their state follows the
 * NOTIFY results and file fetches. Bindings made with `gspnp bind` and each phone's URL
 * token live in astdb (families gspnp/binding and gspnp/token), so they survive a
 * restart of Asterisk; gspnp.conf is never rewritten.
 */

#include "asterisk.h"

#include <sys/random.h>

#include "asterisk/astdb.h"
#include "asterisk/astobj2.h"
#include "asterisk/logger.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

#define DB_BINDING "gspnp/binding"
#define DB_TOKEN "gspnp/token"
/* The most phones listed; beyond, the least recently seen is dropped from the list. */
#define MAX_PHONES 20000

static struct ao2_container *phones;

AO2_STRING_FIELD_CMP_FN(gspnp_ast_phone, mac);
AO2_STRING_FIELD_SORT_FN(gspnp_ast_phone, mac);

int gspnp_ast_phones_init(void)
{
	phones = ao2_container_alloc_rbtree(AO2_ALLOC_OPT_LOCK_MUTEX, AO2_CONTAINER_ALLOC_OPT_DUPS_REPLACE,
		gspnp_ast_phone_sort_fn, gspnp_ast_phone_cmp_fn);
	return phones ? 0 : -1;
}

void gspnp_ast_phones_destroy(void)
{
	ao2_cleanup(phones);
	phones = NULL;
}

static void copy_view(char *out, size_t size, gspnp_str in)
{
	size_t length = in.len < size - 1 ? in.len : size - 1;

	if (length) {
		memcpy(out, in.data, length);
	}
	out[length] = '\0';
}

static int older_than(void *object, void *arg, int flags)
{
	const struct gspnp_ast_phone *phone = object;

	return phone->last_seen < *(time_t *) arg ? CMP_MATCH : 0;
}

int gspnp_ast_phone_seen(const gspnp_device *device)
{
	char mac[GSPNP_MAC_SIZE];
	struct gspnp_ast_phone *phone;
	int is_new = 0;
	time_t cutoff;

	copy_view(mac, sizeof(mac), device->mac);
	ao2_lock(phones);
	phone = ao2_find(phones, mac, OBJ_SEARCH_KEY | OBJ_NOLOCK);
	if (!phone) {
		if (ao2_container_count(phones) >= MAX_PHONES) {
			cutoff = time(NULL) - 3600;
			ao2_callback(phones, OBJ_NOLOCK | OBJ_NODATA | OBJ_MULTIPLE | OBJ_UNLINK, older_than, &cutoff);
		}
		phone = ao2_alloc_options(sizeof(*phone), NULL, AO2_ALLOC_OPT_LOCK_NOLOCK);
		if (!phone || ao2_container_count(phones) >= MAX_PHONES) {
			ao2_unlock(phones);
			ao2_cleanup(phone);
			return 0;
		}
		ast_copy_string(phone->mac, mac, sizeof(phone->mac));
		phone->first_seen = time(NULL);
		ast_copy_string(phone->state, "discovered", sizeof(phone->state));
		ao2_link_flags(phones, phone, OBJ_NOLOCK);
		is_new = 1;
	}
	copy_view(phone->vendor, sizeof(phone->vendor), device->vendor);
	copy_view(phone->model, sizeof(phone->model), device->model);
	copy_view(phone->firmware, sizeof(phone->firmware), device->firmware);
	snprintf(phone->address, sizeof(phone->address), "%u.%u.%u.%u:%u", device->source.octets[0],
		device->source.octets[1], device->source.octets[2], device->source.octets[3],
		device->source.port);
	phone->last_seen = time(NULL);
	ao2_unlock(phones);
	ao2_ref(phone, -1);
	return is_new;
}

/*
 * Whether `state` says a NOTIFY that makes the phone fetch its file was accepted: the phone
 * fetches as soon as it has answered, so the fetch can be served before gspnp's result
 * reaches us, and "fetched" is then the newer news.
 */
static int precedes_fetch(const char *state)
{
	return !strcmp(state, "notified") || !strcmp(state, "resync accepted");
}

void gspnp_ast_phone_set_state(const char *mac, const char *state)
{
	struct gspnp_ast_phone *phone;

	ao2_lock(phones);
	if ((phone = ao2_find(phones, mac, OBJ_SEARCH_KEY | OBJ_NOLOCK))) {
		if (!precedes_fetch(state) || strcmp(phone->state, "fetched")) {
			ast_copy_string(phone->state, state, sizeof(phone->state));
		}
		ao2_ref(phone, -1);
	}
	ao2_unlock(phones);
}

void gspnp_ast_phone_fetched(const char *mac, const char *address)
{
	struct gspnp_ast_phone *phone;

	ao2_lock(phones);
	if ((phone = ao2_find(phones, mac, OBJ_SEARCH_KEY | OBJ_NOLOCK))) {
		ast_copy_string(phone->state, "fetched", sizeof(phone->state));
		phone->last_fetch = time(NULL);
		ao2_ref(phone, -1);
	}
	ao2_unlock(phones);
}

int gspnp_ast_phone_get(const char *mac, struct gspnp_ast_phone *out)
{
	struct gspnp_ast_phone *phone;

	ao2_lock(phones);
	phone = ao2_find(phones, mac, OBJ_SEARCH_KEY | OBJ_NOLOCK);
	if (phone) {
		*out = *phone;
		ao2_ref(phone, -1);
	}
	ao2_unlock(phones);
	return phone ? 0 : -1;
}

int gspnp_ast_phone_remove(const char *mac)
{
	struct gspnp_ast_phone *phone = ao2_find(phones, mac, OBJ_SEARCH_KEY | OBJ_UNLINK);

	ao2_cleanup(phone);
	return phone ? 0 : -1;
}

int gspnp_ast_phones_refresh(const gspnp_server *server)
{
	gspnp_device_list *list = NULL;
	gspnp_known_device known;
	size_t index;
	int listed = 0;

	if (gspnp_server_devices(server, &list)) {
		return -1;
	}
	for (index = 0; index < gspnp_device_list_len(list); index++) {
		if (!gspnp_device_list_get(list, index, &known)) {
			listed += gspnp_ast_phone_seen(&known.device);
		}
	}
	gspnp_device_list_free(list);
	return listed;
}

int gspnp_ast_phones_each(void (*fn)(const struct gspnp_ast_phone *phone, void *arg), void *arg)
{
	struct ao2_iterator iterator;
	struct gspnp_ast_phone *phone;
	struct gspnp_ast_phone copy;
	int count = 0;

	iterator = ao2_iterator_init(phones, 0);
	for (; (phone = ao2_iterator_next(&iterator)); ao2_ref(phone, -1)) {
		ao2_lock(phones);
		copy = *phone;
		ao2_unlock(phones);
		fn(&copy, arg);
		count++;
	}
	ao2_iterator_destroy(&iterator);
	return count;
}

int gspnp_ast_binding(struct gspnp_ast_conf *conf, const char *mac, char *endpoint,
	char *template_name, const char **source)
{
	struct gspnp_ast_mapping *mapping;
	char stored[GSPNP_NAME_SIZE];
	const char *ignored;

	source = source ? source : &ignored;
	template_name[0] = '\0';
	if (!ast_db_get(DB_BINDING, mac, stored, sizeof(stored))) {
		ast_copy_string(endpoint, stored, GSPNP_NAME_SIZE);
		*source = stored[0] ? "bound at run time" : "unbound at run time";
		return stored[0] != '\0';
	}
	if ((mapping = ao2_find(conf->mappings, mac, OBJ_SEARCH_KEY))) {
		ast_copy_string(endpoint, mapping->endpoint, GSPNP_NAME_SIZE);
		ast_copy_string(template_name, mapping->template_name, GSPNP_NAME_SIZE);
		ao2_ref(mapping, -1);
		*source = "[phones]";
		return 1;
	}
	ast_copy_string(endpoint, conf->default_endpoint, GSPNP_NAME_SIZE);
	*source = endpoint[0] ? "default_endpoint" : "not bound";
	return endpoint[0] != '\0';
}

int gspnp_ast_binding_store(const char *mac, const char *endpoint)
{
	return ast_db_put(DB_BINDING, mac, endpoint);
}

void gspnp_ast_binding_clear(const char *mac)
{
	ast_db_del(DB_BINDING, mac);
}

void gspnp_ast_bindings_each(void (*fn)(const char *mac, void *arg), void *arg)
{
	struct ast_db_entry *entries = ast_db_gettree(DB_BINDING, NULL);
	struct ast_db_entry *entry;
	const char *mac;

	for (entry = entries; entry; entry = entry->next) {
		/* Keys are "/gspnp/binding/<mac>". */
		mac = strrchr(entry->key, '/');
		if (mac && strlen(mac + 1) == GSPNP_MAC_SIZE - 1) {
			fn(mac + 1, arg);
		}
	}
	ast_db_freetree(entries);
}

int gspnp_ast_token(const char *mac, char *out, size_t out_len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char random[24];
	size_t i;

	if (!ast_db_get(DB_TOKEN, mac, out, out_len) && strlen(out) >= 22) {
		return 0;
	}
	if (out_len < sizeof(random) + 1 || getrandom(random, sizeof(random), 0) != sizeof(random)) {
		return -1;
	}
	/* 24 characters of 6 random bits each: 144 bits. */
	for (i = 0; i < sizeof(random); i++) {
		out[i] = alphabet[random[i] & 63];
	}
	out[sizeof(random)] = '\0';
	return ast_db_put(DB_TOKEN, mac, out) ? -1 : 0;
}
