/* A PBX module's view of gspnp: start a server with callbacks, let a phone on loopback
 * boot, assign it a URL from inside the discovery callback, see the NOTIFY result, stop.
 * Then feed mode refusing a `local` that is not unicast, and (as root, in a network
 * namespace of its own) a second server on one multicast port refused.
 * Run under valgrind: zero errors, zero leaks; userdata is freed exactly once. */
#define _GNU_SOURCE /* unshare(), CLONE_NEWNET */
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "common.h"

#define URL "http://127.0.0.1:8080/gspnp/phone/"

struct host {
    gspnp_server *server;
    pthread_mutex_t lock;
    int discovered;
    int results;
    int acknowledged;
    int stopped;
    int freed;
};

static void on_device(void *userdata, const gspnp_device *device, bool is_new) {
    struct host *host = userdata;
    pthread_mutex_lock(&host->lock);
    CHECK(!host->stopped);
    CHECK(device->mac.len == 12 && memcmp(device->mac.data, "000b82f55284", 12) == 0);
    CHECK(device->model.len == 7 && memcmp(device->model.data, "GRP2614", 7) == 0);
    CHECK(device->source.octets[0] == 127 && device->source.port != 0);
    if (is_new) {
        host->discovered++;
        /* A PBX with an account for this phone answers it right here. */
        CHECK_OK(gspnp_server_assign_url(host->server, device->mac.data, device->mac.len, STR(URL)));
        /* Stopping from inside a callback is refused, not a deadlock. */
        CHECK(gspnp_server_stop(host->server) == GSPNP_STATUS_CALLED_FROM_CALLBACK);
    }
    pthread_mutex_unlock(&host->lock);
}

static void on_notify_result(void *userdata, const gspnp_notify_result *result) {
    struct host *host = userdata;
    pthread_mutex_lock(&host->lock);
    CHECK(!host->stopped);
    host->results++;
    if (result->outcome == GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED && result->status_code == 200 && result->in_dialog)
        host->acknowledged++;
    CHECK(result->url.len == strlen(URL) && memcmp(result->url.data, URL, result->url.len) == 0);
    pthread_mutex_unlock(&host->lock);
}

static void on_log(void *userdata, gspnp_log_level level, gspnp_str line) {
    (void)userdata;
    CHECK(level >= GSPNP_LOG_LEVEL_ERROR && level <= GSPNP_LOG_LEVEL_DEBUG);
    CHECK(line.len > 0 && line.data != NULL);
}

static void free_host(void *userdata) {
    struct host *host = userdata;
    host->freed++;
}

static int wait_for(struct host *host, int *counter, int value) {
    int i;
    for (i = 0; i < 500; i++) {
        int seen;
        pthread_mutex_lock(&host->lock);
        seen = *counter;
        pthread_mutex_unlock(&host->lock);
        if (seen >= value) return 1;
        usleep(10000);
    }
    return 0;
}

/* A UDP port that was free a moment ago. */
static uint16_t free_port(void) {
    int fd = phone_socket(1);
    uint16_t port = socket_port(fd);
    close(fd);
    return port;
}

/* The last error message contains `text`. */
static int last_error_says(const char *text) {
    char message[512];
    gspnp_last_error_message(message, sizeof message, NULL);
    return strstr(message, text) != NULL;
}

/* Feed mode: the address the SUBSCRIBE was sent to (the group), 0.0.0.0 or port 0 is
 * no address a phone can answer to; the host's own unicast address is taken. */
