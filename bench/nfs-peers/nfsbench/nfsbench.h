// nfsbench's parts (see main.c for what it measures and how it is called): the options, a pass's plan, and what
// each file gives the others.
#ifndef NFSBENCH_H
#define NFSBENCH_H
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>

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

// main.c
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xcalloc(size_t n, size_t size);
uint64_t now_ns(void);

// options.c
void parse_options(int argc, char **argv, int first, struct options *o);

// plan.c
uint64_t next_random(uint64_t *state);
uint64_t random_below(uint64_t *state, uint64_t bound);
void make_first_plan(const struct options *o, uint64_t file_size, struct plan *p);
void make_second_plan(const struct options *o, const struct plan *first, struct plan *p);
void free_plan(struct plan *p);
void fill_pattern(unsigned char *buf, size_t len, uint64_t seed);

// report.c
void print_json_string(const char *s);
void report(const struct options *o, const char *target, const char *where, const char *pass, struct plan *p);

// nfs.c, local.c, check.c, dropcache.c: the commands
int run_nfs(const char *url_text, const struct options *o);
int run_local(const char *path, const struct options *o);
int run_check(const char *url_text, const char *path, const struct options *o);
int run_dropcache(int argc, char **argv);

#endif
