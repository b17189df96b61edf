/*
 * res_gspnp: the device manager: commands, CLI, AMI actions and events.
 *
 * Copyright (C) 2025 the gspnp authors
 * SPDX-License-Identifier: GPL-2.0-or-later (the licence text is in res_gspnp.c)
 */

/*
 * Every command is one function (gspnp_ast_cmd_*) that the CLI and AMI both call, so the
 * two always behave alike. Commands run on Asterisk's CLI/AMI threads.
 */

#include "asterisk.h"

#include "asterisk/astobj2.h"
#include "asterisk/cli.h"
#include "asterisk/localtime.h"
#include "asterisk/logger.h"
#include "asterisk/manager.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#include "res_gspnp.h"

/* ---- commands ---- */

void gspnp_ast_library_error(const char *what, gspnp_status status, char *error, size_t error_len)
{
	char message[200];

	gspnp_last_error_message(message, sizeof(message), NULL);
	snprintf(error, error_len, "%s: %s", what, message[0] ? message : gspnp_status_str(status));
}

int gspnp_ast_apply(struct gspnp_ast_conf *conf, const char *mac, char *error, size_t error_len)
{
	char endpoint[GSPNP_NAME_SIZE];
	char template_name[GSPNP_NAME_SIZE];
	char token[64];
	gspnp_profile *profile = NULL;
	const gspnp_server *server;
	gspnp_status status;

	struct gspnp_ast_credentials credentials = { "", "" };

	if (gspnp_ast_binding(conf, mac, endpoint, template_name, NULL)) {
		profile = gspnp_ast_profile_build(conf, endpoint, template_name, &credentials, error,
			error_len);
		if (!profile) {
			return -1;
		}
		if (gspnp_ast_token(mac, token, sizeof(token))) {
			gspnp_profile_free(profile);
			snprintf(error, error_len, "no URL token (astdb or random source failed)");
			return -1;
		}
	}
	server = gspnp_ast_server_acquire();
	if (!server) {
		gspnp_profile_free(profile);
		snprintf(error, error_len, "res_gspnp is not running");
		return -1;
	}
	if (profile) {
		/* Before the assignment: the file it renders carries these credentials. */
		gspnp_ast_credentials_assigned(mac, &credentials);
		status = gspnp_server_assign_profile(server, mac, strlen(mac), profile,
			conf->format, token, strlen(token));
	} else {
		status = gspnp_server_unassign(server, mac, strlen(mac));
		gspnp_ast_file_drop(mac);
		gspnp_ast_credentials_assigned(mac, NULL);
	}
	gspnp_ast_server_release();
	gspnp_profile_free(profile);
	explicit_bzero(&credentials, sizeof(credentials));
	if (status) {
		gspnp_ast_library_error(profile ? "assigning the profile" : "unassigning", status, error, error_len);
		return -1;
	}
	return 0;
}

int gspnp_ast_parse_mac(const char *text, char *mac, char *error, size_t error_len)
{
	if (ast_strlen_zero(text) || !gspnp_ast_mac_normalize(text, mac)) {
		snprintf(error, error_len, "'%s' is not a MAC address (12 hex digits)", S_OR(text, ""));
		return -1;
	}
	return 0;
}

int gspnp_ast_apply_current(const char *mac, char *error, size_t error_len)
{
	struct gspnp_ast_conf *conf = gspnp_ast_conf_current();
	int result;

	if (!conf) {
		snprintf(error, error_len, "res_gspnp is not running");
		return -1;
	}
	result = gspnp_ast_apply(conf, mac, error, error_len);
	ao2_ref(conf, -1);
	return result;
}

int gspnp_ast_cmd_bind(const char *text, const char *endpoint, char *error, size_t error_len)
{
	char mac[GSPNP_MAC_SIZE];

	if (gspnp_ast_parse_mac(text, mac, error, error_len) || gspnp_ast_endpoint_check(endpoint, error, error_len)) {
		return -1;
	}
	if (gspnp_ast_binding_store(mac, endpoint)) {
		snprintf(error, error_len, "astdb refused the binding");
		return -1;
	}
	return gspnp_ast_apply_current(mac, error, error_len);
}

