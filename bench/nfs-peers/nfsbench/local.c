// The local runner: pread/pwrite of a file from D threads.
#include "nfsbench.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int run_local(const char *path, const struct options *o)
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
