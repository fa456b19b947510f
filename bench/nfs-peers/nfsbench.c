// nfsbench: one access pattern, measured the same way against an NFSv3 server (libnfs, async, D requests in
// flight on one connection) and against a local file (pread/pwrite from D threads), so that the figures of
// Lifeboat's mount server, nfs-ganesha and the raw file itself can be compared side by side.
//
//   nfsbench nfs   nfs://HOST/EXPORT/FILE[?nfsport=N&mountport=M]  [options]
//   nfsbench local FILE  [options]
//   nfsbench check nfs://...  FILE  [--count N] [--seed S]     compare bytes read over NFS with FILE
//   nfsbench dropcache PATH...                                  evict files (folders: recursively) from the page cache
//
// Options: --test randread|seqread|randwrite  --depth D  --count N  --seconds S  --bs BYTES  --seed S
//          --passes 1|2  --timeout S  --label TEXT
// Prints one JSON line per pass: pass "cold" is the first touch of each block by this run, "warm" a second pass
// over the blocks the first pass read (random tests shuffle them again).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <nfsc/libnfs.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 256
#define MAX_BLOCK_SIZE (16u << 20)
#define MAX_OPS (50u * 1000 * 1000)

enum test_kind { TEST_RANDREAD, TEST_SEQREAD, TEST_RANDWRITE };

struct options {
    enum test_kind test;
    unsigned depth;
    uint64_t count;
    double seconds;
    uint32_t bs;
    uint64_t seed;
    int passes;
    double timeout;
    const char *label;
};

// The work of one pass: which offsets, in which order, and how long each request took.
struct plan {
    uint64_t *offsets;
    uint32_t *lengths;
    uint64_t n;
    uint64_t *latency_ns;
    uint64_t done;
    uint64_t bytes;
    double seconds;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nfsbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL)
        die("out of memory allocating %zu x %zu bytes; lower --count", n, size);
    return p;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// splitmix64: small, seedable, and the same sequence on every machine.
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t random_below(uint64_t *state, uint64_t bound)
{
    // Rejection keeps the permutation unbiased for any bound.
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do
        r = next_random(state);
    while (r >= limit);
    return r % bound;
}

static void shuffle(uint64_t *items, uint64_t n, uint64_t *state)
{
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = random_below(state, i);
        uint64_t t = items[i - 1];
        items[i - 1] = items[j];
        items[j] = t;
    }
}

static uint64_t parse_u64(const char *name, const char *text, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    uint64_t mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > max / mult)
        die("%s must be a whole number from 0 to %" PRIu64 ", not \"%s\"", name, max, text);
    return (uint64_t)v * mult;
}

static double parse_seconds(const char *name, const char *text)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0) || v > 86400)
        die("%s must be a number of seconds from 0 to 86400, not \"%s\"", name, text);
    return v;
}

