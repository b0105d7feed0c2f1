/* Live migration of the passthrough filesystem: what the guest relies on
 * (every nodeid it knows, with its lookup count, and every fh it holds)
 * is written by the source and opened again by the destination before the
 * guest resumes, so the guest's nodeids and fhs keep their meaning.
 *
 * Each inode travels as a path relative to the share (--migration-mode=
 * find-paths, the default: the source reads it from /proc/self/fd, so a
 * rename made on the host before the switch-over is followed) and/or as a
 * file handle (file-handles: only for a destination on the same
 * filesystems, e.g. the same host, itself in file-handles mode; mounts are
 * named by a path of one of their directories, since mount ids differ
 * between the two daemons).  A
 * file handle travels as the nodeid it was opened on and its open flags;
 * reads and writes carry their offsets, so no file position travels; a
 * directory stream restarts and seeks to the cookie of the guest's next
 * READDIR.  POSIX locks do not travel.
 *
 * An inode that cannot be named (deleted on the host, moved out of the
 * share) or found again fails the migration (--migration-on-error=abort,
 * default) or only that inode: its requests answer ESTALE and its handles
 * EBADF (guest-error).
 *
 * Stream: "VFSDFS01", u32 version, u64 next nodeid, u32 mount count, per
 * mount {u64 source mount id, blob path}, u32 inode count, per inode {u64
 * nodeid, u64 nlookup, u64 parent nodeid, u32 mode, u64 ino, u64 mnt_id,
 * u8 flags, blob name, blob path, u32 handle type, blob handle}, u32 handle
 * count, per handle {u64 fh, u32 kind, u64 nodeid, u32 open flags}, then a
 * checksum of it all.  Everything read is checked: this comes from the VMM. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_handle.h"
#include "log/log.h"
#include "state_io.h"
#include "submounts.h"

#define FS_STATE_MAGIC "VFSDFS01"
#define FS_STATE_VERSION 1
#define REC_LOST 0x1u          /* the source could not name it */
#define REC_HAS_PATH 0x2u
#define REC_VERIFY 0x4u        /* the handle is to check the path's inode, not to open */
#define MAX_RECORDS (16u << 20)
#define MAX_MOUNTS 4096u
/* Nodeids are handed out one by one from FS_ROOT_ID + 1, so no source comes
 * near this; a stream above it would make the destination's next nodeids
 * wrap to 0 and then to FS_ROOT_ID (a second record shadowing the root). */
#define MAX_NODEID (UINT64_MAX >> 1)
/* Open flags a migrated file handle may carry (what F_GETFL reports of a
 * handle this daemon opened). */
#define MIGRATED_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | \
			     O_DIRECT | O_LARGEFILE | O_NOATIME | O_DIRECTORY)

/* ---- naming an inode on the source ---- */

/* The canonical path of what fd names, through /proc/self/fd. */
static int fd_path(struct pt *pt, int fd, char *buf, size_t len)
{
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(fd, name);
	ssize_t n = readlinkat(pt->proc_fd, name, buf, len - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= len - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/* Open path (relative to the share, '/'-separated) one component at a
 * time with O_PATH | O_NOFOLLOW: never "..", never a symlink followed, so
 * nothing outside the share is reached whatever the path says. */
static int open_below_root(int root_fd, const char *path, size_t len)
{
	if (len == 0) {
		int d = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
		return d < 0 ? -errno : d;
	}
	if (path[0] == '/' || path[len - 1] == '/' || memchr(path, '\0', len))
		return -EINVAL;
	int dir = root_fd;
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && path[end] != '/')
			end++;
		size_t clen = end - pos;
		char comp[NAME_MAX + 1];
		int fd = -EINVAL;
		if (clen > 0 && clen <= NAME_MAX) {
			memcpy(comp, path + pos, clen);
			comp[clen] = '\0';
			if (strcmp(comp, ".") && strcmp(comp, "..")) {
				fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					fd = -errno;
			}
		}
		if (dir != root_fd)
			close(dir);
		if (fd < 0)
			return fd;
		dir = fd;
		pos = end + 1;
	}
	return dir;
}

/* abs relative to root (both canonical), or NULL when not below it. */
static const char *below(const char *root, const char *abs)
{
	size_t rl = strlen(root);
	if (!strcmp(root, "/"))
		return abs + 1;
	if (!strncmp(abs, root, rl) && (abs[rl] == '/' || abs[rl] == '\0'))
		return abs + rl + (abs[rl] == '/');
	return NULL;
}

