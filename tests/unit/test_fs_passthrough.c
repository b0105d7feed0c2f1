/* The passthrough filesystem on a fresh temporary directory, as root:
 * the entry calls, I/O, directories, attributes, lookup counts,
 * confinement, hostile handles and ids, cache modes.  Credentials and
 * xattrs: test_fs_access.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "fs/readonly.h"

static uint64_t lookup(uint64_t parent, const char *name)
{
	struct fs_entry e;
	EQ(ops->lookup(pt, &root_ctx, parent, name, &e), 0);
	CHECK(e.nodeid != 0);
	return e.nodeid;
}

static uint64_t create(uint64_t parent, const char *name, mode_t mode, uint64_t *fh)
{
	struct fs_create cr = { .mode = S_IFREG | mode, .umask = 022, .flags = O_RDWR };
	struct fs_entry e;
	struct fs_open o;
	EQ(ops->create(pt, &root_ctx, parent, name, &cr, &e, &o), 0);
	CHECK(e.nodeid > FS_ROOT_ID && S_ISREG(e.attr.st_mode));
	*fh = o.fh;
	return e.nodeid;
}

static void test_create_write_read(void)
{
	struct fs_entry e;
	/* A missing name: a negative entry (cache=auto). */
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "nope", &e), 0);
	EQ(e.nodeid, 0);
	CHECK(e.entry_timeout == 1.0);

	uint64_t fh;
	uint64_t f = create(FS_ROOT_ID, "f", 0666, &fh);
	struct stat st;
	double to;
	EQ(ops->getattr(pt, &root_ctx, f, FS_NO_FH, &st, &to), 0);
	EQ(st.st_mode & 07777, 0644); /* umask applied */

	char a[] = "hello", b[] = " wor", cc[] = "ld";
	struct iovec wv[3] = { { a, 5 }, { b, 4 }, { cc, 2 } };
	size_t done;
	EQ(ops->write(pt, &root_ctx, f, fh, 0, wv, 3, false, &done), 0);
	EQ(done, 11);

	char r1[4], r2[100];
	struct iovec rv[2] = { { r1, sizeof(r1) }, { r2, sizeof(r2) } };
	EQ(ops->read(pt, &root_ctx, f, fh, 0, 50, rv, 2, &done), 0);
	EQ(done, 11);
	CHECK(!memcmp(r1, "hell", 4) && !memcmp(r2, "o world", 7));
	EQ(ops->read(pt, &root_ctx, f, fh, 6, 3, rv, 2, &done), 0);
	EQ(done, 3);
	CHECK(!memcmp(r1, "wor", 3));
	EQ(ops->read(pt, &root_ctx, f, fh, 100, 10, rv, 2, &done), 0);
	EQ(done, 0);

	/* Hostile handles. */
	EQ(ops->read(pt, &root_ctx, f, fh + 1, 0, 4, rv, 2, &done), -EBADF);
	EQ(ops->read(pt, &root_ctx, f, fh ^ (5ULL << 32), 0, 4, rv, 2, &done), -EBADF);
	EQ(ops->write(pt, &root_ctx, f, 12345, 0, wv, 3, false, &done), -EBADF);
	EQ(ops->read(pt, &root_ctx, f, fh, -1, 4, rv, 2, &done), -EINVAL);
	EQ(ops->getattr(pt, &root_ctx, 999999, FS_NO_FH, &st, &to), -EBADF);
	EQ(ops->lookup(pt, &root_ctx, 999999, "x", &e), -EBADF);

	/* Second open, then locks between the two open files. */
	struct fs_open o2;
	EQ(ops->open(pt, &root_ctx, f, O_RDWR, &o2), 0);
	EQ(o2.open_flags, 0); /* POSIX locks agreed: FLUSH is needed */
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	EQ(ops->setlk(pt, &root_ctx, f, fh, 1, &lk, false, false), 0);
	struct flock q = lk;
	EQ(ops->getlk(pt, &root_ctx, f, o2.fh, 2, &q), 0);
	EQ(q.l_type, F_WRLCK);
	EQ(ops->setlk(pt, &root_ctx, f, o2.fh, 2, &lk, false, false), -EAGAIN);
	EQ(ops->setlk(pt, &root_ctx, f, o2.fh, 2, &lk, true, false), -EOPNOTSUPP);
	/* Locks belong to the owner, not the handle: owner 1 through the
	 * other handle sees no conflict and may take the same range, and
	 * owner 2 through owner 1's handle still conflicts. */
	q = lk;
	EQ(ops->getlk(pt, &root_ctx, f, o2.fh, 1, &q), 0);
	EQ(q.l_type, F_UNLCK);
	EQ(ops->setlk(pt, &root_ctx, f, o2.fh, 1, &lk, false, false), 0);
	EQ(ops->setlk(pt, &root_ctx, f, fh, 2, &lk, false, false), -EAGAIN);
	/* A FLUSH by owner 1 on either handle ends all its locks on f. */
	EQ(ops->flush(pt, &root_ctx, f, o2.fh, 1), 0);
	EQ(lock_owners_count(&pt->locks), 1); /* owner 2's, from its tries */
	EQ(ops->setlk(pt, &root_ctx, f, fh, 2, &lk, false, false), 0);
	lk.l_type = F_UNLCK;
	EQ(ops->setlk(pt, &root_ctx, f, fh, 2, &lk, false, false), 0);
	EQ(ops->setlk(pt, &root_ctx, f, fh, 3, &lk, false, false), 0); /* holds nothing */
	EQ(lock_owners_count(&pt->locks), 1); /* owner 2's, until its FLUSH */
	EQ(ops->flush(pt, &root_ctx, f, fh, 2), 0);
	EQ(lock_owners_count(&pt->locks), 0);
	/* An owner's first lock through a read-only handle, then a write
	 * lock through a writable one: its description must allow both. */
	struct fs_open ro;
	EQ(ops->open(pt, &root_ctx, f, O_RDONLY, &ro), 0);
	lk.l_type = F_RDLCK;
	EQ(ops->setlk(pt, &root_ctx, f, ro.fh, 4, &lk, false, false), 0);
	lk.l_type = F_WRLCK;
	EQ(ops->setlk(pt, &root_ctx, f, fh, 4, &lk, false, false), 0);
	EQ(ops->setlk(pt, &root_ctx, f, o2.fh, 5, &lk, false, false), -EAGAIN);
	EQ(ops->flush(pt, &root_ctx, f, ro.fh, 4), 0);
	EQ(ops->setlk(pt, &root_ctx, f, o2.fh, 5, &lk, false, false), 0);
	EQ(ops->flush(pt, &root_ctx, f, o2.fh, 5), 0);
	EQ(lock_owners_count(&pt->locks), 0);
	EQ(ops->release(pt, &root_ctx, f, ro.fh, 0, 4, false), 0);
	lk.l_type = F_RDLCK;
	EQ(ops->setlk(pt, &root_ctx, f, o2.fh, 2, &lk, true, true), 0); /* flock */
	EQ(ops->flush(pt, &root_ctx, f, o2.fh, 2), 0);
	EQ(ops->release(pt, &root_ctx, f, o2.fh, 0, 2, true), 0);
	EQ(ops->release(pt, &root_ctx, f, o2.fh, 0, 2, false), -EBADF);

	/* Setattr: size through the handle and without, mode, times. */
	struct fs_setattr sa = { .valid = FATTR_SIZE | FATTR_FH, .fh = fh, .size = 5 };
	EQ(ops->setattr(pt, &root_ctx, f, &sa, &st, &to), 0);
	EQ(st.st_size, 5);
	sa = (struct fs_setattr){ .valid = FATTR_SIZE, .fh = FS_NO_FH, .size = 3 };
	EQ(ops->setattr(pt, &root_ctx, f, &sa, &st, &to), 0);
	EQ(st.st_size, 3);
	sa = (struct fs_setattr){ .valid = FATTR_MODE | FATTR_ATIME | FATTR_MTIME, .fh = FS_NO_FH,
				  .mode = 04755, .atime = { 1000, 5 }, .mtime = { 2000, 7 } };
	EQ(ops->setattr(pt, &root_ctx, f, &sa, &st, &to), 0);
	EQ(st.st_mode & 07777, 04755);
	EQ(st.st_atim.tv_sec, 1000);
	EQ(st.st_mtim.tv_sec, 2000);
	EQ(st.st_mtim.tv_nsec, 7);
	sa = (struct fs_setattr){ .valid = FATTR_UID | FATTR_GID, .fh = FS_NO_FH, .uid = 1000,
				  .gid = 1000 };
	EQ(ops->setattr(pt, &root_ctx, f, &sa, &st, &to), 0);
	EQ(st.st_uid, 1000);
	/* A write with kill_priv clears setuid. */
	EQ(ops->setattr(pt, &root_ctx, f,
			&(struct fs_setattr){ .valid = FATTR_MODE, .fh = FS_NO_FH, .mode = 06755 },
			&st, &to), 0);
	EQ(st.st_mode & 07777, 06755);
	EQ(ops->write(pt, &root_ctx, f, fh, 0, wv, 1, true, &done), 0);
	EQ(ops->getattr(pt, &root_ctx, f, FS_NO_FH, &st, &to), 0);
	EQ(st.st_mode & 07777, 0755);
	/* So does a truncate with FATTR_KILL_SUIDGID. */
	EQ(ops->setattr(pt, &root_ctx, f,
			&(struct fs_setattr){ .valid = FATTR_MODE, .fh = FS_NO_FH, .mode = 06755 },
			&st, &to), 0);
	sa = (struct fs_setattr){ .valid = FATTR_SIZE, .fh = FS_NO_FH, .size = 5,
				  .kill_suidgid = true };
	EQ(ops->setattr(pt, &root_ctx, f, &sa, &st, &to), 0);
	EQ(st.st_mode & 07777, 0755);
	/* And an OPEN asked to (FUSE_OPEN_KILL_SUIDGID). */
	EQ(ops->setattr(pt, &root_ctx, f,
			&(struct fs_setattr){ .valid = FATTR_MODE, .fh = FS_NO_FH, .mode = 02775 },
			&st, &to), 0);
	struct fs_ctx kctx = root_ctx;
	kctx.kill_suidgid = true;
	/* Only an open that truncates: the guest kernel asks for nothing else,
	 * and --readonly lets a read-only open through, which must not change
	 * the file. */
	const struct fs_ops *ro_ops = readonly_ops(ops);
	EQ(ro_ops->open(pt, &kctx, f, O_RDONLY, &o2), 0);
	EQ(ops->release(pt, &root_ctx, f, o2.fh, 0, 0, false), 0);
	EQ(ops->getattr(pt, &root_ctx, f, FS_NO_FH, &st, &to), 0);
	EQ(st.st_mode & 07777, 02775);
	EQ(ops->open(pt, &kctx, f, O_RDWR | O_TRUNC, &o2), 0);
	EQ(ops->release(pt, &root_ctx, f, o2.fh, 0, 0, false), 0);
	EQ(ops->getattr(pt, &root_ctx, f, FS_NO_FH, &st, &to), 0);
	EQ(st.st_mode & 07777, 0775);
	EQ(st.st_size, 0);
	/* The same for a CREATE that opens the existing file: only with
	 * O_TRUNC (Linux's fuse_create_open asks for nothing else). */
	EQ(ops->setattr(pt, &root_ctx, f,
			&(struct fs_setattr){ .valid = FATTR_MODE, .fh = FS_NO_FH, .mode = 02775 },
			&st, &to), 0);
	struct fs_create kcr = { .mode = S_IFREG | 0644, .umask = 022, .flags = O_RDWR };
	struct fs_entry ke;
	EQ(ops->create(pt, &kctx, FS_ROOT_ID, "f", &kcr, &ke, &o2), 0);
	EQ(ke.nodeid, f);
	EQ(ops->release(pt, &root_ctx, f, o2.fh, 0, 0, false), 0);
	ops->forget(pt, f, 1);
	EQ(ops->getattr(pt, &root_ctx, f, FS_NO_FH, &st, &to), 0);
	EQ(st.st_mode & 07777, 02775);
	kcr.flags = O_RDWR | O_TRUNC;
	EQ(ops->create(pt, &kctx, FS_ROOT_ID, "f", &kcr, &ke, &o2), 0);
	EQ(ops->release(pt, &root_ctx, f, o2.fh, 0, 0, false), 0);
	ops->forget(pt, f, 1);
	EQ(ops->getattr(pt, &root_ctx, f, FS_NO_FH, &st, &to), 0);
	EQ(st.st_mode & 07777, 0775);
	EQ(ops->write(pt, &root_ctx, f, fh, 0, wv, 3, false, &done), 0);

	/* lseek, fallocate, copy_file_range, fsync. */
	off_t res;
	EQ(ops->lseek(pt, &root_ctx, f, fh, 0, SEEK_DATA, &res), 0);
	EQ(res, 0);
	EQ(ops->lseek(pt, &root_ctx, f, fh, 0, SEEK_CUR, &res), -EINVAL);
	EQ(ops->fallocate(pt, &root_ctx, f, fh, 0, 0, 4096), 0);
	uint64_t fh2;
	uint64_t g = create(FS_ROOT_ID, "copy", 0644, &fh2);
	EQ(ops->copy_file_range(pt, &root_ctx, f, fh, 0, g, fh2, 0, 5, 0, &done), 0);
	EQ(done, 5);
	EQ(ops->fsync(pt, &root_ctx, f, fh, true), 0);
	EQ(ops->release(pt, &root_ctx, g, fh2, 0, 0, false), 0);
	EQ(ops->release(pt, &root_ctx, f, fh, 0, 0, false), 0);
	ops->forget(pt, g, 1);
	ops->forget(pt, f, 1);
}

