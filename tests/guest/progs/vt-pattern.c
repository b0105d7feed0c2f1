/* vt-pattern SEED OFFSET LEN: writes the test pattern bytes of SEED for file
 * offsets OFFSET .. OFFSET+LEN-1 to stdout (vt_pattern in vt.h).  Static, so
 * the host scripts run it too, to make and check files. */
#include "vt.h"

#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4)
		vt_usage("vt-pattern SEED OFFSET LEN");
	unsigned seed = (unsigned)vt_number(argv[1]);
	unsigned long long off = (unsigned long long)vt_number(argv[2]);
	long long len = vt_number(argv[3]);
	unsigned char buf[65536];
	while (len > 0) {
		size_t n = len > (long long)sizeof(buf) ? sizeof(buf) : (size_t)len;
		for (size_t i = 0; i < n; i++)
			buf[i] = vt_pattern(seed, off + i);
		for (size_t done = 0; done < n;) {
			ssize_t w = write(1, buf + done, n - done);
			if (w <= 0) {
				perror("write");
				return 1;
			}
			done += (size_t)w;
		}
		off += n;
		len -= (long long)n;
	}
	return 0;
}
