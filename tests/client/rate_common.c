#include "rate_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double rate_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void rate_die(const char *what, const char *why)
{
	fprintf(stderr, "rate: %s: %s\n", what, why);
	exit(1);
}