int gspnp_ast_cmd_unbind(const char *text, char *error, size_t error_len)
{
	char mac[GSPNP_MAC_SIZE];

	if (gspnp_ast_parse_mac(text, mac, error, error_len)) {
		return -1;
	}
	if (gspnp_ast_binding_store(mac, "")) {
		snprintf(error, error_len, "astdb refused the change");
		return -1;
	}
	return gspnp_ast_apply_current(mac, error, error_len);
}

int gspnp_ast_cmd_forget(const char *text, char *error, size_t error_len)
{
	char mac[GSPNP_MAC_SIZE];
	const gspnp_server *server;

	if (gspnp_ast_parse_mac(text, mac, error, error_len)) {
		return -1;
	}
	gspnp_ast_binding_clear(mac);
	server = gspnp_ast_server_acquire();
	if (server) {
		/* gspnp forgets it too: it is discovered anew at its next SUBSCRIBE. */
		gspnp_server_forget(server, mac, strlen(mac));
		gspnp_ast_server_release();
	}
	if (gspnp_ast_phone_remove(mac)) {
		snprintf(error, error_len, "phone %s is not listed", mac);
		return -1;
	}
	/* What gspnp.conf says about it applies again. */
	return gspnp_ast_apply_current(mac, error, error_len);
}

/* ---- events ---- */

void gspnp_ast_event_discovered(const gspnp_device *device, const char *endpoint)
{
	manager_event(EVENT_FLAG_SYSTEM, "GspnpDiscovered",
		"MAC: %.*s\r\nVendor: %.*s\r\nModel: %.*s\r\nFirmware: %.*s\r\nAddress: %u.%u.%u.%u:%u\r\n"
		"Endpoint: %s\r\n",
		(int) device->mac.len, S_OR(device->mac.data, ""),
		(int) device->vendor.len, S_OR(device->vendor.data, ""),
		(int) device->model.len, S_OR(device->model.data, ""),
		(int) device->firmware.len, S_OR(device->firmware.data, ""),
		device->source.octets[0], device->source.octets[1], device->source.octets[2],
		device->source.octets[3], device->source.port, endpoint);
}

void gspnp_ast_event_notified(const gspnp_notify_result *result)
{
	static const char *const outcomes[] = { "acknowledged", "rejected", "timed out" };

	/* The URL is left out: it carries the phone's token. */
	manager_event(EVENT_FLAG_SYSTEM, "GspnpNotified",
		"MAC: %.*s\r\nOutcome: %s\r\nStatusCode: %u\r\nAddress: %u.%u.%u.%u:%u\r\nInDialog: %s\r\n",
		(int) result->mac.len, S_OR(result->mac.data, ""),
		result->outcome <= GSPNP_NOTIFY_OUTCOME_TIMED_OUT ? outcomes[result->outcome] : "unknown",
		result->status_code, result->destination.octets[0], result->destination.octets[1],
		result->destination.octets[2], result->destination.octets[3], result->destination.port,
		result->in_dialog ? "yes" : "no");
}

void gspnp_ast_event_fetched(const char *mac, const char *address)
{
	manager_event(EVENT_FLAG_SYSTEM, "GspnpFetched", "MAC: %s\r\nAddress: %s\r\n", mac, address);
}

/* ---- CLI ---- */

/* Answers CLI_INIT and CLI_GENERATE; true when the handler has nothing more to do. */
static int cli_setup(struct ast_cli_entry *e, int cmd, char *command, char *usage)
{
	if (cmd == CLI_INIT) {
		e->command = command;
		e->usage = usage;
	}
	return cmd == CLI_INIT || cmd == CLI_GENERATE;
}

static void format_time(time_t when, char *out, size_t out_len)
{
	struct timeval moment = { .tv_sec = when };
	struct ast_tm parts;

	if (!when) {
		ast_copy_string(out, "-", out_len);
		return;
	}
	ast_localtime(&moment, &parts, NULL);
	ast_strftime(out, out_len, "%Y-%m-%d %H:%M:%S", &parts);
}

struct listing {
	int fd;
	struct gspnp_ast_conf *conf;
	struct mansession *session;
	const char *action_id;
};

#define PHONE_ROW "%-12s %-12s %-8s %-10s %-21s %-18s %-12s %s\n"

