/* The hostile-input suite, one case per daemon:
 *   build/client/hostile list              case names ("NAME", "NAME reconnect" or
 *                                          "NAME file-handles")
 *   build/client/hostile prepare BASE      make BASE/share (the shared dir, with
 *                                          a file, a dir, a FIFO, a socket, a
 *                                          device node, escaping symlinks) and
 *                                          BASE/outside (must stay unreachable)
 *   build/client/hostile SOCKET BASE CASE  run one case against the daemon
 * A case brings the device up and FUSE-initialises it, does one hostile
 * thing and checks the immediate answer (see hostile.h); then this checks
 * that the daemon still serves (GETATTR of the root, GET_FEATURES) and that
 * nothing outside the share changed.  Prints "PASS CASE" or "FAIL CASE: why";
 * exit 0 on PASS.  tests/client/hostile.sh runs every case. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostile.h"

static const struct {
	const struct hostile_case *cases;
	const unsigned *count;
} tables[] = {
	{ hostile_vring_cases, &hostile_vring_count },
	{ hostile_fuse_cases, &hostile_fuse_count },
	{ hostile_names_cases, &hostile_names_count },
	{ hostile_vhost_cases, &hostile_vhost_count },
	{ hostile_migration_cases, &hostile_migration_count },
	{ hostile_syscalls_cases, &hostile_syscalls_count },
	{ hostile_shrink_cases, &hostile_shrink_count },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static const struct hostile_case *find_case(const char *name)
{
	for (size_t t = 0; t < NTABLES; t++)
		for (unsigned i = 0; i < *tables[t].count; i++)
			if (!strcmp(tables[t].cases[i].name, name))
				return &tables[t].cases[i];
	return NULL;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A UNIX socket file: bind, then close (the file stays). */
static int make_socket_file(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), r;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r;
}

static int prepare(const char *base)
{
	char p[4096];

#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", base, rel), p)
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		return perror(base), 1;
	if (mkdir(AT("share"), 0755) < 0 || write_file(AT("outside"), H_SECRET) < 0 ||
	    write_file(AT("share/file"), H_FILE) < 0 || mkdir(AT("share/dir"), 0755) < 0 ||
	    mkdir(AT("share/dir/inner"), 0755) < 0 || mkfifo(AT("share/fifo"), 0644) < 0 ||
	    make_socket_file(AT("share/sock")) < 0 ||
	    symlink("../outside", AT("share/escape-file")) < 0 ||
	    symlink("..", AT("share/escape-dir")) < 0)
		return perror(p), 1;
	char target[4096];
	snprintf(target, sizeof(target), "%s/outside", base);
	if (symlink(target, AT("share/escape-abs")) < 0)
		return perror(p), 1;
	/* The host's /proc, through the daemon's own view of it. */
	if (symlink("/proc/self/root", AT("share/escape-proc-root")) < 0 ||
	    symlink("/proc/1/root/etc", AT("share/escape-proc-init")) < 0)
		return perror(p), 1;
	/* A device node needs CAP_MKNOD: /dev/null's numbers, harmless to open. */
	if (mknod(AT("share/devnull"), S_IFCHR | 0666, makedev(1, 3)) < 0 &&
	    write_file(AT("share/devnull"), "") < 0)
		return perror(p), 1;
#undef AT
	return 0;
}

/* What lies beside the share: the names in BASE and the outside file. */
struct outside_state {
	char listing[1024];
	char content[256];
	struct stat st;
};

static void outside_snapshot(const char *base, struct outside_state *o)
{
	char cmd[4200];
	FILE *f;

	memset(o, 0, sizeof(*o));
	snprintf(cmd, sizeof(cmd), "ls -a '%s'", base);
	if ((f = popen(cmd, "r"))) {
		size_t n = fread(o->listing, 1, sizeof(o->listing) - 1, f);
		o->listing[n] = '\0';
		pclose(f);
	}
	snprintf(cmd, sizeof(cmd), "%s/outside", base);
	int fd = open(cmd, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, o->content, sizeof(o->content) - 1);
		if (n > 0)
			o->content[n] = '\0';
		fstat(fd, &o->st);
		close(fd);
	}
}

static const char *outside_changed(const struct outside_state *a, const struct outside_state *b)
{
	if (strcmp(a->listing, b->listing))
		return "the directory holding the share changed";
	if (strcmp(b->content, H_SECRET) || strcmp(a->content, b->content))
		return "the file beside the share changed";
	if (a->st.st_mtim.tv_sec != b->st.st_mtim.tv_sec ||
	    a->st.st_mtim.tv_nsec != b->st.st_mtim.tv_nsec || a->st.st_mode != b->st.st_mode ||
	    a->st.st_uid != b->st.st_uid || a->st.st_size != b->st.st_size)
		return "the file beside the share was modified (mtime/mode/owner/size)";
	return NULL;
}

int main(int argc, char **argv)
{
	static struct env e;
	struct outside_state before, after;
	const char *step = NULL, *why = NULL, *changed;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A daemon that stops reading a state stream makes our writes fail
	 * with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t t = 0; t < NTABLES; t++)
			for (unsigned i = 0; i < *tables[t].count; i++)
				printf("%s%s\n", tables[t].cases[i].name,
				       tables[t].cases[i].flags & HC_RECONNECT ? " reconnect" :
				       tables[t].cases[i].flags & HC_FILE_HANDLES ? " file-handles" : "");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "prepare"))
		return prepare(argv[2]);
	if (argc != 4) {
		fprintf(stderr, "usage: %s list | prepare BASE | SOCKET BASE CASE\n", argv[0]);
		return 2;
	}
	const char *name = argv[3];
	const struct hostile_case *c = find_case(name);
	if (!c) {
		fprintf(stderr, "unknown case %s\n", name);
		return 2;
	}
	e.sock = argv[1];
	e.base = argv[2];
	e.o = (struct fs_options){ .indirect = true };
	outside_snapshot(e.base, &before);
	h_share_listing(&e, e.share_listing, sizeof(e.share_listing));
	/* The socket file appears at bind(), a moment before listen(). */
	for (int i = 0; i < 50; i++) {
		r = fs_open(&e.s, e.sock, &e.o, &step);
		if (r != -ECONNREFUSED)
			break;
		fs_close(&e.s);
		usleep(50 * 1000);
	}
	if (r < 0 ||
	    (r = fr_slot_init(&e.slot, &e.s.c, 65536)) < 0 ||
	    (r = fr_slot_init(&e.bad, &e.s.c, 65536)) < 0 ||
	    (r = fs_fuse_init(&e.s, &e.slot, 0, 0, &why)) < 0) {
		printf("FAIL %s: setup: %s %s\n", name, step ? step : "", why ? why : strerror(-r));
		return 1;
	}
	if (c->run(&e) != 0) {     /* -1, or 1 from "a() || b()" */
		printf("FAIL %s: %s\n", name, e.why);
		return 1;
	}
	if (h_serving(&e) < 0) {
		printf("FAIL %s: not serving afterwards: %s\n", name, e.why);
		return 1;
	}
	outside_snapshot(e.base, &after);
	if ((changed = outside_changed(&before, &after))) {
		printf("FAIL %s: %s\n", name, changed);
		return 1;
	}
	printf("PASS %s\n", name);
	fs_close(&e.s);
	return 0;
}