static void feed_refuses_a_local_that_is_not_unicast(void) {
    static const char subscribe[] = "SUBSCRIBE sip:MAC%3A000B82F55284@224.0.1.75 SIP/2.0\r\n\r\n";
    gspnp_server_config *config = gspnp_server_config_new();
    gspnp_server *server = NULL;
    gspnp_addr phone = {{192, 0, 2, 2}, 5080};
    gspnp_addr group = {{224, 0, 1, 75}, 5060};
    gspnp_addr any = {{0, 0, 0, 0}, 5060};
    gspnp_addr no_port = {{192, 0, 2, 1}, 0};
    gspnp_addr own = {{192, 0, 2, 1}, 5060};
    uint16_t port = 0;
    CHECK_OK(gspnp_server_config_set_feed_mode(config, true));
    CHECK_OK(gspnp_server_start(config, NULL, &server));
    gspnp_server_config_free(config);
    CHECK(gspnp_server_port(server, &port) == GSPNP_STATUS_WRONG_MODE);
    CHECK(gspnp_server_feed(server, (const uint8_t *)subscribe, sizeof subscribe - 1, phone, group) ==
          GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK(last_error_says("local 224.0.1.75:5060 is not the host's unicast address"));
    CHECK(gspnp_server_feed(server, (const uint8_t *)subscribe, sizeof subscribe - 1, phone, any) ==
          GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK(gspnp_server_feed(server, (const uint8_t *)subscribe, sizeof subscribe - 1, phone, no_port) ==
          GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK_OK(gspnp_server_feed(server, (const uint8_t *)subscribe, sizeof subscribe - 1, phone, own));
    gspnp_server_free(server);
}

/* Moves this thread into a new network namespace with its loopback up; 0 when not
 * allowed (not root), which CI does not accept. */
static int enter_own_network_namespace(void) {
    struct ifreq lo;
    int fd;
    if (unshare(CLONE_NEWNET) != 0) {
        CHECK(getenv("CI") == NULL);
        fprintf(stderr, "test_server: two servers on one port skipped: needs root for a network namespace\n");
        return 0;
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    memset(&lo, 0, sizeof lo);
    strcpy(lo.ifr_name, "lo");
    CHECK(ioctl(fd, SIOCGIFFLAGS, &lo) == 0);
    lo.ifr_flags |= IFF_UP;
    CHECK(ioctl(fd, SIOCSIFFLAGS, &lo) == 0);
    close(fd);
    return 1;
}

/* Two servers of one process on one multicast port would both answer each phone: the
 * second start is refused until the first stops. In a namespace of its own, so the
 * group is joined on no interface of the machine. */
static void a_second_server_on_one_multicast_port_is_refused(void) {
    gspnp_server_config *config;
    gspnp_server *first = NULL, *second = NULL;
    if (!enter_own_network_namespace()) return;
    config = gspnp_server_config_new();
    CHECK_OK(gspnp_server_config_add_interface(config, STR("lo")));
    CHECK_OK(gspnp_server_start(config, NULL, &first));
    CHECK(gspnp_server_start(config, NULL, &second) == GSPNP_STATUS_ALREADY_RUNNING && second == NULL);
    CHECK(last_error_says("already listens on multicast port 5060"));
    CHECK_OK(gspnp_server_stop(first));
    CHECK_OK(gspnp_server_start(config, NULL, &second));
    gspnp_server_free(second);
    gspnp_server_free(first);
    gspnp_server_config_free(config);
}

int main(void) {
    struct host host;
    gspnp_callbacks callbacks;
    gspnp_server_config *config = gspnp_server_config_new();
    gspnp_server *server = NULL;
    gspnp_stats stats;
    uint16_t port = 0, unicast_port = free_port();
    char datagram[4096];
    int phone = phone_socket(5);

    memset(&host, 0, sizeof host);
    pthread_mutex_init(&host.lock, NULL);
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.userdata = &host;
    callbacks.userdata_free = free_host;
    callbacks.on_device = on_device;
    callbacks.on_notify_result = on_notify_result;
    callbacks.on_log = on_log;

    CHECK(config != NULL);
    CHECK_OK(gspnp_server_config_set_port(config, 0));
    CHECK(gspnp_server_config_set_unicast_port(config, 65536) == GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK(gspnp_server_config_set_unicast_port(NULL, 0) == GSPNP_STATUS_NULL_PARAMETER);
    CHECK_OK(gspnp_server_config_set_unicast_port(config, unicast_port));
    CHECK_OK(gspnp_server_config_set_multicast(config, false));
    CHECK(gspnp_server_config_set_answer_code(config, 201) == GSPNP_STATUS_INVALID_ARGUMENT);
    CHECK(gspnp_server_config_set_url_template(config, STR("http://{ip}/{nope}/")) == GSPNP_STATUS_BAD_URL_TEMPLATE);
    CHECK(gspnp_server_config_set_mode(config, 7) == GSPNP_STATUS_INVALID_ARGUMENT);

    /* Callbacks run only after gspnp_server_start returned; the lock also orders host.server. */
    pthread_mutex_lock(&host.lock);
    CHECK_OK(gspnp_server_start(config, &callbacks, &server));
    host.server = server;
    pthread_mutex_unlock(&host.lock);
    gspnp_server_config_free(config);
    CHECK_OK(gspnp_server_port(server, &port));
    CHECK(port == unicast_port);

    phone_subscribe(phone, port, "000B82F55284", "z9hG4bKc1");
    CHECK(phone_receive(phone, datagram, sizeof datagram) > 0);
    CHECK(strncmp(datagram, "SIP/2.0 200 OK\r\n", 16) == 0);
    CHECK(phone_receive(phone, datagram, sizeof datagram) > 0);
    CHECK(strncmp(datagram, "NOTIFY sip:127.0.0.1:", 21) == 0);
    CHECK(strstr(datagram, "\r\nEvent: ua-profile\r\n") != NULL);
    CHECK(strstr(datagram, "\r\nContent-Type: application/url\r\n") != NULL);
    CHECK(strstr(datagram, "\r\n\r\n" URL) != NULL);
    phone_acknowledge(phone, port, datagram);

    CHECK(wait_for(&host, &host.acknowledged, 1));
    stats.size = sizeof stats;
    CHECK_OK(gspnp_server_stats(server, &stats));
    CHECK(stats.size == sizeof stats && stats.notifies_acknowledged == 1 && stats.answers_sent == 1);
    /* A caller compiled against an older, smaller gspnp_stats is never overrun. */
    memset(&stats, 0xAB, sizeof stats);
    stats.size = offsetof(gspnp_stats, malformed);
    CHECK_OK(gspnp_server_stats(server, &stats));
    CHECK(stats.size == offsetof(gspnp_stats, malformed) && stats.datagrams >= 2 && stats.malformed == 0xABABABABABABABABull);
    stats.size = 0;
    CHECK(gspnp_server_stats(server, &stats) == GSPNP_STATUS_INVALID_ARGUMENT);

    CHECK_OK(gspnp_server_stop(server));
    pthread_mutex_lock(&host.lock);
    host.stopped = 1; /* any callback from now on fails the test */
    pthread_mutex_unlock(&host.lock);
    CHECK(host.freed == 1);
    phone_subscribe(phone, port, "000B82F55284", "z9hG4bKc2");
    usleep(100000);
    CHECK_OK(gspnp_server_stop(server));
    CHECK(gspnp_server_assign_url(server, STR("000b82f55284"), STR(URL)) == GSPNP_STATUS_STOPPED);
    gspnp_server_free(server);
    gspnp_server_free(NULL);
    CHECK(host.freed == 1 && host.discovered == 1 && host.results == 1);
    close(phone);
    pthread_mutex_destroy(&host.lock);
    feed_refuses_a_local_that_is_not_unicast();
    a_second_server_on_one_multicast_port_is_refused();
    printf("test_server: ok\n");
    return 0;
}
