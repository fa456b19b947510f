// One JSON line per pass: throughput and latency percentiles.
#include "nfsbench.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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

void print_json_string(const char *s)
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

void report(const struct options *o, const char *target, const char *where, const char *pass,
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
