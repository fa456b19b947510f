// dropcache: evict files (folders: recursively) from the page cache, and say how much of them stayed resident.
#include "nfsbench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

int run_dropcache(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (nftw(argv[i], drop_one, 32, FTW_PHYS) != 0)
            die("could not walk %s: %s", argv[i], strerror(errno));
    printf("{\"dropcache\":\"ok\",\"files\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"still_resident_bytes\":%" PRIu64 "}\n",
           drop_files, drop_bytes, drop_resident);
    return 0;
}
