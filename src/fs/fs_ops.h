/* The interface between the FUSE protocol server and a filesystem.
 *
 * The server decodes and validates every request, then calls one member of
 * struct fs_ops; the filesystem never sees FUSE bytes and the server never
 * touches host files.  Every member returns 0 on success or a negative errno,
 * which the server sends to the guest unchanged.  Node ids are the ones the
 * filesystem handed out in struct fs_entry; FS_ROOT_ID is the shared root.
 * A member may be NULL: the server then answers ENOSYS.
 */
#ifndef FS_OPS_H
#define FS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <fcntl.h>

#define FS_ROOT_ID 1ULL
#define FS_NO_FH UINT64_MAX /* "no file handle given" in getattr/setattr */

/* Who is asking: the guest process's ids, taken from the request header. */
/* A security label for a new file (FUSE_SECURITY_CTX): an xattr name under
 * "security." (never security.capability) and its value. */
struct fs_secctx {
	const char *name;
	const void *value;
	size_t size;
};

struct fs_ctx {
	uint32_t uid, gid, pid;
	unsigned queue; /* request queue index, for per-queue state */
	/* CREATE, TMPFILE, MKDIR, MKNOD, SYMLINK: the label the new file must
	 * carry, or NULL.  The filesystem sets it or fails the request. */
	const struct fs_secctx *secctx;
	/* OPEN/CREATE only: the guest asks to clear setuid/setgid as the open
	 * truncates (FUSE_OPEN_KILL_SUIDGID, sent under killpriv_v2 when the
	 * caller lacks CAP_FSETID).  false everywhere else. */
	bool kill_suidgid;
};

/* What a guest learns about a directory entry (LOOKUP, CREATE, MKDIR, ...).
 * nodeid 0 with err 0 means "no such entry, and the guest may cache that"
 * for entry_timeout seconds (a negative entry).  Every successful reply with
 * a non-zero nodeid counts as one lookup the guest must FORGET later. */
struct fs_entry {
	uint64_t nodeid;
	uint64_t generation;
	struct stat attr;
	uint32_t attr_flags;   /* FUSE_ATTR_SUBMOUNT when the entry is a submount root */
	double entry_timeout;  /* seconds the guest may trust the name->node binding */
	double attr_timeout;   /* seconds the guest may trust attr */
};

/* An open file or directory: fh is the filesystem's handle, open_flags the
 * FOPEN_* bits (DIRECT_IO, KEEP_CACHE, CACHE_DIR, ...) the guest should apply. */
struct fs_open {
	uint64_t fh;
	uint32_t open_flags;
};

/* SETATTR: valid is a mask of FATTR_* bits from <linux/fuse.h>; only the
 * fields it names are meaningful.  FATTR_ATIME_NOW/MTIME_NOW mean "now". */
struct fs_setattr {
	uint32_t valid;
	uint64_t fh;           /* FS_NO_FH unless FATTR_FH */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec atime, mtime, ctime;
	bool kill_suidgid;     /* FATTR_KILL_SUIDGID: clear setuid/setgid (killpriv_v2) */
};

/* Parameters of the node-creating calls (MKNOD, MKDIR, CREATE, TMPFILE,
 * SYMLINK ignores mode/umask/flags). */
struct fs_create {
	mode_t mode;
	mode_t umask;
	dev_t rdev;       /* MKNOD */
	int flags;        /* CREATE/TMPFILE: open(2) flags, never with O_CREAT semantics skipped */
};

/* READDIR/READDIRPLUS output.  The filesystem calls add() once per entry in
 * directory order.  off is the cookie to resume *after* this entry.  For
 * READDIRPLUS, e is the entry (with nodeid 0 for "." and ".." and for any
 * entry the filesystem declines to look up); else e is NULL.
 * add() returns 0 when the entry was stored, 1 when the reply buffer is full
 * and the entry was NOT stored: the filesystem must then undo the lookup it
 * made for e (so the guest's count stays right) and return 0 from readdir. */
struct fs_dirent {
	const char *name;
	size_t namelen;
	uint64_t ino;
	uint64_t off;
	unsigned type; /* DT_* */
};
struct fs_dir_sink {
	int (*add)(struct fs_dir_sink *s, const struct fs_dirent *d, const struct fs_entry *e);
};

/* What the guest kernel offered and what the server agreed in INIT; the
 * filesystem reads it and may clear capabilities it cannot honour. */
struct fs_conn {
	bool submounts;      /* guest offered FUSE_SUBMOUNTS */
	bool writeback;      /* writeback cache agreed: opens may need O_RDWR, no O_APPEND */
	bool killpriv_v2;    /* guest will send KILL_SUIDGID flags; we clear privs ourselves */
	bool posix_acl;      /* FUSE_POSIX_ACL agreed */
	bool security_ctx;   /* FUSE_SECURITY_CTX agreed */
	bool flock;          /* FUSE_FLOCK_LOCKS agreed */
	bool posix_locks;    /* FUSE_POSIX_LOCKS agreed */
	uint32_t max_write;
};