static void parse_options(int argc, char **argv, int first, struct options *o)
{
    *o = (struct options){ .test = TEST_RANDREAD, .depth = 0, .count = 0, .seconds = 0, .bs = 0, .seed = 1,
                           .passes = 0, .timeout = 600, .label = "" };
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            die("option %s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--test") == 0) {
            if (strcmp(v, "randread") == 0)
                o->test = TEST_RANDREAD;
            else if (strcmp(v, "seqread") == 0)
                o->test = TEST_SEQREAD;
            else if (strcmp(v, "randwrite") == 0)
                o->test = TEST_RANDWRITE;
            else
                die("--test must be randread, seqread or randwrite, not \"%s\"", v);
        } else if (strcmp(a, "--depth") == 0)
            o->depth = (unsigned)parse_u64(a, v, MAX_DEPTH);
        else if (strcmp(a, "--count") == 0)
            o->count = parse_u64(a, v, MAX_OPS);
        else if (strcmp(a, "--seconds") == 0)
            o->seconds = parse_seconds(a, v);
        else if (strcmp(a, "--bs") == 0)
            o->bs = (uint32_t)parse_u64(a, v, MAX_BLOCK_SIZE);
        else if (strcmp(a, "--seed") == 0)
            o->seed = parse_u64(a, v, UINT64_MAX);
        else if (strcmp(a, "--passes") == 0)
            o->passes = (int)parse_u64(a, v, 2);
        else if (strcmp(a, "--timeout") == 0)
            o->timeout = parse_seconds(a, v);
        else if (strcmp(a, "--label") == 0)
            o->label = v;
        else
            die("unknown option %s (see the comment at the top of nfsbench.c)", a);
    }
    if (o->bs == 0)
        o->bs = o->test == TEST_SEQREAD ? 1u << 20 : 4096;
    if (o->depth == 0)
        o->depth = o->test == TEST_SEQREAD ? 4 : 1;
    if (o->passes == 0)
        o->passes = o->test == TEST_RANDWRITE ? 1 : 2;
    if (o->test == TEST_RANDWRITE && o->passes != 1)
        die("--passes must be 1 for randwrite: a second pass would only rewrite the same blocks");
    if (o->count == 0 && o->seconds == 0 && o->test != TEST_SEQREAD)
        o->count = 20000;
}

// The cold pass: distinct blocks (a permutation, or the file in order), cut to --count.
static void make_first_plan(const struct options *o, uint64_t file_size, struct plan *p)
{
    uint64_t blocks = file_size / o->bs;
    if (o->test == TEST_SEQREAD && file_size % o->bs != 0)
        blocks++;
    if (blocks == 0)
        die("the file is smaller than one %u-byte block; benchmark a larger file", o->bs);
    if (blocks > MAX_OPS)
        blocks = MAX_OPS;
    uint64_t n = o->count != 0 && o->count < blocks ? o->count : blocks;

    p->offsets = xcalloc(blocks, sizeof *p->offsets);
    for (uint64_t i = 0; i < blocks; i++)
        p->offsets[i] = i * o->bs;
    if (o->test != TEST_SEQREAD) {
        uint64_t state = o->seed;
        shuffle(p->offsets, blocks, &state);
    }
    // With --seconds and no --count the pass may go through every block; it stops at the deadline.
    p->n = n;
    p->lengths = xcalloc(p->n, sizeof *p->lengths);
    for (uint64_t i = 0; i < p->n; i++) {
        uint64_t left = file_size - p->offsets[i];
        p->lengths[i] = left < o->bs ? (uint32_t)left : o->bs;
    }
    p->latency_ns = xcalloc(p->n, sizeof *p->latency_ns);
}

// The warm pass: the blocks the cold pass completed, in a new random order (sequential tests keep the order).
static void make_second_plan(const struct options *o, const struct plan *first, struct plan *p)
{
    p->n = first->done;
    p->offsets = xcalloc(p->n ? p->n : 1, sizeof *p->offsets);
    p->lengths = xcalloc(p->n ? p->n : 1, sizeof *p->lengths);
    p->latency_ns = xcalloc(p->n ? p->n : 1, sizeof *p->latency_ns);
    memcpy(p->offsets, first->offsets, p->n * sizeof *p->offsets);
    if (o->test != TEST_SEQREAD) {
        uint64_t state = o->seed ^ 0x5741524d5741524du;
        shuffle(p->offsets, p->n, &state);
    }
    for (uint64_t i = 0; i < p->n; i++)
        p->lengths[i] = o->bs;
    if (o->test == TEST_SEQREAD)
        memcpy(p->lengths, first->lengths, p->n * sizeof *p->lengths);
}

