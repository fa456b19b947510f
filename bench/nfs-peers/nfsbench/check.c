// check: the NFS server returns the file's bytes.
#include "nfsbench.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nfsc/libnfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int run_check(const char *url_text, const char *path, const struct options *o)
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
