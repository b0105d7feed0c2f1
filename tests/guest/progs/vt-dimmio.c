/* vt-dimmio write|read FILE MIB SEED BASE: O_DIRECT I/O of MIB MiB through
 * one buffer, and where that buffer lies in guest-physical memory: the
 * count of its pages at or above BASE (hot-plugged DIMMs sit above the boot
 * RAM), from /proc/self/pagemap (root sees the frame numbers).  So the
 * daemon is known to read (write) or write (read) guest memory in the new
 * DIMMs.  write: the buffer holds SEED's pattern (vt_pattern) and goes to
 * FILE from offset 0, then fsync; read: the buffer is filled with 0x5a, FILE
 * is read into it and every byte checked.  Prints "OK pages=N high=H" (H of
 * the N pages at or above BASE, counted after the I/O, which pins them),
 * "BAD offset=O got=X want=Y" on the first wrong byte, "ERR ENAME" on a
 * failed call. */
#include "vt.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static long count_high(const unsigned char *buf, size_t len, unsigned long long base, long *pages)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	vt_check(fd);
	long page = sysconf(_SC_PAGESIZE), high = 0;
	*pages = 0;
	for (size_t off = 0; off < len; off += (size_t)page) {
		uint64_t ent;
		off_t at = (off_t)(((uintptr_t)buf + off) / (uintptr_t)page * sizeof(ent));
		if (pread(fd, &ent, sizeof(ent), at) != (ssize_t)sizeof(ent))
			vt_errno_exit();
		(*pages)++;
		if (!(ent >> 63))
			continue; /* not present (cannot be: the buffer was touched) */
		unsigned long long pfn = ent & ((1ull << 55) - 1);
		if (pfn == 0) {
			fprintf(stderr, "pagemap shows no frame numbers (not root?)\n");
			exit(1);
		}
		if (pfn * (unsigned long long)page >= base)
			high++;
	}
	close(fd);
	return high;
}

int main(int argc, char **argv)
{
	if (argc != 6)
		vt_usage("vt-dimmio write|read FILE MIB SEED BASE");
	int wr = strcmp(argv[1], "write") == 0;
	if (!wr && strcmp(argv[1], "read") != 0)
		vt_usage("vt-dimmio write|read FILE MIB SEED BASE");
	size_t len = (size_t)vt_number(argv[3]) << 20;
	unsigned seed = (unsigned)vt_number(argv[4]);
	unsigned long long base = (unsigned long long)vt_number(argv[5]);
	unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		vt_errno_exit();
	/* No huge pages: each 4 KiB page is placed (and counted) on its own. */
	madvise(buf, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i++)
		buf[i] = wr ? vt_pattern(seed, i) : 0x5a;
	int fd = open(argv[2], wr ? O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT : O_RDONLY | O_DIRECT, 0644);
	vt_check(fd);
	for (size_t done = 0; done < len;) {
		ssize_t n = wr ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
		vt_check((int)(n < 0 ? -1 : 0));
		if (n == 0) {
			printf("ERR short file: %zu of %zu bytes\n", done, len);
			return 1;
		}
		done += (size_t)n;
	}
	if (wr)
		vt_check(fsync(fd));
	close(fd);
	if (!wr) {
		for (size_t i = 0; i < len; i++) {
			if (buf[i] != vt_pattern(seed, i)) {
				printf("BAD offset=%zu got=%#x want=%#x\n", i, buf[i], vt_pattern(seed, i));
				return 1;
			}
		}
	}
	long pages;
	long high = count_high(buf, len, base, &pages);
	printf("OK pages=%ld high=%ld\n", pages, high);
	return 0;
}