static bool same_key(int fd, const struct inode_key *k)
{
	struct stat st;
	uint64_t mnt_id;
	return stat_fd(fd, &st, &mnt_id) == 0 && st.st_ino == k->ino && st.st_dev == k->dev &&
	       mnt_id == k->mnt_id;
}

/* i's path relative to the share into rel (may be empty: the root).  root
 * is the share's own canonical path. */
static int path_of(struct pt *pt, struct inode *i, const char *root, int root_fd, char *rel,
		   size_t len)
{
	int fd = inode_get_fd(&pt->inodes, i);
	if (fd < 0)
		return fd;
	char abs[PATH_MAX];
	int r = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		r = fd_path(pt, fd, abs, sizeof(abs));
		if (r < 0)
			break;
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_nlink == 0 && !S_ISDIR(st.st_mode)) {
			r = -ENOENT; /* deleted on the host: no path reaches it */
			break;
		}
		const char *p = below(root, abs);
		if (!p) {
			r = -EXDEV; /* moved out of the share */
			break;
		}
		if (strlen(p) >= len) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(rel, p);
		if (!pt->opt.migration_confirm_paths)
			break;
		/* A rename racing with us: the path must lead to the inode. */
		int check = open_below_root(root_fd, rel, strlen(rel));
		bool ok = check >= 0 && same_key(check, &i->key);
		if (check >= 0)
			close(check);
		r = ok ? 0 : -ESTALE;
		if (ok)
			break;
	}
	inode_put_fd(&pt->inodes, i, fd);
	return r;
}

/* ---- save ---- */

struct save_ctx {
	struct pt *pt;
	struct state_out out;
	char root[PATH_MAX];
	int root_fd;
	bool want_paths;
	unsigned lost;
};

static void put_record(struct save_ctx *c, struct inode *i)
{
	struct pt *pt = c->pt;
	uint64_t nlookup, parent_id;
	char *name;
	inode_table_describe(&pt->inodes, i, &nlookup, &parent_id, &name);

	char rel[PATH_MAX];
	uint32_t flags = 0;
	/* Paths always (a handle needs its mount found by path, and a path
	 * still works where the destination cannot open handles); handles
	 * in file-handles mode. */
	bool have_handle = i->fh_len > 0 && (!c->want_paths || pt->opt.migration_verify_handles);
	if (have_handle && c->want_paths)
		flags |= REC_VERIFY;
	int r = path_of(pt, i, c->root, c->root_fd, rel, sizeof(rel));
	if (r == 0)
		flags |= REC_HAS_PATH;
	if (r < 0 && (!have_handle || (flags & REC_VERIFY))) {
		flags = REC_LOST;
		c->lost++;
		log_warn("migration: inode %llu (nodeid %llu) cannot be named: %s",
			 (unsigned long long)i->key.ino, (unsigned long long)i->nodeid,
			 strerror(-r));
	}
	so_u64(&c->out, i->nodeid);
	so_u64(&c->out, nlookup);
	so_u64(&c->out, parent_id);
	so_u32(&c->out, i->type);
	so_u64(&c->out, i->key.ino);
	so_u64(&c->out, i->key.mnt_id);
	so_u8(&c->out, (uint8_t)flags);
	so_blob(&c->out, name, name ? (uint32_t)strlen(name) : 0);
	so_blob(&c->out, rel, (flags & REC_HAS_PATH) ? (uint32_t)strlen(rel) : 0);
	so_u32(&c->out, have_handle ? (uint32_t)i->fh_type : 0);
	so_blob(&c->out, i->fh, have_handle ? i->fh_len : 0);
	free(name);
}

/* One directory per mount that records use, so that the destination can
 * open their file handles (file-handles mode). */
static int put_mounts(struct save_ctx *c)
{
	size_t n = 0;
	struct inode **m = NULL;
	if (!c->want_paths) {
		m = inode_table_one_per_mount(&c->pt->inodes, &n);
		if (!m)
			return -ENOMEM;
	}
	size_t at = c->out.len;
	so_u32(&c->out, 0);
	uint32_t count = 0;
	for (size_t k = 0; k < n; k++) {
		char rel[PATH_MAX];
		if (path_of(c->pt, m[k], c->root, c->root_fd, rel, sizeof(rel)) == 0 &&
		    S_ISDIR(m[k]->type)) {
			so_u64(&c->out, m[k]->key.mnt_id);
			so_blob(&c->out, rel, (uint32_t)strlen(rel));
			count++;
		}
		inode_table_put(&c->pt->inodes, m[k]);
	}
	free(m);
	if (!c->out.failed)
		for (int b = 0; b < 4; b++)
			c->out.buf[at + b] = (unsigned char)(count >> (8 * b));
	return 0;
}