struct sink {
	struct fs_dir_sink s;
	unsigned cap, n;
	char names[64][32];
	uint64_t nodeids[64];
	uint64_t last_off;
};

static int sink_add(struct fs_dir_sink *s, const struct fs_dirent *d, const struct fs_entry *e)
{
	struct sink *k = (struct sink *)s;
	if (k->n >= k->cap || k->n >= 64)
		return 1;
	CHECK(d->namelen < 32 && strlen(d->name) == d->namelen);
	memcpy(k->names[k->n], d->name, d->namelen + 1);
	k->nodeids[k->n] = e ? e->nodeid : 0;
	if (e && e->nodeid)
		CHECK(e->attr.st_ino == d->ino);
	k->last_off = d->off;
	k->n++;
	return 0;
}

/* Read the whole directory, cap entries per call; returns the count. */
static unsigned read_all(uint64_t node, bool plus, unsigned cap, struct sink *all)
{
	struct fs_open o;
	EQ(ops->opendir(pt, &root_ctx, node, 0, &o), 0);
	uint64_t off = 0;
	all->n = 0;
	for (;;) {
		struct sink k = { .s.add = sink_add, .cap = cap };
		EQ(ops->readdir(pt, &root_ctx, node, o.fh, off, plus, &k.s), 0);
		if (k.n == 0)
			break;
		for (unsigned i = 0; i < k.n; i++) {
			strcpy(all->names[all->n], k.names[i]);
			all->nodeids[all->n++] = k.nodeids[i];
		}
		off = k.last_off;
	}
	EQ(ops->releasedir(pt, &root_ctx, node, o.fh), 0);
	return all->n;
}

