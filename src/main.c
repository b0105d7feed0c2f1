/* virtiofsd: wires the layers together.
 *   options -> listening socket -> sandbox -> passthrough fs -> FUSE server
 *   -> vhost-user transport (one thread per queue) */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/idmap.h"
#include "fs/passthrough.h"
#include "fs/xattrmap.h"
#include "fs/readonly.h"
#include "fuse/server.h"
#include "daemonize.h"
#include "log/log.h"
#include "options/options.h"
#include "sandbox/caps.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_filter.h"
#include "transport/mem_guard.h"
#include "transport/socket_file.h"
#include "transport/vhost_user.h"

static uint32_t serve_request(void *opaque, unsigned qidx, struct vq_req *req)
{
	return fuse_server_serve(opaque, qidx, req);
}

static void reset_device(void *opaque)
{
	fuse_server_reset(opaque);
}

static int save_state(void *opaque, int fd)
{
	return fuse_server_save_state(opaque, fd);
}

static int load_state(void *opaque, int fd)
{
	return fuse_server_load_state(opaque, fd);
}

/* The default the reference daemons use: as many fds as the system can
 * spare, but never more than a million.  Without CAP_SYS_RESOURCE the hard
 * limit caps the default (an explicit --rlimit-nofile above it is an error). */
static int raise_nofile_limit(const struct options *o)
{
	struct rlimit cur;
	if (getrlimit(RLIMIT_NOFILE, &cur) < 0)
		return -1;
	rlim_t want;
	if (o->rlimit_nofile_set) {
		if (o->rlimit_nofile == 0)
			return 0;
		want = o->rlimit_nofile;
	} else {
		unsigned long long file_max = 0;
		FILE *f = fopen("/proc/sys/fs/file-max", "r");
		if (f) {
			if (fscanf(f, "%llu", &file_max) != 1)
				file_max = 0;
			fclose(f);
		}
		want = 1000000;
		if (file_max > 16384 && file_max - 16384 < want)
			want = file_max - 16384;
		if (cur.rlim_cur >= want)
			return 0;
	}
	struct rlimit rl = { want, want };
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return 0;
	if (errno == EPERM && !o->rlimit_nofile_set && cur.rlim_max > cur.rlim_cur) {
		rl.rlim_cur = rl.rlim_max = cur.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
			log_info("RLIMIT_NOFILE raised to the hard limit %llu",
				 (unsigned long long)cur.rlim_max);
			return 0;
		}
	}
	if (errno == EPERM && !o->rlimit_nofile_set)
		return 0; /* keep what we were given */
	log_error("cannot set RLIMIT_NOFILE to %llu: %s", (unsigned long long)want,
		  strerror(errno));
	return -1;
}

static int print_capabilities(void)
{
	/* What libvirt reads (the Rust daemon's list): migrate-precopy lets it
	 * migrate a domain with this filesystem; separate-options says the long
	 * options are taken one by one (not only as QEMU C's -o list). */
	printf("{\n  \"type\": \"fs\",\n  \"features\": [\n    \"migrate-precopy\",\n"
	       "    \"separate-options\"\n  ]\n}\n");
	return 0;
}

/* Start-up failed: what it made at --socket-path goes. */
static int startup_failed(struct socket_file *sf)
{
	socket_file_abandon(sf);
	return 1;
}

/* The listening socket: --fd, systemd's LISTEN_FDS (one socket, fd 3, for
 * this very process), or a new one at --socket-path, claimed first. */
static int listening_socket(const struct options *o, struct socket_file *sf)
{
	int fd = o->fd;
	if (fd < 0 && !o->socket_path) {
		const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
		if (!fds || strcmp(fds, "1") || !pid || atol(pid) != (long)getpid()) {
			log_error("LISTEN_FDS must name exactly one socket for this process");
			return -1;
		}
		fd = 3;
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
	}
	if (fd >= 0) {
		int listening = 0;
		socklen_t len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening) {
			log_error("fd %d is not a listening socket", fd);
			return -1;
		}
		return fd;
	}
	if (socket_file_claim(sf, o->socket_path) < 0)
		return -1;
	fd = socket_file_listen(sf, o->socket_group);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", o->socket_path, strerror(-fd));
		socket_file_abandon(sf);
		return -1;
	}
	return fd;
}

/* --xattrmap and --translate-uid/--translate-gid, checked before anything
 * starts: NULL fields when not given.  Returns -1 after printing the error. */
struct fs_maps {
	struct xattrmap *xattrs;
	struct idmap *uids, *gids;
};

