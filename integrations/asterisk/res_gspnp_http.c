/*
 * res_gspnp: phones fetch their files from Asterisk's own HTTP server.
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * GET /<http prefix>/<token>/cfg<mac>.xml serves the file gspnp rendered for that phone
 * (on_config hands it over); anything else is 404, the same answer whether the token or
 * the name is wrong. No second port is opened.
 */

#include "asterisk.h"

#include "asterisk/astobj2.h"
#include "asterisk/http.h"
#include "asterisk/lock.h"
#include "asterisk/logger.h"
#include "asterisk/strings.h"
#include "asterisk/tcptls.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

/* A rendered file; it holds the SIP password: never logged, wiped when freed. */
struct served_file {
	char token[64];
	char mac[GSPNP_MAC_SIZE];
	char name[32];
	/* Account 1's credentials in it: the phone holds them once it fetched it. */
	struct gspnp_ast_credentials credentials;
	size_t length;
	char contents[];
};

static void served_file_wipe(void *object)
{
	struct served_file *file = object;

	explicit_bzero(&file->credentials, sizeof(file->credentials));
	explicit_bzero(file->contents, file->length);
}

static struct ao2_container *files;
/* Guards the `files` pointer: an HTTP request may still run while the module unloads. */
AST_RWLOCK_DEFINE_STATIC(files_lock);
static char uri_prefix[64];
static int linked;

AO2_STRING_FIELD_HASH_FN(served_file, token);
AO2_STRING_FIELD_CMP_FN(served_file, token);

static int same_mac(void *object, void *arg, int flags)
{
	const struct served_file *file = object;

	return !strcmp(file->mac, arg) ? CMP_MATCH : 0;
}

/* A reference to the file store, or NULL once it is freed. */
static struct ao2_container *files_ref(void)
{
	struct ao2_container *store;

	ast_rwlock_rdlock(&files_lock);
	store = ao2_bump(files);
	ast_rwlock_unlock(&files_lock);
	return store;
}

int gspnp_ast_file_store(const gspnp_config_file *file)
{
	struct served_file *served;
	struct ao2_container *store = files_ref();

	if (!store || file->token.len >= sizeof(served->token) || file->mac.len >= sizeof(served->mac)
		|| file->file_name.len >= sizeof(served->name)) {
		ao2_cleanup(store);
		return -1;
	}
	served = ao2_alloc_options(sizeof(*served) + file->contents_len, served_file_wipe,
		AO2_ALLOC_OPT_LOCK_NOLOCK);
	if (!served) {
		ao2_ref(store, -1);
		return -1;
	}
	memcpy(served->token, file->token.data, file->token.len);
	memcpy(served->mac, file->mac.data, file->mac.len);
	memcpy(served->name, file->file_name.data, file->file_name.len);
	memcpy(served->contents, file->contents, file->contents_len);
	served->length = file->contents_len;
	gspnp_ast_credentials_of_assigned(served->mac, &served->credentials);
	ao2_lock(store);
	ao2_callback(store, OBJ_NOLOCK | OBJ_NODATA | OBJ_MULTIPLE | OBJ_UNLINK, same_mac, served->mac);
	ao2_link_flags(store, served, OBJ_NOLOCK);
	ao2_unlock(store);
	ao2_ref(served, -1);
	ao2_ref(store, -1);
	return 0;
}

void gspnp_ast_file_drop(const char *mac)
{
	struct ao2_container *store = files_ref();

	if (store) {
		ao2_callback(store, OBJ_NODATA | OBJ_MULTIPLE | OBJ_UNLINK, same_mac, (void *) mac);
		ao2_ref(store, -1);
	}
}

/* The file for "<token>/<name>", or NULL. */
static struct served_file *find_file(const char *uri)
{
	const char *slash = strchr(uri, '/');
	char token[64];
	struct served_file *file;
	struct ao2_container *store;

	if (!slash || slash == uri || (size_t) (slash - uri) >= sizeof(token) || !(store = files_ref())) {
		return NULL;
	}
	ast_copy_string(token, uri, slash - uri + 1);
	file = ao2_find(store, token, OBJ_SEARCH_KEY);
	ao2_ref(store, -1);
	if (file && strcmp(file->name, slash + 1)) {
		ao2_ref(file, -1);
		return NULL;
	}
	return file;
}

static int serve(struct ast_tcptls_session_instance *ser, const struct ast_http_uri *urih,
	const char *uri, enum ast_http_method method, struct ast_variable *get_params,
	struct ast_variable *headers)
{
	struct served_file *file;
	struct ast_str *header;
	struct ast_str *body;
	char address[64];

	if (method != AST_HTTP_GET && method != AST_HTTP_HEAD) {
		ast_http_error(ser, 501, "Not Implemented", "GET only");
		return 0;
	}
	file = find_file(uri);
	if (!file) {
		ast_http_error(ser, 404, "Not Found", "No such file");
		return 0;
	}
	header = ast_str_create(64);
	body = ast_str_create(file->length + 1);
	if (!header || !body) {
		ast_free(header);
		ast_free(body);
		ao2_ref(file, -1);
		ast_http_error(ser, 500, "Server Error", "Out of memory");
		return 0;
	}
	ast_str_set(&header, 0, "Content-Type: application/xml\r\nCache-Control: no-store\r\n");
	ast_str_append_substr(&body, 0, file->contents, file->length);
	ast_http_send(ser, method, 200, "OK", header, body, 0, 0);
	ast_copy_string(address, ast_sockaddr_stringify(&ser->remote_address), sizeof(address));
	gspnp_ast_phone_fetched(file->mac, address);
	gspnp_ast_credentials_fetched(file->mac, &file->credentials);
	gspnp_ast_event_fetched(file->mac, address);
	ast_verb(3, "gspnp: phone %s fetched %s from %s\n", file->mac, file->name, address);
	ao2_ref(file, -1);
	return 0;
}

static struct ast_http_uri uri_handler = {
	.description = "gspnp Plug and Play provisioning files",
	.callback = serve,
	.has_subtree = 1,
	.key = __FILE__,
};

int gspnp_ast_http_start(const char *prefix)
{
	if (!files) {
		files = ao2_container_alloc_hash(AO2_ALLOC_OPT_LOCK_MUTEX, 0, 257, served_file_hash_fn,
			NULL, served_file_cmp_fn);
		if (!files) {
			return -1;
		}
	}
	ast_copy_string(uri_prefix, prefix, sizeof(uri_prefix));
	uri_handler.uri = uri_prefix;
	if (ast_http_uri_link(&uri_handler)) {
		ast_log(LOG_ERROR, "gspnp: cannot serve files under /%s/ on Asterisk's HTTP server\n", prefix);
		return -1;
	}
	linked = 1;
	return 0;
}

void gspnp_ast_http_stop(void)
{
	if (linked) {
		ast_http_uri_unlink(&uri_handler);
		linked = 0;
	}
}

void gspnp_ast_http_free(void)
{
	ast_rwlock_wrlock(&files_lock);
	ao2_cleanup(files);
	files = NULL;
	ast_rwlock_unlock(&files_lock);
}