static void free_plan(struct plan *p)
{
    free(p->offsets);
    free(p->lengths);
    free(p->latency_ns);
    memset(p, 0, sizeof *p);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double percentile_us(const uint64_t *sorted, uint64_t n, double q)
{
    if (n == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)n + 0.999999);
    if (rank == 0)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1000.0;
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *test_name(enum test_kind t)
{
    return t == TEST_RANDREAD ? "randread" : t == TEST_SEQREAD ? "seqread" : "randwrite";
}

static void report(const struct options *o, const char *target, const char *where, const char *pass,
                   struct plan *p)
{
    qsort(p->latency_ns, p->done, sizeof *p->latency_ns, compare_u64);
    double secs = p->seconds > 0 ? p->seconds : 1e-9;
    printf("{\"target\":\"%s\",\"where\":", target);
    print_json_string(where);
    printf(",\"label\":");
    print_json_string(o->label);
    printf(",\"test\":\"%s\",\"pass\":\"%s\",\"bs\":%u,\"depth\":%u,\"seed\":%" PRIu64 ",\"ops\":%" PRIu64
           ",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"ops_per_s\":%.1f,\"mib_per_s\":%.2f,\"lat_p50_us\":%.1f,"
           "\"lat_p99_us\":%.1f}\n",
           test_name(o->test), pass, o->bs, o->depth, o->seed, p->done, p->bytes, p->seconds,
           (double)p->done / secs, (double)p->bytes / secs / 1048576.0, percentile_us(p->latency_ns, p->done, 0.50),
           percentile_us(p->latency_ns, p->done, 0.99));
    fflush(stdout);
}

static void fill_pattern(unsigned char *buf, size_t len, uint64_t seed)
{
    uint64_t state = seed;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t r = next_random(&state);
        memcpy(buf + i, &r, 8);
    }
}

/* ---------------------------------------------------------------- NFS, libnfs async API */

struct nfs_slot {
    struct nfs_run *run;
    uint64_t index;
    uint64_t started_ns;
    uint32_t transferred;
    unsigned char *buffer;
};

struct nfs_run {
    struct nfs_context *nfs;
    struct nfsfh *fh;
    const struct options *o;
    struct plan *plan;
    uint64_t next;
    unsigned in_flight;
    uint64_t deadline_ns;
    bool failed;
    bool committed;
    char error[512];
    struct nfs_slot slots[MAX_DEPTH];
};

static void nfs_issue(struct nfs_run *r, struct nfs_slot *s);
static int nfs_send(struct nfs_run *r, struct nfs_slot *s);

static void nfs_done(int status, struct nfs_context *nfs, void *data, void *private_data)
{
    (void)nfs;
    struct nfs_slot *s = private_data;
    struct nfs_run *r = s->run;
    struct plan *p = r->plan;
    r->in_flight--;
    uint32_t want = p->lengths[s->index] - s->transferred;
    if (status <= 0 || (uint32_t)status > want) {
        if (!r->failed)
            snprintf(r->error, sizeof r->error, "%s of %u bytes at offset %" PRIu64 " failed: %s",
                     r->o->test == TEST_RANDWRITE ? "WRITE" : "READ", want, p->offsets[s->index] + s->transferred,
                     status < 0 ? (const char *)data : "the server transferred no byte");
        r->failed = true;
        return;
    }
    if (r->o->test != TEST_RANDWRITE)
        memcpy(s->buffer + s->transferred, data, (size_t)status);
    s->transferred += (uint32_t)status;
    if (s->transferred < p->lengths[s->index]) {
        // A server may answer with less than asked (its rtmax/wtmax): the request goes on for the rest.
        if (nfs_send(r, s) < 0)
            return;
        r->in_flight++;
        return;
    }
    p->latency_ns[p->done++] = now_ns() - s->started_ns;
    p->bytes += s->transferred;
    nfs_issue(r, s);
}

