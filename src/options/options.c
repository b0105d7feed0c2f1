#include "options.h"
#include "../log/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* How an option changes struct options.  Most options are a bool, a string
 * or an enum field; the few that need more are K_SPECIAL with a handler. */
enum opt_kind { K_TRUE, K_FALSE, K_STR, K_UINT, K_ENUM, K_SPECIAL };

struct opt_def {
	const char *name;      /* long name ("shared-dir") or -o name ("source") */
	char shortc;           /* single-letter alias, 0 if none */
	enum opt_kind kind;
	size_t off;            /* field in struct options */
	const char *const *choices; /* K_ENUM: names, index = enum value */
	const char *metavar;   /* NULL: takes no value */
	const char *help;      /* NULL: accepted but not listed (aliases) */
	int (*special)(struct options *o, const char *val, char *err, size_t n);
};

#define F(field) offsetof(struct options, field)

static const char *const sandbox_names[] = { "namespace", "chroot", "none", NULL };
static const char *const seccomp_names[] = { "kill", "log", "trap", "none", NULL };
static const char *const cache_names[] = { "never", "metadata", "auto", "always", NULL };
static const char *const ifh_names[] = { "never", "prefer", "mandatory", NULL };
static const char *const migration_mode_names[] = { "find-paths", "file-handles", NULL };


static int parse_uint(const char *v, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || !*v || *end || *v == '-' || x > 1000000)
		return -1;
	*out = (unsigned)x;
	return 0;
}

static int set_fd(struct options *o, const char *v, char *err, size_t n)
{
	unsigned x;
	if (parse_uint(v, &x))
		return errbuf_fail(err, n, "invalid fd '%s'", v);
	o->fd = (int)x;
	return 0;
}

/* ACLs live in xattrs: --posix-acl turns xattrs on, as in the Rust virtiofsd. */
static int set_posix_acl(struct options *o, const char *v, char *err, size_t n)
{
	o->posix_acl = o->xattr = true;
	return 0;
}

static int set_log_level(struct options *o, const char *v, char *err, size_t n)
{
	if (log_level_parse(v, &o->log_level))
		return errbuf_fail(err, n, "invalid log level '%s' (error|warn|info|debug|trace|off)", v);
	return 0;
}

static int set_debug(struct options *o, const char *v, char *err, size_t n)
{
	o->log_level = LOG_LVL_DEBUG;
	return 0;
}

static int set_rlimit(struct options *o, const char *v, char *err, size_t n)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || !*v || *end || *v == '-')
		return errbuf_fail(err, n, "invalid --rlimit-nofile value '%s'", v);
	o->rlimit_nofile = x;
	o->rlimit_nofile_set = true;
	return 0;
}

static int set_readdirplus(struct options *o, const char *v, char *err, size_t n)
{
	o->readdirplus = true;
	o->readdirplus_set = true;
	return 0;
}

static int set_no_readdirplus(struct options *o, const char *v, char *err, size_t n)
{
	o->readdirplus = false;
	o->readdirplus_set = true;
	return 0;
}

static int set_killpriv_v2(struct options *o, const char *v, char *err, size_t n)
{
	o->killpriv_v2 = true;
	o->killpriv_v2_set = true;
	return 0;
}

static int set_no_killpriv_v2(struct options *o, const char *v, char *err, size_t n)
{
	o->killpriv_v2 = false;
	o->killpriv_v2_set = true;
	return 0;
}

/* QEMU C virtiofsd spells "never" as "none". */
static int set_c_cache(struct options *o, const char *v, char *err, size_t n)
{
	if (!strcmp(v, "none"))
		v = "never";
	for (int i = 0; cache_names[i]; i++) {
		if (!strcmp(v, cache_names[i])) {
			o->cache = (enum cache_mode)i;
			return 0;
		}
	}
	return errbuf_fail(err, n, "invalid cache mode '%s' (none|auto|always)", v);
}

/* Like an enum option, but remembers that it was given: the source daemon
 * refuses to save a lost inode only when told --migration-on-error=abort
 * itself (by default the destination decides, as with the Rust daemon). */
