/* Callback mode with a decision taken later from another thread (on_config returns
 * GSPNP_DECISION_LATER), the decision limit, and the read-back API: list, one phone by
 * MAC, forget. Run under valgrind: zero errors, zero leaks. */
#include <pthread.h>
#include <stddef.h>

#include "common.h"

struct host {
    pthread_mutex_t lock;
    uint64_t ticket;
    int offers;
};

static uint32_t on_config(void *userdata, const gspnp_config_file *file) {
    struct host *host = userdata;
    pthread_mutex_lock(&host->lock);
    host->offers++;
    /* The first phone's file is decided by main(); the second one's never. */
    if (memcmp(file->mac.data, "000b82f55284", 12) == 0) host->ticket = file->ticket;
    pthread_mutex_unlock(&host->lock);
    return GSPNP_DECISION_LATER;
}

static uint64_t wait_for_ticket(struct host *host) {
    int i;
    for (i = 0; i < 500; i++) {
        uint64_t ticket;
        pthread_mutex_lock(&host->lock);
        ticket = host->ticket;
        pthread_mutex_unlock(&host->lock);
        if (ticket != 0) return ticket;
        usleep(10000);
    }
    return 0;
}

/* Reads datagrams until the NOTIFY (a 200 may come first). */
static void receive_notify(int phone, char *datagram, size_t size) {
    int i;
    for (i = 0; i < 3; i++) {
        CHECK(phone_receive(phone, datagram, size) > 0);
        if (strncmp(datagram, "NOTIFY ", 7) == 0) return;
    }
    CHECK(!"no NOTIFY");
}

static void read_one(gspnp_server *server, const char *mac, gspnp_known_device *out, gspnp_device_list **list) {
    CHECK_OK(gspnp_server_device(server, mac, 12, list));
    CHECK(gspnp_device_list_len(*list) == 1);
    CHECK_OK(gspnp_device_list_get(*list, 0, out));
}

int main(void) {
    struct host host;
    gspnp_callbacks callbacks;
    gspnp_server_config *config = gspnp_server_config_new();
    gspnp_server *server = NULL;
    gspnp_profile *profile = gspnp_profile_new();
    gspnp_device_list *list = NULL;
    gspnp_known_device known;
    uint16_t port = 0;
    char datagram[4096];
    int phone = phone_socket(5);
    int slow_phone = phone_socket(5);
    int i;

    memset(&host, 0, sizeof host);
    pthread_mutex_init(&host.lock, NULL);
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.userdata = &host;
    callbacks.on_config = on_config;

    CHECK_OK(gspnp_server_config_set_port(config, 0));
    CHECK_OK(gspnp_server_config_set_multicast(config, false));
    CHECK(gspnp_server_config_set_decision_timeout(config, 0) == GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK_OK(gspnp_server_config_set_decision_timeout(config, 1500));
    CHECK(gspnp_server_config_set_log_level(config, 9) == GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK_OK(gspnp_server_config_set_log_level(config, GSPNP_LOG_LEVEL_WARN));
    CHECK_OK(gspnp_server_start(config, &callbacks, &server));
    gspnp_server_config_free(config);
    CHECK_OK(gspnp_server_port(server, &port));
    CHECK_OK(gspnp_profile_set_account(profile, 1, GSPNP_ACCOUNT_SIP_SERVER, STR("192.0.2.10")));
    CHECK_OK(gspnp_server_assign_profile(server, STR("000b82f55284"), profile, 2, NULL, 0));
    CHECK_OK(gspnp_server_assign_profile(server, STR("000b82f55285"), profile, 2, NULL, 0));
    gspnp_profile_free(profile);
    usleep(50000);

    /* Decided later, from this thread: the phone is notified. */
    phone_subscribe(phone, port, "000B82F55284", "z9hG4bKd1");
    CHECK_OK(gspnp_server_decide(server, wait_for_ticket(&host), true));
    receive_notify(phone, datagram, sizeof datagram);
    phone_acknowledge(phone, port, datagram);
    /* Never decided: at the 1.5 s limit the file counts as refused. */
    phone_subscribe(slow_phone, port, "000B82F55285", "z9hG4bKd2");
    usleep(3000000);

    CHECK_OK(gspnp_server_devices(server, &list));
    CHECK(gspnp_device_list_len(list) == 2);
    CHECK(gspnp_device_list_get(list, 2, &known) == GSPNP_STATUS_INVALID_ARGUMENT);
    for (i = 0; i < 2; i++) {
        CHECK_OK(gspnp_device_list_get(list, (size_t)i, &known));
        CHECK(known.device.mac.len == 12 && known.assigned && known.subscribes == 1);
        CHECK(known.first_seen_ms > 1700000000000ull && known.first_seen_ms <= known.last_seen_ms);
    }
    gspnp_device_list_free(list);

    read_one(server, "000b82f55284", &known, &list);
    CHECK(known.state == GSPNP_DEVICE_STATE_ACKNOWLEDGED && known.failure == GSPNP_FAILURE_NONE);
    CHECK(known.has_last_notify && known.last_notify_outcome == GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED);
    CHECK(known.last_notify_status == 200);
    CHECK(known.device.model.len == 7 && memcmp(known.device.model.data, "GRP2614", 7) == 0);
    CHECK(known.device.source.octets[0] == 127 && known.device.source.port == socket_port(phone));
    gspnp_device_list_free(list);
    read_one(server, "000b82f55285", &known, &list);
    CHECK(known.state == GSPNP_DEVICE_STATE_FAILED && known.failure == GSPNP_FAILURE_NO_DECISION);
    CHECK(!known.has_last_notify);
    gspnp_device_list_free(list);

    list = NULL;
    CHECK(gspnp_server_device(server, STR("000b82999999"), &list) == GSPNP_STATUS_NOT_FOUND && list == NULL);
    CHECK(gspnp_server_device(server, STR("nope"), &list) == GSPNP_STATUS_INVALID_MAC);
    CHECK_OK(gspnp_server_forget(server, STR("00:0b:82:f5:52:85")));
    CHECK(gspnp_server_forget(server, STR("000b82f55285")) == GSPNP_STATUS_NOT_FOUND);
    CHECK_OK(gspnp_server_devices(server, &list));
    CHECK(gspnp_device_list_len(list) == 1);
    gspnp_device_list_free(list);
    gspnp_device_list_free(NULL);
    CHECK(gspnp_device_list_len(NULL) == 0);
    CHECK(host.offers == 2);

    gspnp_server_free(server);
    CHECK(gspnp_server_devices(NULL, &list) == GSPNP_STATUS_NULL_PARAMETER);
    close(phone);
    close(slow_phone);
    pthread_mutex_destroy(&host.lock);
    printf("test_devices: ok\n");
    return 0;
}