static int put_handles(struct save_ctx *c)
{
	struct pt *pt = c->pt;
	struct handle_ref *hs;
	size_t n = handle_table_snapshot(&pt->handles, &hs);
	if (!hs)
		return -ENOMEM;
	int r = 0;
	/* Lock owners' descriptions stay behind: POSIX locks do not migrate. */
	size_t saved = 0;
	for (size_t k = 0; k < n; k++)
		saved += hs[k].h->kind != HANDLE_LOCK;
	so_u32(&c->out, (uint32_t)saved);
	for (size_t k = 0; k < n; k++) {
		struct handle *h = hs[k].h;
		if (h->kind == HANDLE_LOCK) {
			handle_put(&pt->handles, h);
			continue;
		}
		struct stat st;
		uint64_t mnt_id = 0;
		uint64_t nodeid = 0;
		int fl = h->fd >= 0 ? fcntl(h->fd, F_GETFL) : -1;
		if (fl >= 0 && stat_fd(h->fd, &st, &mnt_id) == 0) {
			struct inode_key key = { st.st_ino, st.st_dev, mnt_id };
			nodeid = inode_table_nodeid_of(&pt->inodes, &key);
		}
		if (!nodeid) {
			/* An fh whose inode the table does not know, or one an
			 * earlier migration already lost. */
			log_warn("migration: fh %#llx cannot be found again",
				 (unsigned long long)hs[k].fh);
			c->lost++;
			fl = 0;
		}
		so_u64(&c->out, hs[k].fh);
		so_u32(&c->out, h->kind);
		so_u64(&c->out, nodeid);
		so_u32(&c->out, (uint32_t)fl & MIGRATED_OPEN_FLAGS);
		handle_put(&pt->handles, h);
	}
	free(hs);
	return r;
}

int pt_save_state(void *fs, int fd)
{
	struct pt *pt = fs;
	struct save_ctx c = { .pt = pt, .want_paths =
				pt->opt.migration_mode == MIGRATE_FIND_PATHS };
	so_init(&c.out);
	struct inode *root = inode_table_get(&pt->inodes, FS_ROOT_ID);
	c.root_fd = root ? inode_get_fd(&pt->inodes, root) : -EBADF;
	int r = c.root_fd < 0 ? c.root_fd : fd_path(pt, c.root_fd, c.root, sizeof(c.root));

	size_t n = 0;
	struct inode **all = r == 0 ? inode_table_snapshot(&pt->inodes, &n) : NULL;
	if (r == 0 && !all)
		r = -ENOMEM;
	if (r == 0) {
		so_bytes(&c.out, FS_STATE_MAGIC, 8);
		so_u32(&c.out, FS_STATE_VERSION);
		so_u64(&c.out, pt->inodes.next_nodeid);
		r = put_mounts(&c);
	}
	if (r == 0) {
		so_u32(&c.out, (uint32_t)n);
		for (size_t k = 0; k < n; k++)
			put_record(&c, all[k]);
		r = put_handles(&c);
	}
	for (size_t k = 0; k < n; k++)
		inode_table_put(&pt->inodes, all[k]);
	free(all);
	if (root) {
		if (c.root_fd >= 0)
			inode_put_fd(&pt->inodes, root, c.root_fd);
		inode_table_put(&pt->inodes, root);
	}
	if (r == 0 && c.lost && pt->opt.migration_source_abort) {
		log_error("migration: %u inodes or handles cannot be found again: refusing to "
			  "migrate (--migration-on-error=abort)", c.lost);
		r = -ESTALE;
	} else if (r == 0 && c.lost) {
		log_warn("migration: %u inodes or handles cannot be found again: sent as lost "
			 "(the destination's --migration-on-error decides)", c.lost);
	}
	if (r == 0) {
		so_checksum(&c.out, 0);
		r = so_flush(&c.out, fd);
	}
	if (r == 0)
		log_info("migration: sent %zu inodes, %u lost, %zu bytes", n, c.lost, c.out.len);
	so_free(&c.out);
	return r;
}

