// The NFS runner: libnfs's async API, D requests in flight on one connection.
#include "nfsbench.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nfsc/libnfs.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int run_nfs(const char *url_text, const struct options *o)
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