static int set_migration_on_error(struct options *o, const char *v, char *err, size_t n)
{
	if (!strcmp(v, "abort"))
		o->migration_on_error = 0;
	else if (!strcmp(v, "guest-error"))
		o->migration_on_error = 1;
	else
		return errbuf_fail(err, n, "invalid value '%s' (abort or guest-error)", v);
	o->migration_on_error_set = true;
	return 0;
}

/* --uid-map/--gid-map, the Rust virtiofsd's syntax: ":ns:host:count:", the
 * first character (not a letter or digit) separates and ends the three
 * fields.  Repeatable: each adds one range. */
static int add_id_range(struct id_range *list, unsigned *n, const char *what, const char *v,
			char *err, size_t errlen)
{
	size_t len = strlen(v);
	char sep = v[0];
	uint64_t f[3];
	if (len < 2 || (sep >= '0' && sep <= '9') || (sep >= 'a' && sep <= 'z') ||
	    (sep >= 'A' && sep <= 'Z') || v[len - 1] != sep)
		return errbuf_fail(err, errlen, "'%s' is not :namespace_%s:host_%s:count: (any "
				   "separator, first and last)", v, what, what);
	const char *p = v + 1;
	for (int i = 0; i < 3; i++) {
		const char *end = p;
		f[i] = 0;
		while (*end >= '0' && *end <= '9' && f[i] <= UINT32_MAX)
			f[i] = f[i] * 10 + (uint64_t)(*end++ - '0');
		if (end == p || *end != sep || f[i] > UINT32_MAX)
			return errbuf_fail(err, errlen, "'%s' is not :namespace_%s:host_%s:count: "
					   "(three decimal numbers below 2^32)", v, what, what);
		p = end + 1;
	}
	if (*p)
		return errbuf_fail(err, errlen, "'%s': more than three fields (one range per "
				   "option; repeat the option for more)", v);
	if (f[2] == 0)
		return errbuf_fail(err, errlen, "'%s': the count must not be 0", v);
	/* The kernel maps ids up to 4294967294 ((uid_t)-1 is never an id). */
	if (f[0] + f[2] > UINT32_MAX || f[1] + f[2] > UINT32_MAX)
		return errbuf_fail(err, errlen, "'%s': the range goes past %s 4294967294", v, what);
	for (unsigned i = 0; i < *n; i++) {
		const struct id_range *r = &list[i];
		if (f[0] < (uint64_t)r->ns + r->count && r->ns < f[0] + f[2])
			return errbuf_fail(err, errlen, "'%s' overlaps :%u:%u:%u: in the namespace",
					   v, r->ns, r->host, r->count);
		if (f[1] < (uint64_t)r->host + r->count && r->host < f[1] + f[2])
			return errbuf_fail(err, errlen, "'%s' overlaps :%u:%u:%u: on the host",
					   v, r->ns, r->host, r->count);
	}
	if (*n == OPTIONS_MAX_ID_MAPS)
		return errbuf_fail(err, errlen, "more than %d ranges", OPTIONS_MAX_ID_MAPS);
	list[(*n)++] = (struct id_range){ (uint32_t)f[0], (uint32_t)f[1], (uint32_t)f[2] };
	return 0;
}

static int set_uid_map(struct options *o, const char *v, char *err, size_t n)
{
	return add_id_range(o->uid_map, &o->n_uid_map, "uid", v, err, n);
}

static int set_gid_map(struct options *o, const char *v, char *err, size_t n)
{
	return add_id_range(o->gid_map, &o->n_gid_map, "gid", v, err, n);
}

/* Repeatable: each --translate-uid/--translate-gid adds one entry. */
static int add_id_map(const char **list, unsigned *n, const char *v, char *err, size_t errlen)
{
	if (!*v)
		return errbuf_fail(err, errlen, "needs a non-empty value");
	if (*n == OPTIONS_MAX_ID_MAPS)
		return errbuf_fail(err, errlen, "more than %d entries", OPTIONS_MAX_ID_MAPS);
	list[(*n)++] = v;
	return 0;
}

static int set_translate_uid(struct options *o, const char *v, char *err, size_t n)
{
	return add_id_map(o->translate_uid, &o->n_translate_uid, v, err, n);
}