/* ---- load ---- */

struct loaded_inode {
	uint64_t nodeid, nlookup, parent;
	uint32_t mode;
	uint64_t ino, mnt_id;
	uint8_t flags;
	const unsigned char *name, *path, *fh;
	uint32_t name_len, path_len, fh_len, fh_type;
};

struct load_ctx {
	struct pt *pt;
	int root_fd;
	char root[PATH_MAX];         /* the share's canonical path */
	struct mount_fds mounts;     /* keyed by the source's mount ids */
	unsigned lost;
};

static int read_mounts(struct load_ctx *c, struct state_in *in)
{
	uint32_t n = si_u32(in);
	if (n > MAX_MOUNTS)
		return -EINVAL;
	for (uint32_t k = 0; k < n && !in->bad; k++) {
		uint64_t id = si_u64(in);
		uint32_t len;
		const unsigned char *p = si_blob(in, PATH_MAX - 1, &len);
		if (!p || id == 0)
			return -EINVAL;
		int fd = open_below_root(c->root_fd, (const char *)p, len);
		if (fd < 0) {
			log_warn("migration: a mount of the source is not at '%.*s' here: %s",
				 (int)len, p, strerror(-fd));
			continue;
		}
		mount_fds_add(&c->mounts, id, fd);
		close(fd);
	}
	return in->bad ? -EINVAL : 0;
}

static bool read_inode(struct state_in *in, struct loaded_inode *r)
{
	r->nodeid = si_u64(in);
	r->nlookup = si_u64(in);
	r->parent = si_u64(in);
	r->mode = si_u32(in);
	r->ino = si_u64(in);
	r->mnt_id = si_u64(in);
	r->flags = si_u8(in);
	r->name = si_blob(in, NAME_MAX, &r->name_len);
	r->path = si_blob(in, PATH_MAX - 1, &r->path_len);
	r->fh_type = si_u32(in);
	r->fh = si_blob(in, FH_MAX_BYTES, &r->fh_len);
	if (in->bad)
		return false;
	mode_t t = r->mode & S_IFMT;
	return (r->mode & ~(uint32_t)S_IFMT) == 0 &&
	       (S_ISREG(t) || S_ISDIR(t) || S_ISLNK(t) || S_ISCHR(t) || S_ISBLK(t) ||
		S_ISFIFO(t) || S_ISSOCK(t)) &&
	       (r->flags & ~(REC_LOST | REC_HAS_PATH | REC_VERIFY)) == 0 && r->nodeid != 0 &&
	       r->nodeid <= MAX_NODEID &&
	       /* one component: it is opened in the parent's fd */
	       !memchr(r->name, '\0', r->name_len) && !memchr(r->name, '/', r->name_len);
}

/* Whether the inode fd names lies below the share.  A handle from the
 * stream opens any inode of the filesystem; what is found elsewhere is not
 * the guest's.  The /proc path alone cannot tell: where the share is the
 * daemon's root (the namespace and chroot sandboxes) an inode outside it
 * reads as its path from the filesystem's root, which looks like one below
 * "/".  So its path must lead, beneath the share, to this very inode.  A
 * file deleted on the host has no path left: only where the daemon sees
 * the host's own paths (no sandbox root) can the path it had, under the
 * share's, vouch for it. */
static bool below_share(struct load_ctx *c, int fd)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	char abs[PATH_MAX];
	struct stat st, found;
	if (fd_path(c->pt, fd, abs, sizeof(abs)) < 0 || fstat(fd, &st) < 0)
		return false;
	if (st.st_nlink == 0) {
		size_t n = strlen(abs);
		if (!strcmp(c->root, "/") || n < dl || strcmp(abs + n - dl, deleted))
			return false;
		abs[n - dl] = '\0';
		return below(c->root, abs) != NULL;
	}
	const char *rel = below(c->root, abs);
	if (!rel)
		return false;
	int check = open_below_root(c->root_fd, rel, strlen(rel));
	if (check < 0)
		return false;
	bool same = fstat(check, &found) == 0 && found.st_dev == st.st_dev &&
		    found.st_ino == st.st_ino;
	close(check);
	return same;
}

