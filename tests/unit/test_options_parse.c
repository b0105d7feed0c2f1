/* The command line: both daemons' spellings mean the same, and anything
 * unknown or contradictory is an error. */
#include "options/options.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static int parse(struct options *o, char *err, int argc, char **argv)
{
	static bool used;
	if (used)
		options_free(o);
	used = true;
	return options_parse(argc, argv, o, err, 256);
}
#define PARSE(o, err, ...) ({ char *a_[] = { "virtiofsd", __VA_ARGS__ }; parse(o, err, sizeof(a_) / sizeof(a_[0]), a_); })

int main(void)
{
	struct options o;
	char err[256];

	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path", "/tmp/s") == 0);
	CHECK(!strcmp(o.shared_dir, "/srv") && !strcmp(o.socket_path, "/tmp/s"));
	CHECK(o.sandbox == SANDBOX_NAMESPACE && o.cache == CACHE_AUTO && !o.announce_submounts);
	CHECK(o.readdirplus && !o.xattr && o.fd == -1 && o.inode_file_handles == IFH_PREFER);

	/* QEMU C virtiofsd spellings */
	CHECK(PARSE(&o, err, "--socket-path=/tmp/s", "-o", "source=/srv,cache=none,xattr,announce_submounts", "-f") == 0);
	CHECK(!strcmp(o.shared_dir, "/srv") && o.cache == CACHE_NEVER && o.xattr && o.announce_submounts);
	CHECK(!o.readdirplus); /* cache=none turns readdirplus off unless asked */
	CHECK(PARSE(&o, err, "--socket-path=/tmp/s", "-o", "source=/srv", "-o", "sandbox=chroot,log_level=debug") == 0);
	CHECK(o.sandbox == SANDBOX_CHROOT && o.log_level == LOG_LVL_DEBUG);
	CHECK(PARSE(&o, err, "--socket-path=/tmp/s", "--shared-dir=/srv", "--cache=never", "-o", "readdirplus") == 0);
	CHECK(o.readdirplus);
	CHECK(PARSE(&o, err, "--fd=3", "--shared-dir=/srv", "--posix-acl", "--sandbox=none", "--seccomp=log") == 0);
	CHECK(o.fd == 3 && o.posix_acl && o.xattr && o.sandbox == SANDBOX_NONE && o.seccomp == SECCOMP_LOG);

	/* libvirt's command line: ",," is a comma inside a value */
	CHECK(PARSE(&o, err, "--fd=3", "-o", "source=/srv/a,,b,cache=always,sandbox=chroot,xattr,flock,posix_lock",
		    "--thread-pool-size=16") == 0);
	CHECK(!strcmp(o.shared_dir, "/srv/a,b") && o.cache == CACHE_ALWAYS && o.sandbox == SANDBOX_CHROOT);
	CHECK(o.xattr && o.flock && o.posix_lock && o.thread_pool_size == 16 && o.fd == 3);
	/* Kata Containers' (QEMU C virtiofsd era) command line */
	CHECK(PARSE(&o, err, "--syslog", "-o", "cache=auto", "-o", "no_posix_lock", "-o", "source=/run/kata",
		    "--fd=3", "-f", "--thread-pool-size=1", "-o", "announce_submounts") == 0);
	CHECK(o.syslog && o.announce_submounts && !o.posix_lock && o.cache == CACHE_AUTO);

	/* errors: unknown, malformed, missing, contradictory, not built yet */
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--bogus") < 0 && strstr(err, "--bogus"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "-o", "nonsense") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--cache=sometimes") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--thread-pool-size=-1") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--thread-pool-size=1024") == 0 &&
	      o.thread_pool_size == 1024);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--thread-pool-size=1025") < 0 &&
	      strstr(err, "at most 1024"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s") == 0 && o.kick_holdoff_us == 500);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--kick-holdoff=0") == 0 &&
	      o.kick_holdoff_us == 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--kick-holdoff=1000") == 0 &&
	      o.kick_holdoff_us == 1000);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--kick-holdoff=1001") < 0 &&
	      strstr(err, "at most 1000"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--xattr=yes") < 0);
	CHECK(PARSE(&o, err, "--socket-path=/s") < 0 && strstr(err, "shared-dir"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--fd=3") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--readonly", "--writeback") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--migration-mode=find-path") < 0 &&
	      strstr(err, "migration"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--migration-on-error=ignore") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--migration-mode=file-handles",
		    "--migration-on-error=guest-error", "--migration-verify-handles",
		    "--migration-confirm-paths") == 0 &&
	      o.migration_mode == MIGRATE_FILE_HANDLES && o.migration_on_error == 1 &&
	      o.migration_on_error_set &&
	      o.migration_verify_handles && o.migration_confirm_paths);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s") == 0 &&
	      o.migration_mode == MIGRATE_FIND_PATHS && o.migration_on_error == 0 &&
	      !o.migration_on_error_set);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--security-label") == 0 &&
	      o.security_label);
	CHECK(PARSE(&o, err, "--socket-path=/s", "-o", "source=/srv,security_label") == 0 &&
	      o.security_label);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s") == 0 && !o.security_label);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--migration-on-error=abort") == 0 &&
	      o.migration_on_error == 0 && o.migration_on_error_set);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--rlimit-nofile=12x") < 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--log-level") < 0);

	/* --uid-map/--gid-map: the Rust virtiofsd's :ns:host:count:, any
	 * separator, repeatable; namespace sandbox only; 0 must be mapped. */
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:1:",
		    "--uid-map", "/1/200000/65536/", "--gid-map=:0:1000:1:") == 0);
	CHECK(o.n_uid_map == 2 && o.uid_map[0].ns == 0 && o.uid_map[0].host == 1000 &&
	      o.uid_map[0].count == 1 && o.uid_map[1].ns == 1 && o.uid_map[1].host == 200000 &&
	      o.uid_map[1].count == 65536);
	CHECK(o.n_gid_map == 1 && o.gid_map[0].host == 1000 && o.sandbox == SANDBOX_NAMESPACE);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--gid-map=|0|1|4294967294|") == 0 &&
	      o.gid_map[0].count == 4294967294u && o.n_uid_map == 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s") == 0 &&
	      o.n_uid_map == 0 && o.n_gid_map == 0);
	static const char *const bad_maps[] = {
		"", ":", "::", ":0:1000:", ":0:1000:1", "0:1000:1:", ":0:1000:1::", ":0:1000:1:2:",
		":0:1000:1::1:200000:65536:", "1010001", "a0a1000a1a", ":0:x:1:", ":-1:1000:1:",
		":+0:1000:1:", ": 0:1000:1:", ":0:1000:0:", ":0:4294967296:1:", ":0:1000:99999999999:",
		":0:4294967295:1:", ":4294967290:1000:10:", ":0::1:", ":0:1000:1;",
	};
	for (unsigned i = 0; i < sizeof(bad_maps) / sizeof(bad_maps[0]); i++) {
		char arg[64];
		snprintf(arg, sizeof(arg), "--uid-map=%s", bad_maps[i]);
		bool refused = PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", arg) < 0;
		CHECK(refused && strstr(err, "--uid-map"));
		if (!refused)
			fprintf(stderr, "  accepted %s\n", arg);
		snprintf(arg, sizeof(arg), "--gid-map=%s", bad_maps[i]);
		CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", arg) < 0 &&
		      strstr(err, "--gid-map"));
	}
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:1:1000:1:") < 0 &&
	      strstr(err, "uid 0"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--gid-map=:5:1000:1:") < 0 &&
	      strstr(err, "gid 0"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:10:",
		    "--uid-map=:5:200000:10:") < 0 && strstr(err, "overlaps"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:10:",
		    "--uid-map=:10:1005:10:") < 0 && strstr(err, "overlaps"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:10:",
		    "--uid-map=:10:1010:10:") == 0 && o.n_uid_map == 2);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:1:",
		    "--sandbox=none") < 0 && strstr(err, "--sandbox=namespace"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--gid-map=:0:1000:1:",
		    "-o", "sandbox=chroot") < 0 && strstr(err, "--sandbox=namespace"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:1:",
		    "--translate-uid=map:0:0:1") < 0 && strstr(err, "--translate-uid"));
	/* ACL entries name untranslated ids: no --posix-acl with a translation. */
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--posix-acl",
		    "--translate-uid=map:1000:2000:1") < 0 && strstr(err, "--posix-acl"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--translate-gid=map:1000:2000:1",
		    "-o", "posix_acl") < 0 && strstr(err, "--posix-acl"));
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--posix-acl",
		    "--translate-uid=map:1000:2000:1", "-o", "no_posix_acl") == 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--gid-map=:0:1000:1:",
		    "--translate-gid=map:0:0:1") < 0 && strstr(err, "--translate-gid"));
	/* Each excludes only its own kind of translation. */
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map=:0:1000:1:",
		    "--translate-gid=map:0:0:1") == 0);
	CHECK(PARSE(&o, err, "--shared-dir=/srv", "--socket-path=/s", "--uid-map") < 0);

	/* --help, --version and --print-capabilities need nothing else */
	CHECK(PARSE(&o, err, "--help") == 0 && o.help);
	CHECK(PARSE(&o, err, "-V") == 0 && o.version);
	CHECK(PARSE(&o, err, "--print-capabilities") == 0 && o.print_capabilities);

	options_free(&o);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures != 0;
}
