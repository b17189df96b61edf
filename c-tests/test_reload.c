/* A PBX reloading its module: dlopen the library, start a server, stop it, dlclose,
 * again and again. Nothing may crash or leak across reloads. */
#include <dlfcn.h>

#include "common.h"

typedef gspnp_server_config *(*config_new_fn)(void);
typedef void (*config_free_fn)(gspnp_server_config *);
typedef gspnp_status (*set_port_fn)(gspnp_server_config *, uint16_t);
typedef gspnp_status (*set_multicast_fn)(gspnp_server_config *, bool);
typedef gspnp_status (*start_fn)(const gspnp_server_config *, const gspnp_callbacks *, gspnp_server **);
typedef gspnp_status (*stop_fn)(const gspnp_server *);
typedef void (*free_fn)(gspnp_server *);

/* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer,
 * ISO C does not, so copy the bytes (the form POSIX itself recommends). */
#define LOAD(library, variable, name)                                                  \
    do {                                                                               \
        void *found_ = dlsym(library, name);                                           \
        CHECK(found_ != NULL && sizeof(variable) == sizeof(found_));                   \
        memcpy(&(variable), &found_, sizeof(variable));                                \
    } while (0)

static int freed;
static void free_userdata(void *userdata) {
    (void)userdata;
    freed++;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "libgspnp.so.0";
    int round;
    for (round = 0; round < 20; round++) {
        void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        gspnp_server *server = NULL;
        gspnp_server_config *config;
        gspnp_callbacks callbacks;
        if (!library) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
        config_new_fn config_new;
        config_free_fn config_free;
        set_port_fn set_port;
        set_multicast_fn set_multicast;
        start_fn start;
        stop_fn stop;
        free_fn server_free;
        LOAD(library, config_new, "gspnp_server_config_new");
        LOAD(library, config_free, "gspnp_server_config_free");
        LOAD(library, set_port, "gspnp_server_config_set_port");
        LOAD(library, set_multicast, "gspnp_server_config_set_multicast");
        LOAD(library, start, "gspnp_server_start");
        LOAD(library, stop, "gspnp_server_stop");
        LOAD(library, server_free, "gspnp_server_free");
        memset(&callbacks, 0, sizeof callbacks);
        callbacks.userdata_free = free_userdata;
        config = config_new();
        CHECK(set_port(config, 0) == GSPNP_STATUS_OK);
        CHECK(set_multicast(config, false) == GSPNP_STATUS_OK);
        CHECK(start(config, &callbacks, &server) == GSPNP_STATUS_OK);
        config_free(config);
        CHECK(stop(server) == GSPNP_STATUS_OK);
        server_free(server);
        CHECK(dlclose(library) == 0);
    }
    CHECK(freed == 20);
    printf("test_reload: ok\n");
    return 0;
}
