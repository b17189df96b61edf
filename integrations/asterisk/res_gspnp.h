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
 * The parts of res_gspnp share this header. Threads: Asterisk's CLI/AMI/HTTP threads,
 * pjsip's receive thread and gspnp's callback thread all call into these functions;
 * each part keeps its own lock and none calls another part while holding it.
 */

#ifndef RES_GSPNP_H
#define RES_GSPNP_H

#include <stddef.h>
#include <time.h>

#include <gspnp.h>

#define GSPNP_CONF_FILE "gspnp.conf"
/* 12 hex digits and a NUL. */
#define GSPNP_MAC_SIZE 13
#define GSPNP_NAME_SIZE 80

/* ---- res_gspnp.c: the server ---- */

/*
 * The running server for the duration of a call, or NULL (then nothing is held). Every
 * non-NULL result must be given back with gspnp_ast_server_release(); unload waits for it.
 */
const gspnp_server *gspnp_ast_server_acquire(void);
void gspnp_ast_server_release(void);

/* ---- res_gspnp_conf.c: gspnp.conf ---- */

struct gspnp_ast_template;

/* The loaded gspnp.conf; immutable once loaded, shared by reference (ao2). */
struct gspnp_ast_conf {
	/* Under Asterisk's HTTP server: /<http prefix>/<token>/cfg<mac>.xml. */
	char http_prefix[64];
	/* The folder URL template given to phones ({ip}, {token}). */
	char url_template[256];
	/* The SIP server written into files; empty: from the endpoint's transport. */
	char sip_server[128];
	/* Endpoint of phones not in [phones]; empty: list them and leave them alone. */
	char default_endpoint[GSPNP_NAME_SIZE];
	/* Template for every phone without one of its own; may be empty. */
	char default_template[GSPNP_NAME_SIZE];
	/* Interfaces to join 224.0.1.75 on; empty: every multicast interface. */
	char interfaces[256];
	/* gspnp log lines at this level or more important go to ast_log. */
	gspnp_log_level log_level;
	/* File format, 1 (P-values) or 2 (aliases). */
	unsigned int format;
	unsigned int rate_burst;
	double rate_per_second;
	/* MAC -> struct gspnp_ast_mapping, from [phones]. */
	struct ao2_container *mappings;
	/* name -> struct gspnp_ast_template. */
	struct ao2_container *templates;
};

/* One [phones] line: a MAC bound to an endpoint, with an optional template. */
struct gspnp_ast_mapping {
	char mac[GSPNP_MAC_SIZE];
	char endpoint[GSPNP_NAME_SIZE];
	char template_name[GSPNP_NAME_SIZE];
};

/*
 * Loads gspnp.conf. A bad entry is logged with the file, section and entry and left
 * out; the rest loads. Returns a new reference, or NULL when the file cannot be read
 * at all (logged). `reload` set: returns the current config unchanged (a new
 * reference) when the file did not change.
 */
struct gspnp_ast_conf *gspnp_ast_conf_load(int reload);
/* The current config (a new reference) or NULL before the first load. */
struct gspnp_ast_conf *gspnp_ast_conf_current(void);
/* Makes `conf` current (takes a reference); NULL clears it. */
void gspnp_ast_conf_set_current(struct gspnp_ast_conf *conf);
/* The template `name` of `conf` (a new reference) or NULL. */
struct gspnp_ast_template *gspnp_ast_template_find(struct gspnp_ast_conf *conf, const char *name);
/* Applies a template's codecs, keys and settings to every account of `profile`. 0 or -1
 * with the reason in `error`. */
int gspnp_ast_template_apply(const struct gspnp_ast_template *template, gspnp_profile *profile,
	char *error, size_t error_len);
/* True when `text` is a MAC (12 hex digits, with or without : - .); writes it as 12
 * lower-case hex digits to `out` (GSPNP_MAC_SIZE). */
int gspnp_ast_mac_normalize(const char *text, char *out);

/* ---- res_gspnp_profile.c: pjsip endpoint -> gspnp profile ---- */

/* The SIP credentials of account 1 of a file: a secret, never logged. */
struct gspnp_ast_credentials {
	char user[GSPNP_NAME_SIZE];
	char password[128];
};