static bool has(const struct sink *k, const char *name)
{
	for (unsigned i = 0; i < k->n; i++)
		if (!strcmp(k->names[i], name))
			return true;
	return false;
}

static void test_dirs(void)
{
	struct fs_create cr = { .mode = 0777, .umask = 0 };
	struct fs_entry e;
	EQ(ops->mkdir(pt, &root_ctx, FS_ROOT_ID, "d", &cr, &e), 0);
	uint64_t d = e.nodeid;
	CHECK(S_ISDIR(e.attr.st_mode));
	EQ(e.attr_flags, 0); /* same mount as the parent */
	char name[16];
	for (int i = 0; i < 20; i++) {
		uint64_t fh;
		snprintf(name, sizeof(name), "n%02d", i);
		uint64_t n = create(d, name, 0644, &fh);
		EQ(ops->release(pt, &root_ctx, n, fh, 0, 0, false), 0);
		ops->forget(pt, n, 1);
	}
	size_t base = inode_table_count(&pt->inodes);

	struct sink all;
	EQ(read_all(d, false, 1000, &all), 22);
	CHECK(has(&all, ".") && has(&all, "..") && has(&all, "n00") && has(&all, "n19"));
	/* One entry per call: the cookies resume correctly. */
	EQ(read_all(d, false, 1, &all), 22);
	EQ(read_all(d, false, 3, &all), 22);

	/* READDIRPLUS with a sink that fills: entries not stored are not
	 * counted as lookups. */
	EQ(read_all(d, true, 4, &all), 22);
	EQ(inode_table_count(&pt->inodes), base + 20);
	for (unsigned i = 0; i < all.n; i++) {
		if (!strcmp(all.names[i], ".") || !strcmp(all.names[i], "..")) {
			EQ(all.nodeids[i], 0);
			continue;
		}
		CHECK(all.nodeids[i] > FS_ROOT_ID);
	}
	/* Again while the guest knows them: each name one statx (the fast
	 * path), the same records, one more lookup each, and a full sink
	 * still counts none for the entries it left out. */
	uint64_t fast = pt->inodes.fast_lookups;
	struct sink again;
	EQ(read_all(d, true, 4, &again), 22);
	EQ(inode_table_count(&pt->inodes), base + 20);
	/* (20, and those a full sink sent back) */
	CHECK(pt->inodes.fast_lookups >= fast + 20);
	EQ(again.n, all.n);
	for (unsigned i = 0; i < all.n; i++) {
		EQ(again.nodeids[i], all.nodeids[i]);
		if (all.nodeids[i])
			ops->forget(pt, all.nodeids[i], 2);
	}
	EQ(inode_table_count(&pt->inodes), base);

	/* Two readers of one handle, seeking back to the start. */
	struct fs_open o;
	EQ(ops->opendir(pt, &root_ctx, d, 0, &o), 0);
	struct sink k1 = { .s.add = sink_add, .cap = 5 }, k2 = { .s.add = sink_add, .cap = 5 };
	EQ(ops->readdir(pt, &root_ctx, d, o.fh, 0, false, &k1.s), 0);
	EQ(ops->readdir(pt, &root_ctx, d, o.fh, 0, false, &k2.s), 0);
	EQ(k1.n, 5);
	for (unsigned i = 0; i < 5; i++)
		CHECK(!strcmp(k1.names[i], k2.names[i]));
	EQ(ops->readdir(pt, &root_ctx, d, o.fh ^ 1, 0, false, &k2.s), -EBADF);
	EQ(ops->fsyncdir(pt, &root_ctx, d, o.fh, false), 0);
	EQ(ops->releasedir(pt, &root_ctx, d, o.fh), 0);
	EQ(ops->releasedir(pt, &root_ctx, d, o.fh), -EBADF);

	EQ(ops->rmdir(pt, &root_ctx, FS_ROOT_ID, "d"), -ENOTEMPTY);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%02d", i);
		EQ(ops->unlink(pt, &root_ctx, d, name), 0);
	}
	EQ(ops->rmdir(pt, &root_ctx, FS_ROOT_ID, "d"), 0);
	EQ(ops->opendir(pt, &root_ctx, FS_ROOT_ID, 0, &o), 0);
	EQ(ops->releasedir(pt, &root_ctx, FS_ROOT_ID, o.fh), 0);
	ops->forget(pt, d, 1);
}

