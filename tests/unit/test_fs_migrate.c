/* Live migration of the passthrough filesystem: a state saved by one
 * instance and loaded by another on the same directory keeps every nodeid
 * and fh the guest holds; renames on the host before the save are
 * followed; a deleted file fails the move or only itself
 * (--migration-on-error); a damaged or hostile stream changes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "fs/state_io.h"

static bool verify_handles;
static bool read_only; /* --readonly */

/* --migration-on-error as each daemon was given it. */
enum on_error { ON_ERROR_UNSET, ON_ERROR_ABORT, ON_ERROR_GUEST };

static struct pt *new_instance(enum migration_mode mode, enum on_error on_error)
{
	struct passthrough_options o = {
		.root = dir, .cache = CACHE_AUTO, .xattr = true, .switch_creds = true,
		.announce_submounts = true, .migration_mode = mode,
		.migration_guest_error = on_error == ON_ERROR_GUEST,
		.migration_source_abort = on_error == ON_ERROR_ABORT, .migration_confirm_paths = true,
		.file_handles = IFH_PREFER, .migration_verify_handles = verify_handles,
		.read_only = read_only,
	};
	char err[256];
	struct pt *p = passthrough_new(&o, err, sizeof(err));
	CHECK(p);
	struct fs_conn conn = { .submounts = true, .posix_locks = true, .max_write = 1 << 20 };
	EQ(ops->init(p, &conn), 0);
	return p;
}

static void put_file(const char *rel, const char *content)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs(content, f);
	fclose(f);
}

struct guest_view {
	uint64_t sub, file, doomed, fh, dfh, doomed_fh;
};

/* What a guest did before the move: looked things up, opened a file for
 * reading, a directory, and a file the host will delete. */
static void guest_before(struct pt *p, struct guest_view *g)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK(mkdir(path, 0755) == 0);
	put_file("sub/file", "hello migration");
	put_file("doomed", "gone soon");
	for (int k = 0; k < 20; k++) {
		char n[32];
		snprintf(n, sizeof(n), "sub/e%02d", k);
		put_file(n, "x");
	}
	struct fs_entry e;
	EQ(ops->lookup(p, &root_ctx, FS_ROOT_ID, "sub", &e), 0);
	g->sub = e.nodeid;
	EQ(ops->lookup(p, &root_ctx, g->sub, "file", &e), 0);
	g->file = e.nodeid;
	EQ(ops->lookup(p, &root_ctx, FS_ROOT_ID, "doomed", &e), 0);
	g->doomed = e.nodeid;
	struct fs_open o = { 0 };
	EQ(ops->open(p, &root_ctx, g->file, O_RDWR | O_APPEND, &o), 0);
	g->fh = o.fh;
	EQ(ops->opendir(p, &root_ctx, g->sub, O_RDONLY, &o), 0);
	g->dfh = o.fh;
	EQ(ops->open(p, &root_ctx, g->doomed, O_RDONLY, &o), 0);
	g->doomed_fh = o.fh;
}

