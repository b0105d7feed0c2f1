/* OPENDIR, READDIR(PLUS), RELEASEDIR, FSYNCDIR.
 *
 * A directory handle owns an fd opened on the directory and a getdents64
 * buffer.  The offset the guest sends is a d_off cookie from an earlier
 * reply (0 = start); when it is not where the stream stands, the stream
 * seeks there.  A per-handle mutex serialises two readers of one handle. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "creds.h"

#define DIRBUF_SIZE (32 * 1024)

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct dir_stream {
	pthread_mutex_t lock;
	struct pt *pt;
	struct inode *dir;  /* ref held: the directory, for READDIRPLUS lookups */
	uint64_t next_off;  /* cookie of the entry at buf[pos] */
	char *buf;
	size_t len, pos;
};

static void dir_stream_free(void *p)
{
	struct dir_stream *ds = p;
	inode_table_put(&ds->pt->inodes, ds->dir);
	pthread_mutex_destroy(&ds->lock);
	free(ds->buf);
	free(ds);
}

int pt_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	if (!S_ISDIR(n.i->type)) {
		pt_node_put(pt, &n);
		return -ENOTDIR;
	}
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r == 0) {
		r = inode_open(pt->proc_fd, n.i, O_RDONLY | O_DIRECTORY);
		creds_leave(&cs);
	}
	struct dir_stream *ds = r >= 0 ? calloc(1, sizeof(*ds)) : NULL;
	if (r >= 0 && !ds) {
		close(r);
		r = -ENOMEM;
	}
	if (r < 0) {
		pt_node_put(pt, &n);
		return r;
	}
	int fd = r;
	pthread_mutex_init(&ds->lock, NULL);
	ds->pt = pt;
	ds->dir = n.i; /* the node's ref moves to the stream */
	inode_put_fd(&pt->inodes, n.i, n.fd);
	r = handle_new(&pt->handles, HANDLE_DIR, fd, ds, dir_stream_free, &o->fh);
	if (r < 0) {
		dir_stream_free(ds);
		close(fd);
		return r;
	}
	o->open_flags = pt_fopen_flags(pt, -1);
	return 0;
}

int pt_dir_handle_restore(struct pt *pt, uint64_t fh, struct inode *dir, int fd)
{
	struct dir_stream *ds = calloc(1, sizeof(*ds));
	if (!ds)
		return -ENOMEM;
	pthread_mutex_init(&ds->lock, NULL);
	ds->pt = pt;
	ds->dir = dir;
	inode_table_ref(&pt->inodes, dir);
	/* A fresh stream at offset 0: the guest's next READDIR names the
	 * cookie it stopped at, and the stream seeks there. */
	int r = handle_restore(&pt->handles, fh, HANDLE_DIR, fd, ds, dir_stream_free);
	if (r < 0)
		dir_stream_free(ds);
	return r;
}

/* Fill the buffer if it is used up: >0 bytes, 0 at the end, or -errno. */
static ssize_t refill(struct dir_stream *ds, int fd)
{
	if (ds->pos < ds->len)
		return (ssize_t)(ds->len - ds->pos);
	if (!ds->buf) {
		ds->buf = malloc(DIRBUF_SIZE);
		if (!ds->buf)
			return -ENOMEM;
	}
	long n = syscall(SYS_getdents64, fd, ds->buf, DIRBUF_SIZE);
	if (n < 0)
		return -errno;
	ds->len = (size_t)n;
	ds->pos = 0;
	return n;
}

/* Emit one entry; 1 when the sink is full (nothing consumed). */
static int emit(struct pt *pt, struct dir_stream *ds, const struct linux_dirent64 *d,
		size_t namelen, bool plus, struct fs_dir_sink *sink)
{
	struct fs_dirent de = {
		.name = d->d_name, .namelen = namelen, .ino = d->d_ino,
		.off = (uint64_t)d->d_off, .type = d->d_type,
	};
	if (!plus)
		return sink->add(sink, &de, NULL);
	struct fs_entry e;
	struct inode *held = NULL;
	bool dots = !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
	int fd = dots ? -1 : inode_get_fd(&pt->inodes, ds->dir);
	if (fd >= 0) {
		struct pt_node dir = { .i = ds->dir, .fd = fd };
		if (pt_lookup_at(pt, &dir, d->d_name, &e, &held) < 0)
			held = NULL; /* vanished meanwhile: sent without a node */
		inode_put_fd(&pt->inodes, ds->dir, fd);
	}
	if (!held) {
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = d->d_ino;
		e.attr.st_mode = (mode_t)d->d_type << 12;
	}
	int full = sink->add(sink, &de, &e);
	if (held) {
		if (full)
			inode_table_unlookup(&pt->inodes, held);
		inode_table_put(&pt->inodes, held);
	}
	return full;
}

int pt_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t off,
	       bool plus, struct fs_dir_sink *sink)
{
	struct pt *pt = fs;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_DIR);
	if (!h)
		return -EBADF;
	struct dir_stream *ds = h->priv;
	int r = 0;
	unsigned added = 0;
	pthread_mutex_lock(&ds->lock);
	if (off != ds->next_off) {
		if (off > INT64_MAX || lseek(h->fd, (off_t)off, SEEK_SET) < 0) {
			r = off > INT64_MAX ? -EINVAL : -errno;
			goto out;
		}
		ds->len = ds->pos = 0;
		ds->next_off = off;
	}
	for (;;) {
		ssize_t n = refill(ds, h->fd);
		if (n <= 0) {
			if (n < 0 && added == 0)
				r = (int)n;
			break;
		}
		const struct linux_dirent64 *d = (const void *)(ds->buf + ds->pos);
		size_t avail = ds->len - ds->pos, hdr = offsetof(struct linux_dirent64, d_name);
		if (avail < hdr || d->d_reclen <= hdr || d->d_reclen > avail) {
			r = added ? 0 : -EIO; /* a malformed record: the kernel's, never the guest's */
			ds->len = ds->pos = 0;
			break;
		}
		size_t namelen = strnlen(d->d_name, d->d_reclen - hdr);
		if (namelen == d->d_reclen - hdr) {
			r = added ? 0 : -EIO;
			ds->len = ds->pos = 0;
			break;
		}
		if (emit(pt, ds, d, namelen, plus, sink))
			break;
		added++;
		ds->pos += d->d_reclen;
		ds->next_off = (uint64_t)d->d_off;
	}
out:
	pthread_mutex_unlock(&ds->lock);
	handle_put(&pt->handles, h);
	return r;
}

int pt_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh)
{
	struct pt *pt = fs;
	struct handle *h = handle_remove(&pt->handles, fh, HANDLE_DIR);
	if (!h)
		return -EBADF;
	handle_put(&pt->handles, h);
	return 0;
}

int pt_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync)
{
	struct pt *pt = fs;
	struct handle *h = handle_get(&pt->handles, fh, HANDLE_DIR);
	if (!h)
		return -EBADF;
	int r = (datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
	handle_put(&pt->handles, h);
	return r;
}