/*
 * Builds the profile of a phone bound to pjsip endpoint `endpoint` (its first inbound
 * auth's username and password, its transport's address, its caller ID) with
 * `template_name` (may be empty) applied. Returns a profile the caller frees with
 * gspnp_profile_free(), or NULL with the reason in `error` (never a password).
 * `credentials` (may be NULL) receives account 1's authentication ID and password.
 */
gspnp_profile *gspnp_ast_profile_build(struct gspnp_ast_conf *conf, const char *endpoint,
	const char *template_name, struct gspnp_ast_credentials *credentials, char *error,
	size_t error_len);
/*
 * The IPv4 `address:port` of the first contact registered to `endpoint`'s AORs, written
 * to `out`; -1 (and "" in `out`) when it has none or not an IPv4 literal. Any thread.
 */
int gspnp_ast_endpoint_contact(const char *endpoint, char *out, size_t out_len);
/* 0 when the endpoint exists and has an auth with a username and password; else -1
 * with the reason in `error`. */
int gspnp_ast_endpoint_check(const char *endpoint, char *error, size_t error_len);

/* ---- res_gspnp_phones.c: the device manager's table, bindings and tokens ---- */

/* What the admin sees of one phone. */
struct gspnp_ast_phone {
	char mac[GSPNP_MAC_SIZE];
	char vendor[64];
	char model[32];
	char firmware[32];
	char address[48];
	char state[32];
	time_t first_seen;
	time_t last_seen;
	time_t last_fetch;
};

int gspnp_ast_phones_init(void);
void gspnp_ast_phones_destroy(void);
/* Records a SUBSCRIBE's phone; returns 1 when it was not listed. */
int gspnp_ast_phone_seen(const gspnp_device *device);
/*
 * Sets a listed phone's state ("notified", "fetched", ...); unknown MACs are ignored. A
 * "notified" or "resync accepted" that comes after the fetch it led to keeps "fetched".
 */
void gspnp_ast_phone_set_state(const char *mac, const char *state);
/* Records a fetch of the phone's file from `address`. */
void gspnp_ast_phone_fetched(const char *mac, const char *address);
/* Copies the phone `mac` into `out`; -1 when it is not listed. */
int gspnp_ast_phone_get(const char *mac, struct gspnp_ast_phone *out);
/*
 * Lists every phone `server` knows (gspnp's read-back) that the table lacks and updates
 * the others' vendor, model, firmware and address. Returns how many were added, or -1
 * when gspnp could not answer.
 */
int gspnp_ast_phones_refresh(const gspnp_server *server);
/* Removes `mac` from the table; -1 when it was not listed. */
int gspnp_ast_phone_remove(const char *mac);
/* Calls `fn` for a snapshot of every listed phone, ordered by MAC; returns the count. */
int gspnp_ast_phones_each(void (*fn)(const struct gspnp_ast_phone *phone, void *arg), void *arg);

/*
 * The endpoint and template `mac` is bound to: a binding made at run time (kept in
 * astdb) wins over [phones], which wins over default_endpoint. Returns 1 when bound,
 * 0 when not. `source` (may be NULL) says where the binding came from.
 */
int gspnp_ast_binding(struct gspnp_ast_conf *conf, const char *mac, char *endpoint,
	char *template_name, const char **source);
/* Binds `mac` to `endpoint` at run time (kept in astdb); "" unbinds it explicitly. */
int gspnp_ast_binding_store(const char *mac, const char *endpoint);
/* Removes the run-time binding of `mac`, so gspnp.conf decides again. */
void gspnp_ast_binding_clear(const char *mac);
/* Calls `fn` for every MAC with a run-time binding (astdb). */
void gspnp_ast_bindings_each(void (*fn)(const char *mac, void *arg), void *arg);
/* The phone's URL token (22+ URL-safe characters, kept in astdb so URLs survive a
 * restart), created on first use. 0 or -1. */
int gspnp_ast_token(const char *mac, char *out, size_t out_len);

/* ---- res_gspnp_http.c: files under Asterisk's HTTP server ---- */

int gspnp_ast_http_start(const char *prefix);
/* Stops serving (reload may start again with another prefix); files are kept. */
void gspnp_ast_http_stop(void);
/* Drops every file; at unload, once nothing can reach them. */
void gspnp_ast_http_free(void);
/* Keeps a rendered file to serve, with the credentials assigned to its phone (see
 * res_gspnp_resync.c); 0 or -1 (out of memory). */
