// nfswriter: a pipelined NFSv3 writer that must survive its server being killed and restarted.
//
//   nfswriter nfs://HOST/EXPORT/FILE?nfsport=N&mountport=N  [--depth D] [--blocks B] [--bs BYTES]
//             [--commit-every N] [--stall-seconds S] [--seed S] [--reconnect own|libnfs]
//
// Keeps D requests in flight on one connection (libnfs raw async calls): UNSTABLE WRITEs of BS bytes to blocks
// 0..B-1, a COMMIT after every N writes. A COMMIT whose verifier differs from the one a write was answered with
// means the server restarted and may have lost that write: it is written again, as RFC 1813 asks of a client.
//
// When the connection breaks, "--reconnect libnfs" lets libnfs reconnect and re-send what was in flight (same XIDs).
// The default, "own", does what libnfs does but on a new libnfs context: it mounts again, checks that the file has
// the handle it had, and re-sends every request in flight with the same data. libnfs before 5.0.3 (Debian 12 has
// 4.0.0) keeps the half-read reply of the broken connection on reconnect (upstream a38a321, "Reset state on
// reconnect") and then never parses the new connection's replies right, whatever the server does: a server killed
// in the middle of a reply leaves such a client stuck or failing.
//
// Prints "progress N" (requests answered so far) every 100 answers, "stalled ..." and exits 2 when a request has
// waited S seconds (default 20) for its answer, exits 1 on any error. When stdin reaches its end it stops sending
// new writes, drains, commits until the verifier holds still, reads every block back and compares it with what
// it wrote last ("verified N blocks"), and exits 0.
//
// One file on purpose: one state machine whose every function shares its state (the connection, the
// slots, the blocks, the counters) as file-level statics, and a test tool the tests build with one cc command.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// libnfs 4.0 keeps this struct private; nfs_get_fh returns one.
struct nfs_fh {
    int len;
    char *val;
};

#define MAX_DEPTH 256
#define PROGRESS_EVERY 100
// A request that fails this often in a row is refused by the server, not lost with a connection.
#define MAX_RESENDS 8

enum kind { KIND_WRITE, KIND_COMMIT };

// One request in flight.
struct slot {
    bool busy;
    enum kind kind;
    uint32_t block;
    uint32_t generation;
    uint64_t sent_ns;
    // The writes a COMMIT covers: those answered before it was sent.
    uint32_t covered_from;
    uint32_t covered_to;
    char *buffer;
    bool resend;
    unsigned resends; // in a row, without an answer
};

// What the client knows of one block: the generation it wrote last and the verifier that write was answered with.
struct block {
    uint32_t generation;
    bool answered;
    bool committed;
    bool queued;
    // The server may apply two writes of one block in either order: only one is sent at a time.
    bool sending;
    char verifier[NFS3_WRITEVERFSIZE];
};

static struct nfs_context *nfs;
static struct rpc_context *rpc;
static struct nfsfh *file;
static struct nfs_fh3 fh;
static struct slot slots[MAX_DEPTH];
static struct block *blocks;
// The writes in the order they were answered, since the start.
struct answered_write {
    uint32_t block;
    uint32_t generation;
};
static struct answered_write *answered_writes;
static uint32_t covered;
static uint32_t answered_count;
static uint32_t answered_capacity;
static unsigned depth = 16;
static uint32_t block_count = 2048;
static uint32_t block_size = 4096;
static unsigned commit_every = 32;
static double stall_seconds = 20;
static uint64_t seed = 1;
static uint64_t answers;
static uint64_t writes_since_commit;
static uint64_t rewrites;
static uint64_t verifier_changes;
static bool draining;
static const char *url_text;
static bool own_reconnect = true;
static bool broken; // own reconnect: the connection failed, the slots marked resend go out on the next one
static uint64_t reconnects;
static char handle[NFS3_FHSIZE];
static u_int handle_length;
static bool connected_once;
static uint32_t queued_count; // blocks to write again
static uint32_t queued_cursor;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nfswriter: ", stdout);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
    exit(code);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

// The bytes of one block at one generation: every 8 bytes say block, generation and position.
static void fill(char *buffer, uint32_t block, uint32_t generation)
{
    for (uint32_t i = 0; i < block_size / 8; i++) {
        uint64_t word = ((uint64_t)block << 40) ^ ((uint64_t)generation << 16) ^ i ^ seed;
        memcpy(buffer + i * 8, &word, 8);
    }
}

