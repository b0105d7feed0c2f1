/* vt-statfs PATH: statfs(2), one line of fields. */
#include "vt.h"
#include <sys/vfs.h>

int main(int argc, char **argv)
{
	struct statfs s;

	if (argc != 2)
		vt_usage("vt-statfs PATH");
	vt_check(statfs(argv[1], &s));
	printf("type=0x%llx bsize=%lld frsize=%lld blocks=%llu bfree=%llu bavail=%llu "
	       "files=%llu ffree=%llu namelen=%lld\n",
	       (unsigned long long)s.f_type, (long long)s.f_bsize, (long long)s.f_frsize,
	       (unsigned long long)s.f_blocks, (unsigned long long)s.f_bfree,
	       (unsigned long long)s.f_bavail, (unsigned long long)s.f_files,
	       (unsigned long long)s.f_ffree, (long long)s.f_namelen);
	return 0;
}