static int state_fd(void)
{
	int fd = memfd_create("state", MFD_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

/* A hand-made stream (what a hostile VMM may send), as pt_migrate.c
 * documents it: the header, then records and handles added by the caller,
 * then sm_end(). */
static void sm_begin(struct state_out *o, uint64_t next, uint32_t nmounts)
{
	so_init(o);
	so_bytes(o, "VFSDFS01", 8);
	so_u32(o, 1);
	so_u64(o, next);
	so_u32(o, nmounts);
}

static void sm_record_in(struct state_out *o, uint64_t nodeid, uint64_t parent, const char *name,
			 uint32_t mode, uint64_t mnt_id, uint8_t flags, const char *path,
			 int fh_type, const void *fh, uint32_t fh_len)
{
	so_u64(o, nodeid);
	so_u64(o, 1);          /* nlookup */
	so_u64(o, parent);
	so_u32(o, mode);
	so_u64(o, 0);          /* ino */
	so_u64(o, mnt_id);
	so_u8(o, flags);
	so_blob(o, name, (uint32_t)strlen(name));
	so_blob(o, path, (uint32_t)strlen(path));
	so_u32(o, (uint32_t)fh_type);
	so_blob(o, fh, fh_len);
}

static void sm_record(struct state_out *o, uint64_t nodeid, uint32_t mode, uint64_t mnt_id,
		      uint8_t flags, const char *path, int fh_type, const void *fh, uint32_t fh_len)
{
	sm_record_in(o, nodeid, 0, "", mode, mnt_id, flags, path, fh_type, fh, fh_len);
}

/* The stream in a fresh fd, checksummed, at offset 0. */
static int sm_end(struct state_out *o)
{
	so_checksum(o, 0);
	int fd = state_fd();
	EQ(so_flush(o, fd), 0);
	so_free(o);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

static ssize_t read_node(struct pt *p, uint64_t node, uint64_t fh, char *buf, size_t n)
{
	struct iovec iov = { buf, n };
	size_t done = 0;
	int r = ops->read(p, &root_ctx, node, fh, 0, n, &iov, 1, &done);
	return r < 0 ? r : (ssize_t)done;
}

struct count_sink {
	struct fs_dir_sink s;
	unsigned n;
	uint64_t last_off;
};

static int count_add(struct fs_dir_sink *s, const struct fs_dirent *d, const struct fs_entry *e)
{
	struct count_sink *k = (struct count_sink *)s;
	if (k->n >= 4)
		return 1; /* full */
	k->n++;
	k->last_off = d->off;
	return 0;
}

static void test_round_trip(void)
{
	setup(CACHE_AUTO);
	struct pt *src = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	struct guest_view g;
	guest_before(src, &g);
	/* Half a listing on the source. */
	struct count_sink k = { .s.add = count_add };
	EQ(ops->readdir(src, &root_ctx, g.sub, g.dfh, 0, false, &k.s), 0);
	CHECK(k.n == 4);
	/* The host renames the directory the guest uses and deletes a file
	 * the guest holds open: followed, and lost (guest-error mode). */
	char a[256], b[256];
	snprintf(a, sizeof(a), "%s/sub", dir);
	snprintf(b, sizeof(b), "%s/moved", dir);
	CHECK(rename(a, b) == 0);
	snprintf(a, sizeof(a), "%s/doomed", dir);
	CHECK(unlink(a) == 0);

	/* A POSIX lock: its owner's description stays behind. */
	struct flock rl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 1 };
	EQ(ops->setlk(src, &root_ctx, g.file, g.fh, 7, &rl, false, false), 0);

	int fd = state_fd();
	EQ(ops->save_state(src, fd), 0);
	off_t len = lseek(fd, 0, SEEK_CUR);
	CHECK(len > 64);

	struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_GUEST);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	EQ(ops->load_state(dst, fd), 0);
	EQ(handle_count(&dst->handles), 3); /* file, doomed, sub */
	EQ(lock_owners_count(&dst->locks), 0);

	/* Same nodeids, same fhs. */
	struct stat st;
	double t;
	EQ(ops->getattr(dst, &root_ctx, g.file, FS_NO_FH, &st, &t), 0);
	CHECK(S_ISREG(st.st_mode) && st.st_size == 15);
	char buf[64] = { 0 };
	CHECK(read_node(dst, g.file, g.fh, buf, sizeof(buf)) == 15);
	CHECK(!strcmp(buf, "hello migration"));
	/* O_APPEND travelled: a write at offset 0 lands at the end. */
	struct iovec wv = { (void *)"!", 1 };
	size_t done = 0;
	EQ(ops->write(dst, &root_ctx, g.file, g.fh, 0, &wv, 1, false, &done), 0);
	CHECK(read_node(dst, g.file, g.fh, buf, sizeof(buf)) == 16 && buf[15] == '!');
	/* The listing goes on from where the guest stopped: 22 entries in
	 * all (".", "..", file, e00..e19 = 23) less the 4 seen. */
	unsigned rest = 0;
	uint64_t off = k.last_off;
	for (;;) {
		struct count_sink k2 = { .s.add = count_add };
		EQ(ops->readdir(dst, &root_ctx, g.sub, g.dfh, off, false, &k2.s), 0);
		if (!k2.n)
			break;
		rest += k2.n;
		off = k2.last_off;
	}
	EQ(rest, 23 - 4);
	/* A lookup on the migrated directory works, new nodeids do not
	 * collide with migrated ones. */
	struct fs_entry e;
	EQ(ops->lookup(dst, &root_ctx, g.sub, "e05", &e), 0);
	CHECK(e.nodeid != g.sub && e.nodeid != g.file && e.nodeid != g.doomed);
	/* The deleted file: an error on it alone. */
	CHECK(ops->getattr(dst, &root_ctx, g.doomed, FS_NO_FH, &st, &t) < 0);
	CHECK(read_node(dst, g.doomed, g.doomed_fh, buf, sizeof(buf)) == -EBADF);
	EQ(ops->release(dst, &root_ctx, g.doomed, g.doomed_fh, 0, 0, false), 0);
	EQ(ops->release(dst, &root_ctx, g.file, g.fh, 0, 0, false), 0);
	EQ(ops->releasedir(dst, &root_ctx, g.sub, g.dfh), 0);
	close(fd);
	passthrough_free(dst);
	passthrough_free(src);
	teardown();
}

static void test_abort_on_lost(void)
{
	setup(CACHE_AUTO);
	struct pt *src = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_ABORT);
	struct guest_view g;
	guest_before(src, &g);
	char a[256];
	snprintf(a, sizeof(a), "%s/doomed", dir);
	CHECK(unlink(a) == 0);
	int fd = state_fd();
	CHECK(ops->save_state(src, fd) < 0);
	/* The source keeps serving its guest. */
	char buf[32];
	CHECK(read_node(src, g.doomed, g.doomed_fh, buf, sizeof(buf)) == 9);
	close(fd);
	passthrough_free(src);
	teardown();
}