static void cli_row(const struct gspnp_ast_phone *phone, void *arg)
{
	struct listing *listing = arg;
	char endpoint[GSPNP_NAME_SIZE];
	char template_name[GSPNP_NAME_SIZE];
	char fetched[32];

	if (!gspnp_ast_binding(listing->conf, phone->mac, endpoint, template_name, NULL)) {
		ast_copy_string(endpoint, "(unbound)", sizeof(endpoint));
	}
	format_time(phone->last_fetch, fetched, sizeof(fetched));
	ast_cli(listing->fd, PHONE_ROW, phone->mac, phone->vendor, phone->model, phone->firmware,
		phone->address, phone->state, endpoint, fetched);
}

static char *cli_show_phones(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	struct listing listing = { .fd = a->fd };
	int count;

	if (cli_setup(e, cmd, "gspnp show phones",
		"Usage: gspnp show phones\n"
			"       Lists the phones gspnp heard, their state and bound pjsip endpoint.\n")) {
		return NULL;
	}
	if (a->argc != 3) {
		return CLI_SHOWUSAGE;
	}
	if (!(listing.conf = gspnp_ast_conf_current())) {
		return CLI_FAILURE;
	}
	ast_cli(a->fd, PHONE_ROW, "MAC", "Vendor", "Model", "Firmware", "Address", "State", "Endpoint",
		"Last fetch");
	count = gspnp_ast_phones_each(cli_row, &listing);
	ast_cli(a->fd, "%d phone%s\n", count, count == 1 ? "" : "s");
	ao2_ref(listing.conf, -1);
	return CLI_SUCCESS;
}

static char *cli_show_phone(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	struct gspnp_ast_phone phone;
	struct gspnp_ast_conf *conf;
	char mac[GSPNP_MAC_SIZE];
	char endpoint[GSPNP_NAME_SIZE];
	char template_name[GSPNP_NAME_SIZE];
	char first[32], last[32], fetched[32];
	const char *source;

	if (cli_setup(e, cmd, "gspnp show phone",
		"Usage: gspnp show phone <mac>\n       Shows one phone.\n")) {
		return NULL;
	}
	if (a->argc != 4) {
		return CLI_SHOWUSAGE;
	}
	if (!gspnp_ast_mac_normalize(a->argv[3], mac) || gspnp_ast_phone_get(mac, &phone)) {
		ast_cli(a->fd, "No phone %s is listed\n", a->argv[3]);
		return CLI_FAILURE;
	}
	if (!(conf = gspnp_ast_conf_current())) {
		return CLI_FAILURE;
	}
	if (!gspnp_ast_binding(conf, mac, endpoint, template_name, &source)) {
		ast_copy_string(endpoint, "(unbound)", sizeof(endpoint));
	}
	ao2_ref(conf, -1);
	format_time(phone.first_seen, first, sizeof(first));
	format_time(phone.last_seen, last, sizeof(last));
	format_time(phone.last_fetch, fetched, sizeof(fetched));
	ast_cli(a->fd, "MAC:        %s\nVendor:     %s\nModel:      %s\nFirmware:   %s\nAddress:    %s\n"
		"State:      %s\nEndpoint:   %s (%s)\nTemplate:   %s\nFirst seen: %s\nLast seen:  %s\n"
		"Last fetch: %s\n", phone.mac, phone.vendor, phone.model, phone.firmware, phone.address,
		phone.state, endpoint, source, S_OR(template_name, "-"), first, last, fetched);
	return CLI_SUCCESS;
}

/* Ends a CLI command with its outcome. */
static char *cli_outcome(int fd, int result, const char *error, const char *done)
{
	if (result) {
		ast_cli(fd, "%s\n", error);
		return CLI_FAILURE;
	}
	ast_cli(fd, "%s\n", done);
	return CLI_SUCCESS;
}

static char *cli_bind(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	char error[256];

	if (cli_setup(e, cmd, "gspnp bind",
		"Usage: gspnp bind <mac> <endpoint>\n"
			"       Binds a phone to a pjsip endpoint (kept in astdb) and provisions it.\n")) {
		return NULL;
	}
	if (a->argc != 4) {
		return CLI_SHOWUSAGE;
	}
	return cli_outcome(a->fd, gspnp_ast_cmd_bind(a->argv[2], a->argv[3], error, sizeof(error)), error,
		"Bound; the phone is provisioned when it next asks (or now, if it is waiting)");
}

