/* The files at --socket-path: the claim SOCKET.pid and the socket itself
 * (socket_file.h says why the claim). */
#include "socket_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log/log.h"

static int socket_group_id(const char *name, gid_t *gid)
{
	char *end;
	unsigned long v = strtoul(name, &end, 10);
	if (*name && !*end) {
		*gid = (gid_t)v;
		return 0;
	}
	struct group gr, *res = NULL;
	char buf[4096];
	int rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (rc != 0)
		return -rc;
	if (!res)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

/* The directory part of path (".": none) into dir, its last component
 * into *base. */
static int split_path(const char *path, char *dir, size_t dirlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!**base)
		return -EISDIR;
	size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
	if (n >= dirlen)
		return -ENAMETOOLONG;
	memcpy(dir, slash ? path : ".", n);
	dir[n] = '\0';
	return 0;
}

/* path's directory as an O_PATH fd, its last component into base; a path
 * that does not fit sun_path is -ENAMETOOLONG. */
static int open_parent(const char *path, char *base, size_t baselen)
{
	char dir[PATH_MAX];
	const char *b;
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	int rc = split_path(path, dir, sizeof(dir), &b);
	if (rc < 0)
		return rc;
	if (strlen(b) >= baselen)
		return -ENAMETOOLONG;
	snprintf(base, baselen, "%s", b);
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -errno : dfd;
}

void socket_file_temp_name(const char *sock_name, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)sock_name; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	snprintf(buf, len, ".virtiofsd-%016llx.sock", (unsigned long long)h);
}

/* The socket appears at base only once it listens: it is bound under a
 * temporary name in the directory dfd (reached as /proc/self/fd/DIR/NAME,
 * so any directory fits sun_path), given its mode and group, set
 * listening, then renamed into place, which also replaces a stale socket
 * in one step.  A VMM that connects as soon as the path exists (libvirt,
 * the test beds) otherwise met ECONNREFUSED in the window between bind
 * and listen: 2 of 300 starts on a loaded machine. */