/* By default the source sends a lost inode as lost and the destination's
 * option decides (the Rust daemon's meaning): abort refuses the load, the
 * source keeps serving; guest-error loads it. */
static void test_destination_decides(void)
{
	setup(CACHE_AUTO);
	struct pt *src = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	struct guest_view g;
	guest_before(src, &g);
	char a[256];
	snprintf(a, sizeof(a), "%s/doomed", dir);
	CHECK(unlink(a) == 0);
	int fd = state_fd();
	EQ(ops->save_state(src, fd), 0);
	struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(ops->load_state(dst, fd) < 0);
	passthrough_free(dst);
	char buf[32];
	CHECK(read_node(src, g.doomed, g.doomed_fh, buf, sizeof(buf)) == 9);
	dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_GUEST);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	EQ(ops->load_state(dst, fd), 0);
	close(fd);
	passthrough_free(dst);
	passthrough_free(src);
	teardown();
}

static void test_file_handles_mode(void)
{
	setup(CACHE_AUTO);
	struct pt *src = new_instance(MIGRATE_FILE_HANDLES, ON_ERROR_UNSET);
	struct guest_view g;
	guest_before(src, &g);
	/* Deleted but still open: the handle still reaches it. */
	char a[256];
	snprintf(a, sizeof(a), "%s/doomed", dir);
	CHECK(unlink(a) == 0);
	int fd = state_fd();
	EQ(ops->save_state(src, fd), 0);
	/* Opening by handle needs CAP_DAC_READ_SEARCH (root here). */
	CHECK(src->inodes.open_by_handle);
	{
		struct pt *dst = new_instance(MIGRATE_FILE_HANDLES, ON_ERROR_UNSET);
		CHECK(lseek(fd, 0, SEEK_SET) == 0);
		EQ(ops->load_state(dst, fd), 0);
		char buf[32] = { 0 };
		CHECK(read_node(dst, g.doomed, g.doomed_fh, buf, sizeof(buf)) == 9);
		CHECK(!strcmp(buf, "gone soon"));
		passthrough_free(dst);
	}
	close(fd);
	passthrough_free(src);
	teardown();
}

/* A file replaced on the host between the save and the load: the path
 * leads to another inode.  Without --migration-verify-handles the
 * destination cannot tell; with it, that inode fails (here: the move). */
static void test_verify_handles(void)
{
	for (int verify = 0; verify < 2; verify++) {
		setup(CACHE_AUTO);
		verify_handles = verify;
		struct pt *src = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
		struct guest_view g;
		guest_before(src, &g);
		int fd = state_fd();
		EQ(ops->save_state(src, fd), 0);
		char a[256], b[256];
		snprintf(a, sizeof(a), "%s/sub/file", dir);
		snprintf(b, sizeof(b), "%s/sub/file.old", dir);
		CHECK(rename(a, b) == 0);
		put_file("sub/file", "an impostor");
		struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
		CHECK(lseek(fd, 0, SEEK_SET) == 0);
		int r = ops->load_state(dst, fd);
		if (verify) {
			CHECK(r == -ESTALE);
		} else {
			EQ(r, 0);
			char buf[32] = { 0 };
			CHECK(read_node(dst, g.file, g.fh, buf, sizeof(buf)) == 11);
		}
		close(fd);
		passthrough_free(dst);
		passthrough_free(src);
		teardown();
	}
	verify_handles = false;
}

/* Hostile or damaged streams: refused, and the destination is left with
 * its root only. */