static void test_names(void)
{
	uint64_t fh;
	struct fs_entry e;
	uint64_t a = create(FS_ROOT_ID, "a", 0644, &fh);
	EQ(ops->release(pt, &root_ctx, a, fh, 0, 0, false), 0);
	uint64_t b = create(FS_ROOT_ID, "b", 0644, &fh);
	EQ(ops->release(pt, &root_ctx, b, fh, 0, 0, false), 0);

	/* rename flags */
	EQ(ops->rename(pt, &root_ctx, FS_ROOT_ID, "a", FS_ROOT_ID, "b", RENAME_NOREPLACE), -EEXIST);
	EQ(ops->rename(pt, &root_ctx, FS_ROOT_ID, "a", FS_ROOT_ID, "b", 1u << 7), -EINVAL);
	EQ(ops->rename(pt, &root_ctx, FS_ROOT_ID, "a", FS_ROOT_ID, "b", RENAME_EXCHANGE), 0);
	EQ(lookup(FS_ROOT_ID, "b"), a);
	ops->forget(pt, a, 1);
	EQ(ops->rename(pt, &root_ctx, FS_ROOT_ID, "b", FS_ROOT_ID, "c", 0), 0);
	EQ(ops->rename(pt, &root_ctx, FS_ROOT_ID, "..", FS_ROOT_ID, "x", 0), -EBUSY);

	/* link counts */
	EQ(ops->link(pt, &root_ctx, a, FS_ROOT_ID, "a2", &e), 0);
	EQ(e.nodeid, a);
	EQ(e.attr.st_nlink, 2);
	EQ(ops->unlink(pt, &root_ctx, FS_ROOT_ID, "a2"), 0);
	struct stat st;
	double to;
	EQ(ops->getattr(pt, &root_ctx, a, FS_NO_FH, &st, &to), 0);
	EQ(st.st_nlink, 1);
	EQ(ops->link(pt, &root_ctx, FS_ROOT_ID, FS_ROOT_ID, "rootlink", &e), -EPERM);

	/* forget counts: three lookups of "c" (a), freed at zero, never reused */
	lookup(FS_ROOT_ID, "c");
	lookup(FS_ROOT_ID, "c");
	size_t before = inode_table_count(&pt->inodes);
	ops->forget(pt, a, 2);
	EQ(inode_table_count(&pt->inodes), before);
	ops->forget(pt, a, 1000); /* more than looked up: clamps to zero */
	EQ(inode_table_count(&pt->inodes), before - 1);
	EQ(ops->getattr(pt, &root_ctx, a, FS_NO_FH, &st, &to), -EBADF);
	uint64_t a_again = lookup(FS_ROOT_ID, "c");
	CHECK(a_again > a && a_again != b);
	ops->forget(pt, a_again, 1);
	ops->forget(pt, b, 1);

	/* "." and ".." at the root are the root. */
	EQ(lookup(FS_ROOT_ID, ".."), FS_ROOT_ID);
	EQ(lookup(FS_ROOT_ID, "."), FS_ROOT_ID);
	ops->forget(pt, FS_ROOT_ID, 2);
	struct fs_create cr = { .mode = 0755 };
	EQ(ops->mkdir(pt, &root_ctx, FS_ROOT_ID, "sub", &cr, &e), 0);
	uint64_t sub = e.nodeid;
	EQ(lookup(sub, "."), sub);
	EQ(lookup(sub, ".."), FS_ROOT_ID);
	ops->forget(pt, sub, 1); /* the "." lookup; mkdir's stays */
	ops->forget(pt, FS_ROOT_ID, 1);
	EQ(ops->mkdir(pt, &root_ctx, sub, "..", &cr, &e), -EEXIST);
	EQ(ops->unlink(pt, &root_ctx, sub, ".."), -EISDIR);
	EQ(ops->rmdir(pt, &root_ctx, sub, ".."), -EINVAL);
	/* Names the server should never pass, and lookups in a non-directory. */
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "../..", &e), -EINVAL);
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "", &e), -EINVAL);
	EQ(ops->mkdir(pt, &root_ctx, FS_ROOT_ID, "a/b", &cr, &e), -EINVAL);
	EQ(ops->lookup(pt, &root_ctx, a_again, ".", &e), -EBADF); /* forgotten above */

	/* A symlink pointing outside is never followed. */
	EQ(ops->symlink(pt, &root_ctx, FS_ROOT_ID, "evil", "/etc", &e), 0);
	uint64_t evil = e.nodeid;
	CHECK(S_ISLNK(e.attr.st_mode));
	EQ(ops->lookup(pt, &root_ctx, evil, "passwd", &e), -ENOTDIR);
	struct fs_open o;
	EQ(ops->opendir(pt, &root_ctx, evil, 0, &o), -ENOTDIR);
	EQ(ops->open(pt, &root_ctx, evil, O_RDONLY, &o), -ELOOP);
	struct fs_create ccr = { .mode = S_IFREG | 0644, .flags = O_RDWR };
	EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, "evil", &ccr, &e, &o), -ELOOP);
	char buf[64];
	size_t len;
	EQ(ops->readlink(pt, &root_ctx, evil, buf, sizeof(buf), &len), 0);
	EQ(len, 4);
	CHECK(!memcmp(buf, "/etc", 4));
	EQ(ops->readlink(pt, &root_ctx, FS_ROOT_ID, buf, sizeof(buf), &len), -EINVAL);
	struct fs_setattr sa = { .valid = FATTR_MTIME, .fh = FS_NO_FH, .mtime = { 3000, 0 } };
	EQ(ops->setattr(pt, &root_ctx, evil, &sa, &st, &to), 0);
	EQ(st.st_mtim.tv_sec, 3000);
	struct stat host;
	CHECK(stat("/etc", &host) == 0 && host.st_mtim.tv_sec != 3000);
	/* A hard link to the symlink is a link to the symlink itself. */
	EQ(ops->link(pt, &root_ctx, evil, FS_ROOT_ID, "evil2", &e), 0);
	EQ(e.nodeid, evil);
	CHECK(S_ISLNK(e.attr.st_mode) && e.attr.st_nlink == 2);
	ops->forget(pt, evil, 2);

	/* A FIFO is created but never opened. */
	struct fs_create fcr = { .mode = S_IFIFO | 0666, .umask = 0 };
	EQ(ops->mknod(pt, &root_ctx, FS_ROOT_ID, "fifo", &fcr, &e), 0);
	uint64_t fifo = e.nodeid;
	CHECK(S_ISFIFO(e.attr.st_mode));
	EQ(ops->open(pt, &root_ctx, fifo, O_RDONLY, &o), -ENXIO);
	EQ(ops->lookup(pt, &root_ctx, fifo, ".", &e), -ENOTDIR);
	EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, "fifo", &ccr, &e, &o), -ENXIO);
	fcr.mode = S_IFDIR | 0755;
	EQ(ops->mknod(pt, &root_ctx, FS_ROOT_ID, "x", &fcr, &e), -EINVAL);
	ops->forget(pt, fifo, 1);

	/* tmpfile */
	struct fs_create tcr = { .mode = S_IFREG | 0600, .flags = O_RDWR };
	EQ(ops->tmpfile(pt, &root_ctx, sub, &tcr, &e, &o), 0);
	EQ(e.attr.st_nlink, 0);
	char data[] = "tmp";
	struct iovec v = { data, 3 };
	EQ(ops->write(pt, &root_ctx, e.nodeid, o.fh, 0, &v, 1, false, &len), 0);
	EQ(ops->release(pt, &root_ctx, e.nodeid, o.fh, 0, 0, false), 0);
	ops->forget(pt, e.nodeid, 1);
	tcr.flags = O_RDONLY;
	EQ(ops->tmpfile(pt, &root_ctx, sub, &tcr, &e, &o), -EINVAL);

	struct statvfs sv;
	EQ(ops->statfs(pt, &root_ctx, FS_ROOT_ID, &sv), 0);
	CHECK(sv.f_bsize > 0);
	EQ(ops->syncfs(pt, &root_ctx, FS_ROOT_ID), 0);
}

