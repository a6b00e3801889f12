/*
 * The delay line of a network with distance (bench/METHOD.md, "A network with distance").
 *
 * Where the kernel has no netem qdisc, a trial's clients and servers sit in two network
 * namespaces joined by two TUN devices, and this process carries every IP packet between them,
 * holding each one for its one-way delay. It makes both devices (not persistent: they go when
 * it exits, whatever ends it); the bench then moves each into its namespace and gives it an
 * address. Packets keep their order in each direction: a packet never leaves before the one read
 * before it, as on a real path (netem's jitter reorders; a real route rarely does).
 *
 *   delay-line DEV_A DEV_B DELAY_US JITTER_US SEED
 *
 * Each packet from A to B (and from B to A) leaves DELAY_US after it was read, plus a jitter drawn
 * uniformly from [-JITTER_US, +JITTER_US], never before the packet ahead of it. Prints `ready` once
 * both devices exist. On standard input, the line `stats` prints one JSON line: packets, bytes and
 * packets dropped for a full queue in each direction since the start, and how late packets left
 * against their due time (µs) since the last `stats`, whose histogram it then clears. End of input
 * ends the process. Linux only; needs CAP_NET_ADMIN (root) and /dev/net/tun.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Packets one direction can hold: at 100 Mbit/s and 100 ms one way, about 850 full frames fly. */
#define SLOTS 32768
/* The devices' MTU is the kernel's default, 1500; a slot holds more, for safety. */
#define SLOT_BYTES 2048
/* Lateness histogram: 1 µs buckets to 1 ms, then 1 ms buckets to 10 s; later goes in the last. */
#define FINE_US 1000
#define COARSE_BUCKETS 10000

struct queue {
  uint64_t *due_ns;
  uint32_t *len;
  /* Each queued packet's buffer in the pool. */
  uint32_t *buffer;
  uint32_t head, count;
  uint64_t last_due_ns;
  uint64_t packets, bytes, overflow;
};

/*
 * Packet buffers, shared by both directions, handed out last-freed first: the few buffers in use
 * stay in cache, and only as many pages are ever touched as packets were in flight at once. (A ring
 * walking through fresh memory made every second packet fault a new page in: in a virtual machine
 * that cost tens of µs per packet, more than the rest of the work.)
 */
static unsigned char *pool;
static uint32_t free_list[2 * SLOTS];
static uint32_t free_count;

static uint64_t fine[FINE_US];
static uint64_t coarse[COARSE_BUCKETS];
static uint64_t late_count, late_max_us;
static uint64_t rng;
static int realtime;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "delay-line: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int open_tun(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("opening /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (strlen(name) >= IFNAMSIZ) {
    fprintf(stderr, "delay-line: device name %s is longer than %d characters\n", name, IFNAMSIZ - 1);
    exit(2);
  }
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("making the TUN device (TUNSETIFF)");
  return fd;
}

static void queue_init(struct queue *q) {
  memset(q, 0, sizeof *q);
  q->due_ns = calloc(SLOTS, sizeof *q->due_ns);
  q->len = calloc(SLOTS, sizeof *q->len);
  q->buffer = calloc(SLOTS, sizeof *q->buffer);
  if (!q->due_ns || !q->len || !q->buffer) die("allocating the queues");
}

static void pool_init(void) {
  /* calloc of this size maps pages lazily: buffers never used cost no memory. */
  pool = calloc(2 * SLOTS, SLOT_BYTES);
  if (!pool) die("allocating the packet buffers");
  for (uint32_t i = 0; i < 2 * SLOTS; i++) free_list[i] = 2 * SLOTS - 1 - i;
  free_count = 2 * SLOTS;
}

/* xorshift64*: a uniform draw in [-j, +j] µs, as ns. */
static int64_t jitter_ns(int64_t jitter_us) {
  if (jitter_us == 0) return 0;
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  uint64_t r = rng * 2685821657736338717ull;
  return ((int64_t)(r % (uint64_t)(2 * jitter_us + 1)) - jitter_us) * 1000;
}