static unsigned in_flight(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < depth; i++)
        n += slots[i].busy;
    return n;
}

static void answered(void)
{
    answers++;
    if (answers % PROGRESS_EVERY == 0) {
        printf("progress %" PRIu64 "\n", answers);
        fflush(stdout);
    }
}

static void write_done(struct rpc_context *r, int status, void *data, void *private_data);
static void commit_done(struct rpc_context *r, int status, void *data, void *private_data);

static void issue_write(struct slot *s);

static void send_write(struct slot *s, uint32_t block)
{
    s->busy = true;
    s->kind = KIND_WRITE;
    s->block = block;
    s->generation = ++blocks[block].generation;
    blocks[block].sending = true;
    blocks[block].answered = false;
    blocks[block].committed = false;
    if (blocks[block].queued) {
        blocks[block].queued = false;
        queued_count--;
    }
    s->sent_ns = now_ns();
    fill(s->buffer, block, s->generation);
    issue_write(s);
}

static void issue_write(struct slot *s)
{
    struct WRITE3args args = { 0 };
    args.file = fh;
    args.offset = (uint64_t)s->block * block_size;
    args.count = block_size;
    args.stable = UNSTABLE;
    args.data.data_len = block_size;
    args.data.data_val = s->buffer;
    if (rpc_nfs3_write_async(rpc, write_done, &args, s) != 0)
        die(1, "could not queue a WRITE: %s", rpc_get_error(rpc));
}

static void issue_commit(struct slot *s);

static void send_commit(struct slot *s)
{
    s->busy = true;
    s->kind = KIND_COMMIT;
    s->sent_ns = now_ns();
    s->covered_from = covered;
    s->covered_to = covered = answered_count;
    writes_since_commit = 0;
    issue_commit(s);
}

static void issue_commit(struct slot *s)
{
    struct COMMIT3args args = { 0 };
    args.file = fh;
    if (rpc_nfs3_commit_async(rpc, commit_done, &args, s) != 0)
        die(1, "could not queue a COMMIT: %s", rpc_get_error(rpc));
}

static void write_done(struct rpc_context *r, int status, void *data, void *private_data)
{
    (void)r;
    struct slot *s = private_data;
    if (status != RPC_STATUS_SUCCESS && own_reconnect && ++s->resends <= MAX_RESENDS) {
        s->resend = true;
        broken = true;
        return;
    }
    s->resends = 0;
    s->busy = false;
    blocks[s->block].sending = false;
    if (status != RPC_STATUS_SUCCESS)
        die(1, "WRITE of block %u failed: rpc status %d %s", s->block, status, status == RPC_STATUS_ERROR ? (char *)data : "");
    WRITE3res *res = data;
    if (res->status != NFS3_OK)
        die(1, "WRITE of block %u failed: nfs status %d", s->block, res->status);
    if (res->WRITE3res_u.resok.count != block_size)
        die(1, "WRITE of block %u wrote %u of %u bytes", s->block, res->WRITE3res_u.resok.count, block_size);
    struct block *b = &blocks[s->block];
    // A later write of the same block may have been sent meanwhile; only the newest one counts.
    if (b->generation == s->generation) {
        b->answered = true;
        b->committed = res->WRITE3res_u.resok.committed != UNSTABLE;
        memcpy(b->verifier, res->WRITE3res_u.resok.verf, NFS3_WRITEVERFSIZE);
        if (answered_count == answered_capacity) {
            answered_capacity = answered_capacity ? answered_capacity * 2 : 4096;
            answered_writes = realloc(answered_writes, answered_capacity * sizeof *answered_writes);
            if (answered_writes == NULL)
                die(1, "out of memory");
        }
        answered_writes[answered_count++] = (struct answered_write){ s->block, s->generation };
    }
    writes_since_commit++;
    answered();
}