static char *cli_unbind(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	char error[256];

	if (cli_setup(e, cmd, "gspnp unbind",
		"Usage: gspnp unbind <mac>\n"
			"       Leaves a phone alone from now on, whatever gspnp.conf says (kept in astdb).\n")) {
		return NULL;
	}
	if (a->argc != 3) {
		return CLI_SHOWUSAGE;
	}
	return cli_outcome(a->fd, gspnp_ast_cmd_unbind(a->argv[2], error, sizeof(error)), error, "Unbound");
}

static char *cli_forget(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	char error[256];

	if (cli_setup(e, cmd, "gspnp forget",
		"Usage: gspnp forget <mac>\n"
			"       Drops a phone from the list and its run-time binding; gspnp.conf applies again.\n")) {
		return NULL;
	}
	if (a->argc != 3) {
		return CLI_SHOWUSAGE;
	}
	return cli_outcome(a->fd, gspnp_ast_cmd_forget(a->argv[2], error, sizeof(error)), error, "Forgotten");
}

static char *cli_resync(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	char error[256];

	if (cli_setup(e, cmd, "gspnp resync",
		"Usage: gspnp resync <mac> [reboot]\n"
			"       Tells a provisioned phone to fetch its file again (or to reboot).\n")) {
		return NULL;
	}
	if (a->argc != 3 && !(a->argc == 4 && !strcasecmp(a->argv[3], "reboot"))) {
		return CLI_SHOWUSAGE;
	}
	return cli_outcome(a->fd, gspnp_ast_cmd_resync(a->argv[2], a->argc == 4, error, sizeof(error)),
		error, "Resync sent");
}

static struct ast_cli_entry cli_commands[] = {
	AST_CLI_DEFINE(cli_show_phones, "List the phones gspnp heard"),
	AST_CLI_DEFINE(cli_show_phone, "Show one phone"),
	AST_CLI_DEFINE(cli_bind, "Bind a phone to a pjsip endpoint"),
	AST_CLI_DEFINE(cli_unbind, "Leave a phone alone"),
	AST_CLI_DEFINE(cli_forget, "Forget a phone"),
	AST_CLI_DEFINE(cli_resync, "Re-provision or reboot a phone"),
};

static int cli_registered;

int gspnp_ast_cli_register(void)
{
	if (ast_cli_register_multiple(cli_commands, ARRAY_LEN(cli_commands))) {
		return -1;
	}
	cli_registered = 1;
	return 0;
}

void gspnp_ast_cli_unregister(void)
{
	if (cli_registered) {
		ast_cli_unregister_multiple(cli_commands, ARRAY_LEN(cli_commands));
		cli_registered = 0;
	}
}

/* ---- AMI ---- */

static void ami_phone(const struct gspnp_ast_phone *phone, void *arg)
{
	struct listing *listing = arg;
	char endpoint[GSPNP_NAME_SIZE];
	char template_name[GSPNP_NAME_SIZE];

	gspnp_ast_binding(listing->conf, phone->mac, endpoint, template_name, NULL);
	astman_append(listing->session, "Event: GspnpPhone\r\n%s%s%sMAC: %s\r\nVendor: %s\r\nModel: %s\r\n"
		"Firmware: %s\r\nAddress: %s\r\nState: %s\r\nEndpoint: %s\r\nLastSeen: %ld\r\n"
		"LastFetch: %ld\r\n\r\n", listing->action_id[0] ? "ActionID: " : "", listing->action_id,
		listing->action_id[0] ? "\r\n" : "", phone->mac, phone->vendor, phone->model, phone->firmware,
		phone->address, phone->state, endpoint, (long) phone->last_seen, (long) phone->last_fetch);
}

/* Lists every phone, or only `mac` when given. */
static int ami_list(struct mansession *s, const struct message *m, const char *only)
{
	struct listing listing = { .session = s, .action_id = astman_get_header(m, "ActionID") };
	struct gspnp_ast_phone phone;
	int count = 1;

	if (!(listing.conf = gspnp_ast_conf_current())) {
		astman_send_error(s, m, "res_gspnp is not running");
		return 0;
	}
	if (only && gspnp_ast_phone_get(only, &phone)) {
		ao2_ref(listing.conf, -1);
		astman_send_error(s, m, "No such phone");
		return 0;
	}
	astman_send_listack(s, m, "Phones follow", "start");
	if (only) {
		ami_phone(&phone, &listing);
	} else {
		count = gspnp_ast_phones_each(ami_phone, &listing);
	}
	astman_send_list_complete_start(s, m, "GspnpPhonesComplete", count);
	astman_send_list_complete_end(s);
	ao2_ref(listing.conf, -1);
	return 0;
}