static void free_maps(struct fs_maps *m)
{
	xattrmap_free(m->xattrs);
	idmap_free(m->uids);
	idmap_free(m->gids);
}

static int build_idmap(const char *opt, const char *const *specs, unsigned n, struct idmap **out)
{
	char err[256];
	if (n == 0)
		return 0;
	*out = idmap_new();
	if (!*out) {
		fprintf(stderr, "virtiofsd: out of memory\n");
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (idmap_add(*out, specs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "virtiofsd: %s: %s\n", opt, err);
			return -1;
		}
	}
	return 0;
}

static int build_maps(const struct options *o, struct fs_maps *m)
{
	char err[256];
	*m = (struct fs_maps){ 0 };
	if (o->xattrmap) {
		m->xattrs = xattrmap_parse(o->xattrmap, err, sizeof(err));
		if (!m->xattrs) {
			fprintf(stderr, "virtiofsd: --xattrmap: %s\n", err);
			return -1;
		}
	}
	if (build_idmap("--translate-uid", o->translate_uid, o->n_translate_uid, &m->uids) < 0 ||
	    build_idmap("--translate-gid", o->translate_gid, o->n_translate_gid, &m->gids) < 0) {
		free_maps(m);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	char err[512];

	if (options_parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtiofsd: %s (see --help)\n", err);
		return 1;
	}
	if (o.help) {
		options_print_help(stdout, "virtiofsd");
		return 0;
	}
	if (o.version) {
		printf("virtiofsd %s\n", VIRTIOFSD_VERSION);
		return 0;
	}
	if (o.print_capabilities)
		return print_capabilities();

	log_setup(o.log_level, o.syslog);
	if (caps_check_modcaps(o.modcaps, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtiofsd: --modcaps: %s\n", err);
		return 1;
	}
	struct fs_maps maps;
	if (build_maps(&o, &maps) < 0)
		return 1;
	/* As the Rust virtiofsd: root needs no user namespace, and gets none. */
	if ((o.n_uid_map || o.n_gid_map) && geteuid() == 0) {
		fprintf(stderr, "virtiofsd: --uid-map and --gid-map are for a daemon started by a "
			"non-root user (root serves every id without a user namespace)\n");
		free_maps(&maps);
		return 1;
	}

	char shared_dir[PATH_MAX];
	if (!realpath(o.shared_dir, shared_dir)) {
		log_error("shared directory %s: %s", o.shared_dir, strerror(errno));
		return 1;
	}
	struct stat st;
	if (stat(shared_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("shared directory %s is not a directory", shared_dir);
		return 1;
	}
	o.shared_dir = shared_dir;

	/* Guests send the mode they want with their own umask applied (or the
	 * umask separately): ours must not mask it again. */
	umask(0);
	signal(SIGPIPE, SIG_IGN);
	/* Before the sandbox forks (the child inherits it) and the filter. */
	int gr = mem_guard_install();
	if (gr < 0)
		log_warn("SIGBUS handler not installed (%s): a frontend that shrinks a shared "
			 "memory file will kill the daemon", strerror(-gr));
	bool privileged = geteuid() == 0;
	if (privileged && setgroups(0, NULL) < 0) {
		log_error("dropping supplementary groups: %s", strerror(errno));
		return 1;
	}
	if (raise_nofile_limit(&o) < 0)
		return 1;

	/* open_by_handle_at needs CAP_DAC_READ_SEARCH, which the daemon keeps
	 * unless --modcaps drops it. */
	if (privileged && o.inode_file_handles != IFH_NEVER &&
	    caps_modcaps_drops(o.modcaps, CAP_DAC_READ_SEARCH)) {
		if (o.inode_file_handles == IFH_MANDATORY) {
			log_error("--inode-file-handles=mandatory needs CAP_DAC_READ_SEARCH, "
				  "which --modcaps drops");
			return 1;
		}
		log_info("--modcaps drops CAP_DAC_READ_SEARCH: evicted inodes are found again "
			 "by name, not by file handle");
		o.inode_file_handles = IFH_NEVER;
	}

	/* trusted.* takes CAP_SYS_ADMIN in the host's initial namespace;
	 * without it, removing the renamed file capabilities fails every
	 * write, truncate and chown. */
	const char *caps_name = xattrmap_caps_name(maps.xattrs);
	if (o.xattr && caps_name && !strncmp(caps_name, "trusted.", 8) &&
	    (!privileged || !caps_modcaps_adds(o.modcaps, CAP_SYS_ADMIN)))
		log_warn("--xattrmap stores security.capability as %s: trusted.* needs "
			 "CAP_SYS_ADMIN (%s), without it every write, truncate and chown "
			 "fails (EPERM) as the daemon cannot remove it",
			 caps_name, privileged ? "--modcaps=+sys_admin" : "as root");

	struct socket_file sf = { .dir_fd = -1, .claim_fd = -1 };
	int listen_fd = listening_socket(&o, &sf);
	if (listen_fd < 0)
		return 1;
	if (o.daemonize) {
		if (daemonize_start() < 0)
			return startup_failed(&sf);
		socket_file_write_pid(&sf);
	}

	struct sandbox_result sb;
	if (sandbox_enter(&o, &sb) < 0)
		return startup_failed(&sf);
	/* Started by a user, the namespace sandbox made us uid 0 of our own user
	 * namespace, with its capabilities: from here on the daemon is root
	 * there, and switches to each request's (namespace) ids as root does.
	 * Ids outside the namespace's maps cannot be taken: those requests
	 * fail.  (open_by_handle_at still needs CAP_DAC_READ_SEARCH of the
	 * initial namespace: file handles are probed, and found unusable.) */
	if (sb.user_namespace)
		privileged = true;

	struct passthrough_options po = {
		.root = sb.root,
		.proc_self_fd = sb.proc_self_fd,
		.cache = o.cache,
		.announce_submounts = o.announce_submounts,
		.xattr = o.xattr,
		.posix_acl = o.posix_acl,
		.writeback = o.writeback,
		.allow_direct_io = o.allow_direct_io,
		.killpriv_v2 = o.killpriv_v2,
		.switch_creds = privileged,
		.preserve_noatime = o.preserve_noatime,
		.file_handles = o.inode_file_handles,
		.security_label = o.security_label,
		.read_only = o.readonly,
		.migration_mode = o.migration_mode,
		.migration_guest_error = o.migration_on_error == 1,
		.migration_source_abort = o.migration_on_error_set && o.migration_on_error == 0,
		.migration_verify_handles = o.migration_verify_handles,
		.migration_confirm_paths = o.migration_confirm_paths,
		.xattrmap = maps.xattrs,
		.uid_map = maps.uids,
		.gid_map = maps.gids,
		.inode_fd_cache = o.inode_fd_cache,
	};
	void *fs = passthrough_new(&po, err, sizeof(err));
	if (!fs) {
		log_error("%s", err);
		return startup_failed(&sf);
	}

	/* Serving starts here: from now on only what serving needs. */
	if (privileged && caps_restrict(o.modcaps, o.inode_file_handles != IFH_NEVER, o.security_label) < 0)
		return startup_failed(&sf);
	if (seccomp_install(o.seccomp, o.syslog) < 0)
		return startup_failed(&sf);
	/* Past the last start-up failure a user must see (--daemonize): the
	 * filter too may be refused (a container forbidding seccomp(2)).
	 * What this needs (dup2, write, close) the filter allows. */
	daemonize_ready();
	socket_file_started(&sf);

	struct fuse_server_options so = {
		.writeback = o.writeback,
		.readdirplus = o.readdirplus,
		.killpriv_v2 = o.killpriv_v2,
		.posix_acl = o.posix_acl,
		.security_label = o.security_label,
		.announce_submounts = o.announce_submounts,
		.allow_mmap = o.allow_mmap,
		.flock = o.flock,
		.posix_locks = o.posix_lock,
	};
	const struct fs_ops *ops = o.readonly ? readonly_ops(&passthrough_ops) : &passthrough_ops;
	struct fuse_server *server = fuse_server_new(ops, fs, &so);
	if (!server) {
		log_error("out of memory");
		return 1;
	}

	struct vu_device dev = {
		.serve = serve_request,
		.reset = reset_device,
		.save_state = save_state,
		.load_state = load_state,
		.opaque = server,
		.tag = o.tag,
		.num_request_queues = VU_MAX_REQUEST_QUEUES,
		.notice_queues = 1, /* hiprio */
	};
	struct vu_options vo = { .listen_fd = listen_fd, .keep_listening = o.keep_listening,
				 .poll_us = o.queue_poll_us,
				 .holdoff_us = o.kick_holdoff_us, .pool_threads = o.thread_pool_size };
	log_info("serving %s on %s", shared_dir, o.socket_path ? o.socket_path : "inherited fd");
	int ret = vu_serve(&vo, &dev);

	fuse_server_free(server);
	passthrough_free(fs);
	free_maps(&maps);
	options_free(&o);
	return ret < 0 ? 1 : 0;
}