static void commit_done(struct rpc_context *r, int status, void *data, void *private_data)
{
    (void)r;
    struct slot *s = private_data;
    if (status != RPC_STATUS_SUCCESS && own_reconnect && ++s->resends <= MAX_RESENDS) {
        s->resend = true;
        broken = true;
        return;
    }
    s->resends = 0;
    s->busy = false;
    if (status != RPC_STATUS_SUCCESS)
        die(1, "COMMIT failed: rpc status %d %s", status, status == RPC_STATUS_ERROR ? (char *)data : "");
    COMMIT3res *res = data;
    if (res->status != NFS3_OK)
        die(1, "COMMIT failed: nfs status %d", res->status);
    const char *verifier = res->COMMIT3res_u.resok.verf;
    bool changed = false;
    // Every write answered before this COMMIT went out is durable now, unless it was answered by another instance.
    for (uint32_t i = s->covered_from; i < s->covered_to; i++) {
        struct answered_write w = answered_writes[i];
        struct block *b = &blocks[w.block];
        // A newer write of the block supersedes this one; the COMMIT may have run before it.
        if (b->generation != w.generation || !b->answered || b->committed || b->queued)
            continue;
        if (memcmp(b->verifier, verifier, NFS3_WRITEVERFSIZE) == 0) {
            b->committed = true;
        } else {
            changed = true;
            b->queued = true;
            queued_count++;
        }
    }
    if (changed)
        verifier_changes++;
    answered();
}

// A block to write again that has no write in flight, or UINT32_MAX.
static uint32_t next_rewrite(void)
{
    for (uint32_t n = 0; n < block_count; n++, queued_cursor = (queued_cursor + 1) % block_count)
        if (blocks[queued_cursor].queued && !blocks[queued_cursor].sending)
            return queued_cursor;
    return UINT32_MAX;
}

static void fill_slots(uint64_t *random_state)
{
    for (unsigned i = 0; i < depth; i++) {
        struct slot *s = &slots[i];
        if (s->busy)
            continue;
        if (queued_count > 0 && next_rewrite() != UINT32_MAX) {
            rewrites++;
            send_write(s, next_rewrite());
        } else if (writes_since_commit >= commit_every) {
            send_commit(s);
        } else if (!draining) {
            uint32_t block;
            do
                block = (uint32_t)(next_random(random_state) % block_count);
            while (blocks[block].sending);
            send_write(s, block);
        } else {
            break;
        }
    }
}

static void check_stall(void)
{
    uint64_t now = now_ns();
    for (unsigned i = 0; i < depth; i++) {
        struct slot *s = &slots[i];
        if (s->busy && now - s->sent_ns > (uint64_t)(stall_seconds * 1e9))
            die(2, "stalled: the %s of block %u sent %.1f s ago was never answered (%u in flight, %" PRIu64 " answers)",
                s->kind == KIND_WRITE ? "WRITE" : "COMMIT", s->kind == KIND_WRITE ? s->block : 0,
                (now - s->sent_ns) / 1e9, in_flight(), answers);
    }
}

// A new libnfs context: mount, open, and the file's handle, which must be the one it had before.
static bool try_connect(void)
{
    struct nfs_context *context = nfs_init_context();
    if (context == NULL)
        die(1, "nfs_init_context failed");
    struct nfs_url *url = nfs_parse_url_full(context, url_text);
    if (url == NULL)
        die(1, "bad URL %s: %s", url_text, nfs_get_error(context));
    nfs_set_autoreconnect(context, own_reconnect ? 0 : -1);
    struct nfsfh *opened;
    if (nfs_mount(context, url->server, url->path) != 0 || nfs_open(context, url->file, O_RDWR, &opened) != 0) {
        if (!connected_once)
            die(1, "mount and open %s: %s", url_text, nfs_get_error(context));
        nfs_destroy_url(url);
        nfs_destroy_context(context);
        return false;
    }
    nfs_destroy_url(url);
    struct nfs_fh *h = nfs_get_fh(opened);
    if (h->len <= 0 || h->len > NFS3_FHSIZE)
        die(1, "the server gave a file handle of %d bytes", h->len);
    if (handle_length != 0 && ((u_int)h->len != handle_length || memcmp(handle, h->val, handle_length) != 0))
        die(1, "after the reconnect the file has another handle: a restarted server must keep its file handles");
    handle_length = (u_int)h->len;
    memcpy(handle, h->val, handle_length);
    fh.data.data_len = handle_length;
    fh.data.data_val = handle;
    nfs = context;
    file = opened;
    connected_once = true;
    rpc = nfs_get_rpc_context(context);
    return true;
}

// Drops the broken context (its requests come back cancelled, marked resend), connects anew and re-sends them.
static void reconnect(void)
{
    broken = true;
    nfs_destroy_context(nfs);
    nfs = NULL;
    while (!try_connect()) {
        check_stall();
        usleep(20 * 1000);
    }
    broken = false;
    reconnects++;
    for (unsigned i = 0; i < depth; i++) {
        struct slot *s = &slots[i];
        if (!s->resend)
            continue;
        s->resend = false;
        if (s->kind == KIND_WRITE)
            issue_write(s);
        else
            issue_commit(s);
    }
}

