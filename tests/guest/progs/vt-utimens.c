/* vt-utimens [-h] PATH ATIME_SEC ATIME_NSEC MTIME_SEC MTIME_NSEC
 * utimensat(2); a NSEC of "now" or "omit" means UTIME_NOW / UTIME_OMIT;
 * -h changes a symlink itself (AT_SYMLINK_NOFOLLOW). */
#include "vt.h"
#include <fcntl.h>
#include <sys/stat.h>

static const char usage[] = "vt-utimens [-h] PATH ASEC ANSEC MSEC MNSEC";

static void parse_time(const char *sec, const char *nsec, struct timespec *ts)
{
	ts->tv_sec = vt_number(sec);
	if (strcmp(nsec, "now") == 0)
		ts->tv_nsec = UTIME_NOW;
	else if (strcmp(nsec, "omit") == 0)
		ts->tv_nsec = UTIME_OMIT;
	else
		ts->tv_nsec = vt_number(nsec);
}

int main(int argc, char **argv)
{
	struct timespec ts[2];
	int flags = 0, i = 1;

	if (argc > 1 && strcmp(argv[1], "-h") == 0) {
		flags = AT_SYMLINK_NOFOLLOW;
		i++;
	}
	if (argc - i != 5)
		vt_usage(usage);
	parse_time(argv[i + 1], argv[i + 2], &ts[0]);
	parse_time(argv[i + 3], argv[i + 4], &ts[1]);
	vt_check(utimensat(AT_FDCWD, argv[i], ts, flags));
	printf("OK\n");
	return 0;
}
