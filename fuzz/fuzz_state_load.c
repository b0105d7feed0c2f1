/* libFuzzer target: the passthrough's migration state loader (src/fs/
 * pt_migrate.c), which reads a stream the VMM hands over.  A hostile VMM
 * can make the checksum right, so the checksum is fixed up here and the
 * fuzzer exercises the field checks behind it.  Half the inputs are raw
 * streams; the other half are edits of a real state saved from a small
 * tree (byte writes at chosen offsets, then a cut), which reach deep into
 * the records.  After every load the filesystem is reset and must be back
 * to its root alone. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/passthrough.h"
#include "fs/pt.h"
#include "fs/state_io.h"
#include "log/log.h"

static struct pt *pt;
static char dir[64];
static unsigned char *good;
static size_t good_len;

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void put(const char *rel, int is_dir)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (is_dir) {
		mkdir(p, 0755);
	} else {
		int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd >= 0) {
			if (write(fd, "data", 4) != 4)
				abort();
			close(fd);
		}
	}
}

static struct pt *instance(void)
{
	struct passthrough_options o = {
		.root = dir, .cache = CACHE_AUTO, .xattr = true, .announce_submounts = true,
		.file_handles = IFH_PREFER, .migration_mode = MIGRATE_FILE_HANDLES,
		.migration_guest_error = true,
	};
	char err[256];
	struct pt *p = passthrough_new(&o, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "passthrough_new: %s\n", err);
		abort();
	}
	struct fs_conn conn = { .submounts = true, .max_write = 1 << 20 };
	passthrough_ops.init(p, &conn);
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_setup(LOG_LVL_ERROR, 0);
	strcpy(dir, "/tmp/fuzz_state.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	put("d", 1);
	put("d/e", 1);
	put("d/e/f", 0);
	put("g", 0);
	put("h", 0);
	/* A real state: a few nodes known, a file and a directory open. */
	struct pt *src = instance();
	const struct fs_ctx c = { .uid = 0, .gid = 0, .pid = 1 };
	struct fs_entry e;
	uint64_t d = 0, ed = 0, f = 0;
	if (passthrough_ops.lookup(src, &c, FS_ROOT_ID, "d", &e) == 0)
		d = e.nodeid;
	if (d && passthrough_ops.lookup(src, &c, d, "e", &e) == 0)
		ed = e.nodeid;
	if (ed && passthrough_ops.lookup(src, &c, ed, "f", &e) == 0)
		f = e.nodeid;
	passthrough_ops.lookup(src, &c, FS_ROOT_ID, "g", &e);
	struct fs_open o = { 0 };
	if (f)
		passthrough_ops.open(src, &c, f, O_RDWR, &o);
	if (d)
		passthrough_ops.opendir(src, &c, d, O_RDONLY, &o);
	int fd = memfd_create("state", MFD_CLOEXEC);
	if (fd < 0 || passthrough_ops.save_state(src, fd) < 0)
		abort();
	good_len = (size_t)lseek(fd, 0, SEEK_CUR);
	good = malloc(good_len);
	if (!good || pread(fd, good, good_len, 0) != (ssize_t)good_len)
		abort();
	close(fd);
	passthrough_free(src);
	pt = instance();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	unsigned char *s;
	size_t n;
	if (data[0] & 1) {
		/* Edits of the real state: (offset hi, offset lo, value) triples,
		 * and the last byte cuts the stream to a fraction of its length. */
		n = good_len - 8; /* without its checksum */
		s = malloc(n + 8);
		memcpy(s, good, n);
		size_t k = 1;
		for (; k + 3 <= size - 1; k += 3) {
			size_t at = ((size_t)data[k] << 8 | data[k + 1]) % n;
			s[at] = data[k + 2];
		}
		if (size >= 2 && data[size - 1] < 64)
			n = n * data[size - 1] / 64;
	} else {
		n = size - 1;
		s = malloc(n + 8);
		memcpy(s, data + 1, n);
	}
	uint64_t sum = state_fnv1a(s, n);
	for (int b = 0; b < 8; b++)
		s[n + b] = (unsigned char)(sum >> (8 * b));
	int fd = memfd_create("state", MFD_CLOEXEC);
	if (fd < 0 || write(fd, s, n + 8) != (ssize_t)(n + 8) || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	free(s);
	passthrough_ops.load_state(pt, fd);
	close(fd);
	/* Back to the root alone for the next input. */
	passthrough_ops.destroy(pt);
	if (inode_table_count(&pt->inodes) != 1 || handle_count(&pt->handles) != 0)
		abort();
	return 0;
}
