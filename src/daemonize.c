#include "daemonize.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"

static int ready_fd = -1, null_fd = -1;

int daemonize_start(void)
{
	int p[2];
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		log_error("daemonize: %s", strerror(errno));
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		log_error("daemonize: fork: %s", strerror(errno));
		return -1;
	}
	if (child > 0) {
		/* Every process of the daemon holds the write end: EOF means
		 * they all ended before one said it serves. */
		close(p[1]);
		char c;
		ssize_t n;
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() < 0 || chdir("/") < 0)
		log_warn("daemonize: %s", strerror(errno));
	return 0;
}

void daemonize_ready(void)
{
	if (ready_fd < 0)
		return;
	dup2(null_fd, STDIN_FILENO);
	dup2(null_fd, STDOUT_FILENO);
	dup2(null_fd, STDERR_FILENO);
	close(null_fd);
	null_fd = -1;
	if (write(ready_fd, "r", 1) != 1)
		log_warn("daemonize: the launching process is gone");
	close(ready_fd);
	ready_fd = -1;
}