/* Open the inode a record names: by handle, then by path. */
static int open_record(struct load_ctx *c, const struct loaded_inode *r)
{
	int fd = -ENOENT;
	if (r->flags & REC_LOST)
		return -ENOENT;
	/* Only where this daemon was told to (file-handles): a handle from the
	 * stream opens any inode of the filesystem, outside the share too. */
	if (r->fh_len && !(r->flags & REC_VERIFY) &&
	    c->pt->opt.migration_mode == MIGRATE_FILE_HANDLES) {
		struct fh h = { .type = (int)r->fh_type, .len = (uint16_t)r->fh_len };
		memcpy(h.bytes, r->fh, r->fh_len);
		fd = fh_open(&c->mounts, r->mnt_id, &h, O_PATH);
		if (fd >= 0 && !below_share(c, fd)) {
			close(fd);
			fd = -EXDEV;
		}
	}
	if (fd < 0 && (r->flags & REC_HAS_PATH))
		fd = open_below_root(c->root_fd, (const char *)r->path, r->path_len);
	if (fd < 0)
		return fd;
	struct stat st;
	uint64_t mnt_id;
	int e = stat_fd(fd, &st, &mnt_id);
	if (e == 0 && (st.st_mode & S_IFMT) != (r->mode & S_IFMT))
		e = -ESTALE;
	if (e == 0 && (r->flags & REC_VERIFY)) {
		struct fh h;
		uint64_t hm;
		if (st.st_ino != r->ino)
			e = -ESTALE;
		else if (r->fh_len && fh_of_fd(fd, &h, &hm) == 0 &&
			 (h.len != r->fh_len || (uint32_t)h.type != r->fh_type ||
			  memcmp(h.bytes, r->fh, h.len)))
			e = -ESTALE;
	}
	if (e < 0) {
		close(fd);
		return e;
	}
	return fd;
}

