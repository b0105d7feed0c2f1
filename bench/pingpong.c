/* The floor for a request that must wake the daemon: two threads bounce a
 * token through two eventfds (the kick and the call of a virtqueue), as the
 * client and a queue thread do for one request in flight.
 *   pingpong [-p] [SECONDS] [CPU_A CPU_B]
 * prints "pingpong_us <round trip in microseconds>".  With two CPUs, the
 * main thread runs on CPU_A and the other on CPU_B (as client-rate's
 * PIN=split); otherwise pin the whole program like the client-rate run it
 * is compared with (taskset).  -p: the other side is a forked process, as
 * the daemon is to its client (and to QEMU): on one CPU every round trip
 * then also switches address spaces twice. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int kick, call;
static volatile int stop;

static void bounce(int from, int to)
{
	uint64_t v;
	if (read(from, &v, sizeof(v)) != sizeof(v))
		exit(1);
	v = 1;
	if (write(to, &v, sizeof(v)) != sizeof(v))
		exit(1);
}

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static void *server(void *arg)
{
	(void)arg;
	while (!stop)
		bounce(kick, call);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int process = argc > 1 && strcmp(argv[1], "-p") == 0;
	if (process) {
		argv++;
		argc--;
	}
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	int pinned = argc > 3;
	pthread_t t;
	pid_t child = -1;
	kick = eventfd(0, 0);
	call = eventfd(0, 0);
	if (kick < 0 || call < 0)
		return 1;
	if (process) {
		child = fork();
		if (child < 0)
			return 1;
		if (child == 0) {
			/* Never outlive the parent, blocked in read(). */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
				_exit(1);
			if (pinned && pin(pthread_self(), atoi(argv[3])))
				_exit(1);
			for (;;)
				bounce(kick, call);    /* killed by the parent */
		}
	} else if (pthread_create(&t, NULL, server, NULL)) {
		return 1;
	}
	if (pinned && (pin(pthread_self(), atoi(argv[2])) || (!process && pin(t, atoi(argv[3]))))) {
		fprintf(stderr, "pingpong: cannot pin to CPUs %s and %s\n", argv[2], argv[3]);
		return 1;
	}
	uint64_t one = 1, n = 0;
	double start = now(), end = start + secs, t1;
	do {
		for (int i = 0; i < 1000; i++) {
			if (write(kick, &one, sizeof(one)) != sizeof(one))
				return 1;
			uint64_t v;
			if (read(call, &v, sizeof(v)) != sizeof(v))
				return 1;
		}
		n += 1000;
		t1 = now();
	} while (t1 < end);
	if (process) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	} else {
		stop = 1;
		if (write(kick, &one, sizeof(one)) != sizeof(one))
			return 1;
		pthread_join(t, NULL);
	}
	printf("pingpong_us %.2f\n", (t1 - start) / (double)n * 1e6);
	return 0;
}
