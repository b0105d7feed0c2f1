/* The FUSE protocol server: decode one request from a descriptor chain,
 * validate it, call the filesystem (struct fs_ops), encode the reply into the
 * chain's writable part. */
#ifndef FUSE_SERVER_H
#define FUSE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../fs/fs_ops.h"
#include "../transport/virtqueue.h"

struct fuse_server_options {
	bool writeback;          /* offer FUSE_WRITEBACK_CACHE */
	bool readdirplus;        /* offer FUSE_DO_READDIRPLUS | READDIRPLUS_AUTO */
	bool killpriv_v2;        /* offer FUSE_HANDLE_KILLPRIV_V2 */
	bool posix_acl;          /* offer FUSE_POSIX_ACL */
	bool security_label;     /* offer FUSE_SECURITY_CTX */
	bool announce_submounts; /* accept FUSE_SUBMOUNTS */
	bool allow_mmap;         /* offer FUSE_DIRECT_IO_ALLOW_MMAP */
	bool flock;              /* offer FUSE_FLOCK_LOCKS */
	bool posix_locks;        /* offer FUSE_POSIX_LOCKS */
	uint32_t max_pages;      /* max_write = max_pages * page size; 0: 256 */
};

struct fuse_server;

struct fuse_server *fuse_server_new(const struct fs_ops *ops, void *fs,
				    const struct fuse_server_options *opt);
void fuse_server_free(struct fuse_server *s);
/* Serve one request; returns the bytes written into req->wr. */
uint32_t fuse_server_serve(struct fuse_server *s, unsigned qidx, struct vq_req *req);
/* The device was reset: forget the session (the next request must be INIT). */
void fuse_server_reset(struct fuse_server *s);
/* Live migration: write the session (INIT's agreement) and the
 * filesystem's state to fd / read them from fd and take them over.  Called
 * while no request runs; 0 or -errno (the load leaves the session reset). */
int fuse_server_save_state(struct fuse_server *s, int fd);
int fuse_server_load_state(struct fuse_server *s, int fd);

#endif
