/* The passthrough filesystem: serves struct fs_ops from a host directory. */
#ifndef PASSTHROUGH_H
#define PASSTHROUGH_H

#include <stdbool.h>
#include "fs_ops.h"

enum cache_mode { CACHE_NEVER, CACHE_METADATA, CACHE_AUTO, CACHE_ALWAYS };
enum inode_file_handles { IFH_NEVER, IFH_PREFER, IFH_MANDATORY };
/* --migration-mode: how the source names each inode to the destination. */
enum migration_mode { MIGRATE_FIND_PATHS, MIGRATE_FILE_HANDLES };

struct passthrough_options {
	const char *root;              /* the shared directory, as this process sees it */
	int proc_self_fd;              /* an fd of /proc/self/fd, taken over (the sandbox
					* opens it before /proc goes out of reach);
					* 0: open /proc/self/fd here */
	enum cache_mode cache;
	bool announce_submounts;       /* set FUSE_ATTR_SUBMOUNT (if the guest agreed) */
	bool xattr;                    /* serve xattr calls (else ENOSYS) */
	bool posix_acl;
	bool writeback;
	bool allow_direct_io;          /* honour the guest's O_DIRECT */
	bool killpriv_v2;
	bool switch_creds;             /* run each request as the guest's uid/gid */
	bool preserve_noatime;
	bool security_label;           /* set the guest's labels on new files */
	bool read_only;                /* served through readonly_ops (--readonly): open
					* nothing for writing, not even a lock's description */
	enum inode_file_handles file_handles;
	unsigned inode_fd_cache;       /* most O_PATH fds cached for inodes; 0: from the budget */
	/* Live migration (pt_migrate.c). */
	enum migration_mode migration_mode;
	bool migration_guest_error;    /* destination: an inode not found again fails
					* only its own requests (else the load fails) */
	bool migration_source_abort;   /* source: refuse to save an inode it cannot
					* name (else it is sent as lost, and the
					* destination decides) */
	bool migration_verify_handles; /* the destination checks inode numbers and handles */
	bool migration_confirm_paths;  /* the source re-opens each path it sends to check it */
	/* Borrowed, may be NULL; they must outlive the filesystem. */
	const struct xattrmap *xattrmap;       /* --xattrmap */
	const struct idmap *uid_map, *gid_map; /* --translate-uid/--translate-gid */
};

extern const struct fs_ops passthrough_ops;

/* Open the shared root; returns NULL with a message in err on failure. */
void *passthrough_new(const struct passthrough_options *opt, char *err, size_t errlen);
void passthrough_free(void *fs);

#endif
