/* --daemonize without daemon(3)'s blind spot: daemon(3) returns to the shell
 * at once, so a failure while sandboxing or setting up (after the fork) left
 * exit status 0 and no daemon.  Here the launching process waits until the
 * daemon is about to serve (exit 0) or has failed (exit 1: its error went to
 * the same stderr). */
#ifndef DAEMONIZE_H
#define DAEMONIZE_H

/* Fork; the parent waits and exits, the child returns 0 in a new session
 * (cwd /) holding the handshake fds.  -1 (logged) if it cannot fork. */
int daemonize_start(void);

/* In the process that will serve: stdin, stdout and stderr become /dev/null
 * (opened by daemonize_start: a sandbox has none) and the launcher is told
 * to exit 0.  Nothing without daemonize_start. */
void daemonize_ready(void);

#endif