static int nfs_send(struct nfs_run *r, struct nfs_slot *s)
{
    struct plan *p = r->plan;
    uint64_t offset = p->offsets[s->index] + s->transferred;
    uint32_t count = p->lengths[s->index] - s->transferred;
    int rc = r->o->test == TEST_RANDWRITE
                 ? nfs_pwrite_async(r->nfs, r->fh, offset, count, s->buffer + s->transferred, nfs_done, s)
                 : nfs_pread_async(r->nfs, r->fh, offset, count, nfs_done, s);
    if (rc < 0) {
        snprintf(r->error, sizeof r->error, "could not queue a request: %s", nfs_get_error(r->nfs));
        r->failed = true;
    }
    return rc;
}

static void nfs_issue(struct nfs_run *r, struct nfs_slot *s)
{
    struct plan *p = r->plan;
    if (r->failed || r->next >= p->n || (r->deadline_ns != 0 && now_ns() >= r->deadline_ns))
        return;
    s->index = r->next++;
    s->transferred = 0;
    s->started_ns = now_ns();
    if (nfs_send(r, s) < 0)
        return;
    r->in_flight++;
}

static void nfs_commit_done(int status, struct nfs_context *nfs, void *data, void *private_data)
{
    (void)nfs;
    struct nfs_run *r = private_data;
    r->in_flight--;
    if (status < 0) {
        snprintf(r->error, sizeof r->error, "COMMIT failed: %s", (const char *)data);
        r->failed = true;
    }
    r->committed = true;
}

static void nfs_wait(struct nfs_run *r, uint64_t give_up_ns)
{
    while (r->in_flight > 0 && !r->failed) {
        struct pollfd pfd = { .fd = nfs_get_fd(r->nfs), .events = (short)nfs_which_events(r->nfs) };
        int n = poll(&pfd, 1, 100);
        if (n < 0 && errno != EINTR)
            die("poll failed: %s", strerror(errno));
        if (nfs_service(r->nfs, n > 0 ? pfd.revents : 0) < 0)
            die("the NFS connection broke: %s", nfs_get_error(r->nfs));
        if (now_ns() > give_up_ns)
            die("no answer from the NFS server for the last requests after --timeout seconds; is it still running?");
    }
    if (r->failed)
        die("%s", r->error);
}

static void nfs_pass(struct nfs_run *r, struct plan *p)
{
    const struct options *o = r->o;
    r->plan = p;
    r->next = 0;
    uint64_t start = now_ns();
    r->deadline_ns = o->seconds > 0 ? start + (uint64_t)(o->seconds * 1e9) : 0;
    for (unsigned i = 0; i < o->depth; i++)
        nfs_issue(r, &r->slots[i]);
    nfs_wait(r, start + (uint64_t)(o->timeout * 1e9));
    if (o->test == TEST_RANDWRITE) {
        // UNSTABLE writes are only durable at COMMIT: its time belongs to the writes.
        r->committed = false;
        if (nfs_fsync_async(r->nfs, r->fh, nfs_commit_done, r) < 0)
            die("could not queue COMMIT: %s", nfs_get_error(r->nfs));
        r->in_flight++;
        nfs_wait(r, now_ns() + (uint64_t)(o->timeout * 1e9));
    }
    p->seconds = (double)(now_ns() - start) / 1e9;
}