static void test_bad_streams(void)
{
	setup(CACHE_AUTO);
	struct pt *src = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	struct guest_view g;
	guest_before(src, &g);
	int fd = state_fd();
	EQ(ops->save_state(src, fd), 0);
	off_t len = lseek(fd, 0, SEEK_CUR);
	unsigned char *good = malloc((size_t)len);
	CHECK(pread(fd, good, (size_t)len, 0) == len);
	close(fd);

	struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	for (int cut = 0; cut <= 8; cut++) {
		/* Cut short, and (cut == 8) whole but one byte flipped at
		 * every 7th offset. */
		for (off_t at = 0; at < (cut == 8 ? len : 1); at += 7) {
			int bad = state_fd();
			size_t n = cut < 8 ? (size_t)(len * cut / 8) : (size_t)len;
			CHECK(write(bad, good, n) == (ssize_t)n);
			if (cut == 8) {
				unsigned char x = good[at] ^ 0x5a;
				CHECK(pwrite(bad, &x, 1, at) == 1);
			}
			CHECK(lseek(bad, 0, SEEK_SET) == 0);
			CHECK(ops->load_state(dst, bad) < 0);
			close(bad);
			EQ(inode_table_count(&dst->inodes), 1);
			EQ(handle_count(&dst->handles), 0);
		}
	}
	/* Random bytes. */
	srand(7);
	for (int round = 0; round < 50; round++) {
		int bad = state_fd();
		unsigned char junk[512];
		for (size_t k = 0; k < sizeof(junk); k++)
			junk[k] = (unsigned char)rand();
		CHECK(write(bad, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
		CHECK(lseek(bad, 0, SEEK_SET) == 0);
		CHECK(ops->load_state(dst, bad) < 0);
		close(bad);
	}
	/* The good one still loads after all that. */
	int ok = state_fd();
	CHECK(write(ok, good, (size_t)len) == len);
	CHECK(lseek(ok, 0, SEEK_SET) == 0);
	EQ(ops->load_state(dst, ok), 0);
	CHECK(inode_table_count(&dst->inodes) >= 4);
	close(ok);
	free(good);
	passthrough_free(dst);
	passthrough_free(src);
	teardown();
}

/* Nodeids from the stream near 2^64: the next one handed out would wrap to
 * 0 and then to FS_ROOT_ID, a second record under the root's nodeid that
 * shadows the root.  Refused, and new nodeids stay sane. */
static void test_nodeid_wrap(void)
{
	setup(CACHE_AUTO);
	put_file("f", "f");
	put_file("g", "g");
	struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	for (int round = 0; round < 3; round++) {
		struct state_out o;
		if (round == 0) {       /* a record's nodeid */
			sm_begin(&o, 2, 0);
			so_u32(&o, 1);
			sm_record(&o, UINT64_MAX, S_IFREG, 0, 0x2, "f", 0, NULL, 0);
		} else {                /* the next nodeid */
			sm_begin(&o, round == 1 ? UINT64_MAX : UINT64_MAX - 1, 0);
			so_u32(&o, 0);
		}
		so_u32(&o, 0); /* handles */
		int fd = sm_end(&o);
		CHECK(ops->load_state(dst, fd) < 0);
		close(fd);
		struct fs_entry e;
		for (int k = 0; k < 3; k++) {
			EQ(ops->lookup(dst, &root_ctx, FS_ROOT_ID, k ? "g" : "f", &e), 0);
			CHECK(e.nodeid > FS_ROOT_ID && e.nodeid < UINT64_MAX / 2);
			ops->forget(dst, e.nodeid, 1);
		}
		/* The root is still the root. */
		EQ(ops->lookup(dst, &root_ctx, FS_ROOT_ID, "f", &e), 0);
		ops->forget(dst, e.nodeid, 1);
	}
	passthrough_free(dst);
	teardown();
}

/* Node n's open file in the stream below: slot n - 5, generation 1. */
#define FH_OF(n) ((1ull << 32) | ((n) - 5))

/* A file handle of path for a hand-made stream. */
struct handle_buf {
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 128];
	};
};

static void handle_of(const char *path, struct handle_buf *h)
{
	int mnt;
	h->fh.handle_bytes = 128;
	CHECK(name_to_handle_at(AT_FDCWD, path, &h->fh, &mnt, 0) == 0);
}

/* out (a mkdtemp template) made beside the share, holding secret. */
static void make_secret(char *out, char *secret, size_t len)
{
	CHECK(mkdtemp(out));
	snprintf(secret, len, "%s/secret", out);
	FILE *f = fopen(secret, "w");
	CHECK(f);
	fputs("host secret", f);
	fclose(f);
}

