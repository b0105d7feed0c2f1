/* vt-fds: holds descriptors open across a live migration.  It reads one
 * command a line on stdin and answers one line on stdout ("OK ..." or
 * "ERR ..."), so a guest script drives it through two FIFOs, asks the host to
 * migrate in between, and goes on with the very same descriptors.
 *
 *   open SLOT PATH MODE   MODE letters: r (read), w (write), + (read-write),
 *                         a (append, write-only), c (create), t (truncate),
 *                         d (directory), D (O_DIRECT), N (O_NOATIME); SLOT
 *                         is 0..63
 *   close SLOT
 *   read SLOT LEN SEED    reads LEN bytes at the current offset (looping on
 *                         short reads) and checks them against the pattern of
 *                         SEED at their file offsets: "OK pos=NEW-OFFSET"
 *   write SLOT LEN SEED   writes LEN pattern bytes where they land (the
 *                         current offset, or the end with O_APPEND)
 *   pos SLOT              "OK OFFSET"
 *   fstat SLOT            "OK size=N nlink=N ino=N"
 *   fsync SLOT
 *   mmap SLOT LEN SEED    a shared writable mapping of the file's first LEN
 *                         bytes (the file grows to LEN first): checks the
 *                         pattern of SEED where it is, writes the pattern
 *                         of SEED+1 through the mapping, msync(MS_SYNC)
 *                         ("OK old-ok=0|1"; the file then holds SEED+1's)
 *   lock SLOT r|w|u       a POSIX record lock on the whole file (F_SETLK:
 *                         never waits; ERR EAGAIN when another holds it)
 *   flock SLOT sh|ex|un   flock(2), LOCK_NB
 *   readdir SLOT N        reads at least N more entries (or to the end) with
 *                         small getdents64 calls and remembers their names:
 *                         "OK n=READ total=ALL eof=0|1"
 *   dircheck SLOT PREFIX COUNT
 *                         after the whole listing: ".", ".." and PREFIX000 ..
 *                         PREFIX(COUNT-1) each seen exactly once, nothing else
 *   buf SIZE BYTE         a buffer of SIZE bytes (1 MiB aligned, for
 *                         O_DIRECT) filled with BYTE
 *   bufwrite SLOT SEED    fills the buffer with the pattern of SEED and
 *                         writes it at offset 0 (1 MiB a call)
 *   bufread SLOT          reads the file from offset 0 into the buffer
 *                         (1 MiB a call): the daemon writes guest memory
 *   bufcheck SEED         checks the buffer against the pattern, 4 KiB page
 *                         by page: "OK pages=N", or "ERR bad-pages=N
 *                         stale=M first=OFFSET" (stale: a page still holding
 *                         the fill byte, as after a missed dirty page)
 *   quit
 *
 * The pattern byte at file offset O for seed S is vt_pattern(S, O) (vt.h);
 * host scripts compute the same bytes to make and check files. */
#include "vt.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 64
#define MAX_NAMES 100000

struct slot {
	int fd;
	int append;
	char **names;
	int nnames;
	int eof;
};

static struct slot slots[SLOTS];
static unsigned char *big;
static size_t big_size;
static int big_fill;

#define CHUNK (1 << 20)

static void err_errno(void)
{
	const char *name = strerrorname_np(errno);
	printf("ERR %s\n", name ? name : "EUNKNOWN");
}

/* The answer to a command that is one system call: OK, or ERR errno. */
static void reply_status(int r)
{
	if (r < 0)
		err_errno();
	else
		printf("OK\n");
}

/* NAME's value in a table of n names and values, or -1. */
static int lookup_word(const char *name, const char *const *names, const int *values, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return values[i];
	return -1;
}

static struct slot *get_slot(const char *s, int want_open)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n < 0 || n >= SLOTS) {
		printf("ERR bad-slot %s\n", s);
		return NULL;
	}
	if (want_open && slots[n].fd < 0) {
		printf("ERR slot-closed %s\n", s);
		return NULL;
	}
	return &slots[n];
}