static int run_nfs(const char *url_text, const struct options *o)
{
    struct nfs_context *nfs = nfs_init_context();
    if (nfs == NULL)
        die("could not create an NFS context");
    struct nfs_url *url = nfs_parse_url_full(nfs, url_text);
    if (url == NULL)
        die("\"%s\" is not an nfs://server/export/file URL: %s", url_text, nfs_get_error(nfs));
    // libnfs's own caches would hide the server: every read must reach it.
    nfs_set_pagecache(nfs, 0);
    nfs_set_readahead(nfs, 0);
    if (nfs_mount(nfs, url->server, url->path) != 0)
        die("could not mount %s:%s: %s", url->server, url->path, nfs_get_error(nfs));
    struct nfsfh *fh;
    int flags = o->test == TEST_RANDWRITE ? O_RDWR : O_RDONLY;
    if (nfs_open(nfs, url->file, flags, &fh) != 0)
        die("could not open %s on %s:%s: %s", url->file, url->server, url->path, nfs_get_error(nfs));
    struct nfs_stat_64 st;
    if (nfs_fstat64(nfs, fh, &st) != 0)
        die("could not read the size of %s: %s", url->file, nfs_get_error(nfs));

    struct nfs_run *r = xcalloc(1, sizeof *r);
    r->nfs = nfs;
    r->fh = fh;
    r->o = o;
    for (unsigned i = 0; i < o->depth; i++) {
        r->slots[i].run = r;
        r->slots[i].buffer = xcalloc(1, o->bs);
        if (o->test == TEST_RANDWRITE)
            fill_pattern(r->slots[i].buffer, o->bs, o->seed + i);
    }

    struct plan first = { 0 };
    make_first_plan(o, st.nfs_size, &first);
    nfs_pass(r, &first);
    report(o, "nfs", url_text, "cold", &first);
    if (o->passes == 2) {
        struct plan second = { 0 };
        make_second_plan(o, &first, &second);
        nfs_pass(r, &second);
        report(o, "nfs", url_text, "warm", &second);
        free_plan(&second);
    }
    free_plan(&first);
    for (unsigned i = 0; i < o->depth; i++)
        free(r->slots[i].buffer);
    free(r);
    nfs_close(nfs, fh);
    nfs_umount(nfs);
    nfs_destroy_url(url);
    nfs_destroy_context(nfs);
    return 0;
}

/* ---------------------------------------------------------------- local file, D threads */

struct local_run {
    int fd;
    const struct options *o;
    struct plan *plan;
    atomic_uint_fast64_t next;
    atomic_uint_fast64_t done;
    atomic_uint_fast64_t bytes;
    uint64_t deadline_ns;
    atomic_bool failed;
    char error[512];
    pthread_mutex_t error_lock;
};

struct local_worker {
    struct local_run *run;
    unsigned char *buffer;
};

static void *local_worker_main(void *arg)
{
    struct local_worker *w = arg;
    struct local_run *r = w->run;
    struct plan *p = r->plan;
    bool writing = r->o->test == TEST_RANDWRITE;
    for (;;) {
        if (atomic_load(&r->failed) || (r->deadline_ns != 0 && now_ns() >= r->deadline_ns))
            break;
        uint64_t i = atomic_fetch_add(&r->next, 1);
        if (i >= p->n)
            break;
        uint64_t t0 = now_ns();
        ssize_t got = writing ? pwrite(r->fd, w->buffer, p->lengths[i], (off_t)p->offsets[i])
                              : pread(r->fd, w->buffer, p->lengths[i], (off_t)p->offsets[i]);
        uint64_t t1 = now_ns();
        if (got != (ssize_t)p->lengths[i]) {
            pthread_mutex_lock(&r->error_lock);
            if (!atomic_load(&r->failed))
                snprintf(r->error, sizeof r->error, "%s of %u bytes at offset %" PRIu64 " failed: %s",
                         writing ? "pwrite" : "pread", p->lengths[i], p->offsets[i],
                         got < 0 ? strerror(errno) : "short transfer");
            atomic_store(&r->failed, true);
            pthread_mutex_unlock(&r->error_lock);
            break;
        }
        p->latency_ns[atomic_fetch_add(&r->done, 1)] = t1 - t0;
        atomic_fetch_add(&r->bytes, (uint64_t)got);
    }
    return NULL;
}