static int load_inodes(struct load_ctx *c, struct state_in *in)
{
	struct pt *pt = c->pt;
	uint32_t n = si_u32(in);
	if (in->bad || n > MAX_RECORDS || n > (in->len - in->pos) / 40)
		return -EINVAL;
	struct loaded_inode *recs = calloc(n ? n : 1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	int r = 0;
	for (uint32_t k = 0; k < n && r == 0; k++)
		if (!read_inode(in, &recs[k]))
			r = -EINVAL;
	for (uint32_t k = 0; k < n && r == 0; k++) {
		struct loaded_inode *x = &recs[k];
		if (x->nodeid == FS_ROOT_ID) {
			if (!S_ISDIR(x->mode))
				r = -EINVAL;
			continue;
		}
		int fd = open_record(c, x);
		struct inode_key key;
		if (fd >= 0) {
			struct stat st;
			uint64_t mnt_id = 0;
			stat_fd(fd, &st, &mnt_id);
			key = (struct inode_key){ st.st_ino, st.st_dev, mnt_id };
		} else {
			c->lost++;
			log_warn("migration: nodeid %llu ('%.*s') not found again: %s",
				 (unsigned long long)x->nodeid, (int)x->path_len, x->path,
				 strerror(-fd));
			if (!pt->opt.migration_guest_error) {
				r = fd;
				break;
			}
			/* A key no real inode has: its requests answer ESTALE. */
			key = (struct inode_key){ x->ino, UINT64_MAX, x->nodeid };
			fd = -1;
		}
		r = inode_table_restore(&pt->inodes, x->nodeid, &key, x->mode, fd, x->nlookup);
		if (r < 0) {
			if (fd >= 0)
				close(fd);
			log_error("migration: nodeid %llu cannot be restored: %s",
				  (unsigned long long)x->nodeid, strerror(-r));
		}
	}
	/* Where each was found, to find it again after its fd is evicted. */
	for (uint32_t k = 0; k < n && r == 0; k++) {
		struct loaded_inode *x = &recs[k];
		if (!x->parent || !x->name_len)
			continue;
		char name[NAME_MAX + 1];
		memcpy(name, x->name, x->name_len);
		name[x->name_len] = '\0';
		inode_table_restore_link(&pt->inodes, x->nodeid, x->parent, name);
	}
	free(recs);
	return r;
}

static int load_handles(struct load_ctx *c, struct state_in *in)
{
	struct pt *pt = c->pt;
	uint32_t n = si_u32(in);
	if (in->bad || n > (in->len - in->pos) / 24)
		return -EINVAL;
	int r = 0;
	for (uint32_t k = 0; k < n && r == 0; k++) {
		uint64_t fh = si_u64(in);
		uint32_t kind = si_u32(in);
		uint64_t nodeid = si_u64(in);
		uint32_t flags = si_u32(in);
		if (in->bad || (kind != HANDLE_FILE && kind != HANDLE_DIR) ||
		    (flags & ~(uint32_t)MIGRATED_OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE) {
			r = -EINVAL;
			break;
		}
		struct pt_node node = { NULL, -1 };
		int fd = nodeid ? pt_node_get(pt, nodeid, &node) : -ESTALE;
		if (fd == 0) {
			int want = kind == HANDLE_DIR ? O_RDONLY | O_DIRECTORY : (int)flags;
			if (kind == HANDLE_FILE && !S_ISREG(node.i->type))
				fd = -EINVAL;
			else if (kind == HANDLE_DIR && !S_ISDIR(node.i->type))
				fd = -EINVAL;
			/* --readonly opens nothing for writing, whatever the
			 * stream says the source had open. */
			else if (pt->opt.read_only && (want & O_ACCMODE) != O_RDONLY)
				fd = -EROFS;
			else
				fd = inode_open(pt->proc_fd, node.i, want);
		}
		if (fd < 0) {
			c->lost++;
			log_warn("migration: fh %#llx on nodeid %llu not opened again: %s",
				 (unsigned long long)fh, (unsigned long long)nodeid, strerror(-fd));
			if (!pt->opt.migration_guest_error) {
				pt_node_put(pt, &node);
				r = fd;
				break;
			}
			fd = -1; /* kept so the guest's fh answers EBADF, not another file */
		}
		if (kind == HANDLE_DIR && node.i)
			r = pt_dir_handle_restore(pt, fh, node.i, fd);
		else
			r = handle_restore(&pt->handles, fh, kind, fd, NULL, NULL);
		if (r < 0 && fd >= 0)
			close(fd);
		pt_node_put(pt, &node);
	}
	/* Also after a failure: the free list must match the slots before
	 * the handles are dropped. */
	handle_restore_done(&pt->handles);
	return r;
}

int pt_load_state(void *fs, int fd)
{
	struct pt *pt = fs;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = si_slurp(fd, &buf, &len);
	if (r < 0)
		return r;
	struct state_in in;
	si_init(&in, buf, len);
	/* The checksum covers everything before it: check it first, so that
	 * a damaged stream changes nothing. */
	if (len < 8) {
		r = -EINVAL;
	} else {
		struct state_in tail;
		si_init(&tail, buf, len);
		tail.pos = len - 8;
		if (!si_checksum(&tail, 0))
			r = -EINVAL;
		in.len = len - 8;
	}
	char magic[8];
	if (r == 0 && (!si_bytes(&in, magic, 8) || memcmp(magic, FS_STATE_MAGIC, 8) ||
		       si_u32(&in) != FS_STATE_VERSION))
		r = -EINVAL;
	uint64_t next = si_u64(&in);
	if (r == 0 && next > MAX_NODEID + 1)
		r = -EINVAL;

	struct load_ctx c = { .pt = pt, .root_fd = -1 };
	mount_fds_init(&c.mounts);
	struct inode *root = NULL;
	if (r == 0) {
		root = inode_table_get(&pt->inodes, FS_ROOT_ID);
		c.root_fd = root ? inode_get_fd(&pt->inodes, root) : -EBADF;
		r = c.root_fd < 0 ? c.root_fd : fd_path(pt, c.root_fd, c.root, sizeof(c.root));
	}
	if (r == 0)
		r = read_mounts(&c, &in);
	if (r == 0)
		r = load_inodes(&c, &in);
	if (r == 0)
		r = load_handles(&c, &in);
	if (r == 0 && (in.bad || in.pos != in.len))
		r = -EINVAL;
	if (r == 0 && next > FS_ROOT_ID)
		inode_table_restore_next_id(&pt->inodes, next);
	if (root) {
		if (c.root_fd >= 0)
			inode_put_fd(&pt->inodes, root, c.root_fd);
		inode_table_put(&pt->inodes, root);
	}
	mount_fds_fini(&c.mounts);
	if (r < 0) {
		log_error("migration: the state cannot be taken over: %s%s", strerror(-r),
			  r == -EINVAL ? " (malformed or damaged stream)" : "");
		pt_destroy(pt);
	} else {
		inode_table_sweep(&pt->inodes);
		log_info("migration: took over %zu inodes and %zu handles (%u lost)",
			 inode_table_count(&pt->inodes), handle_count(&pt->handles), c.lost);
	}
	free(buf);
	return r;
}
