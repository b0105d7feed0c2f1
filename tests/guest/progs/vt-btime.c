/* vt-btime PATH...: statx(2) with STATX_BTIME, one line per path:
 * "btime=SEC.NSEC" when the kernel returned a birth time, "btime=none"
 * when it did not (no FUSE_STATX in that guest or daemon). */
#include "vt.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		vt_usage("vt-btime PATH...");
	for (int i = 1; i < argc; i++) {
		struct statx x;

		/* Force a round trip to the daemon, not the guest's cache. */
		vt_check(statx(AT_FDCWD, argv[i], AT_SYMLINK_NOFOLLOW | AT_STATX_FORCE_SYNC,
			       STATX_BASIC_STATS | STATX_BTIME, &x));
		if (x.stx_mask & STATX_BTIME)
			printf("btime=%lld.%09u\n", (long long)x.stx_btime.tv_sec,
			       x.stx_btime.tv_nsec);
		else
			printf("btime=none\n");
	}
	return 0;
}