static void local_pass(struct local_run *r, struct plan *p, struct local_worker *workers)
{
    const struct options *o = r->o;
    r->plan = p;
    atomic_store(&r->next, 0);
    atomic_store(&r->done, 0);
    atomic_store(&r->bytes, 0);
    uint64_t start = now_ns();
    r->deadline_ns = o->seconds > 0 ? start + (uint64_t)(o->seconds * 1e9) : 0;
    pthread_t threads[MAX_DEPTH];
    for (unsigned i = 0; i < o->depth; i++)
        if (pthread_create(&threads[i], NULL, local_worker_main, &workers[i]) != 0)
            die("could not start thread %u of %u", i + 1, o->depth);
    for (unsigned i = 0; i < o->depth; i++)
        pthread_join(threads[i], NULL);
    if (atomic_load(&r->failed))
        die("%s", r->error);
    if (o->test == TEST_RANDWRITE && fdatasync(r->fd) != 0)
        die("fdatasync failed: %s", strerror(errno));
    p->seconds = (double)(now_ns() - start) / 1e9;
    p->done = atomic_load(&r->done);
    p->bytes = atomic_load(&r->bytes);
}

static int run_local(const char *path, const struct options *o)
{
    int fd = open(path, o->test == TEST_RANDWRITE ? O_RDWR : O_RDONLY);
    if (fd < 0)
        die("could not open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        die("%s is not a regular file", path);

    struct local_run *r = xcalloc(1, sizeof *r);
    r->fd = fd;
    r->o = o;
    pthread_mutex_init(&r->error_lock, NULL);
    struct local_worker *workers = xcalloc(o->depth, sizeof *workers);
    for (unsigned i = 0; i < o->depth; i++) {
        workers[i].run = r;
        workers[i].buffer = xcalloc(1, o->bs);
        if (o->test == TEST_RANDWRITE)
            fill_pattern(workers[i].buffer, o->bs, o->seed + i);
    }

    struct plan first = { 0 };
    make_first_plan(o, (uint64_t)st.st_size, &first);
    local_pass(r, &first, workers);
    report(o, "local", path, "cold", &first);
    if (o->passes == 2) {
        struct plan second = { 0 };
        make_second_plan(o, &first, &second);
        local_pass(r, &second, workers);
        report(o, "local", path, "warm", &second);
        free_plan(&second);
    }
    free_plan(&first);
    for (unsigned i = 0; i < o->depth; i++)
        free(workers[i].buffer);
    free(workers);
    pthread_mutex_destroy(&r->error_lock);
    free(r);
    close(fd);
    return 0;
}

/* ---------------------------------------------------------------- check: the NFS server returns the file's bytes */

static int run_check(const char *url_text, const char *path, const struct options *o)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("could not open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("could not stat %s: %s", path, strerror(errno));

    struct nfs_context *nfs = nfs_init_context();
    struct nfs_url *url = nfs == NULL ? NULL : nfs_parse_url_full(nfs, url_text);
    if (url == NULL)
        die("\"%s\" is not an nfs://server/export/file URL", url_text);
    nfs_set_pagecache(nfs, 0);
    if (nfs_mount(nfs, url->server, url->path) != 0)
        die("could not mount %s:%s: %s", url->server, url->path, nfs_get_error(nfs));
    struct nfsfh *fh;
    if (nfs_open(nfs, url->file, O_RDONLY, &fh) != 0)
        die("could not open %s: %s", url->file, nfs_get_error(nfs));
    struct nfs_stat_64 nst;
    if (nfs_fstat64(nfs, fh, &nst) != 0)
        die("could not read the size of %s: %s", url->file, nfs_get_error(nfs));
    if (nst.nfs_size != (uint64_t)st.st_size)
        die("%s is %" PRIu64 " bytes over NFS but %s is %lld bytes: they are not the same disk", url_text,
            nst.nfs_size, path, (long long)st.st_size);

    // Random 4 KiB blocks, plus 1 MiB reads at the start, the end and at random, unaligned places.
    uint64_t size = nst.nfs_size, state = o->seed, checked = 0;
    uint64_t count = o->count != 0 ? o->count : 2000;
    unsigned char *a = xcalloc(1, 1u << 20), *b = xcalloc(1, 1u << 20);
    for (uint64_t i = 0; i < count + 8; i++) {
        uint64_t len = i < count ? 4096 : 1u << 20;
        if (len > size)
            len = size;
        uint64_t off = i < count ? random_below(&state, size / 4096 ? size / 4096 : 1) * 4096
                       : i == count ? 0
                       : i == count + 1 ? size - len
                                        : random_below(&state, size - len + 1);
        if (off + len > size)
            len = size - off;
        for (uint64_t have = 0; have < len;) {
            int got = nfs_pread(nfs, fh, off + have, len - have, a + have);
            if (got <= 0)
                die("READ of %" PRIu64 " bytes at %" PRIu64 " over NFS returned %d: %s", len - have, off + have, got,
                    got < 0 ? nfs_get_error(nfs) : "no byte before the end of the file");
            have += (uint64_t)got;
        }
        if (pread(fd, b, len, (off_t)off) != (ssize_t)len)
            die("could not read %s at %" PRIu64, path, off);
        if (memcmp(a, b, len) != 0) {
            uint64_t k = 0;
            while (a[k] == b[k])
                k++;
            die("byte %" PRIu64 " differs between %s and %s: the server returns wrong data", off + k, url_text, path);
        }
        checked += len;
    }
    printf("{\"check\":\"ok\",\"where\":");
    print_json_string(url_text);
    printf(",\"bytes_compared\":%" PRIu64 "}\n", checked);
    free(a);
    free(b);
    nfs_close(nfs, fh);
    nfs_umount(nfs);
    nfs_destroy_url(url);
    nfs_destroy_context(nfs);
    close(fd);
    return 0;
}

/* ---------------------------------------------------------------- dropcache */

static uint64_t drop_files, drop_bytes, drop_resident;

static uint64_t resident_bytes(int fd, uint64_t size)
{
    if (size == 0)
        return 0;
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t pages = (size + (uint64_t)page - 1) / (uint64_t)page, resident = 0;
    unsigned char *vec = malloc(pages);
    if (vec != NULL && mincore(map, size, vec) == 0)
        for (uint64_t i = 0; i < pages; i++)
            resident += vec[i] & 1;
    free(vec);
    munmap(map, size);
    return resident * (uint64_t)page;
}

static int drop_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("could not open %s: %s", path, strerror(errno));
    // Dirty pages are not dropped: write them out first.
    if (fdatasync(fd) != 0)
        die("fdatasync of %s failed: %s", path, strerror(errno));
    int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (rc != 0)
        die("posix_fadvise(DONTNEED) of %s failed: %s", path, strerror(rc));
    drop_files++;
    drop_bytes += (uint64_t)st->st_size;
    drop_resident += resident_bytes(fd, (uint64_t)st->st_size);
    close(fd);
    return 0;
}

static int run_dropcache(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (nftw(argv[i], drop_one, 32, FTW_PHYS) != 0)
            die("could not walk %s: %s", argv[i], strerror(errno));
    printf("{\"dropcache\":\"ok\",\"files\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"still_resident_bytes\":%" PRIu64 "}\n",
           drop_files, drop_bytes, drop_resident);
    return 0;
}

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
    fputs("usage: nfsbench nfs URL [options] | local FILE [options] | check URL FILE [options] | dropcache PATH...\n"
          "options: --test randread|seqread|randwrite --depth D --count N --seconds S --bs BYTES --seed S\n"
          "         --passes 1|2 --timeout S --label TEXT\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    struct options o;
    if (strcmp(argv[1], "dropcache") == 0)
        return run_dropcache(argc, argv);
    if (strcmp(argv[1], "check") == 0) {
        if (argc < 4)
            usage();
        parse_options(argc, argv, 4, &o);
        return run_check(argv[2], argv[3], &o);
    }
    parse_options(argc, argv, 3, &o);
    if (strcmp(argv[1], "nfs") == 0)
        return run_nfs(argv[2], &o);
    if (strcmp(argv[1], "local") == 0)
        return run_local(argv[2], &o);
    usage();
}