int gspnp_ast_file_store(const gspnp_config_file *file);
/* Drops the files of `mac`. */
void gspnp_ast_file_drop(const char *mac);

/* ---- res_gspnp_sip.c: pjsip carries gspnp's SIP (feed mode) ---- */

/* Registers the pjsip module and joins 224.0.1.75 on pjsip's UDP sockets. */
int gspnp_ast_sip_start(struct gspnp_ast_conf *conf);
/* Leaves the group and unregisters the module. */
void gspnp_ast_sip_stop(void);
/* gspnp's on_transmit: sends through pjsip's transport. Any thread. */
void gspnp_ast_sip_transmit(const uint8_t *data, size_t len, gspnp_addr destination);
/* The address phones reach this PBX at (pjsip's published address), "" if unknown. */
void gspnp_ast_sip_local_address(char *out, size_t out_len);
/* Registers the calling thread with pjlib if it is not yet; 0 or -1. */
int gspnp_ast_sip_register_thread(void);

/* ---- res_gspnp_resync.c: re-provisioning a phone ---- */

/*
 * Which credentials a phone holds: those of the file it last fetched. A phone answers a
 * re-provisioning NOTIFY's digest with them, not with the endpoint's new password.
 * In memory only (a phone not fetched since load gets the endpoint's current ones).
 */
int gspnp_ast_credentials_init(void);
void gspnp_ast_credentials_destroy(void);
/* The key under which the default profile's credentials are kept (not a MAC). */
#define GSPNP_DEFAULT_CREDENTIALS "default"
/* The credentials of the profile just assigned to `mac`; NULL: it has none now. */
void gspnp_ast_credentials_assigned(const char *mac, const struct gspnp_ast_credentials *credentials);
/* Copies the credentials assigned to `mac` (else those of the default profile) into
 * `out`; -1 (and `out` empty) if none. */
int gspnp_ast_credentials_of_assigned(const char *mac, struct gspnp_ast_credentials *out);
/* The phone fetched a file holding `credentials` (empty user: unknown, nothing kept). */
void gspnp_ast_credentials_fetched(const char *mac, const struct gspnp_ast_credentials *credentials);
/*
 * Sends `mac` a check-sync (or reboot) NOTIFY, answering its challenge with the
 * credentials it holds, to the contact its endpoint registered (else its last address).
 * 0, or -1 with the reason in `error`. CLI/AMI threads.
 */
int gspnp_ast_cmd_resync(const char *mac, int reboot, char *error, size_t error_len);
/* gspnp's on_resync_result: the phone's state and the GspnpResyncResult AMI event. */
void gspnp_ast_resync_result(const gspnp_resync_result *result);

/* ---- res_gspnp_admin.c: commands shared by the CLI and AMI, events ---- */

/* (Re)gives `mac` the profile of its binding, or takes its assignment away. 0 or -1. */
int gspnp_ast_apply(struct gspnp_ast_conf *conf, const char *mac, char *error, size_t error_len);
/* gspnp_ast_apply with the current config; -1 also when the module is not running. */
int gspnp_ast_apply_current(const char *mac, char *error, size_t error_len);
int gspnp_ast_cmd_bind(const char *mac, const char *endpoint, char *error, size_t error_len);
int gspnp_ast_cmd_unbind(const char *mac, char *error, size_t error_len);
int gspnp_ast_cmd_forget(const char *mac, char *error, size_t error_len);
/* Normalises `text` into `mac` (GSPNP_MAC_SIZE) or explains why not; 0 or -1. */
int gspnp_ast_parse_mac(const char *text, char *mac, char *error, size_t error_len);
/* Writes the library's last error after `what` into `error`. */
void gspnp_ast_library_error(const char *what, gspnp_status status, char *error, size_t error_len);
int gspnp_ast_cli_register(void);
void gspnp_ast_cli_unregister(void);
int gspnp_ast_ami_register(void);
void gspnp_ast_ami_unregister(void);
/* AMI events. */
void gspnp_ast_event_discovered(const gspnp_device *device, const char *endpoint);
void gspnp_ast_event_notified(const gspnp_notify_result *result);
void gspnp_ast_event_fetched(const char *mac, const char *address);

#endif
