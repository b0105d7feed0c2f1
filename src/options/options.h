/* The command line: the Rust virtiofsd's long options and QEMU C virtiofsd's
 * `-o` options, parsed from one table that also produces --help (and from it
 * the man page).  An unknown, malformed or contradictory option is an error
 * with a one-line message, never a silent default. */
#ifndef OPTIONS_H
#define OPTIONS_H

/* More pool threads than this only cost memory: a request is served by one
 * thread, and a queue holds at most 1024 of them. */
#define OPTIONS_MAX_POOL_THREADS 1024
/* A longer holdoff would leave a guest with all its requests queued idle. */
#define OPTIONS_MAX_KICK_HOLDOFF_US 1000
/* On by default since each queue keeps it only while it measurably serves
 * more (kick_holdoff.h); 500 us: 2x at 16 in flight under TCG. */
#define OPTIONS_DEFAULT_KICK_HOLDOFF_US 500

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fs/passthrough.h"
#include "log/log.h"

enum sandbox_mode { SANDBOX_NAMESPACE, SANDBOX_CHROOT, SANDBOX_NONE };
enum seccomp_action { SECCOMP_KILL, SECCOMP_LOG, SECCOMP_TRAP, SECCOMP_NONE };

struct options {
	const char *shared_dir;
	const char *socket_path;
	const char *socket_group;
	int fd;                        /* inherited listening socket, -1 if none */
	const char *tag;
	unsigned thread_pool_size;      /* <= OPTIONS_MAX_POOL_THREADS */
	bool xattr, posix_acl, security_label;
	const char *xattrmap;
	enum sandbox_mode sandbox;
	enum seccomp_action seccomp;
	bool announce_submounts;
	enum inode_file_handles inode_file_handles;
	unsigned inode_fd_cache;       /* --inode-fd-cache; 0: from the fd budget */
	enum migration_mode migration_mode;
	int migration_on_error;        /* index in {abort, guest-error} */
	bool migration_on_error_set;   /* given: the source honours it too */
	bool migration_verify_handles, migration_confirm_paths;
	enum cache_mode cache;
	bool allow_direct_io, allow_mmap, writeback, readdirplus, killpriv_v2, readonly;
	bool flock, posix_lock;
	bool readdirplus_set, killpriv_v2_set;
	uint64_t rlimit_nofile;        /* 0 with rlimit_nofile_set: leave unchanged */
	bool rlimit_nofile_set;
	enum log_level log_level;
	bool syslog;
	bool preserve_noatime;
	const char *modcaps;
	/* --translate-uid/--translate-gid, in order (checked by fs/idmap.c). */
#define OPTIONS_MAX_ID_MAPS 32
	const char *translate_uid[OPTIONS_MAX_ID_MAPS], *translate_gid[OPTIONS_MAX_ID_MAPS];
	unsigned n_translate_uid, n_translate_gid;
	/* --uid-map/--gid-map: ranges of the user namespace an unprivileged
	 * --sandbox=namespace creates (written by newuidmap/newgidmap). */
	struct id_range { uint32_t ns, host, count; } uid_map[OPTIONS_MAX_ID_MAPS],
		gid_map[OPTIONS_MAX_ID_MAPS];
	unsigned n_uid_map, n_gid_map;
	bool daemonize;
	bool keep_listening;
	unsigned queue_poll_us;
	unsigned kick_holdoff_us;
	bool print_capabilities, version, help;

	char *owned[32];               /* copies of -o lists that fields point into */
	unsigned nowned;
};

/* Parse argv into o (defaults first).  Returns 0, or -1 with a one-line
 * message in err. */
int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);
/* Free what options_parse allocated (the fields pointing into it go too). */
void options_free(struct options *o);
void options_print_help(FILE *f, const char *prog);

#endif