static void test_cache_modes(void)
{
	static const struct {
		enum cache_mode m;
		double timeout;
		uint32_t file, dir;
	} want[] = {
		{ CACHE_NEVER, 0.0, FOPEN_DIRECT_IO, 0 },
		{ CACHE_METADATA, 86400.0, FOPEN_DIRECT_IO, 0 },
		{ CACHE_AUTO, 1.0, 0, 0 },
		{ CACHE_ALWAYS, 86400.0, FOPEN_KEEP_CACHE, FOPEN_CACHE_DIR },
	};
	for (unsigned i = 0; i < 4; i++) {
		setup(want[i].m);
		uint64_t fh;
		struct fs_create cr = { .mode = S_IFREG | 0644, .flags = O_WRONLY | O_APPEND };
		struct fs_entry e;
		struct fs_open o;
		EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, "f", &cr, &e, &o), 0);
		CHECK(e.entry_timeout == want[i].timeout && e.attr_timeout == want[i].timeout);
		EQ(o.open_flags, want[i].file);
		fh = o.fh;
		EQ(ops->release(pt, &root_ctx, e.nodeid, fh, 0, 0, false), 0);
		EQ(ops->opendir(pt, &root_ctx, FS_ROOT_ID, 0, &o), 0);
		EQ(o.open_flags, want[i].dir);
		/* cache=never: a missing name is an error, not a negative entry */
		int r = ops->lookup(pt, &root_ctx, FS_ROOT_ID, "missing", &e);
		EQ(r, want[i].m == CACHE_NEVER ? -ENOENT : 0);
		/* destroy drops handles and nodes but the root */
		ops->destroy(pt);
		EQ(inode_table_count(&pt->inodes), 1);
		EQ(handle_count(&pt->handles), 0);
		EQ(lookup(FS_ROOT_ID, "f") > e.nodeid, 1);
		teardown();
	}
}

