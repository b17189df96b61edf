/* Small helpers shared by the C tests: checks that name what failed, and a phone on
 * loopback that speaks like a Grandstream GRP2614. */
#ifndef GSPNP_TEST_COMMON_H
#define GSPNP_TEST_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gspnp.h"

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

#define CHECK_OK(call)                                                                 \
    do {                                                                               \
        int status_ = (int)(call);                                                     \
        if (status_ != GSPNP_STATUS_OK) {                                              \
            char message_[256];                                                        \
            gspnp_last_error_message(message_, sizeof message_, NULL);                 \
            fprintf(stderr, "%s:%d: %s -> %d (%s): %s\n", __FILE__, __LINE__, #call,   \
                    status_, gspnp_status_str(status_), message_);                     \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

#define STR(literal) literal, (sizeof literal - 1)

/* A UDP socket on 127.0.0.1 with a receive timeout of `seconds`. */
static inline int phone_socket(int seconds) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in self;
    struct timeval timeout;
    CHECK(fd >= 0);
    memset(&self, 0, sizeof self);
    self.sin_family = AF_INET;
    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&self, sizeof self) == 0);
    timeout.tv_sec = seconds;
    timeout.tv_usec = 0;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
    return fd;
}

static inline unsigned short socket_port(int fd) {
    struct sockaddr_in self;
    socklen_t len = sizeof self;
    CHECK(getsockname(fd, (struct sockaddr *)&self, &len) == 0);
    return ntohs(self.sin_port);
}

static inline void send_text(int fd, unsigned short port, const char *text) {
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    CHECK(sendto(fd, text, strlen(text), 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)strlen(text));
}

/* Sends a GRP2614 ua-profile SUBSCRIBE for `mac` (12 upper-case hex digits). */
static inline void phone_subscribe(int fd, unsigned short server_port, const char *mac, const char *branch) {
    char message[2048];
    unsigned short port = socket_port(fd);
    snprintf(message, sizeof message,
             "SUBSCRIBE sip:MAC%%3A%s@224.0.1.75 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
             "From: <sip:MAC%%3A%s@224.0.1.75>;tag=1990948743\r\n"
             "To: <sip:MAC%%3A%s@224.0.1.75>\r\n"
             "Call-ID: %s@127.0.0.1\r\n"
             "CSeq: 20000 SUBSCRIBE\r\n"
             "Contact: <sip:127.0.0.1:%u>\r\n"
             "User-Agent: Grandstream GRP2614 1.0.0.31\r\n"
             "Expires: 0\r\n"
             "Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\r\n"
             "Accept: application/url\r\n"
             "Content-Length: 0\r\n\r\n",
             mac, port, branch, mac, mac, branch, port);
    send_text(fd, server_port, message);
}

/* Receives one datagram as a NUL-terminated string; returns its length, -1 on timeout. */
static inline int phone_receive(int fd, char *buffer, size_t size) {
    ssize_t len = recv(fd, buffer, size - 1, 0);
    if (len < 0) return -1;
    buffer[len] = '\0';
    return (int)len;
}

/* Answers a NOTIFY with 200 OK, copying Via, From, To, Call-ID and CSeq. */
static inline void phone_acknowledge(int fd, unsigned short server_port, const char *notify) {
    static const char *names[] = {"Via:", "From:", "To:", "Call-ID:", "CSeq:"};
    char answer[4096] = "SIP/2.0 200 OK\r\n";
    const char *line = notify;
    while (line && *line) {
        const char *end = strstr(line, "\r\n");
        size_t i, len = end ? (size_t)(end - line) : strlen(line);
        for (i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strncmp(line, names[i], strlen(names[i])) == 0) {
                strncat(answer, line, len);
                strcat(answer, "\r\n");
            }
        }
        line = end ? end + 2 : NULL;
    }
    strcat(answer, "Content-Length: 0\r\n\r\n");
    send_text(fd, server_port, answer);
}

#endif
