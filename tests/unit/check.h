/* Assertions for the unit tests: the failing expression (and, for EQ, both
 * values) with file and line, then exit 1. */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                    \
	do {                                                                        \
		if (!(c)) {                                                         \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			exit(1);                                                    \
		}                                                                   \
	} while (0)
#define EQ(a, b)                                                                    \
	do {                                                                        \
		long long _a = (long long)(a), _b = (long long)(b);                 \
		if (_a != _b) {                                                     \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",  \
				__FILE__, __LINE__, #a, _a, #b, _b);                \
			exit(1);                                                    \
		}                                                                   \
	} while (0)

#endif