/* A record that carries only a file handle, of a file outside the share on
 * the same filesystem: open_by_handle_at reaches any inode of it.  A
 * find-paths destination never opens a handle from the stream; a
 * file-handles one keeps only what lies below the share. */
static void test_handle_outside_share(enum migration_mode mode)
{
	setup(CACHE_AUTO);
	char out[] = "/tmp/test_fs_outside.XXXXXX", secret[64];
	make_secret(out, secret, sizeof(secret));
	struct handle_buf h;
	handle_of(secret, &h);

	struct state_out o;
	sm_begin(&o, 6, 1);
	so_u64(&o, 77);                /* a mount: the share's root */
	so_blob(&o, "", 0);
	so_u32(&o, 1);
	sm_record(&o, 5, S_IFREG, 77, 0, "", h.fh.handle_type, h.fh.f_handle,
		  h.fh.handle_bytes);
	so_u32(&o, 1);                 /* one open file on it */
	uint64_t fh = 1ull << 32;
	so_u64(&o, fh);
	so_u32(&o, HANDLE_FILE);
	so_u64(&o, 5);
	so_u32(&o, O_RDONLY);
	int fd = sm_end(&o);

	struct pt *dst = new_instance(mode, ON_ERROR_GUEST);
	EQ(ops->load_state(dst, fd), 0);
	char buf[32] = { 0 };
	CHECK(read_node(dst, 5, fh, buf, sizeof(buf)) < 0);
	struct stat st;
	double t;
	CHECK(ops->getattr(dst, &root_ctx, 5, FS_NO_FH, &st, &t) < 0);
	close(fd);
	passthrough_free(dst);
	CHECK(unlink(secret) == 0 && rmdir(out) == 0);
	teardown();
}

/* The same with the share as the daemon's root, as the namespace and
 * chroot sandboxes make it: /proc then shows a file outside the share as
 * its path from the filesystem's root, which a check of the path's start
 * takes for one below "/".  Only what a path beneath the share leads to
 * is kept; a file deleted on the host has no such path and is lost. */
static void test_handles_with_share_as_root(void)
{
	setup(CACHE_AUTO);
	char out[] = "/tmp/test_fs_outside.XXXXXX", secret[64], inside[300], doomed[300];
	make_secret(out, secret, sizeof(secret));
	put_file("inside", "inside");
	put_file("doomed", "doomed");
	snprintf(inside, sizeof(inside), "%s/inside", dir);
	snprintf(doomed, sizeof(doomed), "%s/doomed", dir);
	struct handle_buf hs, hi, hd;
	handle_of(secret, &hs);
	handle_of(inside, &hi);
	handle_of(doomed, &hd);
	/* Deleted, kept alive by this fd, so a handle still reaches it. */
	int keep = open(doomed, O_RDONLY);
	CHECK(keep >= 0 && unlink(doomed) == 0);

	struct state_out o;
	sm_begin(&o, 8, 1);
	so_u64(&o, 77);                /* a mount: the share's root */
	so_blob(&o, "", 0);
	so_u32(&o, 3);
	sm_record(&o, 5, S_IFREG, 77, 0, "", hs.fh.handle_type, hs.fh.f_handle, hs.fh.handle_bytes);
	sm_record(&o, 6, S_IFREG, 77, 0, "", hi.fh.handle_type, hi.fh.f_handle, hi.fh.handle_bytes);
	sm_record(&o, 7, S_IFREG, 77, 0, "", hd.fh.handle_type, hd.fh.f_handle, hd.fh.handle_bytes);
	so_u32(&o, 3);                 /* an open file on each */
	for (uint64_t n = 5; n <= 7; n++) {
		so_u64(&o, FH_OF(n));
		so_u32(&o, HANDLE_FILE);
		so_u64(&o, n);
		so_u32(&o, O_RDONLY);
	}
	int fd = sm_end(&o);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The daemon is made first (it opens /proc), then rooted. */
		struct pt *dst = new_instance(MIGRATE_FILE_HANDLES, ON_ERROR_GUEST);
		CHECK(chroot(dir) == 0 && chdir("/") == 0);
		EQ(ops->load_state(dst, fd), 0);
		char buf[32] = { 0 };
		CHECK(read_node(dst, 5, FH_OF(5), buf, sizeof(buf)) < 0);
		EQ(read_node(dst, 6, FH_OF(6), buf, sizeof(buf)), 6);
		CHECK(!strcmp(buf, "inside"));
		CHECK(read_node(dst, 7, FH_OF(7), buf, sizeof(buf)) < 0);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	close(keep);
	CHECK(unlink(secret) == 0 && rmdir(out) == 0);
	teardown();
}

