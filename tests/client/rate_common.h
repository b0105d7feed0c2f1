/* What the request-rate client's parts share. */
#ifndef RATE_COMMON_H
#define RATE_COMMON_H

/* CLOCK_MONOTONIC in seconds. */
double rate_now(void);
/* "rate: WHAT: WHY" on stderr, exit 1. */
_Noreturn void rate_die(const char *what, const char *why);

#endif