static int open_flags(const char *mode, int *append)
{
	int acc = -1, fl = O_CLOEXEC;
	*append = 0;
	for (const char *m = mode; *m; m++) {
		switch (*m) {
		case 'r': acc = acc == O_WRONLY ? O_RDWR : O_RDONLY; break;
		case 'w': acc = acc == O_RDONLY ? O_RDWR : O_WRONLY; break;
		case '+': acc = O_RDWR; break;
		case 'a': acc = acc < 0 ? O_WRONLY : acc; fl |= O_APPEND; *append = 1; break;
		case 'c': fl |= O_CREAT; break;
		case 't': fl |= O_TRUNC; break;
		case 'd': acc = O_RDONLY; fl |= O_DIRECTORY; break;
		case 'D': fl |= O_DIRECT; break;
		case 'N': fl |= O_NOATIME; break;
		default: return -1;
		}
	}
	return (acc < 0 ? O_RDONLY : acc) | fl;
}

static void cmd_read(struct slot *sl, long long len, unsigned seed)
{
	off_t pos = lseek(sl->fd, 0, SEEK_CUR);
	if (pos < 0) {
		err_errno();
		return;
	}
	unsigned char buf[65536];
	long long done = 0;
	while (done < len) {
		size_t want = len - done > (long long)sizeof(buf) ? sizeof(buf) : (size_t)(len - done);
		ssize_t n = read(sl->fd, buf, want);
		if (n < 0) {
			err_errno();
			return;
		}
		if (n == 0) {
			printf("ERR short n=%lld want=%lld\n", done, len);
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			uint64_t off = (uint64_t)pos + (uint64_t)done + (uint64_t)i;
			if (buf[i] != vt_pattern(seed, off)) {
				printf("ERR mismatch at=%llu got=%u want=%u\n",
				       (unsigned long long)off, buf[i], vt_pattern(seed, off));
				return;
			}
		}
		done += n;
	}
	printf("OK pos=%lld\n", (long long)pos + done);
}

static void cmd_mmap(struct slot *sl, long long len, unsigned seed)
{
	struct stat st;
	if (len <= 0 || fstat(sl->fd, &st) < 0 || (st.st_size < len && ftruncate(sl->fd, len) < 0)) {
		err_errno();
		return;
	}
	unsigned char *m = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, sl->fd, 0);
	if (m == MAP_FAILED) {
		err_errno();
		return;
	}
	int old_ok = 1;
	for (long long i = 0; i < len; i++) {
		old_ok &= m[i] == vt_pattern(seed, (uint64_t)i);
		m[i] = vt_pattern(seed + 1, (uint64_t)i);
	}
	int r = msync(m, (size_t)len, MS_SYNC);
	munmap(m, (size_t)len);
	if (r < 0)
		err_errno();
	else
		printf("OK old-ok=%d\n", old_ok);
}

static void cmd_write(struct slot *sl, long long len, unsigned seed)
{
	off_t pos;
	if (sl->append) {
		struct stat st;
		if (fstat(sl->fd, &st) < 0) {
			err_errno();
			return;
		}
		pos = st.st_size;
	} else {
		pos = lseek(sl->fd, 0, SEEK_CUR);
		if (pos < 0) {
			err_errno();
			return;
		}
	}
	unsigned char buf[65536];
	long long done = 0;
	while (done < len) {
		size_t n = len - done > (long long)sizeof(buf) ? sizeof(buf) : (size_t)(len - done);
		for (size_t i = 0; i < n; i++)
			buf[i] = vt_pattern(seed, (uint64_t)pos + (uint64_t)done + i);
		ssize_t w = write(sl->fd, buf, n);
		if (w < 0) {
			err_errno();
			return;
		}
		if (w == 0) {
			printf("ERR short-write n=%lld\n", done);
			return;
		}
		done += w;
	}
	printf("OK pos=%lld\n", (long long)pos + done);
}

static void remember(struct slot *sl, const char *name)
{
	if (sl->nnames >= MAX_NAMES)
		return;
	if (!sl->names) {
		sl->names = calloc(MAX_NAMES, sizeof(char *));
		if (!sl->names) {
			perror("calloc");
			exit(1);
		}
	}
	sl->names[sl->nnames++] = strdup(name);
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void cmd_readdir(struct slot *sl, long want)
{
	/* Small calls: each returns one or two entries, so the guest kernel's
	 * position in the listing stays where we stopped. */
	char buf[64] __attribute__((aligned(8)));
	long got = 0;
	while (got < want && !sl->eof) {
		long n = syscall(SYS_getdents64, sl->fd, buf, sizeof(buf));
		if (n < 0) {
			err_errno();
			return;
		}
		if (n == 0) {
			sl->eof = 1;
			break;
		}
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			remember(sl, d->d_name);
			got++;
			off += d->d_reclen;
		}
	}
	printf("OK n=%ld total=%d eof=%d\n", got, sl->nnames, sl->eof);
}

