// The command line's options, checked: every number within its bound before anything is allocated.
#include "nfsbench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

void parse_options(int argc, char **argv, int first, struct options *o)
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
            die("unknown option %s (see the comment at the top of nfsbench/main.c)", a);
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