struct fs_ops {
	/* INIT: a (re)start of the session.  Anything left from an earlier
	 * session was already dropped by destroy(). */
	int (*init)(void *fs, struct fs_conn *conn);
	/* DESTROY, reset, disconnect, or a second INIT: drop every node and
	 * handle except the root, which stays (lookup count reset). */
	void (*destroy)(void *fs);
	/* Live migration, while no request runs: write what the guest relies
	 * on (the nodeids it knows with their lookup counts, its open handles)
	 * to fd / read such a state from fd to its end and take it over,
	 * opening every inode and handle again before the guest resumes.
	 * 0 or -errno; a failed load leaves the filesystem as destroy() does.
	 * May be NULL (no migration). */
	int (*save_state)(void *fs, int fd);
	int (*load_state)(void *fs, int fd);

	/* Name -> entry in directory parent; name is a single component
	 * already checked by the server: not empty, no '/', < NAME_MAX+1.
	 * "." and ".." may arrive and must not escape the shared root. */
	int (*lookup)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      struct fs_entry *e);
	/* The guest dropped nlookup references to nodeid.  No reply. */
	void (*forget)(void *fs, uint64_t nodeid, uint64_t nlookup);

	/* Attributes of nodeid (through fh when it is not FS_NO_FH). */
	int (*getattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		       struct stat *st, double *attr_timeout);
	/* statx(2) of nodeid: flags carries AT_STATX_* sync bits only, mask the
	 * STATX_* fields wanted (btime beyond what getattr gives). */
	int (*statx)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		     unsigned flags, unsigned mask, struct statx *stx, double *attr_timeout);
	int (*setattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fs_setattr *in,
		       struct stat *st, double *attr_timeout);

	/* Symlink target into buf (not NUL-terminated), its length in *len. */
	int (*readlink)(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
			size_t *len);

	int (*mknod)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fs_create *cr, struct fs_entry *e);
	int (*mkdir)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fs_create *cr, struct fs_entry *e);
	int (*symlink)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		       const char *target, struct fs_entry *e);
	int (*link)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		    const char *newname, struct fs_entry *e);
	int (*unlink)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
	int (*rmdir)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
	/* flags: RENAME_NOREPLACE / RENAME_EXCHANGE / RENAME_WHITEOUT or 0 */
	int (*rename)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      uint64_t newparent, const char *newname, unsigned flags);

	/* flags are open(2) flags from the guest; O_CREAT never reaches here. */
	int (*open)(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o);
	int (*create)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      const struct fs_create *cr, struct fs_entry *e, struct fs_open *o);
	/* O_TMPFILE in directory parent. */
	int (*tmpfile)(void *fs, const struct fs_ctx *c, uint64_t parent,
		       const struct fs_create *cr, struct fs_entry *e, struct fs_open *o);

	/* READ straight into the guest's buffers: iov holds at least size bytes.
	 * *done is how many bytes were read (short at EOF). */
	int (*read)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		    size_t size, const struct iovec *iov, int iovcnt, size_t *done);
	/* WRITE straight from the guest's buffers; kill_priv: clear suid/sgid
	 * (FUSE_WRITE_KILL_SUIDGID / KILL_PRIV). */
	int (*write)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		     const struct iovec *iov, int iovcnt, bool kill_priv, size_t *done);
	int (*flush)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh,
		     uint64_t lock_owner);
	/* The handle is gone after this, whatever it returns. */
	int (*release)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int flags,
		       uint64_t lock_owner, bool flock_release);
	int (*fsync)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync);

	int (*opendir)(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o);
	int (*readdir)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t off,
		       bool plus, struct fs_dir_sink *sink);
	int (*releasedir)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh);
	int (*fsyncdir)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync);

	int (*statfs)(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct statvfs *st);

	/* xattrs: size 0 asks for the needed size in *len; ERANGE when size is
	 * too small. flags: XATTR_CREATE/REPLACE. */
	int (*setxattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			const void *value, size_t size, int flags);
	int (*getxattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			void *buf, size_t size, size_t *len);
	int (*listxattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
			 size_t *len);
	int (*removexattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name);

	int (*access)(void *fs, const struct fs_ctx *c, uint64_t nodeid, int mask);

	/* POSIX (fcntl) locks keyed by owner; flock() locks when is_flock. */
	int (*getlk)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
		     struct flock *lk);
	int (*setlk)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
		     const struct flock *lk, bool sleep, bool is_flock);

	int (*fallocate)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int mode,
			 off_t off, off_t len);
	int (*lseek)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
		     int whence, off_t *result);
	int (*copy_file_range)(void *fs, const struct fs_ctx *c, uint64_t nodein, uint64_t fhin,
			       off_t offin, uint64_t nodeout, uint64_t fhout, off_t offout, size_t len,
			       unsigned flags, size_t *done);
	/* Sync every filesystem the guest has reached (all submounts). */
	int (*syncfs)(void *fs, const struct fs_ctx *c, uint64_t nodeid);
};

#endif
