/* vt-dirtier MIB: rewrites a buffer of MIB MiB over and over until killed, so that a live migration always finds
 * more dirty guest pages than it can send in its downtime limit and does not
 * converge (tests/guest/migration/fio-verify). */
#include "vt.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		vt_usage("vt-dirtier MIB");
	size_t size = (size_t)vt_number(argv[1]) << 20;
	unsigned char *buf = malloc(size);
	if (!buf) {
		perror("malloc");
		return 1;
	}
	for (unsigned char v = 1;; v++) {
		memset(buf, v ? v : 1, size);
		/* The stores must happen: nothing ever reads the buffer. */
		__asm__ volatile("" : : "r"(buf) : "memory");
	}
}
