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
#include "nfsbench.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nfsbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL)
        die("out of memory allocating %zu x %zu bytes; lower --count", n, size);
    return p;
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