static int listen_at(int dfd, const char *base, const char *path, const char *socket_group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[64];
	struct stat st;
	int rc;

	gid_t gid = (gid_t)-1;
	if (socket_group) {
		rc = socket_group_id(socket_group, &gid);
		if (rc < 0) {
			log_error("socket group %s: %s", socket_group, strerror(-rc));
			return rc;
		}
	}
	/* Replace a stale socket, never some other kind of file. */
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket", path);
		return -EEXIST;
	}
	socket_file_temp_name(base, tmp, sizeof(tmp));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, tmp);
	/* Left by a start on this path that died between bind and rename:
	 * the claim we hold makes the name ours. */
	if (fstatat(dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
		unlinkat(dfd, tmp, 0);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Nobody else may connect before the mode is set. */
	mode_t old_umask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_umask);
	if (rc < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((socket_group && (fchownat(dfd, tmp, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
			      fchmodat(dfd, tmp, 0660, 0) < 0)) ||
	    listen(fd, 1) < 0 || renameat(dfd, tmp, dfd, base) < 0) {
		rc = -errno;
		unlinkat(dfd, tmp, 0);
		close(fd);
		return rc;
	}
	return fd;
}

int vu_listen(const char *path, const char *socket_group)
{
	char base[SOCKET_NAME_MAX];
	if (!path)
		return -ENAMETOOLONG;
	int dfd = open_parent(path, base, sizeof(base));
	if (dfd < 0)
		return dfd;
	int fd = listen_at(dfd, base, path, socket_group);
	close(dfd);
	return fd;
}

/* The pid a claim file holds, or 0. */
static long claim_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Open and lock the claim file: its fd, or -errno. */
static int lock_claim(struct socket_file *sf)
{
	const char *path = sf->path;
	/* A file opened, then removed or replaced by another start before we
	 * locked it, guards nothing: try again with what the name holds.  The
	 * lock comes before any check of the owner: a file a running daemon
	 * holds is never removed. */
	for (int tries = 0; tries < 8; tries++) {
		struct stat st, now;
		int fd = openat(sf->dir_fd, sf->claim_name,
				O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			log_error("%s.pid is not a regular file", path);
			close(fd);
			return -EEXIST;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			if (e == EWOULDBLOCK) {
				log_error("another virtiofsd (pid %ld) serves %s: its %s.pid is locked",
					  claim_holder(fd), path, path);
				e = EBUSY;
			}
			close(fd);
			return -e;
		}
		bool named = fstatat(sf->dir_fd, sf->claim_name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
			     now.st_dev == st.st_dev && now.st_ino == st.st_ino;
		if (named && fstat(fd, &st) == 0 && st.st_uid == geteuid() && st.st_nlink == 1)
			return fd;
		/* Another user's file, or one with other names (a hard link
		 * planted where our pid would be written over it): never
		 * truncated, replaced by a new file. */
		if (named && unlinkat(sf->dir_fd, sf->claim_name, 0) < 0) {
			log_error("%s.pid belongs to another user or has other names, and cannot be "
				  "replaced: %s", path, strerror(errno));
			close(fd);
			return -EEXIST; /* said: a file there we cannot use */
		}
		close(fd);
	}
	return -EAGAIN;
}

int socket_file_claim(struct socket_file *sf, const char *path)
{
	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	sf->dir_fd = sf->claim_fd = -1;
	int rc = open_parent(path, sf->sock_name, sizeof(sf->sock_name));
	if (rc >= 0) {
		sf->dir_fd = rc;
		snprintf(sf->claim_name, sizeof(sf->claim_name), "%s.pid", sf->sock_name);
		rc = lock_claim(sf);
	}
	if (rc < 0) {
		if (rc != -EBUSY && rc != -EEXIST) /* those lock_claim has told */
			log_error("cannot claim %s: %s", path, strerror(-rc));
		socket_file_abandon(sf);
		return rc;
	}
	sf->claim_fd = rc;
	socket_file_write_pid(sf);
	return 0;
}

int socket_file_listen(struct socket_file *sf, const char *socket_group)
{
	int fd = listen_at(sf->dir_fd, sf->sock_name, sf->path, socket_group);
	struct stat st;
	if (fd >= 0 && fstatat(sf->dir_fd, sf->sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		sf->sock_dev = st.st_dev;
		sf->sock_ino = st.st_ino;
	}
	return fd;
}

void socket_file_write_pid(struct socket_file *sf)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (sf->claim_fd < 0)
		return;
	/* Only a full disk stops this, and the lock still does its work. */
	if (ftruncate(sf->claim_fd, 0) < 0 || pwrite(sf->claim_fd, buf, n, 0) != n)
		log_warn("writing the pid into the claim file: %s", strerror(errno));
}

/* Remove dir/name if it is still the file (dev, ino). */
static void remove_if_same(int dir, const char *name, dev_t dev, ino_t ino)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == dev &&
	    st.st_ino == ino)
		unlinkat(dir, name, 0);
}

void socket_file_abandon(struct socket_file *sf)
{
	struct stat st;
	if (sf->dir_fd >= 0 && sf->sock_ino)
		remove_if_same(sf->dir_fd, sf->sock_name, sf->sock_dev, sf->sock_ino);
	/* Removed while still locked: a start that opened it meanwhile finds
	 * the name gone after its lock, and claims a new file. */
	if (sf->dir_fd >= 0 && sf->claim_fd >= 0 && fstat(sf->claim_fd, &st) == 0)
		remove_if_same(sf->dir_fd, sf->claim_name, st.st_dev, st.st_ino);
	if (sf->claim_fd >= 0)
		close(sf->claim_fd);
	sf->claim_fd = -1;
	socket_file_started(sf);
}

void socket_file_started(struct socket_file *sf)
{
	if (sf->dir_fd >= 0)
		close(sf->dir_fd);
	sf->dir_fd = -1;
}