/* Reads every packet waiting on fd into q, each due `delay` (plus jitter) from now, in order. */
static void take(int fd, struct queue *q, int64_t delay_us, int64_t jitter_us) {
  for (;;) {
    unsigned char scratch[SLOT_BYTES];
    int full = q->count == SLOTS || free_count == 0;
    uint32_t slot = (q->head + q->count) % SLOTS;
    uint32_t buffer = full ? 0 : free_list[free_count - 1];
    unsigned char *into = full ? scratch : pool + (size_t)buffer * SLOT_BYTES;
    ssize_t n = read(fd, into, SLOT_BYTES);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("reading a TUN device");
    }
    if (full) {
      q->overflow++;
      continue;
    }
    int64_t due = (int64_t)now_ns() + delay_us * 1000 + jitter_ns(jitter_us);
    uint64_t due_ns = due < 0 ? 0 : (uint64_t)due;
    if (due_ns < q->last_due_ns) due_ns = q->last_due_ns;
    q->last_due_ns = due_ns;
    free_count--;
    q->due_ns[slot] = due_ns;
    q->len[slot] = (uint32_t)n;
    q->buffer[slot] = buffer;
    q->count++;
  }
}

static void record_late(uint64_t late_ns) {
  uint64_t us = late_ns / 1000;
  if (us < FINE_US) fine[us]++;
  else coarse[us / 1000 < COARSE_BUCKETS ? us / 1000 : COARSE_BUCKETS - 1]++;
  late_count++;
  if (us > late_max_us) late_max_us = us;
}

/* Writes every packet of q that is due by `now` to fd. */
static void give(int fd, struct queue *q, uint64_t now) {
  while (q->count > 0 && q->due_ns[q->head] <= now) {
    uint32_t slot = q->head;
    ssize_t n = write(fd, pool + (size_t)q->buffer[slot] * SLOT_BYTES, q->len[slot]);
    if (n < 0 && errno != EAGAIN && errno != EINTR && errno != EIO && errno != EINVAL) die("writing a TUN device");
    record_late(now - q->due_ns[slot]);
    q->packets++;
    q->bytes += q->len[slot];
    free_list[free_count++] = q->buffer[slot];
    q->head = (q->head + 1) % SLOTS;
    q->count--;
  }
}

/* The lateness percentile p (0..1) in µs, from the histogram. */
static uint64_t percentile(double p) {
  if (late_count == 0) return 0;
  uint64_t rank = (uint64_t)(p * (double)late_count);
  if (rank >= late_count) rank = late_count - 1;
  uint64_t seen = 0;
  for (uint64_t i = 0; i < FINE_US; i++) {
    seen += fine[i];
    if (seen > rank) return i;
  }
  /* A coarse bucket answers with its highest value, as HDR histograms do: a lateness is never understated. */
  for (uint64_t i = 0; i < COARSE_BUCKETS; i++) {
    seen += coarse[i];
    if (seen > rank) return i * 1000 + 999 < late_max_us ? i * 1000 + 999 : late_max_us;
  }
  return late_max_us;
}

static void print_stats(const struct queue *ab, const struct queue *ba) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  unsigned long long cpu_us = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ull +
                              (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  printf("{\"realtime\":%s,\"cpuUs\":%llu,\"packets\":[%llu,%llu],\"bytes\":[%llu,%llu],\"overflow\":[%llu,%llu],\"queued\":[%u,%u],"
         "\"late\":{\"count\":%llu,\"p50\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu}}\n",
         realtime ? "true" : "false", cpu_us, (unsigned long long)ab->packets, (unsigned long long)ba->packets, (unsigned long long)ab->bytes,
         (unsigned long long)ba->bytes, (unsigned long long)ab->overflow, (unsigned long long)ba->overflow, ab->count,
         ba->count, (unsigned long long)late_count, (unsigned long long)percentile(0.5),
         (unsigned long long)percentile(0.99), (unsigned long long)percentile(0.999), (unsigned long long)late_max_us);
  fflush(stdout);
  memset(fine, 0, sizeof fine);
  memset(coarse, 0, sizeof coarse);
  late_count = 0;
  late_max_us = 0;
}