static void test_writeback(void)
{
	strcpy(dir, "/tmp/test_fs_wb.XXXXXX");
	CHECK(mkdtemp(dir));
	struct passthrough_options opt = { .root = dir, .cache = CACHE_AUTO, .writeback = true };
	char err[256];
	pt = passthrough_new(&opt, err, sizeof(err));
	CHECK(pt);
	struct fs_conn conn = { .writeback = true };
	EQ(ops->init(pt, &conn), 0);
	CHECK(conn.writeback && !conn.submounts);
	/* O_WRONLY|O_APPEND becomes O_RDWR without O_APPEND. */
	struct fs_create cr = { .mode = S_IFREG | 0644, .flags = O_WRONLY | O_APPEND };
	struct fs_entry e;
	struct fs_open o;
	EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, "f", &cr, &e, &o), 0);
	struct handle *h = handle_get(&pt->handles, o.fh, HANDLE_FILE);
	CHECK(h);
	int fl = fcntl(h->fd, F_GETFL);
	EQ(fl & O_ACCMODE, O_RDWR);
	EQ(fl & O_APPEND, 0);
	handle_put(&pt->handles, h);
	/* xattrs not enabled: ENOSYS */
	size_t len;
	EQ(ops->getxattr(pt, &root_ctx, e.nodeid, "user.x", NULL, 0, &len), -ENOSYS);
	teardown();

	char msg[256];
	opt.root = "/nonexistent/dir";
	CHECK(passthrough_new(&opt, msg, sizeof(msg)) == NULL);
	CHECK(strstr(msg, "/nonexistent/dir"));
}

/* Each lock owner's description takes a slot of the guest's share of the
 * descriptors: past it a new owner gets ENOLCK until another one's FLUSH. */
static void test_lock_budget(void)
{
	uint64_t fh;
	uint64_t f = create(FS_ROOT_ID, "locked", 0644, &fh);
	handle_table_set_max(&pt->handles, 3);
	struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	EQ(ops->setlk(pt, &root_ctx, f, fh, 1, &lk, false, false), 0);
	EQ(ops->setlk(pt, &root_ctx, f, fh, 2, &lk, false, false), 0);
	EQ(ops->setlk(pt, &root_ctx, f, fh, 3, &lk, false, false), -ENOLCK);
	EQ(ops->setlk(pt, &root_ctx, f, fh, 1, &lk, false, false), 0); /* has one */
	EQ(ops->flush(pt, &root_ctx, f, fh, 1), 0);
	EQ(ops->setlk(pt, &root_ctx, f, fh, 3, &lk, false, false), 0);
	/* A FLUSH of an fh that is not an open file ends nothing. */
	EQ(ops->flush(pt, &root_ctx, f, fh + 1, 3), -EBADF);
	EQ(lock_owners_count(&pt->locks), 2);
	/* The end of the session drops them all. */
	ops->destroy(pt);
	EQ(lock_owners_count(&pt->locks), 0);
	EQ(handle_count(&pt->handles), 0);
	handle_table_set_max(&pt->handles, 0);
}

static uint64_t nlookup_of(uint64_t nodeid)
{
	struct inode *i = inode_table_get(&pt->inodes, nodeid);
	CHECK(i);
	uint64_t n, parent_id;
	char *name;
	inode_table_describe(&pt->inodes, i, &n, &parent_id, &name);
	free(name);
	inode_table_put(&pt->inodes, i);
	return n;
}

static void host_path(char *p, size_t n, const char *name)
{
	snprintf(p, n, "%s/%s", dir, name);
}

