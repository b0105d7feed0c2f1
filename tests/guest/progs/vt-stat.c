/* vt-stat PATH...: lstat(2) each path, one line with the fields guest tests
 * compare, times with nanoseconds. */
#include "vt.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		vt_usage("vt-stat PATH...");
	for (int i = 1; i < argc; i++) {
		struct stat st;

		vt_check(lstat(argv[i], &st));
		printf("mode=%06o nlink=%lu uid=%u gid=%u size=%lld rdev=%u:%u "
		       "atime=%lld.%09ld mtime=%lld.%09ld dev=%u:%u ino=%llu\n",
		       st.st_mode, (unsigned long)st.st_nlink, st.st_uid, st.st_gid,
		       (long long)st.st_size, major(st.st_rdev), minor(st.st_rdev),
		       (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
		       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		       major(st.st_dev), minor(st.st_dev), (unsigned long long)st.st_ino);
	}
	return 0;
}
