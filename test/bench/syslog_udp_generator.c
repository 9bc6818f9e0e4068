/*
 * syslog UDP load for the syslog benchmark (test/bench/syslog-run.ts), in its
 * own process so it shares no event loop with the receiver or the benchmark;
 * in C, with sendmmsg(2), so that on a two-core machine the generator takes
 * as little of the receiver's CPU as it can and reaches rates the receivers
 * cannot take. Built by the benchmark with the system's cc.
 *
 *     syslog_udp_generator PORT RATE SECONDS MESSAGES_FILE
 *
 * MESSAGES_FILE holds the messages to send, one a line (the benchmark's
 * message set, written by the benchmark), sent in turn, one a datagram. RATE
 * is datagrams a second: what is due by the clock is sent at once (in
 * batches of up to 64 datagrams a system call), and the generator sleeps
 * while it is ahead. Prints one JSON line at the end: datagrams sent, the
 * seconds it took, the rate reached, errors, the mean size.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 20, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *size = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s PORT RATE SECONDS MESSAGES_FILE\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  double rate = atof(argv[2]), seconds = atof(argv[3]);
  size_t size;
  char *text = read_all(argv[4], &size);
  if (!text) {
    perror(argv[4]);
    return 1;
  }
  /* One iovec a line: the messages are sent from the file's bytes, never copied. */
  size_t cap = 1024, n = 0;
  struct iovec *msgs = malloc(cap * sizeof *msgs);
  double total_bytes = 0;
  for (char *p = text, *end = text + size; p < end;) {
    char *nl = memchr(p, '\n', end - p);
    if (!nl) nl = end;
    if (nl > p) {
      if (n == cap) msgs = realloc(msgs, (cap *= 2) * sizeof *msgs);
      msgs[n].iov_base = p;
      msgs[n].iov_len = nl - p;
      total_bytes += nl - p;
      n++;
    }
    p = nl + 1;
  }
  if (n == 0) {
    fprintf(stderr, "%s: no messages\n", argv[4]);
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
    perror("socket");
    return 1;
  }
  long long total = (long long)(rate * seconds), sent = 0, errors = 0;
  struct mmsghdr batch[BATCH];
  memset(batch, 0, sizeof batch);
  double started = now();
  while (sent < total) {
    long long due = (long long)((now() - started) * rate);
    if (due > total) due = total;
    if (due <= sent) {
      /* Caught up: give the core back (the receiver may need it) rather than spin. */
      struct timespec pause = {0, 500000};
      nanosleep(&pause, NULL);
      continue;
    }
    while (sent < due) {
      int k = due - sent < BATCH ? (int)(due - sent) : BATCH;
      for (int i = 0; i < k; i++) {
        batch[i].msg_hdr.msg_iov = &msgs[(sent + i) % n];
        batch[i].msg_hdr.msg_iovlen = 1;
      }
      int r = sendmmsg(fd, batch, k, 0);
      if (r <= 0) {
        /* ECONNREFUSED from an earlier datagram (the receiver went away): counted, not fatal. */
        errors++;
        sent++;
      } else {
        sent += r;
      }
    }
  }
  double took = now() - started;
  printf("{\"kind\": \"done\", \"datagrams\": %lld, \"seconds\": %.6f, \"rate\": %.1f, \"errors\": %lld, \"bytes\": %.1f}\n", sent, took, sent / took, errors,
         total_bytes / n);
  fflush(stdout);
  return 0;
}
