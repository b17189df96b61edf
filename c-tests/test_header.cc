// The header compiles as C++ (-Wall -Werror), twice included, with C linkage.
#include "gspnp.h"
#include "gspnp.h"

#include <cstdio>
#include <cstring>

int main() {
    gspnp_server_config *config = gspnp_server_config_new();
    int ok = config != nullptr && std::strcmp(gspnp_version(), GSPNP_VERSION_STRING) == 0;
    gspnp_server_config_free(config);
    std::printf("test_header (C++): %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
