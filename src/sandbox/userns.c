#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"

/* ---- The user namespace of an unprivileged daemon ----
 *
 * The process that unshares CLONE_NEWUSER cannot give itself more than its
 * own uid and gid, and the kernel takes a map only from a process outside
 * the namespace (or, for one's own id alone, inside it).  So a helper is
 * forked before the unshare: it stays outside, waits until the parent has
 * unshared, writes the parent's maps and exits.  newuidmap/newgidmap are the
 * setuid helpers that write ranges /etc/subuid and /etc/subgid allow; a
 * single "0 ID 1" line of one's own id needs no helper. */

/* Write text to /proc/PID/name: 0, or -1 with err filled. */
static int write_proc(pid_t pid, const char *name, const char *text, char *err, size_t errlen)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		errbuf_fail(err, errlen, "writing \"%.*s\" to %s: %s", (int)len - 1, text, path,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Run TOOL PID NS HOST COUNT... (newuidmap, newgidmap): 0, or -1 with its
 * own message (or why it could not run) in err, on one line. */
static int run_map_tool(const char *tool, pid_t pid, const struct id_range *r, unsigned n,
			char *err, size_t errlen)
{
	char num[1 + 3 * OPTIONS_MAX_ID_MAPS][12];
	char *argv[3 + 3 * OPTIONS_MAX_ID_MAPS];
	unsigned argc = 0;
	argv[argc++] = (char *)tool;
	snprintf(num[0], sizeof(num[0]), "%d", (int)pid);
	argv[argc++] = num[0];
	for (unsigned i = 0; i < n; i++) {
		const uint32_t v[3] = { r[i].ns, r[i].host, r[i].count };
		for (int j = 0; j < 3; j++) {
			snprintf(num[1 + 3 * i + j], sizeof(num[0]), "%u", v[j]);
			argv[argc++] = num[1 + 3 * i + j];
		}
	}
	argv[argc] = NULL;

	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return errbuf_fail(err, errlen, "pipe: %s", strerror(errno));
	pid_t t = fork();
	if (t < 0) {
		close(out[0]);
		close(out[1]);
		return errbuf_fail(err, errlen, "fork: %s", strerror(errno));
	}
	if (t == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execvp(tool, argv);
		int e = errno;
		dprintf(STDERR_FILENO, "cannot run %s: %s%s", tool, strerror(e),
			e == ENOENT ? " (it is in the uidmap package)" : "");
		_exit(127);
	}
	close(out[1]);
	char msg[400];
	size_t len = 0;
	ssize_t got;
	while ((got = read(out[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
	       (got < 0 && errno == EINTR))
		if (got > 0)
			len += (size_t)got;
	close(out[0]);
	msg[len] = '\0';
	int status;
	while (waitpid(t, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* One line: its message's lines joined, without the trailing newline. */
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !strncmp(msg, "cannot run", 10))
		return errbuf_fail(err, errlen, "%s", msg);
	return errbuf_fail(err, errlen, "%s failed: %s", tool, len ? msg : "no message");
}

static int write_maps(const struct options *o, pid_t pid, uid_t uid, gid_t gid, char *err,
		      size_t errlen)
{
	char line[64];
	if (o->n_uid_map) {
		if (run_map_tool("newuidmap", pid, o->uid_map, o->n_uid_map, err, errlen) < 0)
			return -1;
	} else {
		snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)uid);
		if (write_proc(pid, "uid_map", line, err, errlen) < 0)
			return -1;
	}
	if (o->n_gid_map)
		return run_map_tool("newgidmap", pid, o->gid_map, o->n_gid_map, err, errlen);
	/* Without CAP_SETGID outside, the kernel takes a gid map only once
	 * setgroups(2) is denied in the namespace for good. */
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)gid);
	if (write_proc(pid, "setgroups", "deny\n", err, errlen) < 0 ||
	    write_proc(pid, "gid_map", line, err, errlen) < 0)
		return -1;
	return 0;
}

/* Unshare flags and a user namespace, mapped by a helper from outside.
 * 0, or -1 logged (one line) with nothing left running. */
int userns_enter(const struct options *o, int flags)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t self = getpid();
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0) {
		log_error("pipe: %s", strerror(errno));
		return -1;
	}
	pid_t helper = fork();
	if (helper < 0) {
		log_error("fork: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (helper == 0) {
		char c, err[512];
		close(go[1]);
		/* EOF: the parent could not unshare (it reports why). */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (write_maps(o, self, uid, gid, err, sizeof(err)) < 0) {
			log_error("user namespace id maps: %s", err);
			_exit(1);
		}
		_exit(0);
	}
	close(go[0]);
	int unshared = unshare(flags | CLONE_NEWUSER), e = errno;
	if (unshared == 0 && write(go[1], "m", 1) != 1)
		unshared = -1, e = errno;
	close(go[1]);
	int status;
	while (waitpid(helper, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (unshared < 0) {
		log_error("unshare(user, mount, pid, net namespaces): %s", strerror(e));
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* In the serving process: become uid and gid 0 of the namespace (the
 * mapped user, or the range's first id), which the per-request credential
 * switch returns to, and drop supplementary groups where the namespace
 * allows it (setgroups is denied when the gid map is the user's own gid
 * alone: then the groups the daemon was started with stay). */
int userns_become_root(void)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		log_error("becoming root of the user namespace: %s", strerror(errno));
		return -1;
	}
	char policy[16] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t got = read(fd, policy, sizeof(policy) - 1);
		policy[got > 0 ? got : 0] = '\0';
		close(fd);
	}
	if (!strncmp(policy, "allow", 5)) {
		if (setgroups(0, NULL) < 0) {
			log_error("dropping supplementary groups: %s", strerror(errno));
			return -1;
		}
	} else if (getgroups(0, NULL) > 0) {
		log_warn("user namespace: the supplementary groups the daemon was started with "
			 "stay (setgroups is denied without a --gid-map range from /etc/subgid)");
	}
	return 0;
}
