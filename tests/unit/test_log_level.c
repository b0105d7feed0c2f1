#include "log/log.h"
#include <assert.h>
#include <stdio.h>
int main(void)
{
	enum log_level l;
	assert(log_level_parse("debug", &l) == 0 && l == LOG_LVL_DEBUG);
	assert(log_level_parse("warning", &l) == 0 && l == LOG_LVL_WARN);
	assert(log_level_parse("bogus", &l) == -1);

	/* a flood from one call site logs one line and counts the rest */
	log_setup(LOG_LVL_INFO, 0);
	struct log_ratelimit rl = { 0 };
	for (int i = 0; i < 1000; i++)
		log_ratelimited(&rl, LOG_LVL_WARN, "bad chain %d (one line expected)", i);
	assert(rl.held_back == 999);
	return 0;
}