/* Reads the commands waiting on standard input; returns 0 at its end. */
static int commands(const struct queue *ab, const struct queue *ba) {
  static char line[256];
  static size_t have;
  ssize_t n = read(0, line + have, sizeof line - 1 - have);
  if (n == 0) return 0;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  have += (size_t)n;
  char *end;
  while ((end = memchr(line, '\n', have)) != NULL) {
    *end = '\0';
    if (strcmp(line, "stats") == 0) print_stats(ab, ba);
    else if (line[0] != '\0') fprintf(stderr, "delay-line: unknown command \"%s\" (the one command is stats)\n", line);
    size_t used = (size_t)(end - line) + 1;
    memmove(line, end + 1, have - used);
    have -= used;
  }
  if (have == sizeof line - 1) have = 0;
  return 1;
}

static int64_t number(const char *text, const char *what, int64_t max) {
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0 || v > max) {
    fprintf(stderr, "delay-line: %s must be a whole number from 0 to %lld, got \"%s\"\n", what, (long long)max, text);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: delay-line DEV_A DEV_B DELAY_US JITTER_US SEED\n");
    return 2;
  }
  int64_t delay_us = number(argv[3], "DELAY_US", 60000000);
  int64_t jitter_us = number(argv[4], "JITTER_US", delay_us);
  rng = (uint64_t)number(argv[5], "SEED", INT64_MAX) * 2654435761ull + 88172645463325252ull;
  /*
   * Wake-ups on time. A timerfd set to the next packet's due time fires without the slack that
   * poll's own timeout gets (0.1% of the wait: 100 µs on a 100 ms hold). Real-time priority lets
   * the line run the moment a packet is due however busy the two cores are, as a network's own
   * hardware would; where it cannot be had (no root), the line runs as an ordinary process and
   * its lateness, reported with every reading, shows what that cost.
   */
  prctl(PR_SET_TIMERSLACK, 1UL);
  struct sched_param rt = {.sched_priority = 10};
  realtime = sched_setscheduler(0, SCHED_FIFO, &rt) == 0;
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer < 0) die("making the timer (timerfd_create)");
  signal(SIGPIPE, SIG_IGN);
  int a = open_tun(argv[1]);
  int b = open_tun(argv[2]);
  int flags = fcntl(0, F_GETFL);
  fcntl(0, F_SETFL, flags | O_NONBLOCK);
  struct queue ab, ba;
  queue_init(&ab);
  queue_init(&ba);
  pool_init();
  printf("ready\n");
  fflush(stdout);
  struct pollfd fds[4] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}, {.fd = 0, .events = POLLIN}, {.fd = timer, .events = POLLIN}};
  uint64_t armed = 0;
  for (;;) {
    uint64_t now = now_ns();
    give(b, &ab, now);
    give(a, &ba, now);
    uint64_t next = 0;
    if (ab.count > 0) next = ab.due_ns[ab.head];
    if (ba.count > 0 && (next == 0 || ba.due_ns[ba.head] < next)) next = ba.due_ns[ba.head];
    if (next != armed) {
      /* Absolute expiry; 0 disarms. A due time already past fires at once. */
      struct itimerspec at = {.it_value = {.tv_sec = (time_t)(next / 1000000000ull), .tv_nsec = (long)(next % 1000000000ull)}};
      if (next != 0 && at.it_value.tv_sec == 0 && at.it_value.tv_nsec == 0) at.it_value.tv_nsec = 1;
      if (timerfd_settime(timer, TFD_TIMER_ABSTIME, &at, NULL) < 0) die("setting the timer");
      armed = next;
    }
    if (poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      die("waiting for packets");
    }
    if (fds[0].revents & POLLIN) take(a, &ab, delay_us, jitter_us);
    if (fds[1].revents & POLLIN) take(b, &ba, delay_us, jitter_us);
    if ((fds[0].revents | fds[1].revents) & (POLLERR | POLLHUP | POLLNVAL)) {
      fprintf(stderr, "delay-line: a TUN device went away\n");
      return 1;
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      if (!commands(&ab, &ba)) return 0;
    }
    if (fds[3].revents & POLLIN) {
      uint64_t expirations;
      if (read(timer, &expirations, sizeof expirations) < 0 && errno != EAGAIN) die("reading the timer");
      armed = 0;
    }
  }
}
