/* gspnp_server_free() against calls in flight, as the header allows: many threads
 * blocked in gspnp_server_next_event() (pull API) or inside gspnp_server_stop()
 * (callbacks) while another thread frees the server. Every call returns, nothing is
 * used after it is freed (valgrind, ASan), free returns only after userdata_free ran
 * and no callback runs after it. Each thread makes its last call before free is called
 * (the header forbids calls that begin after it). */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "common.h"

#define THREADS 16
#define ROUNDS 8
#define PHONES 40

static void sleep_ms(long ms) {
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static gspnp_server *start(const gspnp_callbacks *callbacks) {
    gspnp_server_config *config = gspnp_server_config_new();
    gspnp_server *server = NULL;
    CHECK(config != NULL);
    CHECK_OK(gspnp_server_config_set_port(config, 0));
    CHECK_OK(gspnp_server_config_set_multicast(config, false));
    CHECK_OK(gspnp_server_config_set_mode(config, GSPNP_MODE_DISCOVER));
    CHECK_OK(gspnp_server_start(config, callbacks, &server));
    gspnp_server_config_free(config);
    return server;
}

static void send_phones(unsigned short port, int round) {
    int fd = phone_socket(1);
    for (int phone = 0; phone < PHONES; phone++) {
        char mac[13], branch[64];
        snprintf(mac, sizeof mac, "000B82%06X", round * PHONES + phone);
        snprintf(branch, sizeof branch, "z9hG4bKfree%d", phone);
        phone_subscribe(fd, port, mac, branch);
    }
    close(fd);
}

/* --- pull API: threads blocked in next_event ------------------------------------ */

struct pull {
    gspnp_server *server;
    atomic_int events;
    atomic_int stopped;
};

static void *take_events(void *argument) {
    struct pull *pull = argument;
    for (;;) {
        gspnp_event *event = NULL;
        gspnp_status status = gspnp_server_next_event(pull->server, 30000, &event);
        if (status != GSPNP_STATUS_OK) {
            CHECK(status == GSPNP_STATUS_STOPPED);
            atomic_fetch_add(&pull->stopped, 1);
            return NULL;
        }
        atomic_fetch_add(&pull->events, 1);
        gspnp_event_free(event);
    }
}

static void free_under_blocked_next_event(int round) {
    struct pull pull = {.server = start(NULL)};
    pthread_t threads[THREADS];
    unsigned short port = 0;
    atomic_init(&pull.events, 0);
    atomic_init(&pull.stopped, 0);
    CHECK_OK(gspnp_server_port(pull.server, &port));
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, take_events, &pull) == 0);
    send_phones(port, round);
    /* Every phone is one DISCOVERED event (plus log lines); wait until they are taken
     * and every thread is back waiting in its next call. */
    for (int waited = 0; atomic_load(&pull.events) < PHONES && waited < 10000; waited += 10) sleep_ms(10);
    CHECK(atomic_load(&pull.events) >= PHONES);
    sleep_ms(200);
    gspnp_server_free(pull.server);
    for (int i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(atomic_load(&pull.stopped) == THREADS);
}

/* --- callbacks: threads inside gspnp_server_stop() ------------------------------ */

struct host {
    gspnp_server *server;
    atomic_int in_callback;
    atomic_int freed;
    atomic_int free_returned;
    atomic_int stops_entering;
};

static void on_device(void *userdata, const gspnp_device *device, bool is_new) {
    struct host *host = userdata;
    (void)device;
    (void)is_new;
    CHECK(!atomic_load(&host->free_returned));
    atomic_store(&host->in_callback, 1);
    sleep_ms(20); /* a slow host: stop and free have to wait for this */
    CHECK(!atomic_load(&host->free_returned));
}

static void userdata_free(void *userdata) {
    struct host *host = userdata;
    CHECK(atomic_fetch_add(&host->freed, 1) == 0);
}

static void *stop_server(void *argument) {
    struct host *host = argument;
    atomic_fetch_add(&host->stops_entering, 1);
    CHECK_OK(gspnp_server_stop(host->server));
    return NULL;
}

static void free_under_concurrent_stops(int round) {
    struct host host;
    gspnp_callbacks callbacks;
    pthread_t threads[THREADS];
    unsigned short port = 0;
    memset(&callbacks, 0, sizeof callbacks);
    atomic_init(&host.in_callback, 0);
    atomic_init(&host.freed, 0);
    atomic_init(&host.free_returned, 0);
    atomic_init(&host.stops_entering, 0);
    callbacks.userdata = &host;
    callbacks.userdata_free = userdata_free;
    callbacks.on_device = on_device;
    host.server = start(&callbacks);
    CHECK_OK(gspnp_server_port(host.server, &port));
    send_phones(port, round);
    for (int waited = 0; !atomic_load(&host.in_callback) && waited < 10000; waited += 5) sleep_ms(5);
    CHECK(atomic_load(&host.in_callback));
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, stop_server, &host) == 0);
    while (atomic_load(&host.stops_entering) < THREADS) sleep_ms(1);
    sleep_ms(100);
    gspnp_server_free(host.server);
    atomic_store(&host.free_returned, 1);
    CHECK(atomic_load(&host.freed) == 1);
    for (int i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
}

int main(void) {
    for (int round = 0; round < ROUNDS; round++) {
        free_under_blocked_next_event(round);
        free_under_concurrent_stops(round);
    }
    printf("test_free_stress: ok\n");
    return 0;
}