static void service(int timeout_ms, bool watch_stdin)
{
    struct pollfd fds[2];
    fds[0].fd = rpc_get_fd(rpc);
    fds[0].events = (short)rpc_which_events(rpc);
    fds[0].revents = 0;
    fds[1].fd = 0;
    fds[1].events = POLLIN;
    fds[1].revents = 0;
    int n = poll(fds, watch_stdin ? 2 : 1, timeout_ms);
    if (n < 0 && errno != EINTR)
        die(1, "poll: %s", strerror(errno));
    bool failed = rpc_service(rpc, fds[0].revents) < 0;
    if (failed && !own_reconnect)
        die(1, "the connection failed for good: %s", rpc_get_error(rpc));
    if (failed || broken)
        reconnect();
    if (watch_stdin && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buffer[256];
        if (read(0, buffer, sizeof buffer) <= 0)
            draining = true;
    }
}

static void drain(void)
{
    uint64_t random_state = 0;
    fill_slots(&random_state);
    while (in_flight() > 0 || queued_count > 0) {
        service(100, false);
        check_stall();
        fill_slots(&random_state);
    }
}

static void verify(void)
{
    char *expected = malloc(block_size);
    char *actual = malloc(block_size);
    if (expected == NULL || actual == NULL)
        die(1, "out of memory");
    uint32_t written = 0;
    for (uint32_t b = 0; b < block_count; b++) {
        if (blocks[b].generation == 0)
            continue;
        written++;
        fill(expected, b, blocks[b].generation);
        int n = nfs_pread(nfs, file, (uint64_t)b * block_size, block_size, actual);
        if (n != (int)block_size)
            die(1, "reading block %u back: %s", b, n < 0 ? nfs_get_error(nfs) : "short read");
        if (memcmp(expected, actual, block_size) != 0)
            die(1, "block %u does not hold generation %u, the last one written and committed", b, blocks[b].generation);
    }
    printf("verified %u blocks\n", written);
    free(expected);
    free(actual);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die(1, "usage: nfswriter nfs://HOST/EXPORT/FILE?nfsport=N&mountport=N [--depth D] [--blocks B] [--bs BYTES] "
               "[--commit-every N] [--stall-seconds S] [--seed S]");
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--depth") == 0)
            depth = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--blocks") == 0)
            block_count = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--bs") == 0)
            block_size = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--commit-every") == 0)
            commit_every = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--stall-seconds") == 0)
            stall_seconds = strtod(v, NULL);
        else if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--reconnect") == 0 && (strcmp(v, "own") == 0 || strcmp(v, "libnfs") == 0))
            own_reconnect = strcmp(v, "own") == 0;
        else
            die(1, "unknown option %s", a);
    }
    if (depth < 2 || depth > MAX_DEPTH || block_count < 2 * depth || block_size == 0 || block_size % 8 != 0 || commit_every == 0)
        die(1, "--depth must be 2..%d, --blocks at least twice --depth, --commit-every above 0, --bs a multiple of 8", MAX_DEPTH);

    url_text = argv[1];
    try_connect();

    blocks = calloc(block_count, sizeof *blocks);
    if (blocks == NULL)
        die(1, "out of memory");
    for (unsigned i = 0; i < depth; i++) {
        slots[i].buffer = malloc(block_size);
        if (slots[i].buffer == NULL)
            die(1, "out of memory");
    }
    printf("started depth %u blocks %u bs %u\n", depth, block_count, block_size);
    fflush(stdout);

    uint64_t random_state = seed;
    while (!draining) {
        fill_slots(&random_state);
        service(100, true);
        check_stall();
    }

    // Commit until every block's last write was committed with the verifier it was answered with.
    for (;;) {
        drain();
        bool all = true;
        for (uint32_t b = 0; b < block_count && all; b++)
            all = blocks[b].generation == 0 || blocks[b].committed;
        if (all)
            break;
        writes_since_commit = commit_every;
    }
    printf("answers %" PRIu64 " rewrites %" PRIu64 " verifier changes %" PRIu64 " reconnects %" PRIu64 "\n", answers, rewrites,
           verifier_changes, reconnects);
    verify();
    fflush(stdout);
    return 0;
}