static void host_write(const char *name, const char *data)
{
	char p[128];
	host_path(p, sizeof(p), name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	EQ(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* The access of owner's lock description on f. */
static int lock_access(uint64_t f, uint64_t owner)
{
	uint64_t lfh;
	struct handle *h = lock_owners_get(&pt->locks, &pt->handles, f, owner, 0, &lfh);
	CHECK(h);
	int acc = fcntl(h->fd, F_GETFL) & O_ACCMODE;
	handle_put(&pt->handles, h);
	return acc;
}

/* A lock's description is read-write even when its first lock came
 * through a read-only handle, except under --readonly. */
static void test_lock_access(void)
{
	host_write("ro", "x");
	uint64_t f = lookup(FS_ROOT_ID, "ro");
	struct fs_open o;
	EQ(ops->open(pt, &root_ctx, f, O_RDONLY, &o), 0);
	struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	EQ(ops->setlk(pt, &root_ctx, f, o.fh, 1, &lk, false, false), 0);
	EQ(lock_access(f, 1), O_RDWR);
	pt->opt.read_only = true;
	EQ(ops->setlk(pt, &root_ctx, f, o.fh, 2, &lk, false, false), 0);
	EQ(lock_access(f, 2), O_RDONLY);
	pt->opt.read_only = false;
	/* An entry outliving its description (a lock that ended after the
	 * session it began in was torn down) is replaced, not answered EAGAIN. */
	uint64_t lfh;
	struct handle *h = lock_owners_get(&pt->locks, &pt->handles, f, 1, 0, &lfh);
	CHECK(h);
	handle_put(&pt->handles, h);
	handle_put(&pt->handles, handle_remove(&pt->handles, lfh, HANDLE_LOCK));
	lk.l_start = 4; /* beyond owner 2's read lock */
	lk.l_type = F_WRLCK;
	EQ(ops->setlk(pt, &root_ctx, f, o.fh, 1, &lk, false, false), 0);
	EQ(lock_owners_count(&pt->locks), 2);
	EQ(lock_access(f, 1), O_RDWR);
	EQ(ops->flush(pt, &root_ctx, f, o.fh, 1), 0);
	EQ(ops->flush(pt, &root_ctx, f, o.fh, 2), 0);
	EQ(ops->release(pt, &root_ctx, f, o.fh, 0, 1, false), 0);
}

/* A read lease held on the host: an owner's first lock through a
 * read-only handle must not wait out the lease break (lease-break-time,
 * 45 s by default) to get its read-write description; it falls back to
 * the handle's access at once. */
static void test_lock_lease(void)
{
	char p[128];
	host_write("leased", "x");
	host_path(p, sizeof(p), "leased");
	uint64_t f = lookup(FS_ROOT_ID, "leased");
	struct fs_open o;
	EQ(ops->open(pt, &root_ctx, f, O_RDONLY, &o), 0);
	signal(SIGIO, SIG_IGN); /* the lease's break notice */
	int lfd = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(lfd >= 0);
	EQ(fcntl(lfd, F_SETLEASE, F_RDLCK), 0);
	struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EQ(ops->setlk(pt, &root_ctx, f, o.fh, 1, &lk, false, false), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 5);
	EQ(ops->flush(pt, &root_ctx, f, o.fh, 1), 0);
	EQ(ops->release(pt, &root_ctx, f, o.fh, 0, 1, false), 0);
	close(lfd);
}

/* LOOKUP of a name found before, whose record still has its fd, is one
 * statx of the name: it must see what a full lookup would (new attributes,
 * another file put in its place, the name gone, a symlink itself, a second
 * link) and fall back to the open path whenever it cannot be sure. */
static void test_lookup_known(void)
{
	struct fs_entry e;
	char p[128], q[128];
	uint64_t fast = pt->inodes.fast_lookups;

	host_write("a", "");
	uint64_t a = lookup(FS_ROOT_ID, "a");
	EQ(pt->inodes.fast_lookups, fast);          /* first time: opened */
	host_write("a", "12345");
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "a", &e), 0);
	EQ(e.nodeid, a);
	EQ(e.attr.st_size, 5);                      /* fresh attributes */
	EQ(pt->inodes.fast_lookups, fast + 1);
	EQ(nlookup_of(a), 2);

	/* Another file renamed over the name: a new node, found by opening. */
	host_write("b", "xy");
	host_path(p, sizeof(p), "b");
	host_path(q, sizeof(q), "a");
	EQ(rename(p, q), 0);
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "a", &e), 0);
	CHECK(e.nodeid != a && e.nodeid != 0);
	EQ(e.attr.st_size, 2);
	EQ(pt->inodes.fast_lookups, fast + 1);
	uint64_t b = e.nodeid;
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "a", &e), 0);
	EQ(e.nodeid, b);
	EQ(pt->inodes.fast_lookups, fast + 2);

	/* The name gone: a negative entry, as from the open path. */
	EQ(unlink(q), 0);
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "a", &e), 0);
	EQ(e.nodeid, 0);

	/* A symlink is the link itself, both times. */
	host_path(p, sizeof(p), "s");
	EQ(symlink("/etc/passwd", p), 0);
	uint64_t sl = lookup(FS_ROOT_ID, "s");
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "s", &e), 0);
	EQ(e.nodeid, sl);
	CHECK(S_ISLNK(e.attr.st_mode));
	EQ(pt->inodes.fast_lookups, fast + 3);

	/* A guest rename tells the table the new name: fast at once there,
	 * and the old name is gone. */
	EQ(ops->rename(pt, &root_ctx, FS_ROOT_ID, "s", FS_ROOT_ID, "s2", 0), 0);
	EQ(lookup(FS_ROOT_ID, "s2"), sl);
	EQ(pt->inodes.fast_lookups, fast + 4);
	EQ(ops->lookup(pt, &root_ctx, FS_ROOT_ID, "s", &e), 0);
	EQ(e.nodeid, 0);

	/* A second link to a known inode moves its remembered location: the
	 * open path, then fast under the new name. */
	host_write("h1", "h");
	host_path(p, sizeof(p), "h1");
	host_path(q, sizeof(q), "h2");
	EQ(link(p, q), 0);
	uint64_t h = lookup(FS_ROOT_ID, "h1");
	EQ(lookup(FS_ROOT_ID, "h2"), h);
	EQ(pt->inodes.fast_lookups, fast + 4);
	EQ(lookup(FS_ROOT_ID, "h2"), h);
	EQ(pt->inodes.fast_lookups, fast + 5);

	/* Without its fd (evicted) the record is found by opening the name,
	 * and the table refuses the fast path for its key outright. */
	struct inode *hi = inode_table_get(&pt->inodes, h);
	CHECK(hi);
	struct inode_key hk = hi->key;
	inode_table_put(&pt->inodes, hi);
	uint64_t evicted = pt->inodes.evictions;
	inode_table_set_fd_cap(&pt->inodes, 1);
	CHECK(pt->inodes.evictions > evicted);
	hi = inode_table_get(&pt->inodes, h);
	struct inode *root = inode_table_get(&pt->inodes, FS_ROOT_ID);
	CHECK(hi && root && hi->fd_ < 0);
	CHECK(!inode_table_hint(&pt->inodes, root, "h2"));
	CHECK(!inode_table_lookup_open(&pt->inodes, &hk, root, "h2"));
	inode_table_put(&pt->inodes, hi);
	inode_table_put(&pt->inodes, root);
	EQ(lookup(FS_ROOT_ID, "h2"), h);
	EQ(pt->inodes.fast_lookups, fast + 5);
}

