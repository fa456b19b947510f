// What a pass does: which blocks in which order (seeded, the same on every machine), and what a write writes.
#include "nfsbench.h"

#include <stdlib.h>
#include <string.h>

// splitmix64: small, seedable, and the same sequence on every machine.
uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t random_below(uint64_t *state, uint64_t bound)
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

// The cold pass: distinct blocks (a permutation, or the file in order), cut to --count.
void make_first_plan(const struct options *o, uint64_t file_size, struct plan *p)
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
void make_second_plan(const struct options *o, const struct plan *first, struct plan *p)
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

void free_plan(struct plan *p)
{
    free(p->offsets);
    free(p->lengths);
    free(p->latency_ns);
    memset(p, 0, sizeof *p);
}

void fill_pattern(unsigned char *buf, size_t len, uint64_t seed)
{
    uint64_t state = seed;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t r = next_random(&state);
        memcpy(buf + i, &r, 8);
    }
}