/* A record's name is one component: the destination opens it in its
 * parent's fd once the record's own fd is evicted, and "x/../.." would walk
 * out of the share.  Refused as a malformed stream. */
static void test_name_with_slash(void)
{
	setup(CACHE_AUTO);
	put_file("f", "f");
	struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	static const char *const names[] = { "f", "x/../f", "../f", "f/" };
	for (int k = 0; k < 4; k++) {
		struct state_out o;
		sm_begin(&o, 6, 0);
		so_u32(&o, 1);
		sm_record_in(&o, 5, FS_ROOT_ID, names[k], S_IFREG, 0, 0x2, "f", 0, NULL, 0);
		so_u32(&o, 0);
		int fd = sm_end(&o);
		int r = ops->load_state(dst, fd);
		close(fd);
		if (k == 0) {
			EQ(r, 0);
			ops->forget(dst, 5, 1);
		} else {
			CHECK(r < 0);
		}
		EQ(inode_table_count(&dst->inodes), 1);
	}
	passthrough_free(dst);
	teardown();
}

/* A --readonly destination opens nothing for writing: a file handle the
 * stream says was open for writing (a writable source, or a VMM's lie) is
 * lost like one that cannot be opened, not opened read-write (its
 * description would take write locks on the host file). */
static void test_readonly_destination(void)
{
	setup(CACHE_AUTO);
	struct pt *src = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	struct guest_view g;
	guest_before(src, &g); /* g.fh: O_RDWR | O_APPEND */
	int fd = state_fd();
	EQ(ops->save_state(src, fd), 0);

	read_only = true;
	struct pt *dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_UNSET);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	EQ(ops->load_state(dst, fd), -EROFS);
	EQ(handle_count(&dst->handles), 0);
	passthrough_free(dst);

	dst = new_instance(MIGRATE_FIND_PATHS, ON_ERROR_GUEST);
	read_only = false;
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	EQ(ops->load_state(dst, fd), 0);
	EQ(handle_count(&dst->handles), 3);
	CHECK(handle_get(&dst->handles, g.fh, HANDLE_FILE) == NULL); /* lost: EBADF */
	char buf[16];
	CHECK(read_node(dst, g.doomed, g.doomed_fh, buf, sizeof(buf)) == 9);
	EQ(ops->release(dst, &root_ctx, g.file, g.fh, 0, 0, false), 0);
	close(fd);
	passthrough_free(dst);
	passthrough_free(src);
	teardown();
}

/* si_slurp's cap: a state of exactly the cap loads (the save may write it),
 * one byte more is -EFBIG; caps that are not 64 KiB doublings too. */
static void slurp_case(size_t max, size_t n, int want)
{
	int fd = memfd_create("state", 0);
	CHECK(fd >= 0);
	unsigned char *src = malloc(n ? n : 1);
	CHECK(src);
	for (size_t i = 0; i < n; i++)
		src[i] = (unsigned char)(i * 7);
	CHECK(write(fd, src, n) == (ssize_t)n);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	unsigned char *buf = NULL;
	size_t len = 0;
	EQ(si_slurp_max(fd, max, &buf, &len), want);
	if (want == 0) {
		EQ(len, n);
		CHECK(memcmp(buf, src, n) == 0);
		free(buf);
	}
	free(src);
	close(fd);
}

static void test_slurp_cap(void)
{
	const size_t sizes[] = { 256 * 1024, 100000, 64 * 1024, 1000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t max = sizes[i];
		slurp_case(max, max, 0);
		slurp_case(max, max - 1, 0);
		slurp_case(max, max + 1, -EFBIG);
		slurp_case(max, 0, 0);
	}
}

int main(void)
{
	test_slurp_cap();
	test_round_trip();
	test_abort_on_lost();
	test_destination_decides();
	test_file_handles_mode();
	test_verify_handles();
	test_bad_streams();
	test_nodeid_wrap();
	test_handle_outside_share(MIGRATE_FIND_PATHS);
	test_handle_outside_share(MIGRATE_FILE_HANDLES);
	test_handles_with_share_as_root();
	test_name_with_slash();
	test_readonly_destination();
	printf("test_fs_migrate: ok\n");
	return 0;
}