static int ami_show_phones(struct mansession *s, const struct message *m)
{
	return ami_list(s, m, NULL);
}

static int ami_show_phone(struct mansession *s, const struct message *m)
{
	char mac[GSPNP_MAC_SIZE];

	if (!gspnp_ast_mac_normalize(astman_get_header(m, "MAC"), mac)) {
		astman_send_error(s, m, "MAC: not a MAC address");
		return 0;
	}
	return ami_list(s, m, mac);
}

static int ami_outcome(struct mansession *s, const struct message *m, int result, char *error)
{
	if (result) {
		astman_send_error(s, m, error);
	} else {
		astman_send_ack(s, m, "Done");
	}
	return 0;
}

static int ami_bind(struct mansession *s, const struct message *m)
{
	char error[256];

	return ami_outcome(s, m, gspnp_ast_cmd_bind(astman_get_header(m, "MAC"),
		astman_get_header(m, "Endpoint"), error, sizeof(error)), error);
}

static int ami_unbind(struct mansession *s, const struct message *m)
{
	char error[256];

	return ami_outcome(s, m, gspnp_ast_cmd_unbind(astman_get_header(m, "MAC"), error, sizeof(error)),
		error);
}

static int ami_forget(struct mansession *s, const struct message *m)
{
	char error[256];

	return ami_outcome(s, m, gspnp_ast_cmd_forget(astman_get_header(m, "MAC"), error, sizeof(error)),
		error);
}

static int ami_resync(struct mansession *s, const struct message *m)
{
	char error[256];

	return ami_outcome(s, m, gspnp_ast_cmd_resync(astman_get_header(m, "MAC"),
		ast_true(astman_get_header(m, "Reboot")), error, sizeof(error)), error);
}

static const struct {
	const char *name;
	int (*handler)(struct mansession *s, const struct message *m);
	int authority;
	const char *synopsis;
	const char *description;
} actions[] = {
	{ "GspnpShowPhones", ami_show_phones, EVENT_FLAG_SYSTEM | EVENT_FLAG_REPORTING,
		"List PnP phones", "Lists every phone as a GspnpPhone event, then GspnpPhonesComplete." },
	{ "GspnpShowPhone", ami_show_phone, EVENT_FLAG_SYSTEM | EVENT_FLAG_REPORTING,
		"Show one PnP phone", "MAC: the phone. Answers one GspnpPhone event." },
	{ "GspnpBind", ami_bind, EVENT_FLAG_SYSTEM | EVENT_FLAG_CONFIG,
		"Bind a phone to an endpoint", "MAC, Endpoint: binds the phone and provisions it." },
	{ "GspnpUnbind", ami_unbind, EVENT_FLAG_SYSTEM | EVENT_FLAG_CONFIG,
		"Leave a phone alone", "MAC: unbinds the phone." },
	{ "GspnpForget", ami_forget, EVENT_FLAG_SYSTEM | EVENT_FLAG_CONFIG,
		"Forget a phone", "MAC: drops the phone and its run-time binding." },
	{ "GspnpResync", ami_resync, EVENT_FLAG_SYSTEM | EVENT_FLAG_CONFIG,
		"Re-provision a phone", "MAC, Reboot (yes/no): check-sync NOTIFY to the phone." },
};

/* How many of `actions` are registered (a prefix of the table). */
static size_t actions_registered;

int gspnp_ast_ami_register(void)
{
	for (; actions_registered < ARRAY_LEN(actions); actions_registered++) {
		const typeof(actions[0]) *action = &actions[actions_registered];

		if (ast_manager_register2(action->name, action->authority, action->handler, AST_MODULE_SELF,
			action->synopsis, action->description)) {
			return -1;
		}
	}
	return 0;
}

void gspnp_ast_ami_unregister(void)
{
	while (actions_registered) {
		ast_manager_unregister((char *) actions[--actions_registered].name);
	}
}