static int set_translate_gid(struct options *o, const char *v, char *err, size_t n)
{
	return add_id_map(o->translate_gid, &o->n_translate_gid, v, err, n);
}

/* Accepted for compatibility, meaningless here (documented in --help). */
static int ignore(struct options *o, const char *v, char *err, size_t n)
{
	return 0;
}

static const struct opt_def long_opts[] = {
	{ "shared-dir", 0, K_STR, F(shared_dir), NULL, "DIR", "shared directory (required)", NULL },
	{ "socket-path", 0, K_STR, F(socket_path), NULL, "PATH", "vhost-user socket to create (one daemon per PATH: PATH.pid)", NULL },
	{ "socket", 0, K_STR, F(socket_path), NULL, "PATH", NULL, NULL },
	{ "socket-group", 0, K_STR, F(socket_group), NULL, "GROUP", "group that owns the socket (mode 0660)", NULL },
	{ "fd", 0, K_SPECIAL, 0, NULL, "FD", "inherited listening socket instead of --socket-path", set_fd },
	{ "tag", 0, K_STR, F(tag), NULL, "TAG", "mount tag announced through vhost-user config space (QEMU >= 8.1)", NULL },
	{ "thread-pool-size", 0, K_UINT, F(thread_pool_size), NULL, "N", "worker threads shared by the request queues (at most 1024): while more requests wait behind the one just taken, a queue thread hands it to an idle worker; the last one, and every one when no worker is idle, it serves itself. 0: every request is served on its queue's thread [default: 0]", NULL },
	{ "xattr", 0, K_TRUE, F(xattr), NULL, NULL, "enable extended attributes", NULL },
	{ "posix-acl", 0, K_SPECIAL, 0, NULL, NULL, "enable POSIX ACLs (implies --xattr)", set_posix_acl },
	{ "security-label", 0, K_TRUE, F(security_label), NULL, NULL, "give each new file the security label (SELinux, Smack context) the guest sends with it (FUSE_SECURITY_CTX), as its security.* xattr (renamed by --xattrmap); keeps CAP_SYS_ADMIN permitted, raised only while setting one", NULL },
	{ "xattrmap", 0, K_STR, F(xattrmap), NULL, "RULES", "rename xattrs between guest and host (implies --xattr): rules :type:scope:key:prepend: with type prefix|ok|bad|unsupported, scope client|server|all, first match wins, or one last :map:key:prepend:; any first character is the separator", NULL },
	{ "sandbox", 0, K_ENUM, F(sandbox), sandbox_names, "MODE", "namespace|chroot|none [default: namespace]", NULL },
	{ "seccomp", 0, K_ENUM, F(seccomp), seccomp_names, "ACTION", "kill|log|trap|none: action on a forbidden syscall, or one with forbidden arguments (a new process or namespace) [default: kill]", NULL },
	{ "announce-submounts", 0, K_TRUE, F(announce_submounts), NULL, NULL, "show host submounts as separate filesystems in the guest (reveals the host's mount structure) [default: off]", NULL },
	{ "no-announce-submounts", 0, K_FALSE, F(announce_submounts), NULL, NULL, "do not announce submounts (one guest filesystem; st_dev/st_ino may repeat)", NULL },
	{ "inode-file-handles", 0, K_ENUM, F(inode_file_handles), ifh_names, "MODE", "never|prefer|mandatory: find inodes whose cached fd was evicted by file handle (needs CAP_DAC_READ_SEARCH; mandatory: refuse to start without) rather than by name [default: prefer]", NULL },
	{ "inode-fd-cache", 0, K_UINT, F(inode_fd_cache), NULL, "N", "most O_PATH fds kept open for known inodes (least recently used evicted); the rest of RLIMIT_NOFILE, less a reserve, is for the guest's open files [default: half, at most 65536]", NULL },
	{ "cache", 0, K_ENUM, F(cache), cache_names, "MODE", "never|metadata|auto|always [default: auto]", NULL },
	{ "allow-direct-io", 0, K_TRUE, F(allow_direct_io), NULL, NULL, "honour O_DIRECT from the guest", NULL },
	{ "allow-mmap", 0, K_TRUE, F(allow_mmap), NULL, NULL, "allow shared mmap with cache=never (FUSE_DIRECT_IO_ALLOW_MMAP)", NULL },
	{ "writeback", 0, K_TRUE, F(writeback), NULL, NULL, "enable the guest's writeback cache", NULL },
	{ "no-readdirplus", 0, K_SPECIAL, 0, NULL, NULL, "disable READDIRPLUS [default: enabled except with cache=never]", set_no_readdirplus },
	{ "readdirplus", 0, K_SPECIAL, 0, NULL, NULL, NULL, set_readdirplus },
	{ "killpriv-v2", 0, K_SPECIAL, 0, NULL, NULL, "enable FUSE_HANDLE_KILLPRIV_V2 [default: off]", set_killpriv_v2 },
	{ "no-killpriv-v2", 0, K_SPECIAL, 0, NULL, NULL, "disable FUSE_HANDLE_KILLPRIV_V2", set_no_killpriv_v2 },
	{ "readonly", 0, K_TRUE, F(readonly), NULL, NULL, "refuse every modification with EROFS", NULL },
	{ "rlimit-nofile", 0, K_SPECIAL, 0, NULL, "N", "RLIMIT_NOFILE to set; 0 leaves it unchanged [default: min(1000000, fs.file-max - 16384)]", set_rlimit },
	{ "log-level", 0, K_SPECIAL, 0, NULL, "LEVEL", "error|warn|info|debug|trace|off [default: info]", set_log_level },
	{ "syslog", 0, K_TRUE, F(syslog), NULL, NULL, "log to syslog instead of stderr", NULL },
	{ "preserve-noatime", 0, K_TRUE, F(preserve_noatime), NULL, NULL, "keep O_NOATIME from the guest", NULL },
	{ "modcaps", 0, K_STR, F(modcaps), NULL, "CAPS", "+cap:-cap: add to or drop from the kept capabilities (chown, dac_override, fowner, fsetid, setgid, setuid, mknod, setfcap)", NULL },
	{ "translate-uid", 0, K_SPECIAL, 0, NULL, "MAP", "translate uids (repeatable): map:GUEST:HOST:COUNT (both ways), guest:GUEST:HOST:COUNT, host:HOST:GUEST:COUNT, squash-guest:GUEST:HOST:COUNT, squash-host:HOST:GUEST:COUNT, forbid-guest:GUEST:COUNT (EPERM); other ids unchanged; excludes --posix-acl", set_translate_uid },
	{ "translate-gid", 0, K_SPECIAL, 0, NULL, "MAP", "translate gids (repeatable), as --translate-uid", set_translate_gid },
	{ "uid-map", 0, K_SPECIAL, 0, NULL, ":NS:HOST:COUNT:", "started as a non-root user with --sandbox=namespace: map host uids HOST..HOST+COUNT-1 to NS..NS+COUNT-1 in the daemon's user namespace (repeatable, one range each; any first character is the separator; one range must hold namespace uid 0, the daemon's own); set by newuidmap (package uidmap), which allows the user's own uid and the ranges /etc/subuid gives it. Guest uids are namespace uids: an unmapped one fails its request (EPERM). Excludes --translate-uid [default: namespace uid 0 is the user's uid, nothing else is mapped]", set_uid_map },
	{ "gid-map", 0, K_SPECIAL, 0, NULL, ":NS:HOST:COUNT:", "the same for gids, with newgidmap and /etc/subgid; with a range from /etc/subgid the daemon also drops its supplementary groups. Excludes --translate-gid [default: namespace gid 0 is the user's gid]", set_gid_map },
	{ "migration-mode", 0, K_ENUM, F(migration_mode), migration_mode_names, "MODE", "find-paths|file-handles: how live migration names each inode to the destination: its path in the share (read when the guest stops, so host renames before that are followed), or its file handle (the destination must see the same filesystems, e.g. the same host) [default: find-paths]", NULL },
	{ "migration-on-error", 0, K_SPECIAL, 0, NULL, "MODE", "abort|guest-error: when an inode the guest uses cannot be found again on the destination (deleted or moved out on the host): fail the migration (the source keeps running), or complete it and fail only that inode's requests (ESTALE, EBADF); given on the source, abort also refuses to send an inode it cannot name [default: abort, decided by the destination]", set_migration_on_error },
	{ "migration-verify-handles", 0, K_TRUE, F(migration_verify_handles), NULL, NULL, "find-paths mode: the source adds each inode's file handle, and the destination checks that the path it opens leads to that very inode (not a file put in its place meanwhile); same filesystems only", NULL },
	{ "migration-confirm-paths", 0, K_TRUE, F(migration_confirm_paths), NULL, NULL, "the source opens each path again before sending it, to catch a rename racing with the migration", NULL },
	{ "queue-poll", 0, K_UINT, F(queue_poll_us), NULL, "USEC", "after serving requests, watch the queue up to this many microseconds for the next one before sleeping; the window adapts: it opens while the guest's requests keep coming sooner than that and closes when they do not, so an idle queue never spins, while a busy guest whose next request comes within USEC keeps a host CPU busy; the spin yields to any other thread that wants the CPU [default: 0, off]", NULL },
	{ "kick-holdoff", 0, K_UINT, F(kick_holdoff_us), NULL, "USEC", "after serving requests, leave the guest's kicks off and look at the queue again this many microseconds later instead of sleeping until the next kick, while the guest keeps several requests in flight: it adds them without a kick and gets their answers in batches; it opens when two requests or more are found waiting at once and closes when holdoffs find at most one, so a guest at depth 1 is never held up, and each queue keeps it only while trials (20 ms with, 20 ms without, now and then) show it serves more; at most 1000, 0: off [default: 500]", NULL },
	{ "keep-listening", 0, K_TRUE, F(keep_listening), NULL, NULL, "after the VMM disconnects, wait for the next connection instead of exiting", NULL },
	{ "daemonize", 0, K_TRUE, F(daemonize), NULL, NULL, "run in the background", NULL },
	{ "print-capabilities", 0, K_TRUE, F(print_capabilities), NULL, NULL, "print the vhost-user JSON capabilities and exit", NULL },
	{ "version", 'V', K_TRUE, F(version), NULL, NULL, "print the version and exit", NULL },
	{ "help", 'h', K_TRUE, F(help), NULL, NULL, "print this help and exit", NULL },
	{ "foreground", 'f', K_SPECIAL, 0, NULL, NULL, "stay in the foreground (the default; QEMU C virtiofsd's -f)", ignore },
	{ "debug", 'd', K_SPECIAL, 0, NULL, NULL, "debug logging (same as --log-level=debug)", set_debug },
	{ NULL, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/* QEMU C virtiofsd's `-o name[=value]` options. */
static const struct opt_def compat_opts[] = {
	{ "source", 0, K_STR, F(shared_dir), NULL, "PATH", "same as --shared-dir", NULL },
	{ "vhost_user_socket", 0, K_STR, F(socket_path), NULL, "PATH", "same as --socket-path", NULL },
	{ "cache", 0, K_SPECIAL, 0, NULL, "MODE", "none|auto|always", set_c_cache },
	{ "xattr", 0, K_TRUE, F(xattr), NULL, NULL, "same as --xattr", NULL },
	{ "no_xattr", 0, K_FALSE, F(xattr), NULL, NULL, NULL, NULL },
	{ "flock", 0, K_TRUE, F(flock), NULL, NULL, "flock() locks on the host [default: no_flock]", NULL },
	{ "no_flock", 0, K_FALSE, F(flock), NULL, NULL, NULL, NULL },
	{ "posix_lock", 0, K_TRUE, F(posix_lock), NULL, NULL, "POSIX locks on the host [default: no_posix_lock]", NULL },
	{ "no_posix_lock", 0, K_FALSE, F(posix_lock), NULL, NULL, NULL, NULL },
	{ "readdirplus", 0, K_SPECIAL, 0, NULL, NULL, "same as --readdirplus / --no-readdirplus", set_readdirplus },
	{ "no_readdirplus", 0, K_SPECIAL, 0, NULL, NULL, NULL, set_no_readdirplus },
	{ "writeback", 0, K_TRUE, F(writeback), NULL, NULL, "same as --writeback", NULL },
	{ "no_writeback", 0, K_FALSE, F(writeback), NULL, NULL, NULL, NULL },
	{ "sandbox", 0, K_ENUM, F(sandbox), sandbox_names, "MODE", "same as --sandbox", NULL },
	{ "log_level", 0, K_SPECIAL, 0, NULL, "LEVEL", "debug|info|warn|err", set_log_level },
	{ "debug", 0, K_SPECIAL, 0, NULL, NULL, "same as -d", set_debug },
	{ "xattrmap", 0, K_STR, F(xattrmap), NULL, "RULES", "same as --xattrmap", NULL },
	{ "modcaps", 0, K_STR, F(modcaps), NULL, "CAPS", "same as --modcaps", NULL },
	{ "allow_direct_io", 0, K_TRUE, F(allow_direct_io), NULL, NULL, "same as --allow-direct-io", NULL },
	{ "no_allow_direct_io", 0, K_FALSE, F(allow_direct_io), NULL, NULL, NULL, NULL },
	{ "announce_submounts", 0, K_TRUE, F(announce_submounts), NULL, NULL, "same as --announce-submounts", NULL },
	{ "posix_acl", 0, K_SPECIAL, 0, NULL, NULL, "same as --posix-acl", set_posix_acl },
	{ "no_posix_acl", 0, K_FALSE, F(posix_acl), NULL, NULL, NULL, NULL },
	{ "security_label", 0, K_TRUE, F(security_label), NULL, NULL, "same as --security-label", NULL },
	{ "no_security_label", 0, K_FALSE, F(security_label), NULL, NULL, NULL, NULL },
	{ "killpriv_v2", 0, K_SPECIAL, 0, NULL, NULL, "same as --killpriv-v2", set_killpriv_v2 },
	{ "no_killpriv_v2", 0, K_SPECIAL, 0, NULL, NULL, NULL, set_no_killpriv_v2 },
	{ "max_idle_threads", 0, K_SPECIAL, 0, NULL, "N", "accepted and ignored (no idle thread pool here)", ignore },
	{ "allow_root", 0, K_SPECIAL, 0, NULL, NULL, "accepted and ignored (meaningless for virtio-fs)", ignore },
	{ NULL, 0, 0, 0, NULL, NULL, NULL, NULL },
};


static int apply(struct options *o, const struct opt_def *d, const char *val, char *err, size_t n,
		 const char *spelled)
{
	char *base = (char *)o;
	if (d->metavar && !val)
		return errbuf_fail(err, n, "option '%s' needs a value", spelled);
	if (!d->metavar && val)
		return errbuf_fail(err, n, "option '%s' takes no value", spelled);
	switch (d->kind) {
	case K_TRUE:
		*(bool *)(base + d->off) = true;
		return 0;
	case K_FALSE:
		*(bool *)(base + d->off) = false;
		return 0;
	case K_STR:
		if (!*val)
			return errbuf_fail(err, n, "option '%s' needs a non-empty value", spelled);
		*(const char **)(base + d->off) = val;
		return 0;
	case K_UINT:
		if (parse_uint(val, (unsigned *)(base + d->off)))
			return errbuf_fail(err, n, "invalid number '%s' for '%s'", val, spelled);
		return 0;
	case K_ENUM:
		for (int i = 0; d->choices[i]; i++) {
			if (!strcmp(val, d->choices[i])) {
				*(int *)(base + d->off) = i;
				return 0;
			}
		}
		return errbuf_fail(err, n, "invalid value '%s' for '%s'", val, spelled);
	case K_SPECIAL:
		if (d->special(o, val, err, n) == 0)
			return 0;
		/* prefix the handler's message with the option name */
		{
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", err);
			return errbuf_fail(err, n, "%s: %s", spelled, msg);
		}
	}
	return errbuf_fail(err, n, "internal error on '%s'", spelled);
}

static const struct opt_def *find(const struct opt_def *table, const char *name, size_t len)
{
	for (const struct opt_def *d = table; d->name; d++)
		if (strlen(d->name) == len && !strncmp(d->name, name, len))
			return d;
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (const struct opt_def *d = long_opts; d->name; d++)
		if (d->shortc == c)
			return d;
	return NULL;
}

/* Cut the next item off an -o list in place: items end at a single ',';
 * ",," stands for a literal comma (libvirt escapes paths that way, as QEMU's
 * option syntax does).  Returns the item, or NULL at the end. */
static char *next_item(char **cursor)
{
	char *item = *cursor, *out = *cursor, *in = *cursor;
	if (!item || !*item)
		return NULL;
	for (;;) {
		if (*in == ',' && in[1] == ',') {
			*out++ = ',';
			in += 2;
		} else if (*in == ',' || !*in) {
			*cursor = *in ? in + 1 : in;
			*out = '\0';
			return item;
		} else {
			*out++ = *in++;
		}
	}
}

/* -o a,b=c,... (QEMU C virtiofsd).  The list is copied (argv stays intact)
 * and kept in o->owned, since string options point into it. */
static int parse_compat(struct options *o, const char *arg, char *err, size_t n)
{
	if (o->nowned == sizeof(o->owned) / sizeof(o->owned[0]))
		return errbuf_fail(err, n, "too many -o arguments");
	char *list = strdup(arg);
	if (!list)
		return errbuf_fail(err, n, "out of memory");
	o->owned[o->nowned++] = list;
	char *cursor = list;
	for (char *item; (item = next_item(&cursor));) {
		if (!*item)
			continue; /* "a,,b" at the start or an empty item: nothing */
		char *eq = strchr(item, '=');
		size_t len = eq ? (size_t)(eq - item) : strlen(item);
		const struct opt_def *d = find(compat_opts, item, len);
		if (!d)
			return errbuf_fail(err, n, "unknown option '-o %.*s'", (int)len, item);
		char spelled[64];
		snprintf(spelled, sizeof(spelled), "-o %.*s", (int)len, item);
		if (apply(o, d, eq ? eq + 1 : NULL, err, n, spelled))
			return -1;
	}
	return 0;
}

void options_free(struct options *o)
{
	for (unsigned i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	o->nowned = 0;
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->sandbox = SANDBOX_NAMESPACE;
	o->seccomp = SECCOMP_KILL;
	o->cache = CACHE_AUTO;
	o->inode_file_handles = IFH_PREFER;
	o->log_level = LOG_LVL_INFO;
	o->kick_holdoff_us = OPTIONS_DEFAULT_KICK_HOLDOFF_US;
}

static bool id_ranges_hold_zero(const struct id_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].ns == 0)
			return true;
	return false;
}

static int check_consistency(struct options *o, char *err, size_t n)
{
	if (o->help || o->version || o->print_capabilities)
		return 0;
	if (!o->shared_dir)
		return errbuf_fail(err, n, "missing --shared-dir (or -o source=)");
	/* systemd socket activation hands the socket over in LISTEN_FDS. */
	if (!o->socket_path && o->fd < 0 && !getenv("LISTEN_FDS"))
		return errbuf_fail(err, n, "missing --socket-path (or --fd, or systemd's LISTEN_FDS)");
	if (o->socket_path && o->fd >= 0)
		return errbuf_fail(err, n, "--socket-path and --fd exclude each other");
	if (o->socket_group && o->fd >= 0)
		return errbuf_fail(err, n, "--socket-group needs --socket-path");
	if (o->kick_holdoff_us > OPTIONS_MAX_KICK_HOLDOFF_US)
		return errbuf_fail(err, n, "--kick-holdoff: at most %u", OPTIONS_MAX_KICK_HOLDOFF_US);
	if (o->thread_pool_size > OPTIONS_MAX_POOL_THREADS)
		return errbuf_fail(err, n, "--thread-pool-size: at most %u", OPTIONS_MAX_POOL_THREADS);
	if (o->readonly && o->writeback)
		return errbuf_fail(err, n, "--readonly and --writeback exclude each other");
	if (!o->readdirplus_set)
		o->readdirplus = o->cache != CACHE_NEVER;
	/* As in QEMU's C virtiofsd: a mapping is only useful with xattrs. */
	if (o->xattrmap)
		o->xattr = true;
	if (o->posix_acl && !o->xattr)
		return errbuf_fail(err, n, "--posix-acl needs xattrs, but -o no_xattr was given");
	/* ACL xattrs carry uids and gids the daemon passes through as they
	 * are: translated owners with untranslated ACL entries would give
	 * access to other host ids (the Rust virtiofsd refuses this too). */
	if (o->posix_acl && (o->n_translate_uid || o->n_translate_gid))
		return errbuf_fail(err, n, "--posix-acl and --translate-uid/--translate-gid "
				   "exclude each other (ACL entries are not translated)");
	/* The user namespace maps ids itself: a second translation in the
	 * daemon would be applied on top of it. */
	if (o->n_uid_map && o->n_translate_uid)
		return errbuf_fail(err, n, "--uid-map and --translate-uid exclude each other");
	if (o->n_gid_map && o->n_translate_gid)
		return errbuf_fail(err, n, "--gid-map and --translate-gid exclude each other");
	if ((o->n_uid_map || o->n_gid_map) && o->sandbox != SANDBOX_NAMESPACE)
		return errbuf_fail(err, n, "--uid-map and --gid-map need --sandbox=namespace "
				   "(they map the ids of its user namespace)");
	if (o->n_uid_map && !id_ranges_hold_zero(o->uid_map, o->n_uid_map))
		return errbuf_fail(err, n, "--uid-map: no range maps namespace uid 0 (the "
				   "daemon runs as root of its namespace)");
	if (o->n_gid_map && !id_ranges_hold_zero(o->gid_map, o->n_gid_map))
		return errbuf_fail(err, n, "--gid-map: no range maps namespace gid 0 (the "
				   "daemon runs as root of its namespace)");
	return 0;
}

int options_parse(int argc, char **argv, struct options *o, char *err, size_t n)
{
	set_defaults(o);
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!strcmp(a, "-o")) {
			if (i + 1 >= argc)
				return errbuf_fail(err, n, "option '-o' needs a value");
			if (parse_compat(o, argv[++i], err, n))
				return -1;
			continue;
		}
		if (!strncmp(a, "-o", 2) && a[2]) { /* -osource=/x */
			if (parse_compat(o, a + 2, err, n))
				return -1;
			continue;
		}
		const struct opt_def *d;
		const char *val = NULL;
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			d = find(long_opts, a + 2, len);
			if (!d)
				return errbuf_fail(err, n, "unknown option '%.*s'", (int)len + 2, a);
			if (eq)
				val = eq + 1;
			else if (d->metavar && i + 1 < argc)
				val = argv[++i];
		} else if (a[0] == '-' && a[1] && !a[2]) {
			d = find_short(a[1]);
			if (!d)
				return errbuf_fail(err, n, "unknown option '%s'", a);
		} else {
			return errbuf_fail(err, n, "unexpected argument '%s'", a);
		}
		if (apply(o, d, val, err, n, a))
			return -1;
	}
	return check_consistency(o, err, n);
}

static void print_entry(FILE *f, const char *prefix, const struct opt_def *d)
{
	char left[64];
	if (d->shortc)
		snprintf(left, sizeof(left), "-%c, %s%s%s%s", d->shortc, prefix, d->name,
			 d->metavar ? "=" : "", d->metavar ? d->metavar : "");
	else
		snprintf(left, sizeof(left), "%s%s%s%s", prefix, d->name, d->metavar ? "=" : "",
			 d->metavar ? d->metavar : "");
	fprintf(f, "  %-32s %s\n", left, d->help);
}

void options_print_help(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s --shared-dir=DIR (--socket-path=PATH | --fd=FD) [OPTIONS]\n\n", prog);
	fprintf(f, "Share a host directory with a virtual machine over virtio-fs (vhost-user).\n\n");
	fprintf(f, "Options:\n");
	for (const struct opt_def *d = long_opts; d->name; d++)
		if (d->help)
			print_entry(f, "--", d);
	fprintf(f, "\nQEMU C virtiofsd compatible options (-o name[=value],...):\n");
	for (const struct opt_def *d = compat_opts; d->name; d++)
		if (d->help)
			print_entry(f, "-o ", d);
}