static void cmd_buf(long long size, int byte)
{
	free(big);
	big = NULL;
	big_size = 0;
	if (size <= 0 || size % 4096 || posix_memalign((void **)&big, CHUNK, (size_t)size)) {
		printf("ERR buf-size %lld\n", size);
		return;
	}
	big_size = (size_t)size;
	big_fill = byte & 0xff;
	memset(big, big_fill, big_size);
	printf("OK\n");
}

static void cmd_bufio(struct slot *sl, int do_write, unsigned seed)
{
	if (!big) {
		printf("ERR no-buf\n");
		return;
	}
	if (do_write)
		for (size_t i = 0; i < big_size; i++)
			big[i] = vt_pattern(seed, i);
	for (size_t off = 0; off < big_size;) {
		size_t n = big_size - off > CHUNK ? CHUNK : big_size - off;
		ssize_t r = do_write ? pwrite(sl->fd, big + off, n, (off_t)off)
				     : pread(sl->fd, big + off, n, (off_t)off);
		if (r < 0) {
			err_errno();
			return;
		}
		if (r == 0) {
			printf("ERR short at=%zu\n", off);
			return;
		}
		off += (size_t)r;
	}
	printf("OK\n");
}

static void cmd_bufcheck(unsigned seed)
{
	if (!big) {
		printf("ERR no-buf\n");
		return;
	}
	long bad = 0, stale = 0;
	long long first = -1;
	for (size_t page = 0; page < big_size; page += 4096) {
		int ok = 1, all_fill = 1;
		for (size_t i = page; i < page + 4096; i++) {
			if (big[i] != vt_pattern(seed, i))
				ok = 0;
			if (big[i] != big_fill)
				all_fill = 0;
		}
		if (!ok) {
			bad++;
			stale += all_fill;
			if (first < 0)
				first = (long long)page;
		}
	}
	if (bad)
		printf("ERR bad-pages=%ld stale=%ld first=%lld\n", bad, stale, first);
	else
		printf("OK pages=%zu\n", big_size / 4096);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cmd_dircheck(struct slot *sl, const char *prefix, long count)
{
	if (!sl->eof) {
		printf("ERR listing-not-finished total=%d\n", sl->nnames);
		return;
	}
	qsort(sl->names, sl->nnames, sizeof(char *), cmp_str);
	long dups = 0, extra = 0, missing = 0;
	char first_bad[320] = "";
	for (int i = 1; i < sl->nnames; i++) {
		if (strcmp(sl->names[i], sl->names[i - 1]) == 0) {
			if (!dups++)
				snprintf(first_bad, sizeof(first_bad), "dup:%s", sl->names[i]);
		}
	}
	/* Expected names, checked by binary search. */
	char name[280];
	long found = 0;
	for (long i = -2; i < count; i++) {
		if (i == -2)
			snprintf(name, sizeof(name), ".");
		else if (i == -1)
			snprintf(name, sizeof(name), "..");
		else
			snprintf(name, sizeof(name), "%s%03ld", prefix, i);
		const char *key = name;
		if (bsearch(&key, sl->names, sl->nnames, sizeof(char *), cmp_str)) {
			found++;
		} else if (!missing++ && !first_bad[0]) {
			snprintf(first_bad, sizeof(first_bad), "missing:%s", name);
		}
	}
	extra = sl->nnames - dups - found;
	if (dups || missing || extra)
		printf("ERR total=%d dups=%ld missing=%ld extra=%ld %s\n", sl->nnames, dups,
		       missing, extra, first_bad);
	else
		printf("OK total=%d\n", sl->nnames);
}

int main(void)
{
	char line[4200];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < SLOTS; i++)
		slots[i].fd = -1;
	while (fgets(line, sizeof(line), stdin)) {
		char *argv[8] = { 0 };
		int argc = 0;
		for (char *tok = strtok(line, " \t\n"); tok && argc < 8; tok = strtok(NULL, " \t\n"))
			argv[argc++] = tok;
		if (argc == 0)
			continue;
		const char *cmd = argv[0];
		struct slot *sl;
		if (!strcmp(cmd, "quit")) {
			printf("OK\n");
			return 0;
		} else if (!strcmp(cmd, "open") && argc == 4) {
			if (!(sl = get_slot(argv[1], 0)))
				continue;
			int append, fl = open_flags(argv[3], &append);
			if (fl < 0) {
				printf("ERR bad-mode %s\n", argv[3]);
				continue;
			}
			if (sl->fd >= 0)
				close(sl->fd);
			free(sl->names);
			memset(sl, 0, sizeof(*sl));
			sl->fd = open(argv[2], fl, 0644);
			sl->append = append;
			reply_status(sl->fd);
		} else if (!strcmp(cmd, "close") && argc == 2) {
			if (!(sl = get_slot(argv[1], 1)))
				continue;
			int r = close(sl->fd);
			sl->fd = -1;
			reply_status(r);
		} else if (!strcmp(cmd, "read") && argc == 4) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_read(sl, vt_number(argv[2]), (unsigned)vt_number(argv[3]));
		} else if (!strcmp(cmd, "write") && argc == 4) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_write(sl, vt_number(argv[2]), (unsigned)vt_number(argv[3]));
		} else if (!strcmp(cmd, "pos") && argc == 2) {
			if (!(sl = get_slot(argv[1], 1)))
				continue;
			off_t p = lseek(sl->fd, 0, SEEK_CUR);
			if (p < 0)
				err_errno();
			else
				printf("OK %lld\n", (long long)p);
		} else if (!strcmp(cmd, "fstat") && argc == 2) {
			if (!(sl = get_slot(argv[1], 1)))
				continue;
			struct stat st;
			if (fstat(sl->fd, &st) < 0)
				err_errno();
			else
				printf("OK size=%lld nlink=%lu ino=%llu\n", (long long)st.st_size,
				       (unsigned long)st.st_nlink, (unsigned long long)st.st_ino);
		} else if (!strcmp(cmd, "fsync") && argc == 2) {
			if (!(sl = get_slot(argv[1], 1)))
				continue;
			reply_status(fsync(sl->fd));
		} else if (!strcmp(cmd, "mmap") && argc == 4) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_mmap(sl, vt_number(argv[2]), (unsigned)vt_number(argv[3]));
		} else if (!strcmp(cmd, "lock") && argc == 3) {
			if (!(sl = get_slot(argv[1], 1)))
				continue;
			static const char *const names[] = { "r", "w", "u" };
			static const int types[] = { F_RDLCK, F_WRLCK, F_UNLCK };
			int type = lookup_word(argv[2], names, types, 3);
			if (type < 0) {
				printf("ERR bad-lock-type %s\n", argv[2]);
				continue;
			}
			struct flock fl = { .l_type = (short)type, .l_whence = SEEK_SET };
			reply_status(fcntl(sl->fd, F_SETLK, &fl));
		} else if (!strcmp(cmd, "flock") && argc == 3) {
			if (!(sl = get_slot(argv[1], 1)))
				continue;
			static const char *const names[] = { "sh", "ex", "un" };
			static const int ops[] = { LOCK_SH, LOCK_EX, LOCK_UN };
			int op = lookup_word(argv[2], names, ops, 3);
			if (op < 0) {
				printf("ERR bad-flock-op %s\n", argv[2]);
				continue;
			}
			reply_status(flock(sl->fd, op | LOCK_NB));
		} else if (!strcmp(cmd, "readdir") && argc == 3) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_readdir(sl, (long)vt_number(argv[2]));
		} else if (!strcmp(cmd, "dircheck") && argc == 4) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_dircheck(sl, argv[2], (long)vt_number(argv[3]));
		} else if (!strcmp(cmd, "buf") && argc == 3) {
			cmd_buf(vt_number(argv[1]), (int)vt_number(argv[2]));
		} else if (!strcmp(cmd, "bufwrite") && argc == 3) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_bufio(sl, 1, (unsigned)vt_number(argv[2]));
		} else if (!strcmp(cmd, "bufread") && argc == 2) {
			if ((sl = get_slot(argv[1], 1)))
				cmd_bufio(sl, 0, 0);
		} else if (!strcmp(cmd, "bufcheck") && argc == 2) {
			cmd_bufcheck((unsigned)vt_number(argv[1]));
		} else {
			printf("ERR bad-command %s argc=%d\n", cmd, argc);
		}
	}
	return 0;
}