/* A record of a file made with TMPFILE has no name to be found again by
 * (nor a file handle here: the fixture's share does not open by handle), so
 * the fd cache cannot evict its fd.  A guest that makes such files and
 * never FORGETs them must meet the cache's cap, not the daemon's
 * RLIMIT_NOFILE; a cache full of records that can be evicted still takes
 * them. */
static void test_tmpfile_budget(void)
{
	enum { CAP = 16 };
	inode_table_set_fd_cap(&pt->inodes, CAP);
	struct fs_create fcr = { .mode = S_IFREG | 0644, .flags = O_RDWR };
	struct fs_entry e;
	struct fs_open o;
	for (int k = 0; k < 2 * CAP; k++) {
		char name[32];
		snprintf(name, sizeof(name), "named%02d", k);
		EQ(ops->create(pt, &root_ctx, FS_ROOT_ID, name, &fcr, &e, &o), 0);
		EQ(ops->release(pt, &root_ctx, e.nodeid, o.fh, 0, 0, false), 0);
	}
	int made = 0, r = 0;
	for (int k = 0; k < 10 * CAP && r == 0; k++) {
		r = ops->tmpfile(pt, &root_ctx, FS_ROOT_ID, &fcr, &e, &o);
		if (r == 0) {
			made++;
			EQ(ops->release(pt, &root_ctx, e.nodeid, o.fh, 0, 0, false), 0);
		}
	}
	EQ(r, -ENFILE);
	CHECK(made > 0 && made <= CAP);
	CHECK(inode_table_fds_open(&pt->inodes) <= CAP + 1);
}

/* A directory the host moves out of the share keeps its nodeid, but its
 * ".." must not open the place it went to (the guest's exportfs asks for
 * it): ENOENT, a negative entry under a cache mode with timeouts.  Inside
 * the share ".." keeps working. */
static void test_dotdot_moved_out(void)
{
	char out[64] = "/tmp/test_fs_out.XXXXXX";
	CHECK(mkdtemp(out));
	char path[192], to[192];
	snprintf(path, sizeof(path), "%s/a", dir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(to, sizeof(to), "%s/a/b/c", dir);
	CHECK(mkdir(to, 0755) == 0);
	uint64_t a = lookup(FS_ROOT_ID, "a");
	uint64_t b = lookup(a, "b");
	uint64_t c = lookup(b, "c");
	EQ(lookup(c, ".."), b);
	EQ(lookup(b, ".."), a);

	snprintf(to, sizeof(to), "%s/b", out);
	CHECK(rename(path, to) == 0);
	struct fs_entry e;
	EQ(ops->lookup(pt, &root_ctx, b, "..", &e), 0);
	EQ(e.nodeid, 0); /* negative: the guest sees ENOENT */
	/* Nor does a directory below it: what moved is out of the share
	 * (its nodeids keep working, as in every passthrough daemon). */
	EQ(ops->lookup(pt, &root_ctx, c, "..", &e), 0);
	EQ(e.nodeid, 0);
	EQ(ops->lookup(pt, &root_ctx, c, ".", &e), 0);
	EQ(e.nodeid, c);

	ops->forget(pt, c, 2);
	ops->forget(pt, b, 2);
	ops->forget(pt, a, 2);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", out);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_fs_passthrough: needs root\n");
		return 1;
	}
	setup(CACHE_AUTO);
	test_create_write_read();
	test_dirs();
	test_names();
	EQ(handle_count(&pt->handles), 0);
	EQ(inode_table_count(&pt->inodes), 2); /* the root and "sub" */
	teardown();
	test_cache_modes();
	test_writeback();
	setup(CACHE_AUTO);
	test_lookup_known();
	teardown();
	setup(CACHE_AUTO);
	test_lock_budget();
	teardown();
	setup(CACHE_AUTO);
	test_lock_access();
	test_lock_lease();
	teardown();
	setup(CACHE_AUTO);
	test_tmpfile_budget();
	teardown();
	setup(CACHE_AUTO);
	test_dotdot_moved_out();
	teardown();
	printf("test_fs_passthrough: ok\n");
	return 0;
}
