/* Pins the ABI: status and enum values, struct sizes and layouts, version macros, and
 * the behaviour of the error functions. A change here is an incompatible change. */
#include <stddef.h>

#include "common.h"

int main(void) {
    char message[64];
    size_t len = 0;

    CHECK(GSPNP_STATUS_OK == 0);
    CHECK(GSPNP_STATUS_NULL_PARAMETER == 1000);
    CHECK(GSPNP_STATUS_INVALID_ARGUMENT == 1001);
    CHECK(GSPNP_STATUS_PANIC == 1003);
    CHECK(GSPNP_STATUS_INVALID_MAC == 1004);
    CHECK(GSPNP_STATUS_LIMIT_EXCEEDED == 1009);
    CHECK(GSPNP_STATUS_PARSE_ERROR == 1011);
    CHECK(GSPNP_STATUS_CALLED_FROM_CALLBACK == 1017);
    CHECK(GSPNP_STATUS_TIMEOUT == 1021);
    CHECK(GSPNP_STATUS_STOPPED == 1022);
    CHECK(GSPNP_STATUS_WRONG_KIND == 1027 && GSPNP_STATUS_WRONG_MODE == 1028 && GSPNP_STATUS_NOT_FOUND == 1029);
    CHECK(GSPNP_DECISION_REFUSE == 0 && GSPNP_DECISION_ACCEPT == 1 && GSPNP_DECISION_LATER == 2);
    CHECK(GSPNP_DEVICE_STATE_SEEN == 0 && GSPNP_DEVICE_STATE_FAILED == 5);
    CHECK(GSPNP_FAILURE_NONE == 0 && GSPNP_FAILURE_RENDER_FAILED == 5);
    CHECK(GSPNP_MODE_OFF == 0 && GSPNP_MODE_DISCOVER == 1 && GSPNP_MODE_PROVISION == 2);
    CHECK(GSPNP_RULE_KIND_VENDOR == 0 && GSPNP_RULE_KIND_OUI == 1 && GSPNP_RULE_KIND_MAC == 2);
    CHECK(GSPNP_EVENT_KIND_DISCOVERED == 1 && GSPNP_EVENT_KIND_EVENTS_DROPPED == 7);
    CHECK(GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED == 0 && GSPNP_NOTIFY_OUTCOME_TIMED_OUT == 2);
    CHECK(GSPNP_LOG_LEVEL_ERROR == 1 && GSPNP_LOG_LEVEL_DEBUG == 4);

    CHECK(sizeof(gspnp_str) == 2 * sizeof(void *));
    CHECK(sizeof(gspnp_addr) == 6);
    CHECK(offsetof(gspnp_addr, port) == 4);
    CHECK(sizeof(gspnp_device) == 7 * sizeof(gspnp_str) + 8);
    CHECK(offsetof(gspnp_config_file, ticket) == 0);
    CHECK(sizeof(gspnp_stats) == sizeof(size_t) + 36 * sizeof(uint64_t));
    CHECK(offsetof(gspnp_stats, host_panics) == sizeof(size_t) + 26 * sizeof(uint64_t));
    CHECK(offsetof(gspnp_stats, resync_challenges_answered) == sizeof(size_t) + 35 * sizeof(uint64_t));
    CHECK(sizeof(gspnp_callbacks) == 9 * sizeof(void *));
    CHECK(sizeof(gspnp_config_file) == 8 + 5 * sizeof(gspnp_str) + 2 * sizeof(void *));
    CHECK(offsetof(gspnp_config_file, contents) == 8 + 3 * sizeof(gspnp_str));
    CHECK(offsetof(gspnp_notify_result, outcome) == 2 * sizeof(gspnp_str) + sizeof(void *));
    CHECK(GSPNP_ACCOUNT_ACTIVE == 1 && GSPNP_ACCOUNT_PASSWORD == 8 && GSPNP_ACCOUNT_DTMF == 14);
    CHECK(GSPNP_GLOBAL_CONFIG_SERVER_URL == 1 && GSPNP_GLOBAL_USER_PASSWORD == 10);
    CHECK(GSPNP_KEY_KIND_VPK == 1 && GSPNP_KEY_KIND_MPK == 2);

    CHECK(strcmp(gspnp_version(), GSPNP_VERSION_STRING) == 0);
    CHECK(gspnp_abi_version() == GSPNP_ABI_VERSION && GSPNP_ABI_VERSION == 1);
    CHECK(offsetof(gspnp_known_device, state) == sizeof(gspnp_device));
    CHECK(GSPNP_VERSION_NUMBER == GSPNP_VERSION_MAJOR * 10000 + GSPNP_VERSION_MINOR * 100 + GSPNP_VERSION_PATCH);
    CHECK(strcmp(gspnp_status_str(GSPNP_STATUS_BUFFER_TOO_SMALL), "buffer too small") == 0);
    CHECK(strcmp(gspnp_status_str(123456), "unknown status") == 0);
    for (int status = GSPNP_STATUS_NULL_PARAMETER; status <= GSPNP_STATUS_WRONG_MODE; status++) {
        CHECK(strcmp(gspnp_status_str(status), "unknown status") != 0);
    }

    /* A failed call leaves a message for this thread; NULL arguments are refused. */
    CHECK(gspnp_server_config_set_port(NULL, 1) == GSPNP_STATUS_NULL_PARAMETER);
    gspnp_last_error_message(message, sizeof message, &len);
    CHECK(strstr(message, "NULL") != NULL && len == strlen(message));
    gspnp_last_error_message(message, 5, &len);
    CHECK(strlen(message) == 4 && len > 4);
    gspnp_last_error_message(NULL, 0, &len);
    gspnp_server_config_free(NULL);
    gspnp_event_free(NULL);
    gspnp_decoded_free(NULL);
    printf("test_abi: ok\n");
    return 0;
}
