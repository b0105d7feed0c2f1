/* The files at --socket-path: the socket, and its claim SOCKET.pid.
 *
 * One daemon serves a socket path.  Before the socket is made, the daemon
 * claims the path: SOCKET.pid (the Rust virtiofsd's name, so the two
 * exclude each other too) holds its pid under an exclusive flock(2), which
 * lasts while any process of the daemon keeps the file open.  A second start
 * on the same path fails instead of replacing the socket a VMM may be about
 * to connect to.  A claim file of another owner, or with other names (a
 * hard link), is replaced rather than written.  The files stay when the
 * daemon exits (the sandbox hides
 * their directory; the next start takes them over); a start that fails
 * removes what it made. */
#ifndef SOCKET_FILE_H
#define SOCKET_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* A socket's whole path fits sun_path (108 bytes), so its name does too. */
#define SOCKET_NAME_MAX 108

struct socket_file {
	const char *path; /* --socket-path, for messages */
	int dir_fd;   /* O_PATH: the socket's directory, until start-up is over */
	int claim_fd; /* SOCKET.pid, locked; open for the daemon's life */
	char sock_name[SOCKET_NAME_MAX];
	char claim_name[SOCKET_NAME_MAX + 4]; /* sock_name ".pid" */
	dev_t sock_dev;
	ino_t sock_ino; /* 0: no socket made yet */
};

/* Claims PATH: 0, or -EBUSY (logged with the holder's pid) when a running
 * daemon holds it, or another -errno (logged). */
int socket_file_claim(struct socket_file *sf, const char *path);

/* Makes the socket at the claimed path, listening (see listen_at);
 * socket_group: its group, mode 0660, when not NULL.  The fd or -errno. */
int socket_file_listen(struct socket_file *sf, const char *socket_group);

/* The claim's pid, again: --daemonize forked. */
void socket_file_write_pid(struct socket_file *sf);

/* Start-up failed: the socket and the claim file go (each only if still
 * the one this daemon made or locked), and the claim ends. */
void socket_file_abandon(struct socket_file *sf);

/* Start-up is over: the directory's fd closes; the claim stays held. */
void socket_file_started(struct socket_file *sf);

/* The name the socket is bound under before it is renamed into place:
 * .virtiofsd-HASH.sock, HASH of the socket's name, so that the next start
 * on the path, holding the claim, removes what a start that died between
 * bind and rename left. */
void socket_file_temp_name(const char *sock_name, char *buf, size_t len);

/* A listening socket at path without a claim (the unit tests' daemons);
 * the fd or -errno. */
int vu_listen(const char *path, const char *socket_group);

#endif
