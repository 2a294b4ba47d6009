/*
 * custodian-agent: the agent on a host serial port (a socat pty in the
 * tests, or a USB serial adapter), with the host port's key file and
 * state directory standing in for a secure element and flash.
 *
 *   custodian-agent --tty PATH --state DIR [--device-id ID] [--serial S]
 *                   [--model M] [--firmware F] [--max-payload N]
 *                   [--capabilities MASK] [--no-announce] [--capture FILE]
 */
#define _DEFAULT_SOURCE /* cfmakeraw, usleep */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "custodian/agent.h"
#include "host_device.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static uint32_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)((uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u);
}

static int open_tty(const char *path)
{
    struct termios tio;
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0) return -1;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    return fd;
}

static uint32_t random_u32(void)
{
    uint32_t v = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &v, sizeof v) != (ssize_t)sizeof v) v ^= 0x5A5A5A5Au;
        close(fd);
    }
    return v;
}

static void usage(void)
{
    fprintf(stderr, "usage: custodian-agent --tty PATH --state DIR [--device-id ID] [--serial S] [--model M] [--firmware F]\n"
                    "                       [--max-payload N] [--capabilities MASK] [--no-announce] [--capture FILE]\n");
    exit(2);
}

/* Buffers for the largest configuration: 4096-byte frames, RSA-4096 keys. */
static uint8_t rx[CST_FRAME_BUFFER_SIZE(CST_MAX_PAYLOAD)];
static uint8_t tx[CST_FRAME_BUFFER_SIZE(CST_MAX_PAYLOAD)];
static uint8_t csr[2048];
static uint8_t spki[1024];

int main(int argc, char **argv)
{
    const char *tty = NULL, *state = NULL, *capture = NULL;
    char serial[32];
    const char *initial[4] = {"", NULL, "custodian-agent-host", "1.0.0-agent"};
    char default_id[40];
    unsigned long max_payload = 512, caps = 0x7F;
    int announce = 1, i;
    struct host_device dev;
    struct cst_agent agent;
    struct cst_agent_config cfg;
    struct sigaction sa;

    snprintf(serial, sizeof serial, "HW%08X", (unsigned)random_u32());
    initial[1] = serial;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-announce") == 0) { announce = 0; continue; }
        if (!v) usage();
        if (strcmp(a, "--tty") == 0) tty = v;
        else if (strcmp(a, "--state") == 0) state = v;
        else if (strcmp(a, "--device-id") == 0) initial[0] = v;
        else if (strcmp(a, "--serial") == 0) initial[1] = v;
        else if (strcmp(a, "--model") == 0) initial[2] = v;
        else if (strcmp(a, "--firmware") == 0) initial[3] = v;
        else if (strcmp(a, "--max-payload") == 0) max_payload = strtoul(v, NULL, 0);
        else if (strcmp(a, "--capabilities") == 0) caps = strtoul(v, NULL, 0);
        else if (strcmp(a, "--capture") == 0) capture = v;
        else usage();
        i++;
    }
    if (!tty || !state) usage();
    if (initial[0][0] == 0) {
        snprintf(default_id, sizeof default_id, "agent-%.8s", initial[1] + (initial[1][0] == 'H' && initial[1][1] == 'W' ? 2 : 0));
        for (i = 0; default_id[i]; i++) if (default_id[i] >= 'A' && default_id[i] <= 'Z') default_id[i] = (char)(default_id[i] + 32);
        initial[0] = default_id;
    }
    if (host_device_open(&dev, state, initial) != 0) {
        fprintf(stderr, "custodian-agent: cannot open state directory %s\n", state);
        return 1;
    }
    if (capture) {
        dev.capture_fd = open(capture, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (dev.capture_fd < 0) perror("capture");
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.port = &host_port;
    cfg.user = &dev;
    cfg.rx = rx;
    cfg.tx = tx;
    cfg.max_payload = (uint16_t)max_payload;
    cfg.csr = csr;
    cfg.csr_cap = sizeof csr;
    cfg.spki = spki;
    cfg.spki_cap = sizeof spki;
    cfg.capabilities = (uint16_t)caps;
    cfg.boot_id = random_u32();
    cfg.announce_identity = (uint8_t)announce;
    if (max_payload < CST_MIN_PAYLOAD || max_payload > CST_MAX_PAYLOAD || cst_agent_init(&agent, &cfg) != CST_OK) {
        fprintf(stderr, "custodian-agent: bad configuration\n");
        return 2;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    while (!stopping) {
        struct pollfd p;
        uint8_t buf[4096];
        ssize_t n;
        if (dev.fd < 0) {
            /* The link is gone (adapter unplugged, pty pair restarted): wait for it to come back. */
            dev.fd = open_tty(tty);
            if (dev.fd < 0) {
                usleep(50000);
                continue;
            }
            printf("custodian-agent: listening on %s as %s\n", tty, dev.fields[0]);
            fflush(stdout);
        }
        p.fd = dev.fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 20) < 0 && errno != EINTR) break;
        if (p.revents & POLLIN) {
            n = read(dev.fd, buf, sizeof buf);
            if (n > 0) {
                if (dev.capture_fd >= 0 && write(dev.capture_fd, buf, (size_t)n) != n) perror("capture");
                cst_agent_input(&agent, buf, (size_t)n, now_ms());
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(dev.fd);
                dev.fd = -1;
            }
        } else if (p.revents & (POLLHUP | POLLERR)) {
            close(dev.fd);
            dev.fd = -1;
            usleep(50000);
        }
        cst_agent_tick(&agent, now_ms());
    }
    if (dev.fd >= 0) close(dev.fd);
    if (dev.capture_fd >= 0) close(dev.capture_fd);
    host_device_close(&dev);
    return 0;
}
