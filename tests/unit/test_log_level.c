#include "log/log.h"
#include <assert.h>
#include <stdio.h>
int main(void)
{
	enum log_level l;
	assert(log_level_parse("debug", &l) == 0 && l == LOG_LVL_DEBUG);
	assert(log_level_parse("warning", &l) == 0 && l == LOG_LVL_WARN);
	assert(log_level_parse("bogus", &l) == -1);
	return 0;
}
