/* The claim on --socket-path: SOCKET.pid locked with our pid; a second
 * claim (another open file description, as another daemon has) is refused;
 * an abandoned start removes its socket and claim, and only those; a claim
 * file that is a symlink or a directory is never followed or used, one with
 * other names or another owner never written: replaced; what a start that
 * died between bind and rename left is removed by the next. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "transport/socket_file.h"

static char dir[64], sock[128], claim[128];

static long pid_in(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	return strtol(buf, NULL, 10);
}

/* Whether someone holds the claim's lock (as a second daemon would see). */
static int locked(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	int r = flock(fd, LOCK_EX | LOCK_NB);
	close(fd);
	return r < 0 && errno == EWOULDBLOCK;
}

static void test_claim_and_refuse(void)
{
	struct socket_file a, b;
	struct stat st;

	EQ(socket_file_claim(&a, sock), 0);
	EQ(pid_in(claim), getpid());
	CHECK(locked(claim));
	CHECK(stat(claim, &st) == 0 && (st.st_mode & 07777) == 0600);
	int fd = socket_file_listen(&a, NULL);
	CHECK(fd >= 0);
	CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode));

	/* Another start on the path: refused, and it leaves both files be. */
	EQ(socket_file_claim(&b, sock), -EBUSY);
	CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode));
	EQ(pid_in(claim), getpid());
	CHECK(locked(claim));

	/* Started: the claim outlives the directory's fd. */
	socket_file_started(&a);
	EQ(a.dir_fd, -1);
	CHECK(locked(claim));
	EQ(socket_file_claim(&b, sock), -EBUSY);

	/* The daemon exits: both files stay (the sandbox hides them), the
	 * lock goes, and the next start takes them over. */
	close(fd);
	close(a.claim_fd);
	CHECK(!locked(claim));
	EQ(socket_file_claim(&b, sock), 0);
	fd = socket_file_listen(&b, NULL);
	CHECK(fd >= 0);
	close(fd);

	/* A failed start removes its socket and its claim. */
	socket_file_abandon(&b);
	CHECK(access(sock, F_OK) < 0 && errno == ENOENT);
	CHECK(access(claim, F_OK) < 0 && errno == ENOENT);
	EQ(b.claim_fd, -1);
	EQ(b.dir_fd, -1);
}

static void test_abandon_keeps_others_files(void)
{
	struct socket_file a;
	struct stat st;

	/* Claimed but no socket made yet: a socket someone else put there
	 * (a stale one of an earlier daemon) stays. */
	int s = open(sock, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(s >= 0);
	close(s);
	EQ(socket_file_claim(&a, sock), 0);
	socket_file_abandon(&a);
	CHECK(stat(sock, &st) == 0);
	CHECK(access(claim, F_OK) < 0);
	unlink(sock);
}

static void test_claim_file_not_followed(void)
{
	struct socket_file a;
	char target[160];
	struct stat st;

	/* A symlink (someone else's file behind it in a shared directory). */
	snprintf(target, sizeof(target), "%s/target", dir);
	int t = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(t >= 0);
	CHECK(write(t, "keep\n", 5) == 5);
	close(t);
	CHECK(symlink(target, claim) == 0);
	EQ(socket_file_claim(&a, sock), -ELOOP);
	CHECK(stat(target, &st) == 0 && st.st_size == 5);
	CHECK(lstat(claim, &st) == 0 && S_ISLNK(st.st_mode));
	unlink(claim);
	unlink(target);

	/* A hard link to a file that must not be truncated: replaced, the
	 * other name's contents untouched. */
	t = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(t >= 0);
	CHECK(write(t, "keep\n", 5) == 5);
	close(t);
	CHECK(link(target, claim) == 0);
	EQ(socket_file_claim(&a, sock), 0);
	CHECK(stat(target, &st) == 0 && st.st_size == 5 && st.st_nlink == 1);
	EQ(pid_in(claim), getpid());
	socket_file_abandon(&a);
	unlink(target);

	/* Another user's file: replaced by one of ours. */
	t = open(claim, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(t >= 0);
	close(t);
	if (geteuid() == 0) {
		CHECK(chown(claim, 4242, 4242) == 0);
		EQ(socket_file_claim(&a, sock), 0);
		CHECK(stat(claim, &st) == 0 && st.st_uid == 0);
		socket_file_abandon(&a);
	}
	unlink(claim);

	/* A directory. */
	CHECK(mkdir(claim, 0700) == 0);
	CHECK(socket_file_claim(&a, sock) < 0);
	CHECK(access(sock, F_OK) < 0);
	rmdir(claim);

	/* A path too long for a socket, and one without a directory. */
	char longp[200];
	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	EQ(socket_file_claim(&a, longp), -ENAMETOOLONG);
	EQ(socket_file_claim(&a, "/nonexistent-dir-for-test/s.sock"), -ENOENT);
	EQ(socket_file_claim(&a, "/tmp/"), -EISDIR);
}

/* A start died between bind and rename: its socket under the temporary
 * name goes with the next start on the path (not a file of that name). */
static void test_crash_leftover_removed(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char base[64], tmp[40];
	struct socket_file a;
	struct stat st;

	snprintf(base, sizeof(base), "%s", strrchr(sock, '/') + 1);
	socket_file_temp_name(base, tmp, sizeof(tmp));
	CHECK(strlen(dir) + 1 + strlen(tmp) < sizeof(sa.sun_path));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.60s/%.39s", dir, tmp);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(s);
	EQ(socket_file_claim(&a, sock), 0);
	int fd = socket_file_listen(&a, NULL);
	CHECK(fd >= 0);
	CHECK(access(sa.sun_path, F_OK) < 0 && errno == ENOENT);
	CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode));
	close(fd);
	socket_file_abandon(&a);

	/* Another kind of file by that name is not removed: bind fails. */
	s = open(sa.sun_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(s >= 0);
	close(s);
	EQ(socket_file_claim(&a, sock), 0);
	CHECK(socket_file_listen(&a, NULL) < 0);
	CHECK(stat(sa.sun_path, &st) == 0 && S_ISREG(st.st_mode));
	socket_file_abandon(&a);
	unlink(sa.sun_path);

	/* Names differ per socket. */
	char other[40];
	socket_file_temp_name("other.sock", other, sizeof(other));
	CHECK(strcmp(tmp, other) != 0);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-socket-file-%d", (int)getpid());
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(sock, sizeof(sock), "%s/vfs.sock", dir);
	snprintf(claim, sizeof(claim), "%s/vfs.sock.pid", dir);

	test_claim_and_refuse();
	test_abandon_keeps_others_files();
	test_claim_file_not_followed();
	test_crash_leftover_removed();

	CHECK(rmdir(dir) == 0);
	return 0;
}
